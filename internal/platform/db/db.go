// Package db opens the database shequ runs on — embedded SQLite by default, PostgreSQL
// for real deployments — and runs its migrations. SQL is written once for both: $n
// placeholders, TEXT dates (YYYY-MM-DD), BIGINT instants (Unix milliseconds, UTC),
// and no triggers, sequences or dialect-only functions in store code.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"shequ/internal/platform/crypt"
)

// Dialect names the database engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what stores need to run SQL: a pool or a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// DB is an open database: a write pool and a read pool. On SQLite the write pool has
// one connection, so writers queue in Go instead of failing with SQLITE_BUSY, while
// readers proceed in parallel under WAL. On PostgreSQL both are the same pool.
// It also carries the keyring its personal data are sealed with (decision 6), so
// that whatever holds the database can read them.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	keys    crypt.Keyring
	path    string // the SQLite file
	lock    keyLock
	// commits counts the write transactions this handle has committed, so that
	// what a process holds in memory can tell a change made through it at once.
	commits atomic.Uint64
	stmts   *StatementStats
}

// Open opens dsn: a postgres:// (or postgresql://) URL, or else a SQLite file path.
func Open(ctx context.Context, dsn string) (*DB, error) {
	stats := &StatementStats{}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		p, err := openPool(stdlib.GetDefaultDriver(), pgxDescribeOnly(dsn), stats)
		if err != nil {
			return nil, err
		}
		p.SetMaxOpenConns(16)
		p.SetMaxIdleConns(16)
		if err := p.PingContext(ctx); err != nil {
			p.Close()
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		return &DB{Dialect: Postgres, write: p, read: p, stmts: stats}, nil
	}
	if dsn == "" {
		return nil, errors.New("no database given")
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	w, err := openPool(&sqlite.Driver{}, "file:"+dsn+"?"+q.Encode(), stats)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open SQLite database %s: %w", dsn, err)
	}
	q.Del("_txlock")
	q.Add("_pragma", "query_only(1)")
	r, err := openPool(&sqlite.Driver{}, "file:"+dsn+"?"+q.Encode(), stats)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return &DB{Dialect: SQLite, write: w, read: r, path: dsn, stmts: stats}, nil
}

// openPool opens a pool of drv's connections to dsn, each with its statement cache.
func openPool(drv driver.Driver, dsn string, stats *StatementStats) (*sql.DB, error) {
	c, err := newConnector(drv, dsn, stats)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// pgxDescribeOnly sets pgx's own statement cache to describing statements without
// preparing them, unless the URL says otherwise: the cache below database/sql
// prepares what is run again and again, and a statement it is told not to prepare
// (PlanEachTime) must reach the server unprepared to be planned for its values.
func pgxDescribeOnly(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // pgx reports it
	}
	q := u.Query()
	if !q.Has("default_query_exec_mode") {
		q.Set("default_query_exec_mode", "cache_describe")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Statements returns the counts of the statement caches of the database's
// connections.
func (d *DB) Statements() *StatementStats { return d.stmts }

// Close releases the key lock and closes both pools.
func (d *DB) Close() error {
	err := errors.Join(d.lock.close(), d.write.Close())
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// SetKeys gives the database its keyring. The keys package calls it once, after
// checking the keyring against the database's fingerprint, before the DB is shared.
func (d *DB) SetKeys(k crypt.Keyring) { d.keys = k }

// Keys returns the keyring that seals the database's ID numbers, phones and TOTP
// secrets. It panics if there is none: every way of opening a database for use goes
// through keys.Unlock (or dbtest), and a store must never write an identifier
// unsealed.
func (d *DB) Keys() crypt.Keyring {
	if d.keys == nil {
		panic("db: the database has no keyring; open it through keys.Unlock")
	}
	return d.keys
}

// Read returns the pool for queries outside a transaction.
func (d *DB) Read() Querier { return d.read }

// Write returns the write pool, for bulk work that manages its own transactions.
func (d *DB) Write() *sql.DB { return d.write }

// InTx runs fn in one write transaction: committed if fn returns nil, rolled back
// otherwise. Every request that writes runs in exactly one of these.
//
// Under a context from Joining, fn runs in the transaction it carries, which its
// owner commits or rolls back.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if tx, ok := ctx.Value(joinedKey{}).(*sql.Tx); ok {
		return fn(tx)
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return d.commit(tx)
}

type joinedKey struct{}

// Joining returns ctx carrying tx, so that a service called with it writes in tx
// rather than in a transaction of its own. A domain that changes another
// domain's records as part of its own write (a reviewed proposal applied to the
// register, with the proposal's outcome) calls the other's service this way: its
// rules and audit records are the same as for a direct change, and all of it
// commits or none. With SQLite's one write connection it is also the only way:
// a second transaction would wait for the first forever.
func Joining(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, joinedKey{}, tx)
}

// commit commits tx and counts it.
func (d *DB) commit(tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return err
	}
	d.commits.Add(1)
	return nil
}

// Commits returns how many write transactions (InTx, BulkTx) this handle has
// committed: a number that moves after every change made through it.
func (d *DB) Commits() uint64 { return d.commits.Load() }

// IsUniqueViolation reports whether err is a unique or primary-key constraint failure,
// on either engine.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// IsForeignKeyViolation reports whether err is a foreign-key constraint failure.
func IsForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
