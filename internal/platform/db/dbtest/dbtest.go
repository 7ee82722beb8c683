// Package dbtest gives tests a fresh, migrated database: SQLite always, and PostgreSQL
// too when SHEQU_TEST_POSTGRES holds a URL. Each PostgreSQL database is a schema of
// its own, dropped when the test ends, so tests never share state. Each database is
// bound to a fresh random key (d.Keys()), as keys.Unlock binds a real one.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shequ/internal/keys"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
)

// PostgresURL is the server that PostgreSQL runs use, or "" when none is configured.
func PostgresURL() string { return os.Getenv("SHEQU_TEST_POSTGRES") }

// Dialects lists the configured databases: SQLite, and PostgreSQL when
// SHEQU_TEST_POSTGRES is set. Benchmarks run a sub-benchmark for each.
func Dialects() []db.Dialect {
	if PostgresURL() != "" {
		return []db.Dialect{db.SQLite, db.Postgres}
	}
	return []db.Dialect{db.SQLite}
}

// Each runs fn as a subtest on every configured database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// Open returns a fresh database of the kind named by dialect.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	return OpenWithKeys(t, dialect, crypttest.New(t))
}

// OpenWithKeys returns a fresh database of the kind named by dialect, bound to k:
// benchmarks pass crypttest.Clear to measure what encryption costs.
func OpenWithKeys(t testing.TB, dialect db.Dialect, k crypt.Keyring) *db.DB {
	t.Helper()
	var d *db.DB
	if dialect == db.Postgres {
		d = postgres(t)
	} else {
		d = sqlite(t)
	}
	if err := keys.Bind(context.Background(), d, k, io.Discard); err != nil {
		t.Fatal(err)
	}
	return d
}

// OpenBare returns a fresh migrated database with no key, as one stands before
// keys.Unlock: for the tests of binding a key.
func OpenBare(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	if dialect == db.Postgres {
		return postgres(t)
	}
	return sqlite(t)
}

// SQLite returns a fresh migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	return OpenWithKeys(t, db.SQLite, crypttest.New(t))
}

// Postgres returns a fresh migrated PostgreSQL database in a schema of its own.
// It skips the test when no server is configured.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	return OpenWithKeys(t, db.Postgres, crypttest.New(t))
}

func sqlite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

func postgres(t testing.TB) *db.DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("SHEQU_TEST_POSTGRES is not set")
	}
	dsn, drop := NewSchema(t, base)
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		drop()
	})
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// NewSchema creates an empty schema on the server at base and returns a URL whose
// connections use it, and a function that drops it.
func NewSchema(t testing.TB, base string) (string, func()) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	// The address index needs pg_trgm, which lives in public and outlives the
	// schema. Test packages run in parallel and CREATE EXTENSION IF NOT EXISTS can
	// still collide, so a failure is tried once more; a lasting one shows up in the
	// migration.
	for range 2 {
		if _, err := admin.Exec(`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	}
}

// EachCell calls fn with every value of every row of table, as the database stores
// it, text and bytes alike (NULL and numbers as nil or their text): tests use it to
// show that a value is nowhere in a table in the clear, whatever its columns.
func EachCell(t testing.TB, d *db.DB, table string, fn func(column string, value []byte)) {
	t.Helper()
	rows, err := d.Read().QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			fn(cols[i], v)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
