package org

import (
	"context"
	"database/sql"
	"errors"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

const unitColumns = `code, name, level, COALESCE(parent_code, ''), COALESCE(founded_year, 0), COALESCE(office_area_dm2, 0), authorized_posts,
	COALESCE(dissolved_on, '')`

func scanUnit(row interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	err := row.Scan(&u.Code, &u.Name, &u.Level, &u.ParentCode, &u.FoundedYear, &u.OfficeArea, &u.AuthorizedPosts, &u.DissolvedOn)
	return u, err
}

func collect(rows *sql.Rows, err error) ([]Unit, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Get returns the unit with code if it lies in sc; otherwise not_found, whether or
// not it exists, so codes outside a user's scope cannot be probed.
func Get(ctx context.Context, q db.Querier, sc scope.Scope, code string) (Unit, error) {
	if !sc.Contains(code) {
		return Unit{}, apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM org_units WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	return u, err
}

// Lookup returns a unit by code without a scope, for validation inside a write that
// has already checked the scope of what it writes, or nil if there is none.
func Lookup(ctx context.Context, q db.Querier, code string) (*Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM org_units WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// nullZero stores the zero value, "not recorded", as NULL.
func nullZero[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

// Insert adds a unit. A code that exists already is a conflict: codes are never
// silently reused. Like Update, it bumps the org topic's version in q, so that
// every process reads the tree again (see tree).
func Insert(ctx context.Context, q db.Querier, u Unit, createdAt int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO org_units (code, name, level, parent_code, founded_year, office_area_dm2, authorized_posts, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.Code, u.Name, string(u.Level), nullZero(u.ParentCode), nullZero(u.FoundedYear), nullZero(int64(u.OfficeArea)), u.AuthorizedPosts, createdAt)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "org.code_taken", "code")
	}
	if err != nil {
		return err
	}
	return changes.Bump(ctx, q, changes.Org)
}

// Update changes a unit's name and community facts; code, level and parent stay.
func Update(ctx context.Context, q db.Querier, u Unit) error {
	_, err := q.ExecContext(ctx, `UPDATE org_units SET name = $1, founded_year = $2, office_area_dm2 = $3, authorized_posts = $4 WHERE code = $5`,
		u.Name, nullZero(u.FoundedYear), nullZero(int64(u.OfficeArea)), u.AuthorizedPosts, u.Code)
	if err != nil {
		return err
	}
	return changes.Bump(ctx, q, changes.Org)
}
