// Package changestest opens one test database twice, as two processes would: each
// handle has its own pools and its own count of commits, so what one process holds
// in memory learns of the other's changes only through the version rows.
package changestest

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"shequ/internal/keys"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// Each runs fn on every configured database (see dbtest.Each), opened twice.
func Each(t *testing.T, fn func(t *testing.T, here, there *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(twins(t, db.SQLite)) })
	if dbtest.PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) { fn(twins(t, db.Postgres)) })
	}
}

func twins(t *testing.T, dialect db.Dialect) (*testing.T, *db.DB, *db.DB) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "test.db")
	if dialect == db.Postgres {
		var drop func()
		dsn, drop = dbtest.NewSchema(t, dbtest.PostgresURL())
		t.Cleanup(drop)
	}
	ctx := context.Background()
	open := func() *db.DB {
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	here := open()
	if err := here.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	k := crypttest.New(t)
	if err := keys.Bind(ctx, here, k, io.Discard); err != nil {
		t.Fatal(err)
	}
	there := open()
	if err := keys.Bind(ctx, there, k, io.Discard); err != nil {
		t.Fatal(err)
	}
	return t, here, there
}
