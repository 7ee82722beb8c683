package org

import (
	"context"
	"fmt"
	"strconv"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// The suffixes the statistics bureau's rules (统计用区划代码, 国统字〔2009〕91号; GB/T
// 10114) give a unit under its parent: a residents' committee (居民委员会) takes
// 001–199 of its street's 12-digit codes — 200 and up belong to villages and their
// like — and a grid any of 001–999 after its community's code (our own rule, as the
// national grid code CJ/T 349 places the community before its own digits).
var codeRanges = map[scope.Level][2]int{
	scope.Community: {1, 199},
	scope.Grid:      {1, 999},
}

// AllocateCode returns a code for a new unit of level (a community or a grid) under
// parent: the one after the highest ever used in the level's range under parent, or,
// once the range's top is taken, the lowest never used. Units are never deleted —
// one that ends keeps its row with dissolved_on — so org_units is the ledger of
// every code ever used, and a code that once named a unit names no other: a past
// figure or a paper file quoting it cannot be read as the new one. Call it in the
// transaction that inserts the unit; a full range is invalid, naming parent_code.
func AllocateCode(ctx context.Context, q db.Querier, parent string, level scope.Level) (string, error) {
	r, ok := codeRanges[level]
	if !ok || scope.LevelOf(parent) != level.Parent() {
		return "", apperr.Invalidf("parent_code", "org.parent_level").With("want", string(level.Parent()))
	}
	rows, err := q.QueryContext(ctx, `SELECT code FROM org_units WHERE parent_code = $1 AND level = $2`, parent, string(level))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	used := map[int]bool{}
	top := 0
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return "", err
		}
		if n, err := strconv.Atoi(code[len(parent):]); err == nil && n >= r[0] && n <= r[1] {
			used[n] = true
			top = max(top, n)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if top < r[1] {
		return fmt.Sprintf("%s%03d", parent, max(top+1, r[0])), nil
	}
	for n := r[0]; n <= r[1]; n++ {
		if !used[n] {
			return fmt.Sprintf("%s%03d", parent, n), nil
		}
	}
	return "", apperr.Invalidf("parent_code", "org.codes_exhausted").With("parent", parent)
}

// Establish inserts u as a unit that exists from the day on (YYYY-MM-DD), as Insert
// does otherwise.
func Establish(ctx context.Context, q db.Querier, u Unit, on string, createdAt int64) error {
	if err := Insert(ctx, q, u, createdAt); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE org_units SET established_on = $1 WHERE code = $2`, on, u.Code)
	return err
}

// End records that the unit code no longer exists from the day on: its row stays,
// so that the register as of an earlier day still has it. successor, when not "",
// names the unit that carries it on (a moved grid's new code).
func End(ctx context.Context, q db.Querier, code, on, successor string) error {
	_, err := q.ExecContext(ctx, `UPDATE org_units SET dissolved_on = $1, successor_code = $2 WHERE code = $3`, on, nullZero(successor), code)
	if err != nil {
		return err
	}
	return changes.Bump(ctx, q, changes.Org)
}

// Dates returns the day a unit was established ("" when not recorded) and the day
// it ended ("" while it stands), read in q's transaction.
func Dates(ctx context.Context, q db.Querier, code string) (established, dissolved string, err error) {
	err = q.QueryRowContext(ctx, `SELECT established_on, COALESCE(dissolved_on, '') FROM org_units WHERE code = $1`, code).
		Scan(&established, &dissolved)
	return established, dissolved, err
}

// StandingChildren returns the codes of the units directly under code that have not
// ended, in code order.
func StandingChildren(ctx context.Context, q db.Querier, code string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT code FROM org_units WHERE parent_code = $1 AND dissolved_on IS NULL ORDER BY code`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
