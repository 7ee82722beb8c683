package staff

import (
	"context"
	"database/sql"
	"errors"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
)

// Named is a worker by id and name, as a refusal lists them.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// EndGridAssignments ends, on the day on, every current assignment to grid (one that
// began on that day never held, and goes, as end does), and returns them: a grid
// that ends is served by nobody from that day.
func EndGridAssignments(ctx context.Context, q db.Querier, grid, on string) ([]Assignment, error) {
	current, err := assignmentsWhere(ctx, q, `grid_code = $1 AND ended_on IS NULL`, grid)
	if err != nil {
		return nil, err
	}
	for i, a := range current {
		if current[i], err = end(ctx, q, a, on); err != nil {
			return nil, err
		}
	}
	return current, nil
}

// Transfer moves a worker to community from the day on (decision 34): their stay in
// the unit they leave closes as a period (worker_org_periods), so the figures of an
// earlier day count them there, and their current assignments to grids outside the
// new community end on that day. A transfer to the unit they are in does nothing.
// The caller holds the transaction, has checked the community and the day (not
// before LastChange), and records the audit.
func Transfer(ctx context.Context, q db.Querier, workerID, community, on string) error {
	var org string
	err := q.QueryRowContext(ctx, `SELECT org_code FROM workers WHERE id = $1`, workerID).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "worker.not_found", "worker")
	}
	if err != nil || org == community {
		return err
	}
	if err := closeOrgPeriod(ctx, q, workerID, community, on); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE workers SET org_code = $2 WHERE id = $1`, workerID, community); err != nil {
		return err
	}
	current, err := assignmentsWhere(ctx, q, `worker_id = $1 AND ended_on IS NULL`, workerID)
	if err != nil {
		return err
	}
	for _, a := range current {
		if len(a.GridCode) < len(community) || a.GridCode[:len(community)] != community {
			if _, err := end(ctx, q, a, on); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeOrgPeriod readies a worker's move to community on the day on: when that is
// another unit than theirs, their stay in it closes as a period (one begun that
// very day leaves nothing) and org_since becomes on. The caller then writes the
// new org_code.
func closeOrgPeriod(ctx context.Context, q db.Querier, workerID, community, on string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO worker_org_periods (worker_id, starts_on, ends_on, org_code)
		SELECT id, CASE WHEN org_since > hired_on THEN org_since ELSE hired_on END, $3, org_code FROM workers
		WHERE id = $1 AND org_code <> $2 AND org_since < $3 AND hired_on < $3`, workerID, community, on); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE workers SET org_since = $3 WHERE id = $1 AND org_code <> $2`, workerID, community, on)
	return err
}

// AssignFrom assigns a worker to grid from the day on, under the rules of every
// assignment (decision 18): a grid of the worker's community, served once at a
// time, with room in its team on every day from on.
func AssignFrom(ctx context.Context, q db.Querier, workerID, grid, on string) (Assignment, error) {
	w := Worker{ID: workerID}
	err := q.QueryRowContext(ctx, `SELECT org_code FROM workers WHERE id = $1`, workerID).Scan(&w.CommunityCode)
	if errors.Is(err, sql.ErrNoRows) {
		return Assignment{}, apperr.New(apperr.NotFound, "worker.not_found", "worker")
	}
	if err != nil {
		return Assignment{}, err
	}
	history, err := Assignments(ctx, q, workerID)
	if err != nil {
		return Assignment{}, err
	}
	return assign(ctx, q, w, grid, on, history)
}

// LastChange returns the latest day the register dates a worker by: hired, come to
// their unit, an assignment begun or ended. A dated change of the worker may not
// come before it.
func LastChange(ctx context.Context, q db.Querier, workerID string) (string, error) {
	var last string
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(d), '') FROM (
		SELECT hired_on AS d FROM workers WHERE id = $1
		UNION ALL SELECT org_since FROM workers WHERE id = $1
		UNION ALL SELECT MAX(assigned_on) FROM worker_grids WHERE worker_id = $1
		UNION ALL SELECT MAX(ended_on) FROM worker_grids WHERE worker_id = $1) AS changes`, workerID).Scan(&last)
	return last, err
}

// In returns the workers whose unit is code, by name.
func In(ctx context.Context, q db.Querier, code string) ([]Named, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM workers WHERE org_code = $1 ORDER BY name, id`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Named{}
	for rows.Next() {
		var n Named
		if err := rows.Scan(&n.ID, &n.Name); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
