package demo

import (
	"context"
	"database/sql"
	"io"
	"testing"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// BenchmarkLoadDemo loads the whole city into a fresh database: generation and
// every table's rows.
func BenchmarkLoadDemo(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			rows := 0
			for range b.N {
				b.StopTimer()
				d := dbtest.Open(b, dialect)
				b.StartTimer()
				sum, err := Load(context.Background(), d, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				rows += sum.Rows()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkBareInsertLoop is the anchor for BenchmarkLoadDemo: the same household
// and resident rows, generated beforehand, inserted one row per statement by a
// loop over two prepared INSERTs in one transaction, with the same driver, schema
// and connection settings. The org units and buildings they refer to are inserted
// first, untimed.
func BenchmarkBareInsertLoop(b *testing.B) {
	ctx := context.Background()
	ts := newTables()
	var orgVals, buildingVals, households, residents []any
	if _, err := generate(ctx, io.Discard, func(c *tables) error {
		orgVals = append(orgVals, c.orgUnits.vals...)
		buildingVals = append(buildingVals, c.buildings.vals...)
		households = append(households, c.households.vals...)
		residents = append(residents, c.residents.vals...)
		return nil
	}); err != nil {
		b.Fatal(err)
	}

	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			rows := 0
			for range b.N {
				b.StopTimer()
				d := dbtest.Open(b, dialect)
				conn, err := d.Write().Conn(ctx)
				if err != nil {
					b.Fatal(err)
				}
				restore := func() {}
				if dialect == db.SQLite {
					if restore, err = sqliteBulk(ctx, conn); err != nil {
						b.Fatal(err)
					}
				}
				err = inTx(ctx, conn, func(tx *sql.Tx) error {
					if err := insertEach(ctx, tx, ts.orgUnits, orgVals); err != nil {
						return err
					}
					return insertEach(ctx, tx, ts.buildings, buildingVals)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				err = inTx(ctx, conn, func(tx *sql.Tx) error {
					if err := insertEach(ctx, tx, ts.households, households); err != nil {
						return err
					}
					return insertEach(ctx, tx, ts.residents, residents)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				restore()
				conn.Close()
				rows += len(households)/len(ts.households.cols) + len(residents)/len(ts.residents.cols)
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// insertEach inserts vals, rows of t's columns, with one single-row statement each.
func insertEach(ctx context.Context, tx *sql.Tx, t *table, vals []any) error {
	st, err := tx.PrepareContext(ctx, insertSQL(t.name, t.cols, 1))
	if err != nil {
		return err
	}
	defer st.Close()
	c := len(t.cols)
	for i := 0; i < len(vals); i += c {
		if _, err := st.ExecContext(ctx, vals[i:i+c]...); err != nil {
			return err
		}
	}
	return nil
}

func inTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
