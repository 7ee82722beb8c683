package transfer_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shequ/internal/demo"
	"shequ/internal/keys"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/sheet"
	"shequ/internal/transfer"
)

// cityDir is the directory cityFiles made, removed when the tests end: the city's
// files and its database take most of a gigabyte.
var cityDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if cityDir != "" {
		os.RemoveAll(cityDir)
	}
	os.Exit(code)
}

// cityFiles are the demo city's registers exported once as CSV, the input of the
// import benchmarks: 649 units, 142,176 households, 457,951 residents.
var cityFiles = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "shequ-bench-")
	if err != nil {
		return "", err
	}
	cityDir = dir
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(dir, "source.db"))
	if err != nil {
		return "", err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return "", err
	}
	if err := keys.Unlock(ctx, d, filepath.Join(dir, "source.db"), keys.Source{}, nopWriter{}); err != nil {
		return "", err
	}
	if _, err := demo.Load(ctx, d, nopWriter{}); err != nil {
		return "", err
	}
	svc := transfer.NewService(d, bundle(nil), time.Now)
	for _, k := range transfer.Kinds {
		f, err := os.Create(filepath.Join(dir, string(k)+".csv"))
		if err != nil {
			return "", err
		}
		c := sheet.NewCSV(f)
		if _, err := svc.Export(ctx, auth.System(), k, "", "zh-CN", c); err != nil {
			return "", err
		}
		if err := c.Close(); err != nil {
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
	}
	return dir, nil
})

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// peakHeap samples the Go heap while fn runs and returns its peak in bytes.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if v := m.HeapInuse + m.StackInuse; v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return peak.Load()
}

func importFile(b *testing.B, svc *transfer.Service, k transfer.Kind, path string) *transfer.Result {
	r, err := sheet.Open(path, sheet.CSV, sheet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	res, err := svc.Import(context.Background(), auth.System(), k, r, transfer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if !res.OK() {
		b.Fatalf("%s: %d problems, first %+v", k, res.ProblemCount, res.Problems[0])
	}
	return res
}

// BenchmarkImportCity imports the city's households and residents from CSV into a
// database holding its org tree, each file in one transaction, every row checked.
// Anchors: BenchmarkBareLoad. Residents are imported with their ID numbers and
// phones sealed, as the program does, and in the clear, to measure what encryption
// costs in the same run (target: within 1.3×).
func BenchmarkImportCity(b *testing.B) {
	dir, err := cityFiles()
	if err != nil {
		b.Fatal(err)
	}
	type run struct {
		kind transfer.Kind
		mode string
		keys func() crypt.Keyring
	}
	runs := []run{
		{transfer.Households, "sealed", func() crypt.Keyring { return crypttest.New(b) }},
		{transfer.Residents, "sealed", func() crypt.Keyring { return crypttest.New(b) }},
		{transfer.Residents, "clear", func() crypt.Keyring { return crypttest.Clear{} }},
	}
	for _, dialect := range dbtest.Dialects() {
		for _, r := range runs {
			k := r.kind
			b.Run(string(dialect)+"/"+string(k)+"/"+r.mode, func(b *testing.B) {
				rows := 0
				var peak uint64
				for range b.N {
					b.StopTimer()
					d := dbtest.OpenWithKeys(b, dialect, r.keys())
					svc := transfer.NewService(d, bundle(b), time.Now)
					importFile(b, svc, transfer.Org, filepath.Join(dir, "org.csv"))
					if k == transfer.Residents {
						importFile(b, svc, transfer.Households, filepath.Join(dir, "households.csv"))
					}
					b.StartTimer()
					peak = max(peak, peakHeap(func() {
						rows += importFile(b, svc, k, filepath.Join(dir, string(k)+".csv")).Rows
					}))
				}
				b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			})
		}
	}
}

// BenchmarkBareLoad is the anchor of BenchmarkImportCity: the same CSV files loaded
// by the engines' own bulk loaders into bare tables of text columns, no checks,
// no indexes — sqlite3's .import and PostgreSQL's COPY (through psql's \copy).
func BenchmarkBareLoad(b *testing.B) {
	dir, err := cityFiles()
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []transfer.Kind{transfer.Households, transfer.Residents} {
		csv := filepath.Join(dir, string(k)+".csv")
		b.Run("sqlite3-import/"+string(k), func(b *testing.B) {
			if _, err := exec.LookPath("sqlite3"); err != nil {
				b.Skip("no sqlite3 command")
			}
			rows := 0
			for i := range b.N {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "bare.db")
				b.StartTimer()
				out, err := exec.Command("sqlite3", path, ".mode csv", ".import "+csv+" bare", "SELECT COUNT(*) FROM bare").CombinedOutput()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				rows += atoi(b, strings.TrimSpace(string(out)))
				_ = i
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run("postgres-copy/"+string(k), func(b *testing.B) {
			base := dbtest.PostgresURL()
			if base == "" {
				b.Skip("SHEQU_TEST_POSTGRES is not set")
			}
			if _, err := exec.LookPath("psql"); err != nil {
				b.Skip("no psql command")
			}
			cols := transfer.Kind(k).Headers("en")
			rows := 0
			for range b.N {
				b.StopTimer()
				_, psql, drop := psqlSchema(b, base)
				if out, err := psql("-c", "CREATE TABLE bare ("+strings.Join(cols, " TEXT, ")+" TEXT)"); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				b.StartTimer()
				out, err := psql("-c", `\copy bare FROM '`+csv+`' WITH (FORMAT csv, HEADER true)`)
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				b.StopTimer()
				out, err = psql("-c", "SELECT COUNT(*) FROM bare")
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				rows += atoi(b, strings.TrimSpace(string(out)))
				drop()
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkExportResidentsXLSX writes the city's residents as one XLSX sheet.
func BenchmarkExportResidentsXLSX(b *testing.B) {
	dir, err := cityFiles()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(dir, "source.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := keys.Unlock(ctx, d, filepath.Join(dir, "source.db"), keys.Source{}, nopWriter{}); err != nil {
		b.Fatal(err)
	}
	svc := transfer.NewService(d, bundle(b), time.Now)
	rows := 0
	var peak uint64
	for range b.N {
		peak = max(peak, peakHeap(func() {
			f, err := os.Create(filepath.Join(b.TempDir(), "residents.xlsx"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			book := sheet.NewBook()
			defer book.Close()
			s, err := book.Sheet("residents")
			if err != nil {
				b.Fatal(err)
			}
			n, err := svc.Export(ctx, auth.System(), transfer.Residents, "", "zh-CN", s)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := book.WriteTo(f); err != nil {
				b.Fatal(err)
			}
			rows += n
		}))
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// psqlSchema makes a fresh schema and returns its pgx URL, a way to run psql in it,
// and a func that drops it. psql does not take pgx's search_path parameter, so
// each psql session sets it first.
func psqlSchema(b *testing.B, base string) (string, func(args ...string) ([]byte, error), func()) {
	dsn, drop := dbtest.NewSchema(b, base)
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	setPath := "SET search_path TO " + q.Get("search_path") + ", public"
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return dsn, func(args ...string) ([]byte, error) {
		return exec.Command("psql", append([]string{u.String(), "-qtA", "-v", "ON_ERROR_STOP=1", "-c", setPath}, args...)...).CombinedOutput()
	}, drop
}

// schemaTable is a table of the source database dumped as finished rows into file:
// its columns in the table's order, and which of them may be NULL.
type schemaTable struct {
	name, file string
	cols       []string
	nullable   []bool
}

// The tables the anchor fills before it starts the clock, and those it times: what
// a residents import writes.
var (
	schemaBefore = []string{"org_units", "buildings", "households"}
	schemaTimed  = []string{"residents", "resident_periods", "resident_tags"}
)

// schemaRows dumps the source database's units, buildings, households, residents,
// their periods and their tags as finished table rows, one CSV file per table, the
// sealed columns in PostgreSQL's text form of bytea (\x and hex), which SQLite
// keeps as text of twice the length. sqlite3 writes NULL as an empty field and an
// empty string as "", which is how PostgreSQL's COPY reads them.
var schemaRows = sync.OnceValues(func() (map[string]schemaTable, error) {
	dir, err := cityFiles()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "rows")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(dir, "source.db"))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	tables := map[string]schemaTable{}
	for _, name := range append(slices.Clone(schemaBefore), schemaTimed...) {
		t := schemaTable{name: name, file: filepath.Join(out, name+".csv")}
		rows, err := d.Read().QueryContext(ctx, `SELECT name, type, "notnull" FROM pragma_table_info($1) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		var exprs []string
		for rows.Next() {
			var col, typ string
			var notNull bool
			if err := rows.Scan(&col, &typ, &notNull); err != nil {
				rows.Close()
				return nil, err
			}
			t.cols, t.nullable = append(t.cols, col), append(t.nullable, !notNull)
			if typ == "BLOB" {
				col = `CASE WHEN ` + col + ` IS NULL THEN NULL ELSE '\x' || hex(` + col + `) END`
			}
			exprs = append(exprs, col)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		f, err := os.Create(t.file)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("sqlite3", "-csv", filepath.Join(dir, "source.db"), "SELECT "+strings.Join(exprs, ", ")+" FROM "+name)
		cmd.Stdout = f
		if err := cmd.Run(); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		tables[name] = t
	}
	return tables, nil
})

// sqliteLoad is the sqlite3 commands that load a table's rows into the real table:
// .import into a bare table, then one INSERT … SELECT, which turns the empty fields
// of the columns that may be NULL into NULL — .import writes every field as text,
// and an empty 现住址 would fail its foreign key.
func sqliteLoad(t schemaTable) []string {
	bare := "bare_" + t.name
	sel := make([]string, len(t.cols))
	for i, c := range t.cols {
		sel[i] = c
		if t.nullable[i] {
			sel[i] = "NULLIF(" + c + ", '')"
		}
	}
	return []string{
		"CREATE TEMP TABLE " + bare + " (" + strings.Join(t.cols, ", ") + ")",
		".import --csv " + t.file + " " + bare,
		"INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM " + bare,
	}
}

// BenchmarkSchemaLoad is the second anchor of BenchmarkImportCity: the engines' own
// bulk loaders writing what a residents import writes — the same residents with
// every column, the period each opens on the register and their tags — as
// finished rows into the real schema with its indexes, constraints and triggers,
// after the units, buildings and households they refer to. It is the floor the
// schema itself sets: the gap between it and the import is what the import's
// checks, lookups and driver cost.
func BenchmarkSchemaLoad(b *testing.B) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		b.Skip("no sqlite3 command")
	}
	tables, err := schemaRows()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("sqlite3-import/residents", func(b *testing.B) {
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
			args := []string{path}
			for _, t := range schemaBefore {
				args = append(args, ".import --csv "+tables[t].file+" "+t)
			}
			if out, err := exec.Command("sqlite3", args...).CombinedOutput(); err != nil || len(out) > 0 {
				b.Fatalf("%v: %s", err, out)
			}
			args = []string{path, "PRAGMA foreign_keys = ON", "PRAGMA temp_store = MEMORY"}
			for _, t := range schemaTimed {
				args = append(args, sqliteLoad(tables[t])...)
			}
			b.StartTimer()
			if out, err := exec.Command("sqlite3", args...).CombinedOutput(); err != nil || len(out) > 0 {
				b.Fatalf("%v: %s", err, out)
			}
		}
		b.ReportMetric(457951*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("postgres-copy/residents", func(b *testing.B) {
		base := dbtest.PostgresURL()
		if base == "" {
			b.Skip("SHEQU_TEST_POSTGRES is not set")
		}
		copyIn := func(t string) []string {
			return []string{"-c", `\copy ` + t + ` (` + strings.Join(tables[t].cols, ", ") + `) FROM '` + tables[t].file + `' WITH (FORMAT csv)`}
		}
		for range b.N {
			b.StopTimer()
			dsn, psql, drop := psqlSchema(b, base)
			d, err := db.Open(ctx, dsn)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			d.Close()
			var before, timed []string
			for _, t := range schemaBefore {
				before = append(before, copyIn(t)...)
			}
			for _, t := range schemaTimed {
				timed = append(timed, copyIn(t)...)
			}
			if out, err := psql(before...); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			b.StartTimer()
			if out, err := psql(timed...); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			b.StopTimer()
			drop()
			b.StartTimer()
		}
		b.ReportMetric(457951*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
