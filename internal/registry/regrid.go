package registry

import (
	"context"
	"time"

	"shequ/internal/platform/db"
)

// GridMoved counts what followed a grid to its new code.
type GridMoved struct {
	Households int `json:"households"`
	Residents  int `json:"residents"`
	Contacts   int `json:"contacts"`
}

// MoveGrid carries everything the register keeps in grid from to grid to, from the
// day on (decision 34): the households standing in it, their buildings, their
// residents (registered or not) and tags. As of any day before on, the statistics
// still find them in from: each household's stay there closes as a period
// (household_grid_periods) and each registered resident's period ends on on and a
// new one opens in to (a period that began on on is moved, not split). Contact
// roles (楼栋长, 居民小组长, 居民代表) end in from — kept in grid_contact_history at
// endedAt — and start again in to, where the same people still hold them. Households
// dissolved before on stay where they were, as history. The caller holds the
// transaction, has checked that on is not before GridLastChange(from), and records
// the audit.
func MoveGrid(ctx context.Context, q db.Querier, from, to, on string, endedAt time.Time) (GridMoved, error) {
	var n GridMoved
	standing := `SELECT id FROM households WHERE org_code = $1 AND dissolved_on IS NULL`
	var err error
	if n.Households, err = StandingHouseholds(ctx, q, from); err != nil {
		return n, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM resident_periods WHERE org_code = $1 AND ends_on IS NULL`, from).Scan(&n.Residents); err != nil {
		return n, err
	}
	steps := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO household_grid_periods (household_id, starts_on, ends_on, org_code)
			SELECT id, CASE WHEN grid_since > established_on THEN grid_since ELSE established_on END, $2, org_code
			FROM households WHERE org_code = $1 AND dissolved_on IS NULL AND grid_since < $2 AND established_on < $2`, []any{from, on}},
		{`UPDATE resident_tags SET org_code = $2 WHERE resident_id IN (SELECT id FROM residents WHERE household_id IN (` + standing + `))`, []any{from, to}},
		{`UPDATE residents SET org_code = $2 WHERE household_id IN (` + standing + `)`, []any{from, to}},
		{`UPDATE households SET org_code = $2, grid_since = $3, updated_at = $4 WHERE org_code = $1 AND dissolved_on IS NULL`,
			[]any{from, to, on, endedAt.UnixMilli()}},
		{`UPDATE buildings SET org_code = $2 WHERE org_code = $1`, []any{from, to}},
		// The periods: one begun on the day itself now begins in the new grid; the
		// others end on it, and a new one of each opens there.
		{`UPDATE resident_periods SET org_code = $2 WHERE org_code = $1 AND ends_on IS NULL AND starts_on >= $3`, []any{from, to, on}},
		{`INSERT INTO resident_periods (resident_id, starts_on, ends_on, household_id, org_code, population_type)
			SELECT resident_id, $3, NULL, household_id, $2, population_type FROM resident_periods WHERE org_code = $1 AND ends_on IS NULL`,
			[]any{from, to, on}},
		{`UPDATE resident_periods SET ends_on = $2 WHERE org_code = $1 AND ends_on IS NULL`, []any{from, on}},
	}
	for _, s := range steps {
		if _, err := q.ExecContext(ctx, s.sql, s.args...); err != nil {
			return n, err
		}
	}
	n.Contacts, err = restartContacts(ctx, q, from, to, endedAt)
	return n, err
}

// StandingHouseholds counts the households registered to code now, not dissolved.
func StandingHouseholds(ctx context.Context, q db.Querier, code string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE org_code = $1 AND dissolved_on IS NULL`, code).Scan(&n)
	return n, err
}

// restartContacts ends the contact roles held in grid from, keeping each in
// grid_contact_history under its own id, and gives each a new row in grid to.
func restartContacts(ctx context.Context, q db.Querier, from, to string, endedAt time.Time) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, resident_id, role FROM grid_contacts WHERE org_code = $1`, from)
	if err != nil {
		return 0, err
	}
	type contact struct{ id, resident, role string }
	var cs []contact
	for rows.Next() {
		var c contact
		if err := rows.Scan(&c.id, &c.resident, &c.role); err != nil {
			rows.Close()
			return 0, err
		}
		cs = append(cs, c)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO grid_contact_history (id, org_code, resident_id, role, ended_at)
		SELECT id, org_code, resident_id, role, $2 FROM grid_contacts WHERE org_code = $1`, from, endedAt.UnixMilli()); err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM grid_contacts WHERE org_code = $1`, from); err != nil {
		return 0, err
	}
	for _, c := range cs {
		if _, err := q.ExecContext(ctx, `INSERT INTO grid_contacts (id, org_code, resident_id, role) VALUES ($1, $2, $3, $4)`,
			db.NewID(), to, c.resident, c.role); err != nil {
			return 0, err
		}
	}
	return len(cs), nil
}

// GridLastChange returns the latest day the register dates anything in grid by: a
// household established, dissolved or come to it, a resident's period begun or
// ended in it. A dated change of the grid may not come before it, or the figures of
// the days between would be rewritten.
func GridLastChange(ctx context.Context, q db.Querier, grid string) (string, error) {
	var last string
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(d), '') FROM (
		SELECT MAX(established_on) AS d FROM households WHERE org_code = $1
		UNION ALL SELECT MAX(grid_since) FROM households WHERE org_code = $1
		UNION ALL SELECT MAX(dissolved_on) FROM households WHERE org_code = $1
		UNION ALL SELECT MAX(starts_on) FROM resident_periods WHERE org_code = $1
		UNION ALL SELECT MAX(ends_on) FROM resident_periods WHERE org_code = $1
		UNION ALL SELECT MAX(ends_on) FROM household_grid_periods WHERE org_code = $1) AS changes`, grid).Scan(&last)
	return last, err
}
