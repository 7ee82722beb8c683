package demo

import (
	"context"
	"database/sql"
	"io"
	"strconv"
	"strings"
	"testing"

	"shequ/internal/platform/crypt"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// BenchmarkLoadDemo loads the whole city into a fresh database: generation and
// every table's rows, with ID numbers and phones sealed (the program's way) and, to
// measure what that costs, kept in the clear.
func BenchmarkLoadDemo(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		for _, mode := range keyrings {
			b.Run(string(dialect)+"/"+mode.name, func(b *testing.B) {
				rows := 0
				for range b.N {
					b.StopTimer()
					d := dbtest.OpenWithKeys(b, dialect, mode.keys(b))
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
}

// keyrings are the two ways a benchmark runs: sealed as the program does, and in
// the clear, to measure what encryption costs in the same run.
var keyrings = []struct {
	name string
	keys func(testing.TB) crypt.Keyring
}{
	{"sealed", func(tb testing.TB) crypt.Keyring { return crypttest.New(tb) }},
	{"clear", func(testing.TB) crypt.Keyring { return crypttest.Clear{} }},
}

// BenchmarkBareInsertLoop is the anchor for BenchmarkLoadDemo: the same household,
// resident and resident-period rows, generated and sealed beforehand, inserted one
// row per statement by a loop over three prepared INSERTs in one transaction, with the same
// driver, schema and connection settings. The org units and buildings they refer
// to are inserted first, untimed.
func BenchmarkBareInsertLoop(b *testing.B) {
	ctx := context.Background()
	ts := newTables()
	keys := crypttest.New(b)
	var orgVals, buildingVals, households, residents, periods []any
	if _, err := generate(ctx, io.Discard, func(c *tables) error {
		if err := c.seal(keys); err != nil {
			return err
		}
		orgVals = append(orgVals, c.orgUnits.Vals...)
		buildingVals = append(buildingVals, c.buildings.Vals...)
		households = append(households, c.households.Vals...)
		residents = append(residents, c.residents.Vals...)
		periods = append(periods, c.periods.Vals...)
		return nil
	}); err != nil {
		b.Fatal(err)
	}

	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			rows := 0
			for range b.N {
				b.StopTimer()
				d := dbtest.OpenWithKeys(b, dialect, keys)
				err := d.BulkTx(ctx, func(tx *db.Bulk) error {
					if err := insertEach(ctx, tx.Tx, ts.orgUnits, orgVals); err != nil {
						return err
					}
					return insertEach(ctx, tx.Tx, ts.buildings, buildingVals)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				err = d.BulkTx(ctx, func(tx *db.Bulk) error {
					if err := insertEach(ctx, tx.Tx, ts.households, households); err != nil {
						return err
					}
					if err := insertEach(ctx, tx.Tx, ts.residents, residents); err != nil {
						return err
					}
					return insertEach(ctx, tx.Tx, ts.periods, periods)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				rows += len(households)/len(ts.households.Cols) + len(residents)/len(ts.residents.Cols) + len(periods)/len(ts.periods.Cols)
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// insertEach inserts vals, rows of t's columns, with one single-row statement each.
func insertEach(ctx context.Context, tx *sql.Tx, t *db.Table, vals []any) error {
	cols := strings.Join(t.Cols, ", ")
	marks := make([]string, len(t.Cols))
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO "+t.Name+" ("+cols+") VALUES ("+strings.Join(marks, ", ")+")")
	if err != nil {
		return err
	}
	defer st.Close()
	c := len(t.Cols)
	for i := 0; i < len(vals); i += c {
		if _, err := st.ExecContext(ctx, vals[i:i+c]...); err != nil {
			return err
		}
	}
	return nil
}
