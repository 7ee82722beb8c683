// Package demo loads the demo city: 梧州市 as the 2013 CPPCC report describes it —
// three districts, 64 communities (社区) cut into grids (网格) of 200–300 households,
// 142,176 households, 399,839 registered and 58,112 floating residents, 436 community
// workers in 461 posts — with every figure of the report reproduced exactly as of
// its date, 2013-05-20. The data are synthetic and deterministic: the same seed
// gives the same rows, IDs included, on SQLite and on PostgreSQL. It depends on the
// platform packages only, and writes the schema's tables directly, in bulk.
package demo

import (
	"context"
	"database/sql"
	"io"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/stats"
)

// CityCode is the demo city's code: 梧州市.
const CityCode = "450400"

// ReportDate is the date of the report; the demo's figures are true on it.
const ReportDate = "2013-05-20"

const (
	cityName = "梧州市"
	seed     = 20130520
	// createdAt is the one instant every demo row was "created": 2013-05-20 09:00
	// Beijing time, in Unix milliseconds. No clock is read, so loads are identical.
	createdAt int64 = 1369011600000
)

func reportDay() time.Time { return time.Date(2013, time.May, 20, 0, 0, 0, 0, time.UTC) }

// Summary counts the rows Load wrote.
type Summary struct {
	OrgUnits     int `json:"org_units"`
	Buildings    int `json:"buildings"`
	Households   int `json:"households"`
	Registered   int `json:"registered"`
	Floating     int `json:"floating"`
	Tags         int `json:"tags"`
	GridContacts int `json:"grid_contacts"`
	Workers      int `json:"workers"`
	WorkerGrids  int `json:"worker_grids"`
}

// Rows is the number of rows written in all.
func (s Summary) Rows() int {
	return s.OrgUnits + s.Buildings + s.Households + s.Registered + s.Floating + s.Tags +
		s.GridContacts + s.Workers + s.WorkerGrids
}

// Load creates the demo city in an empty database, in one transaction: on error
// nothing is left behind. It refuses (Conflict, "demo.not_empty") when any org unit
// exists. Progress lines go to w. The settings row demo=1 marks the data as demo data.
// Users are not created here. ID numbers and phones are sealed with d's keyring.
func Load(ctx context.Context, d *db.DB, w io.Writer) (Summary, error) {
	var sum Summary
	err := d.BulkTx(ctx, func(b *db.Bulk) error {
		var err error
		sum, err = load(ctx, b, d.Dialect, d.Keys(), w)
		return err
	})
	if err != nil {
		return Summary{}, err
	}
	if err := d.Analyze(ctx); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

func load(ctx context.Context, tx *db.Bulk, dialect db.Dialect, keys crypt.Keyring, w io.Writer) (Summary, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_units`).Scan(&n); err != nil {
		return Summary{}, err
	}
	if n > 0 {
		return Summary{}, apperr.New(apperr.Conflict, "demo.not_empty", "")
	}
	// SQLite would run the statistics' generation trigger once a row: they are set
	// aside while the city is written, and its districts touched once after.
	restore, err := db.DeferTriggers(ctx, tx.Tx, dialect, "org_units", "households", "residents", "resident_periods", "workers")
	if err != nil {
		return Summary{}, err
	}
	ins := tx.NewInserter()
	defer ins.Close()
	sum, err := generate(ctx, w, func(ts *tables) error {
		if err := ts.seal(keys); err != nil {
			return err
		}
		return ins.Write(ctx, ts.all()...)
	})
	if err != nil {
		return Summary{}, err
	}
	// The households were written directly, so their addresses are indexed for
	// search in one pass here.
	if err := registry.RebuildAddressIndex(ctx, tx, dialect); err != nil {
		return Summary{}, err
	}
	if err := restore(ctx); err != nil {
		return Summary{}, err
	}
	if err := stats.TouchAll(ctx, tx); err != nil {
		return Summary{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('demo', '1')
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
	return sum, err
}

// FirstCodes returns the first district, street, community and grid of the city in
// code order (450403, 450403001, 450403001001, 450403001001001 in the demo), each
// inside the one before: the units the demo's logins of each role belong to.
// It returns NotFound ("org.not_found") if a level is empty.
func FirstCodes(ctx context.Context, q db.Querier) (district, street, community, grid string, err error) {
	codes := make([]string, 0, 4)
	parent := CityCode
	for _, level := range []scope.Level{scope.District, scope.Street, scope.Community, scope.Grid} {
		cond, args := scope.Of(parent).Where("code", 2)
		var code sql.NullString
		err := q.QueryRowContext(ctx, `SELECT MIN(code) FROM org_units WHERE level = $1 AND `+cond,
			append([]any{string(level)}, args...)...).Scan(&code)
		if err != nil {
			return "", "", "", "", err
		}
		if !code.Valid {
			return "", "", "", "", apperr.New(apperr.NotFound, "org.not_found", "").With("level", string(level))
		}
		codes = append(codes, code.String)
		parent = code.String
	}
	return codes[0], codes[1], codes[2], codes[3], nil
}
