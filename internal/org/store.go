package org

import (
	"context"
	"database/sql"
	"errors"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

const unitColumns = `code, name, level, COALESCE(parent_code, ''), COALESCE(founded_year, 0), COALESCE(office_area_m2, 0), authorized_posts`

func scanUnit(row interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	err := row.Scan(&u.Code, &u.Name, &u.Level, &u.ParentCode, &u.FoundedYear, &u.OfficeAreaM2, &u.AuthorizedPosts)
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

// Children returns the units directly under code, in code order, within sc.
func Children(ctx context.Context, q db.Querier, sc scope.Scope, code string) ([]Unit, error) {
	w, args := sc.Where("code", 2)
	return collect(q.QueryContext(ctx, `SELECT `+unitColumns+` FROM org_units WHERE parent_code = $1 AND `+w+` ORDER BY code`,
		append([]any{code}, args...)...))
}

// ListLevel returns every unit of a level within sc, in code order.
func ListLevel(ctx context.Context, q db.Querier, sc scope.Scope, level scope.Level) ([]Unit, error) {
	w, args := sc.Where("code", 2)
	return collect(q.QueryContext(ctx, `SELECT `+unitColumns+` FROM org_units WHERE level = $1 AND `+w+` ORDER BY code`,
		append([]any{string(level)}, args...)...))
}

// Path returns the ancestors of code, top down, ending with the unit itself. It is
// for breadcrumbs: a user sees the names of the units above their own, and nothing
// else of them.
func Path(ctx context.Context, q db.Querier, code string) ([]Unit, error) {
	var path []Unit
	for code != "" {
		u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM org_units WHERE code = $1`, code))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "org.not_found", "code")
		}
		if err != nil {
			return nil, err
		}
		path = append([]Unit{u}, path...)
		code = u.ParentCode
	}
	return path, nil
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

func nullInt(v int) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Insert adds a unit. A code that exists already is a conflict: codes are never
// silently reused.
func Insert(ctx context.Context, q db.Querier, u Unit, createdAt int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO org_units (code, name, level, parent_code, founded_year, office_area_m2, authorized_posts, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.Code, u.Name, string(u.Level), nullString(u.ParentCode), nullInt(u.FoundedYear), nullInt(u.OfficeAreaM2), u.AuthorizedPosts, createdAt)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "org.code_taken", "code")
	}
	return err
}

// Update changes a unit's name and community facts; code, level and parent stay.
func Update(ctx context.Context, q db.Querier, u Unit) error {
	_, err := q.ExecContext(ctx, `UPDATE org_units SET name = $1, founded_year = $2, office_area_m2 = $3, authorized_posts = $4 WHERE code = $5`,
		u.Name, nullInt(u.FoundedYear), nullInt(u.OfficeAreaM2), u.AuthorizedPosts, u.Code)
	return err
}
