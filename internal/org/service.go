package org

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Service holds the rules for reading and changing the tree. Its reads come from
// the tree held in memory (see tree); share one Service in a process.
type Service struct {
	db   *db.DB
	now  func() time.Time
	tree *tree
}

// NewService returns the tree's service.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: now, tree: newTree(d)}
}

func notFound() error { return apperr.New(apperr.NotFound, "org.not_found", "code") }

// Unit returns one unit in the principal's scope; otherwise not_found, whether or
// not it exists, so codes outside a user's scope cannot be probed.
func (s *Service) Unit(ctx context.Context, p auth.Principal, code string) (Unit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Unit{}, err
	}
	t, err := s.tree.current(ctx)
	if err != nil {
		return Unit{}, err
	}
	u, ok := t.unit(code)
	if !ok {
		return Unit{}, notFound()
	}
	if !p.Scope().Contains(code) {
		return Unit{}, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, audit.OutsideScope("org", code, notFound()))
	}
	return u, nil
}

// Lookup returns a unit by code without a scope, or nil if there is none: for a
// signed-in user's own unit, whose name every page shows.
func (s *Service) Lookup(ctx context.Context, code string) (*Unit, error) {
	t, err := s.tree.current(ctx)
	if err != nil {
		return nil, err
	}
	if u, ok := t.unit(code); ok {
		return &u, nil
	}
	return nil, nil
}

// Children returns the units directly under code, which must be in scope, in code
// order.
func (s *Service) Children(ctx context.Context, p auth.Principal, code string) ([]Unit, error) {
	if _, err := s.Unit(ctx, p, code); err != nil {
		return nil, err
	}
	t, err := s.tree.current(ctx)
	if err != nil {
		return nil, err
	}
	return t.childrenOf(p.Scope(), code), nil
}

// Path returns the breadcrumbs to a unit in scope: its ancestors, top down, ending
// with the unit itself. A user sees the names of the units above their own, and
// nothing else of them.
func (s *Service) Path(ctx context.Context, p auth.Principal, code string) ([]Unit, error) {
	if _, err := s.Unit(ctx, p, code); err != nil {
		return nil, err
	}
	t, err := s.tree.current(ctx)
	if err != nil {
		return nil, err
	}
	path, ok := t.path(code)
	if !ok {
		return nil, notFound()
	}
	return path, nil
}

// Communities lists the communities in the principal's scope, in code order.
func (s *Service) Communities(ctx context.Context, p auth.Principal) ([]Unit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	t, err := s.tree.current(ctx)
	if err != nil {
		return nil, err
	}
	return t.level(p.Scope(), scope.Community), nil
}

// Create adds a unit under a parent in the principal's scope.
func (s *Service) Create(ctx context.Context, p auth.Principal, u Unit) (Unit, error) {
	if err := p.Require(auth.WriteOrg); err != nil {
		return Unit{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActOrgCreate, "org:"+u.Code), err)
	}
	u.Name = strings.TrimSpace(u.Name)
	if u.Level == "" {
		u.Level = scope.LevelOf(u.Code)
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var parent *Unit
		if u.ParentCode != "" {
			if !p.Scope().Contains(u.ParentCode) {
				return apperr.Invalidf("parent_code", "org.not_found")
			}
			var err error
			if parent, err = Lookup(ctx, tx, u.ParentCode); err != nil {
				return err
			}
		}
		if u.Level == scope.City && !p.Scope().Contains(u.Code) {
			return apperr.New(apperr.Forbidden, "auth.forbidden", "code")
		}
		if err := u.Validate(parent, s.now().Year()); err != nil {
			return err
		}
		if err := Insert(ctx, tx, u, s.now().UnixMilli()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, s.now(), audit.ActOrgCreate, "org:"+u.Code))
	})
	return u, err
}

// Update changes a unit's name and community facts.
func (s *Service) Update(ctx context.Context, p auth.Principal, u Unit) (Unit, error) {
	if err := p.Require(auth.WriteOrg); err != nil {
		return Unit{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActOrgUpdate, "org:"+u.Code), err)
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := Get(ctx, tx, p.Scope(), u.Code)
		if err != nil {
			return err
		}
		u.Name = strings.TrimSpace(u.Name)
		u.Level, u.ParentCode = old.Level, old.ParentCode
		parent, err := Lookup(ctx, tx, old.ParentCode)
		if err != nil {
			return err
		}
		if err := u.Validate(parent, s.now().Year()); err != nil {
			return err
		}
		if err := Update(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, s.now(), audit.ActOrgUpdate, "org:"+u.Code))
	})
	return u, err
}

// Editable returns a unit the principal may change: org.write, and the unit in
// scope. A refusal is audited like a refused write; a unit out of scope is not
// found, as for a read.
func (s *Service) Editable(ctx context.Context, p auth.Principal, code string) (Unit, error) {
	if err := p.Require(auth.WriteOrg); err != nil {
		return Unit{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActOrgUpdate, "org:"+code), err)
	}
	return s.Unit(ctx, p, code)
}

// NextGridCode suggests the code of a new grid under a community in scope: the
// community's code and the three digits after its last grid's, or the first free
// ones once 999 is taken; "" when all are. A grid that has ended keeps its code
// (decision 34), so it counts as taken.
func (s *Service) NextGridCode(ctx context.Context, p auth.Principal, community string) (string, error) {
	if _, err := s.Unit(ctx, p, community); err != nil {
		return "", err
	}
	t, err := s.tree.current(ctx)
	if err != nil {
		return "", err
	}
	taken := map[int]bool{}
	last := 0
	for _, c := range t.children[community] {
		if n, err := strconv.Atoi(strings.TrimPrefix(c, community)); err == nil && t.units[c].Level == scope.Grid {
			taken[n] = true
			last = max(last, n)
		}
	}
	if last < 999 {
		return fmt.Sprintf("%s%03d", community, last+1), nil
	}
	for n := 1; n < 999; n++ {
		if !taken[n] {
			return fmt.Sprintf("%s%03d", community, n), nil
		}
	}
	return "", nil
}
