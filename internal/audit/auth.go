package audit

import (
	"cmp"
	"context"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

// RecordAuth is the auth.Auditor: it records auth's events in the trail, in the
// transaction of the change.
func RecordAuth(ctx context.Context, q db.Querier, e auth.Event) error {
	return Record(ctx, q, fromAuth(e))
}

// fromAuth turns an auth event into an entry: the object is the account acted on.
func fromAuth(e auth.Event) Entry {
	en := FromPrincipal(e.Principal)
	en.UserName = cmp.Or(en.UserName, e.Subject)
	en.Action, en.Outcome, en.Reason = e.Action, e.Outcome, e.Reason
	if e.Subject != "" {
		en.Object = "user:" + e.Subject
	}
	return en
}
