package staff

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

const workerColumns = `w.id, w.name, w.id_number, w.sex, w.birth_date, w.org_code, w.position, w.education, w.hired_on, w.certificates, w.phone`

func scanWorker(row interface{ Scan(...any) error }) (Worker, error) {
	var w Worker
	err := row.Scan(&w.ID, &w.Name, &w.IDNumber, &w.Sex, &w.BirthDate, &w.CommunityCode, &w.Position, &w.Education, &w.HiredOn,
		&w.Certificates, &w.Phone)
	w.GridCodes = []string{}
	return w, err
}

// visible is the condition for a worker being in a scope: employed by a community
// in it, or serving a grid in it (a grid worker sees their own team). Its four
// placeholders start at n: the scope's range, then the range of the unit asked about.
func visible(sc scope.Scope, code string, n int) (string, []any) {
	w1, a1 := sc.Where("w.org_code", n)
	w2, a2 := scope.Of(code).Where("w.org_code", n+2)
	g1, _ := sc.Where("g.grid_code", n)
	g2, _ := scope.Of(code).Where("g.grid_code", n+2)
	return `((` + w1 + ` AND ` + w2 + `) OR EXISTS (SELECT 1 FROM worker_grids g WHERE g.worker_id = w.id AND ` + g1 + ` AND ` + g2 + `))`,
		append(a1, a2...)
}

// List returns the workers under code that the scope sees (so asking about a unit
// above the caller's own yields the caller's scope), by community then name, with
// their grids.
func List(ctx context.Context, q db.Querier, sc scope.Scope, code string) ([]Worker, error) {
	out := []Worker{}
	cond, args := visible(sc, code, 1)
	rows, err := q.QueryContext(ctx, `SELECT `+workerColumns+` FROM workers w WHERE `+cond+` ORDER BY w.org_code, w.name, w.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]int{}
	for rows.Next() {
		w, err := scanWorker(rows)
		if err != nil {
			return nil, err
		}
		byID[w.ID] = len(out)
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	grows, err := q.QueryContext(ctx, `SELECT wg.worker_id, wg.grid_code FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id
		WHERE `+cond+` ORDER BY wg.grid_code`, args...)
	if err != nil {
		return nil, err
	}
	defer grows.Close()
	for grows.Next() {
		var id, g string
		if err := grows.Scan(&id, &g); err != nil {
			return nil, err
		}
		if i, ok := byID[id]; ok {
			out[i].GridCodes = append(out[i].GridCodes, g)
		}
	}
	return out, grows.Err()
}

// Get returns one worker in scope with their grids.
func Get(ctx context.Context, q db.Querier, sc scope.Scope, id string) (Worker, error) {
	cond, args := visible(sc, "", 2)
	wk, err := scanWorker(q.QueryRowContext(ctx, `SELECT `+workerColumns+` FROM workers w WHERE w.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Worker{}, apperr.New(apperr.NotFound, "worker.not_found", "id")
	}
	if err != nil {
		return Worker{}, err
	}
	wk.GridCodes, err = workerGrids(ctx, q, id)
	return wk, err
}

func workerGrids(ctx context.Context, q db.Querier, id string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT grid_code FROM worker_grids WHERE worker_id = $1 ORDER BY grid_code`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GridWorkers returns the workers serving a grid in scope.
func GridWorkers(ctx context.Context, q db.Querier, sc scope.Scope, grid string) ([]Worker, error) {
	out := []Worker{}
	if !sc.Contains(grid) {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT w.id, w.name, w.id_number, w.sex, w.birth_date, w.org_code, w.position, w.education, w.hired_on,
		w.certificates, w.phone FROM worker_grids g JOIN workers w ON w.id = g.worker_id WHERE g.grid_code = $1 ORDER BY w.name`, grid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		w, err := scanWorker(rows)
		if err != nil {
			return nil, err
		}
		w.GridCodes = []string{grid}
		out = append(out, w)
	}
	return out, rows.Err()
}

// CountGridWorkers counts the workers other than except serving grid.
func CountGridWorkers(ctx context.Context, q db.Querier, grid, except string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM worker_grids WHERE grid_code = $1 AND worker_id <> $2`, grid, except).Scan(&n)
	return n, err
}

// Save inserts or rewrites a worker and their grids.
func Save(ctx context.Context, q db.Querier, w Worker, insert bool, now time.Time) error {
	var err error
	if insert {
		_, err = q.ExecContext(ctx, `INSERT INTO workers (id, name, id_number, sex, birth_date, org_code, position, education, hired_on,
			certificates, phone, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
			w.ID, w.Name, w.IDNumber, w.Sex, w.BirthDate, w.CommunityCode, w.Position, w.Education, w.HiredOn, w.Certificates, w.Phone, now.UnixMilli())
	} else {
		_, err = q.ExecContext(ctx, `UPDATE workers SET name = $2, id_number = $3, sex = $4, birth_date = $5, org_code = $6, position = $7,
			education = $8, hired_on = $9, certificates = $10, phone = $11, updated_at = $12 WHERE id = $1`,
			w.ID, w.Name, w.IDNumber, w.Sex, w.BirthDate, w.CommunityCode, w.Position, w.Education, w.HiredOn, w.Certificates, w.Phone, now.UnixMilli())
	}
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "worker.id_taken", "id_number")
	}
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM worker_grids WHERE worker_id = $1`, w.ID); err != nil {
		return err
	}
	for _, g := range w.GridCodes {
		if _, err := q.ExecContext(ctx, `INSERT INTO worker_grids (worker_id, grid_code) VALUES ($1, $2)`, w.ID, g); err != nil {
			return err
		}
	}
	return nil
}
