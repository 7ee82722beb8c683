package audit

import (
	"context"
	"errors"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

// What a user reaches for beyond their scope (decision 8): a record asked for by id
// that exists in another unit is answered as if it did not exist, and the trail is
// told. Every domain's store and service take the same two steps: a store whose
// scoped read found nothing returns NotFound, and the service answers through
// RecordOutOfScope.

// OutOfScope is the answer to a record asked for by id that exists outside the
// caller's scope. It is the same 404 as for a record that does not exist — it
// unwraps to that error, and pages and the API render nothing else — so that ids
// cannot be probed; only the audit record, written by RecordOutOfScope, tells the
// two apart.
type OutOfScope struct {
	Object string // kind:id, as the audit trail names objects
	err    error
}

func (e *OutOfScope) Error() string { return e.err.Error() }

// Unwrap returns the not-found error the caller is answered with.
func (e *OutOfScope) Unwrap() error { return e.err }

// NotFound is the error for a row of table with id that the caller's scope did
// not let them read: notFound if there is no such row, or notFound wrapped in an
// OutOfScope naming kind:id if the row exists beyond the scope. Store functions
// call it after a scoped read found nothing.
func NotFound(ctx context.Context, q db.Querier, table, kind, id string, notFound error) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return OutsideScope(kind, id, notFound)
}

// OutsideScope is notFound for kind:id, a record that exists beyond the caller's
// scope, for a domain that knows so without asking the database (the org tree,
// held in memory).
func OutsideScope(kind, id string, notFound error) error {
	return &OutOfScope{Object: kind + ":" + id, err: notFound}
}

// RecordOutOfScope records, as denied, p's attempt at action on a record that
// exists outside p's scope, when err says so, and returns err: the caller answers
// 404 as ever. Any other error passes through unrecorded — a record that does not
// exist is nobody's, and the trail claims nothing about it.
func RecordOutOfScope(ctx context.Context, d *db.DB, p auth.Principal, at time.Time, action string, err error) error {
	var o *OutOfScope
	if !errors.As(err, &o) {
		return err
	}
	e := Of(p, at, action, o.Object)
	e.Outcome, e.Reason = Denied, "out_of_scope"
	if rerr := RecordAlone(ctx, d, e); rerr != nil {
		return rerr
	}
	return err
}
