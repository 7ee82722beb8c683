package registry

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/web"
)

// An ID number registered in another unit (decision 8): the answer tells the user
// no more than "taken"; the audit trail is told, and past a limit the user is
// refused. A record asked for by id beyond the scope is audit.NotFound's.

// OutsideLookupsPerHour is how many people registered outside their scope a user
// may run into in an hour, by the ID numbers they give when creating, correcting or
// importing residents, each answered "already registered" and audited as a
// sensitive lookup. A worker meets a few when people move in before their old unit
// has moved them out; more is a search of the city's register. The same person met
// again in the hour counts once: checking a file and then importing it, or
// retrying a form, tells the user nothing new. Past it, every ID-number check of
// the user's is refused, found or not, until the earliest of those lookups is an
// hour old, and each refusal alerts the security administrator.
const OutsideLookupsPerHour = 5

// lookupsListed bounds how many of a user's lookup records of the past hour are
// read to count the people among them: far more than OutsideLookupsPerHour
// distinct people can leave, repeats included, before the user is refused.
const lookupsListed = 1000

// outsideLookupWindow is the span OutsideLookupsPerHour counts over.
const outsideLookupWindow = time.Hour

// errTooManyLookups refuses a user past OutsideLookupsPerHour.
func errTooManyLookups() error {
	return apperr.New(apperr.Forbidden, "resident.id_lookups_exceeded", "").With("max", OutsideLookupsPerHour)
}

// IDLookups counts, for one request of one user, the residents found registered
// outside the user's scope under ID numbers the user gave, against the user's
// count of the past hour. Done writes them to the audit trail after the request's
// own transaction, which a conflict or a dry run rolls back.
type IDLookups struct {
	p       auth.Principal
	at      time.Time
	via     string          // what the user was doing: an action or an import
	met     map[string]bool // the residents met in the past hour and in this request, by audit object
	found   []string        // the residents met in this request, repeats included, each audited
	refused bool
}

// StartIDLookups counts p's lookups outside scope in the hour before at, via what
// p is doing, and refuses if they are at the limit already: the refusal must not
// depend on the ID number asked about, or it would answer the question itself.
// It returns the counter even with the refusal, for Done to record it.
func StartIDLookups(ctx context.Context, q db.Querier, p auth.Principal, at time.Time, via string) (*IDLookups, error) {
	l := &IDLookups{p: p, at: at, via: via, met: map[string]bool{}}
	rows, err := audit.List(ctx, q, audit.Filter{From: at.Add(-outsideLookupWindow), User: p.UserID, Action: audit.ActIDLookup},
		lookupsListed, 0)
	if err != nil {
		return l, err
	}
	for _, r := range rows {
		l.met[r.Object] = true
	}
	if len(l.met) >= OutsideLookupsPerHour {
		l.refused = true
		return l, errTooManyLookups()
	}
	return l, nil
}

// Outside notes that an ID number p gave is registered to residentID, outside p's
// scope. Past the limit it returns the refusal, for the request to end on.
func (l *IDLookups) Outside(residentID string) error {
	l.found = append(l.found, residentID)
	l.met["resident:"+residentID] = true
	if len(l.met) > OutsideLookupsPerHour {
		l.refused = true
		return errTooManyLookups()
	}
	return nil
}

// Done records each lookup outside scope (audit.ActIDLookup, object the resident
// found, outcome failed: the user's write was refused) and, if the user was
// refused, the alert (audit.ActIDLookupLimit, denied) with an ERROR line in the
// log, in one transaction of their own. It returns err, the request's outcome,
// unless the records cannot be written. A nil counter records nothing.
func (l *IDLookups) Done(ctx context.Context, d *db.DB, err error) error {
	if l == nil || (len(l.found) == 0 && !l.refused) {
		return err
	}
	if l.refused {
		web.Logger(ctx).ErrorContext(ctx, "ID-number lookups outside scope over the limit: user refused, security administrator to be alerted",
			"user", l.p.UserID, "name", l.p.Name, "role", l.p.Role, "limit_per_hour", OutsideLookupsPerHour, "via", l.via)
	}
	rerr := d.InTx(ctx, func(tx *sql.Tx) error {
		for _, id := range l.found {
			e := audit.Of(l.p, l.at, audit.ActIDLookup, "resident:"+id)
			e.Outcome, e.Reason = audit.Failed, "id_number registered outside scope; via "+l.via
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
		}
		if !l.refused {
			return nil
		}
		e := audit.Of(l.p, l.at, audit.ActIDLookupLimit, "user:"+l.p.UserID)
		e.Outcome = audit.Denied
		e.Reason = "over " + strconv.Itoa(OutsideLookupsPerHour) + " ID numbers outside scope in an hour; via " + l.via
		return audit.Record(ctx, tx, e)
	})
	if rerr != nil {
		return rerr
	}
	return err
}
