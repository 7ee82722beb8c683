package demo

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
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

// BenchmarkSchemaLoad is the anchor issue 10 sets BenchmarkLoadDemo against (within
// 1.3×): the engines' own loaders writing the same rows — every table Load writes,
// with every column the generator fills (the residents' periods, 民族, 政治面貌,
// 登记日期 and 人户状态, the households' structured addresses, the buildings' sizes, the
// workers' education codes), ID numbers and phones sealed beforehand — in one
// transaction into a fresh schema with its indexes, foreign keys and triggers (the
// address index's and the statistics' generations, which Load sets aside and makes
// up for at the end). On SQLite, the sqlite3 command reads a dump of multi-row
// INSERTs with the values written in (the sealed columns as X'…' blobs, so the rows
// are byte for byte Load's), under the page cache and temporary storage of Load's
// bulk transaction; on PostgreSQL, psql's \copy of one CSV file per table, in a
// single transaction. The rows are generated and the files written untimed.
func BenchmarkSchemaLoad(b *testing.B) {
	dir := b.TempDir()
	dump, csvs, rows := schemaFiles(b, dir)
	ctx := context.Background()
	b.Run("sqlite3-read", func(b *testing.B) {
		if _, err := exec.LookPath("sqlite3"); err != nil {
			b.Skip("no sqlite3 command")
		}
		for range b.N {
			b.StopTimer()
			path := filepath.Join(b.TempDir(), "schema.db")
			d, err := db.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			d.Close()
			b.StartTimer()
			out, err := exec.Command("sqlite3", path, "PRAGMA foreign_keys = ON", "PRAGMA cache_size = -65536",
				"PRAGMA temp_store = MEMORY", ".read "+dump).CombinedOutput()
			if err != nil || len(out) > 0 {
				b.Fatalf("%v: %s", err, out)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("postgres-copy", func(b *testing.B) {
		base := dbtest.PostgresURL()
		if base == "" {
			b.Skip("SHEQU_TEST_POSTGRES is not set")
		}
		if _, err := exec.LookPath("psql"); err != nil {
			b.Skip("no psql command")
		}
		for range b.N {
			b.StopTimer()
			dsn, drop := dbtest.NewSchema(b, base)
			d, err := db.Open(ctx, dsn)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			d.Close()
			u, err := url.Parse(dsn)
			if err != nil {
				b.Fatal(err)
			}
			q := u.Query()
			// psql does not take pgx's search_path parameter: the session sets it.
			args := []string{"-qtA", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", "SET search_path TO " + q.Get("search_path") + ", public"}
			q.Del("search_path")
			u.RawQuery = q.Encode()
			for _, t := range newTables().all() {
				args = append(args, "-c", `\copy `+t.Name+` (`+strings.Join(t.Cols, ", ")+`) FROM '`+csvs[t.Name]+`' WITH (FORMAT csv)`)
			}
			b.StartTimer()
			if out, err := exec.Command("psql", append([]string{u.String()}, args...)...).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			b.StopTimer()
			drop()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// schemaFiles generates the city and seals it, and writes its rows in dir as a
// SQLite dump (one transaction, tables in foreign-key order, 500 rows a statement)
// and as one CSV file per table for PostgreSQL's COPY; it returns their paths and
// the number of rows.
func schemaFiles(b *testing.B, dir string) (dump string, csvs map[string]string, rows int) {
	keys := crypttest.New(b)
	dump, csvs = filepath.Join(dir, "city.sql"), map[string]string{}
	ts := newTables()
	sqlFile, err := os.Create(dump)
	if err != nil {
		b.Fatal(err)
	}
	sqlOut := bufio.NewWriterSize(sqlFile, 1<<20)
	sqlOut.WriteString("BEGIN;\n")
	csvOut := map[string]*bufio.Writer{}
	var files []*os.File
	for _, t := range ts.all() {
		csvs[t.Name] = filepath.Join(dir, t.Name+".csv")
		f, err := os.Create(csvs[t.Name])
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, f)
		csvOut[t.Name] = bufio.NewWriterSize(f, 1<<20)
	}
	// Each chunk's tables are written in order, parents first: a chunk's rows refer
	// to its own and earlier chunks' rows only.
	if _, err := generate(context.Background(), io.Discard, func(c *tables) error {
		if err := c.seal(keys); err != nil {
			return err
		}
		for _, t := range c.all() {
			n := len(t.Cols)
			rows += t.Pending()
			for i := 0; i < len(t.Vals); i += n {
				if i%(500*n) == 0 {
					if i > 0 {
						sqlOut.WriteString(";\n")
					}
					sqlOut.WriteString("INSERT INTO " + t.Name + " (" + strings.Join(t.Cols, ", ") + ") VALUES\n(")
				} else {
					sqlOut.WriteString(",\n(")
				}
				w := csvOut[t.Name]
				for j, v := range t.Vals[i : i+n] {
					if j > 0 {
						sqlOut.WriteByte(',')
						w.WriteByte(',')
					}
					sqlOut.WriteString(sqlLiteral(v))
					w.WriteString(csvField(v))
				}
				sqlOut.WriteByte(')')
				w.WriteByte('\n')
			}
			if len(t.Vals) > 0 {
				sqlOut.WriteString(";\n")
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	sqlOut.WriteString("COMMIT;\n")
	if err := sqlOut.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := sqlFile.Close(); err != nil {
		b.Fatal(err)
	}
	for i, t := range ts.all() {
		if err := csvOut[t.Name].Flush(); err != nil {
			b.Fatal(err)
		}
		if err := files[i].Close(); err != nil {
			b.Fatal(err)
		}
	}
	return dump, csvs, rows
}

// sqlLiteral writes a generated value as SQLite reads it in a statement.
func sqlLiteral(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case []byte:
		if v == nil {
			return "NULL"
		}
		return "X'" + hex.EncodeToString(v) + "'"
	}
	return fmt.Sprint(v)
}

// csvField writes a generated value as PostgreSQL's COPY reads a CSV field: NULL
// unquoted and empty, text always quoted (so that "" is the empty string), bytea
// in its hex form.
func csvField(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	case []byte:
		if v == nil {
			return ""
		}
		return `\x` + hex.EncodeToString(v)
	}
	return fmt.Sprint(v)
}
