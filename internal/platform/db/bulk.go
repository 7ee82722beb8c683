package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// BulkTx runs fn in one write transaction, like InTx, on a connection tuned for
// loading many rows: on SQLite it gets, while fn runs, a page cache big enough for
// the indexes being filled and in-memory temporary storage. With the default 2 MB
// cache, inserts in random key order (ID numbers, names, phones) spill dirty index
// pages to the WAL and read them back again and again; and multi-row INSERTs inside
// a transaction keep a statement journal, by default in a temporary file. Each
// roughly doubles a city-sized load's time. The settings are restored after the
// transaction ends, as temp_store cannot change inside one.
func (d *DB) BulkTx(ctx context.Context, fn func(b *Bulk) error) error {
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.Dialect == SQLite {
		restore, err := sqliteBulk(ctx, conn)
		if err != nil {
			return err
		}
		defer restore()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Bulk{Tx: tx, conn: conn, dialect: d.Dialect}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return d.commit(tx)
}

// Bulk is the transaction of a bulk load, with the connection it runs on.
type Bulk struct {
	*sql.Tx
	conn    *sql.Conn
	dialect Dialect
}

// NewInserter returns an inserter writing in the transaction.
func (b *Bulk) NewInserter() *Inserter {
	return &Inserter{tx: b.Tx, conn: b.conn, dialect: b.dialect, params: batchParams(b.dialect), stmts: map[string]*sql.Stmt{}}
}

func sqliteBulk(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	var cache, temp int
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return nil, err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&temp); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY`); err != nil {
		return nil, err
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx),
			`PRAGMA cache_size = `+strconv.Itoa(cache)+`; PRAGMA temp_store = `+strconv.Itoa(temp))
		if err != nil {
			// The pool closes a connection that reports itself bad, rather than
			// handing on one that keeps a load's settings.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// Table buffers rows for one table until an Inserter writes them.
type Table struct {
	Name string
	Cols []string
	Vals []any // pending rows, len(Cols) values each
}

// NewTable returns an empty buffer for the named columns of a table.
func NewTable(name string, cols ...string) *Table {
	return &Table{Name: name, Cols: cols}
}

// Add buffers one row; vals are in the order of the columns.
func (t *Table) Add(vals ...any) { t.Vals = append(t.Vals, vals...) }

// Pending is the number of buffered rows.
func (t *Table) Pending() int { return len(t.Vals) / len(t.Cols) }

// Reset drops the pending rows, releasing what they point to.
func (t *Table) Reset() {
	clear(t.Vals)
	t.Vals = t.Vals[:0]
}

// batchParams bounds the parameters of one INSERT on each engine. PostgreSQL pays a
// round trip per statement, so its batches are big (it allows 65535 parameters).
// SQLite has no round trip, and the modernc driver looks each $n parameter's name
// up in a list as it binds, which makes binding quadratic in a statement's
// parameters: the demo load took three times as long with 2048 parameters a
// statement as with 128, and one row a statement was no slower than 128.
func batchParams(d Dialect) int {
	if d == SQLite {
		return 128
	}
	return 4096
}

// Inserter writes buffered rows. On SQLite it uses multi-row INSERT statements
// prepared once per table and row count: a table's pending rows go out in full
// batches and then the rest in power-of-two batches, so each table needs at most a
// dozen statements, whatever the row counts. On PostgreSQL it uses COPY, in the
// same transaction, which the server takes several times faster than INSERTs.
type Inserter struct {
	tx      *sql.Tx
	conn    *sql.Conn
	dialect Dialect
	params  int // the most parameters one statement may have
	stmts   map[string]*sql.Stmt
}

// Write inserts the pending rows of each table in the order given (parents first)
// and resets them.
func (in *Inserter) Write(ctx context.Context, tables ...*Table) error {
	for _, t := range tables {
		if err := in.write(ctx, t); err != nil {
			return fmt.Errorf("insert into %s: %w", t.Name, err)
		}
		t.Reset()
	}
	return nil
}

func (in *Inserter) write(ctx context.Context, t *Table) error {
	if in.dialect == Postgres {
		return in.copy(ctx, t)
	}
	c := len(t.Cols)
	n, done := t.Pending(), 0
	for size := maxBatchRows(c, in.params); size > 0; size /= 2 {
		for n-done >= size {
			st, err := in.stmt(ctx, t, size)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, t.Vals[done*c:(done+size)*c]...); err != nil {
				return err
			}
			done += size
		}
	}
	return nil
}

// copy sends the pending rows of t with COPY FROM STDIN on the transaction's own
// connection, so they are part of it.
func (in *Inserter) copy(ctx context.Context, t *Table) error {
	n, c := t.Pending(), len(t.Cols)
	if n == 0 {
		return nil
	}
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = t.Vals[i*c : (i+1)*c]
	}
	return in.conn.Raw(func(dc any) error {
		if c, ok := dc.(*cachingConn); ok {
			dc = c.Conn
		}
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs a pgx connection, have %T", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{t.Name}, t.Cols, pgx.CopyFromRows(rows))
		return err
	})
}

// maxBatchRows is the largest power of two of rows whose values fit in params.
func maxBatchRows(cols, params int) int {
	n := 1
	for 2*n*cols <= params {
		n *= 2
	}
	return n
}

func (in *Inserter) stmt(ctx context.Context, t *Table, rows int) (*sql.Stmt, error) {
	key := t.Name + "/" + strconv.Itoa(rows)
	if st, ok := in.stmts[key]; ok {
		return st, nil
	}
	st, err := in.tx.PrepareContext(ctx, insertSQL(t.Name, t.Cols, rows))
	if err != nil {
		return nil, err
	}
	in.stmts[key] = st
	return st, nil
}

// Close releases the prepared statements.
func (in *Inserter) Close() {
	for _, st := range in.stmts {
		st.Close()
	}
}

// insertSQL returns INSERT INTO name (cols) VALUES ($1, …), (…) for rows rows.
func insertSQL(name string, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(name)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// DeferIndexes drops, inside tx, the indexes of tables that only serve reads, and
// returns a func that builds them again. Building an index once over sorted keys
// is several times cheaper than keeping it up to date through hundreds of
// thousands of inserts in random key order, which is what an ID number, a name or
// a phone index sees during a city-sized import. The indexes that enforce
// uniqueness stay, so natural-key lookups and constraints keep working. It is for
// SQLite only, where readers keep reading their snapshot, indexes included, until
// the transaction commits; on PostgreSQL DROP INDEX would lock readers out for the
// whole import, so there it does nothing. If the transaction rolls back, the
// indexes come back with it.
func DeferIndexes(ctx context.Context, tx *sql.Tx, d Dialect, tables ...string) (rebuild func(context.Context) error, err error) {
	if d != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	return setAside(ctx, tx, "INDEX", `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1
		AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name`, tables)
}

// DeferTriggers drops, inside tx, the triggers on tables and returns a func that
// creates them again. SQLite runs a trigger once a row, and a bulk load into an empty
// register writes hundreds of thousands: the generation triggers of migration 012
// alone made the demo load 16% slower. The caller, having restored them, does at
// once what they would have done row by row. PostgreSQL runs ours once a statement,
// so there it does nothing. If the transaction rolls back, the triggers come back
// with it.
func DeferTriggers(ctx context.Context, tx *sql.Tx, d Dialect, tables ...string) (restore func(context.Context) error, err error) {
	if d != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	return setAside(ctx, tx, "TRIGGER", `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1 ORDER BY name`, tables)
}

// setAside drops, inside tx, the SQLite schema objects of each table that list (a
// query of name and sql by table name) finds, and returns a func that creates them
// again from the SQL SQLite kept of them.
func setAside(ctx context.Context, tx *sql.Tx, kind, list string, tables []string) (func(context.Context) error, error) {
	var creates []string
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, list, t)
		if err != nil {
			return nil, err
		}
		var names []string
		for rows.Next() {
			var name, create string
			if err := rows.Scan(&name, &create); err != nil {
				rows.Close()
				return nil, err
			}
			names, creates = append(names, name), append(creates, create)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `DROP `+kind+` "`+n+`"`); err != nil {
				return nil, err
			}
		}
	}
	return func(ctx context.Context) error {
		for _, c := range creates {
			if _, err := tx.ExecContext(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
