package reorg

import (
	"context"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
)

// moveAccounts binds the accounts bound to grid from to grid to: a grid worker's
// account follows the grid, whose people they still serve. The auth topic moves,
// so that no process keeps their old scope.
func moveAccounts(ctx context.Context, q db.Querier, from, to string) error {
	res, err := q.ExecContext(ctx, `UPDATE users SET org_code = $2 WHERE org_code = $1`, from, to)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return changes.Bump(ctx, q, changes.Auth)
}

// copyGridMap gives grid to the neighbours, boundary and area type of grid from,
// which the planner reads (migration 024): the place is the same. The rows of from
// stay with it, as history.
func copyGridMap(ctx context.Context, q db.Querier, from, to string) error {
	for _, s := range []string{
		`INSERT INTO grid_adjacency (grid_a, grid_b, source, shared_m)
			SELECT CASE WHEN $2 < other THEN $2 ELSE other END, CASE WHEN $2 < other THEN other ELSE $2 END, source, shared_m
			FROM (SELECT grid_b AS other, source, shared_m FROM grid_adjacency WHERE grid_a = $1
				UNION ALL SELECT grid_a, source, shared_m FROM grid_adjacency WHERE grid_b = $1) AS n
			WHERE other <> $2 ON CONFLICT DO NOTHING`,
		`INSERT INTO grid_boundaries (grid_code, geometry, min_lng_e6, min_lat_e6, max_lng_e6, max_lat_e6, area_m2, updated_at)
			SELECT $2, geometry, min_lng_e6, min_lat_e6, max_lng_e6, max_lat_e6, area_m2, updated_at FROM grid_boundaries WHERE grid_code = $1`,
		`INSERT INTO grid_area_types (grid_code, area_type) SELECT $2, area_type FROM grid_area_types WHERE grid_code = $1`,
	} {
		if _, err := q.ExecContext(ctx, s, from, to); err != nil {
			return err
		}
	}
	return nil
}

// moveOpenCases moves the cases still open in grid from, and their flows, to grid
// to, where someone now answers for them; closed ones stay where they happened.
func moveOpenCases(ctx context.Context, q db.Querier, from, to string) error {
	open := `SELECT subject_id FROM workflow_instances WHERE subject_kind = 'case' AND org_code = $1 AND closed_at IS NULL`
	if _, err := q.ExecContext(ctx, `UPDATE cases SET org_code = $2 WHERE org_code = $1 AND id IN (`+open+`)`, from, to); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE workflow_instances SET org_code = $2 WHERE org_code = $1 AND closed_at IS NULL`, from, to)
	return err
}

// accountsIn returns the names of the enabled accounts bound to code.
func accountsIn(ctx context.Context, q db.Querier, code string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM users WHERE org_code = $1 AND disabled = 0 ORDER BY name`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// assignmentDates returns the latest day an assignment to grid began or ended.
func assignmentDates(ctx context.Context, q db.Querier, grid string) (string, error) {
	var last string
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(d), '') FROM (SELECT MAX(assigned_on) AS d FROM worker_grids WHERE grid_code = $1
		UNION ALL SELECT MAX(ended_on) FROM worker_grids WHERE grid_code = $1) AS changes`, grid).Scan(&last)
	return last, err
}

// markApplied records a plan's proposal as applied, carried by community; a
// proposal applied already is a conflict.
func markApplied(ctx context.Context, q db.Querier, plan string, no int, community, on, by string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO plan_applications (plan_id, community_no, community_code, applied_on, applied_at, applied_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, plan, no, community, on, at.UnixMilli(), by)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "reorg.plan_applied", "plan").With("plan", plan).With("no", no)
	}
	return err
}

// Applied returns the numbers of a plan's proposals applied so far, with the
// community code that carries each.
func Applied(ctx context.Context, q db.Querier, plan string) (map[int]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT community_no, community_code FROM plan_applications WHERE plan_id = $1`, plan)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var no int
		var code string
		if err := rows.Scan(&no, &code); err != nil {
			return nil, err
		}
		out[no] = code
	}
	return out, rows.Err()
}
