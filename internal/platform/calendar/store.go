package calendar

import (
	"context"
	"time"

	"shequ/internal/platform/db"
)

// storedYears reads the years administrators added, with their days.
func storedYears(ctx context.Context, q db.Querier) (map[int]Year, error) {
	rows, err := q.QueryContext(ctx, `SELECT year, source, added_by, added_by_name, added_at FROM calendar_years`)
	if err != nil {
		return nil, err
	}
	out := map[int]Year{}
	for rows.Next() {
		var y Year
		var a Added
		var at int64
		if err := rows.Scan(&y.Year, &y.Source, &a.By, &a.ByName, &at); err != nil {
			rows.Close()
			return nil, err
		}
		a.At = time.UnixMilli(at).UTC()
		y.Added = &a
		out[y.Year] = y
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT year, day, kind, name FROM calendar_days ORDER BY day`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var year int
		var day, kind, name string
		if err := rows.Scan(&year, &day, &kind, &name); err != nil {
			return nil, err
		}
		t, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return nil, err
		}
		y := out[year]
		y.Days = append(y.Days, Day{Date: t, Kind: Kind(kind), Name: name})
		out[year] = y
	}
	return out, rows.Err()
}

// replaceYear stores y in place of what was stored for its year, in the
// transaction q.
func replaceYear(ctx context.Context, q db.Querier, y Year) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM calendar_days WHERE year = $1`, y.Year); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM calendar_years WHERE year = $1`, y.Year); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO calendar_years (year, source, added_by, added_by_name, added_at) VALUES ($1, $2, $3, $4, $5)`,
		y.Year, y.Source, y.Added.By, y.Added.ByName, y.Added.At.UnixMilli()); err != nil {
		return err
	}
	for _, d := range y.Days {
		if _, err := q.ExecContext(ctx, `INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, $2, $3, $4)`,
			d.Date.Format(time.DateOnly), y.Year, string(d.Kind), d.Name); err != nil {
			return err
		}
	}
	return nil
}
