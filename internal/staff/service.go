package staff

import (
	"context"
	"database/sql"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Service holds the rules for the workforce.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns the workforce service.
func NewService(d *db.DB, now func() time.Time) *Service { return &Service{db: d, now: now} }

// Workers lists the workers under code within the principal's scope.
func (s *Service) Workers(ctx context.Context, p auth.Principal, code string) ([]Worker, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return List(ctx, s.db.Read(), s.db.Keys(), p.Scope(), code)
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

// GridWorkers returns the team of a grid in scope.
func (s *Service) GridWorkers(ctx context.Context, p auth.Principal, grid string) ([]Worker, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return GridWorkers(ctx, s.db.Read(), s.db.Keys(), p.Scope(), grid)
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
		for _, g := range w.GridCodes {
			u, err := org.Lookup(ctx, tx, g)
			if err != nil {
				return err
			}
			if u == nil || u.Level != scope.Grid || u.ParentCode != c.Code {
				return apperr.Invalidf("grid_codes", "worker.grid").With("grid", g)
			}
			n, err := CountGridWorkers(ctx, tx, g, id)
			if err != nil {
				return err
			}
			if n >= MaxWorkersPerGrid {
				return apperr.Invalidf("grid_codes", "worker.grid_full").With("grid", g)
			}
		}
		if err := Save(ctx, tx, s.db.Keys(), w, insert, s.now()); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), action, "worker:"+w.ID)
		e.Reason = "org:" + w.CommunityCode
		return audit.Record(ctx, tx, e)
	})
	return w, audit.RecordOutOfScope(ctx, s.db, p, s.now(), action, err)
}
