package staff

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Workers' ID numbers and phones are sealed in the database, with blind indexes to
// find them by (decision 6); the functions that read or write them take the keyring.

const workerColumns = `w.id, w.name, w.id_number_sealed, w.sex, w.birth_date, w.org_code, w.position, w.education, w.hired_on,
	w.certificates, w.phone_sealed`

// scanWorker reads a row of workerColumns and opens its ID number and phone.
func scanWorker(keys crypt.Keyring, row interface{ Scan(...any) error }) (Worker, error) {
	var w Worker
	var id, phone []byte
	err := row.Scan(&w.ID, &w.Name, &id, &w.Sex, &w.BirthDate, &w.CommunityCode, &w.Position, &w.Education, &w.HiredOn,
		&w.Certificates, &phone)
	w.GridCodes = []string{}
	if err != nil {
		return w, err
	}
	if w.IDNumber, err = keys.Open(crypt.IDNumber, id); err != nil {
		return w, err
	}
	w.Phone, err = crypt.OpenPhone(keys, phone)
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
func List(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, code string) ([]Worker, error) {
	out := []Worker{}
	cond, args := visible(sc, code, 1)
	rows, err := q.QueryContext(ctx, `SELECT `+workerColumns+` FROM workers w WHERE `+cond+` ORDER BY w.org_code, w.name, w.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]int{}
	for rows.Next() {
		w, err := scanWorker(keys, rows)
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

// Get returns one worker in scope with their grids; one outside the scope is not
// found, as an audit.OutOfScope.
func Get(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, id string) (Worker, error) {
	cond, args := visible(sc, "", 2)
	wk, err := scanWorker(keys, q.QueryRowContext(ctx, `SELECT `+workerColumns+` FROM workers w WHERE w.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Worker{}, audit.NotFound(ctx, q, "workers", "worker", id, apperr.New(apperr.NotFound, "worker.not_found", "id"))
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
func GridWorkers(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, grid string) ([]Worker, error) {
	out := []Worker{}
	if !sc.Contains(grid) {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+workerColumns+` FROM worker_grids g JOIN workers w ON w.id = g.worker_id
		WHERE g.grid_code = $1 ORDER BY w.name`, grid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		w, err := scanWorker(keys, rows)
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

// IDByNumber returns the id of the worker with this ID number anywhere in the city,
// or "".
func IDByNumber(ctx context.Context, q db.Querier, keys crypt.Keyring, idNumber string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM workers WHERE id_number_bidx = $1`, keys.Index(crypt.IDNumber, idNumber)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// Save inserts or rewrites a worker and their grids, sealing the ID number and phone.
func Save(ctx context.Context, q db.Querier, keys crypt.Keyring, w Worker, insert bool, now time.Time) error {
	p, err := crypt.SealPerson(keys, w.IDNumber, w.Phone)
	if err != nil {
		return err
	}
	if insert {
		_, err = q.ExecContext(ctx, `INSERT INTO workers (id, name, id_number_sealed, id_number_bidx, sex, birth_date, org_code, position,
			education, hired_on, certificates, phone_sealed, phone_bidx, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
			w.ID, w.Name, p.IDNumber, p.IDIndex, w.Sex, w.BirthDate, w.CommunityCode, w.Position, w.Education, w.HiredOn, w.Certificates,
			p.PhoneArg(), p.PhoneIndex, now.UnixMilli())
	} else {
		_, err = q.ExecContext(ctx, `UPDATE workers SET name = $2, id_number_sealed = $3, id_number_bidx = $4, sex = $5, birth_date = $6,
			org_code = $7, position = $8, education = $9, hired_on = $10, certificates = $11, phone_sealed = $12, phone_bidx = $13,
			updated_at = $14 WHERE id = $1`,
			w.ID, w.Name, p.IDNumber, p.IDIndex, w.Sex, w.BirthDate, w.CommunityCode, w.Position, w.Education, w.HiredOn, w.Certificates,
			p.PhoneArg(), p.PhoneIndex, now.UnixMilli())
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
