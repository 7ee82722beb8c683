package staff

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Service holds the rules for the workforce.
type Service struct {
	db   *db.DB
	now  func() time.Time
	zone *time.Location
}

// NewService returns the workforce service. Its days are those of now's own zone
// until WithZone gives the city's.
func NewService(d *db.DB, now func() time.Time) *Service { return &Service{db: d, now: now} }

// WithZone makes the days of the service — "today", against which assignments are
// dated — the city's, in zone, as the register's are (decision 21).
func (s *Service) WithZone(zone *time.Location) *Service {
	s.zone = zone
	return s
}

// local is now in the city's zone.
func (s *Service) local() time.Time {
	if s.zone == nil {
		return s.now()
	}
	return s.now().In(s.zone)
}

// Today is the city's date now, YYYY-MM-DD.
func (s *Service) Today() string { return dateOf(s.local()) }

// CheckFilter checks a roster's filter and fills in its day: "" is Current. A day
// must be a date not after today; position, education and sex must be one of
// their values or empty (the order is RosterSorting's already). Errors name the
// query parameter.
func (s *Service) CheckFilter(f *Filter) error {
	f.Name = strings.TrimSpace(f.Name)
	if f.AsOf = strings.TrimSpace(f.AsOf); f.AsOf == "" {
		f.AsOf = Current
	} else if err := checkDay("as_of", &f.AsOf, "", "", s.Today()); err != nil {
		return err
	}
	for _, c := range []struct {
		field, key, value string
		values            []string
	}{
		{"position", "worker.position", f.Position, Positions},
		{"education", "worker.education", f.Education, codes.EducationGroups()},
		{"sex", "worker.sex", f.Sex, []string{"M", "F"}},
	} {
		if c.value != "" && !slices.Contains(c.values, c.value) {
			return apperr.Invalidf(c.field, c.key)
		}
	}
	return nil
}

// Workers lists the roster under code within the principal's scope, narrowed and
// ordered by f.
func (s *Service) Workers(ctx context.Context, p auth.Principal, code string, f Filter) ([]Worker, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	if err := s.CheckFilter(&f); err != nil {
		return nil, err
	}
	return List(ctx, s.db.Read(), s.db.Keys(), p.Scope(), code, f)
}

// RosterPage is one page of a roster.
type RosterPage struct {
	Workers []Worker
	// Total is the number of workers the filter keeps; Profiles are those of the
	// whole roster, unfiltered, for its summary.
	Total    int
	Profiles []Profile
}

// Roster returns page n (from 1) of perPage workers of the roster under code within
// the principal's scope, narrowed and ordered by f, which CheckFilter has checked.
// All of it is read in one transaction, so the page, its count and the summary
// agree.
func (s *Service) Roster(ctx context.Context, p auth.Principal, code string, f Filter, n, perPage int) (RosterPage, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return RosterPage{}, err
	}
	var page RosterPage
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		page.Workers, page.Total, err = Roster(ctx, q, s.db.Keys(), p.Scope(), code, f, perPage, (n-1)*perPage)
		if err != nil {
			return err
		}
		page.Profiles, err = Profiles(ctx, q, p.Scope(), code, f.AsOf)
		return err
	})
	return page, err
}

// Worker returns one worker in scope. Asked for one outside p's scope, it answers
// not found and records the attempt as denied, as Update does (decision 8).
func (s *Service) Worker(ctx context.Context, p auth.Principal, id string) (Worker, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Worker{}, err
	}
	w, err := Get(ctx, s.db.Read(), s.db.Keys(), p.Scope(), id)
	return w, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, err)
}

// Assignments returns a worker's assignments to grids, past and present, oldest
// first, for a worker in scope.
func (s *Service) Assignments(ctx context.Context, p auth.Principal, id string) ([]Assignment, error) {
	if _, err := s.Worker(ctx, p, id); err != nil {
		return nil, err
	}
	return Assignments(ctx, s.db.Read(), id)
}

// GridWorkers returns who served a grid in scope on day (YYYY-MM-DD), "" for the
// team it has now.
func (s *Service) GridWorkers(ctx context.Context, p auth.Principal, grid, day string) ([]Worker, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	f := Filter{AsOf: day}
	if err := s.CheckFilter(&f); err != nil {
		return nil, err
	}
	return GridWorkers(ctx, s.db.Read(), s.db.Keys(), p.Scope(), grid, f.AsOf)
}

// Assign assigns a worker of a community in scope to one of its grids from a day:
// not before the worker was hired, not after today, not while they serve it already
// or before their last assignment to it ended, and not onto a grid whose team is
// full on any day since.
func (s *Service) Assign(ctx context.Context, p auth.Principal, id string, in AssignInput) (Assignment, error) {
	if err := p.Require(auth.WriteStaff); err != nil {
		return Assignment{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActWorkerAssign, "worker:"+id), err)
	}
	in.GridCode = strings.TrimSpace(in.GridCode)
	var a Assignment
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, history, err := s.writable(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if in.GridCode == "" {
			return apperr.Invalidf("grid_code", "required")
		}
		if err := checkDay("assigned_on", &in.AssignedOn, w.HiredOn, "worker.before_hired", s.Today()); err != nil {
			return err
		}
		if a, err = assign(ctx, tx, w, in.GridCode, in.AssignedOn, history); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), audit.ActWorkerAssign, "worker:"+w.ID)
		e.Reason = "grid:" + a.GridCode + " from:" + a.AssignedOn
		return audit.Record(ctx, tx, e)
	})
	return a, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActWorkerAssign, err)
}

// EndAssignment ends a worker's current assignment to a grid on a day: the first
// day they no longer serve it, not before it began and not after today. Ended on
// the day it began, the assignment never held and is not kept.
func (s *Service) EndAssignment(ctx context.Context, p auth.Principal, id, grid string, in EndInput) (Assignment, error) {
	if err := p.Require(auth.WriteStaff); err != nil {
		return Assignment{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActWorkerRelieve, "worker:"+id), err)
	}
	var a Assignment
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, history, err := s.writable(ctx, tx, p, id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(history, func(a Assignment) bool { return a.GridCode == grid && a.Current() })
		if i < 0 {
			return apperr.Invalidf("grid_code", "worker.not_assigned").With("grid", grid)
		}
		if err := checkDay("ended_on", &in.EndedOn, history[i].AssignedOn, "worker.ended_before_assigned", s.Today()); err != nil {
			return err
		}
		if a, err = end(ctx, tx, history[i], in.EndedOn); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), audit.ActWorkerRelieve, "worker:"+w.ID)
		e.Reason = "grid:" + a.GridCode + " from:" + a.AssignedOn + " ended:" + in.EndedOn
		return audit.Record(ctx, tx, e)
	})
	return a, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActWorkerRelieve, err)
}

// writable returns a worker whose community is in p's scope, and their
// assignments; another is not found, as one outside the scope.
func (s *Service) writable(ctx context.Context, tx *sql.Tx, p auth.Principal, id string) (Worker, []Assignment, error) {
	w, err := Get(ctx, tx, s.db.Keys(), p.Scope(), id)
	if err == nil && !p.Scope().Contains(w.CommunityCode) {
		err = audit.OutsideScope("worker", id, apperr.New(apperr.NotFound, "worker.not_found", "id"))
	}
	if err != nil {
		return Worker{}, nil, err
	}
	history, err := Assignments(ctx, tx, id)
	return w, history, err
}

// Create adds a worker to a community in scope.
func (s *Service) Create(ctx context.Context, p auth.Principal, in WorkerInput) (Worker, error) {
	return s.save(ctx, p, "", in)
}

// Update changes a worker in scope.
func (s *Service) Update(ctx context.Context, p auth.Principal, id string, in WorkerInput) (Worker, error) {
	return s.save(ctx, p, id, in)
}

func (s *Service) save(ctx context.Context, p auth.Principal, id string, in WorkerInput) (Worker, error) {
	action, object := audit.ActWorkerEdit, "worker:"+id
	if id == "" {
		action, object = audit.ActWorkerNew, "org:"+in.CommunityCode
	}
	if err := p.Require(auth.WriteStaff); err != nil {
		return Worker{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), action, object), err)
	}
	idn, err := in.Validate(s.now())
	if err != nil {
		return Worker{}, err
	}
	insert := id == ""
	if insert {
		id = db.NewID()
	}
	w := Worker{ID: id, Name: in.Name, IDNumber: idn.Value, Sex: string(idn.Sex), BirthDate: idn.BirthDate(), CommunityCode: in.CommunityCode,
		Position: in.Position, Education: in.Education, HiredOn: in.HiredOn, Certificates: in.Certificates, Phone: in.Phone, GridCodes: in.GridCodes}
	w.named()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if !insert {
			if _, err := Get(ctx, tx, s.db.Keys(), p.Scope(), id); err != nil {
				return err
			}
		}
		c, err := org.Lookup(ctx, tx, in.CommunityCode)
		if err != nil {
			return err
		}
		if c == nil || c.Level != scope.Community || !p.Scope().Contains(c.Code) {
			return apperr.Invalidf("community_code", "org.not_found")
		}
		if err := Put(ctx, tx, s.db.Keys(), w, insert, s.local()); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), action, "worker:"+w.ID)
		e.Reason = "org:" + w.CommunityCode
		return audit.Record(ctx, tx, e)
	})
	return w, audit.RecordOutOfScope(ctx, s.db, p, s.now(), action, err)
}
