package org

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Service holds the rules for reading and changing the tree.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns the tree's service.
func NewService(d *db.DB, now func() time.Time) *Service { return &Service{db: d, now: now} }

// Unit returns one unit in the principal's scope.
func (s *Service) Unit(ctx context.Context, p auth.Principal, code string) (Unit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Unit{}, err
	}
	return Get(ctx, s.db.Read(), p.Scope(), code)
}

// Children returns the units directly under code, which must be in scope.
func (s *Service) Children(ctx context.Context, p auth.Principal, code string) ([]Unit, error) {
	if _, err := s.Unit(ctx, p, code); err != nil {
		return nil, err
	}
	return Children(ctx, s.db.Read(), p.Scope(), code)
}

// Path returns the breadcrumbs to a unit in scope.
func (s *Service) Path(ctx context.Context, p auth.Principal, code string) ([]Unit, error) {
	if _, err := s.Unit(ctx, p, code); err != nil {
		return nil, err
	}
	return Path(ctx, s.db.Read(), code)
}

// Communities lists the communities in the principal's scope.
func (s *Service) Communities(ctx context.Context, p auth.Principal) ([]Unit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return ListLevel(ctx, s.db.Read(), p.Scope(), scope.Community)
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
