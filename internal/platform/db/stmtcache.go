package db

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"
	"sync/atomic"
)

// StatementsPerConnection bounds the prepared statements each connection keeps. The
// stores' fixed statements number a few hundred at most; SQL that varies with a
// request (an IN list, a batch) takes its turn in the cache and falls out of it, so
// that no number of distinct texts grows a connection's memory past the bound.
const StatementsPerConnection = 256

// Every statement the program runs goes through one cache, below database/sql, on
// both engines: a connection prepares a statement text the first time it sees it
// and runs the prepared statement from then on (decision 13). modernc.org/sqlite
// compiles a statement afresh for every call that is not made on a prepared one,
// which took 42% of the server's CPU; pgx keeps a cache of its own, which the
// connection URL turns to describing only, so that ours is the one that decides.
// Sitting in the driver, the cache serves pools, transactions and connections alike,
// without a store doing anything but pass its SQL text.

// cachingConnector wraps a driver's connector so that every connection it makes
// keeps a statement cache.
type cachingConnector struct {
	driver.Connector
	stats *StatementStats
}

func (c *cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: dc, stmts: map[string]*list.Element{}, stats: c.stats}, nil
}

// dsnConnector is the connector of a driver that has none of its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// newConnector returns drv's connector for dsn, wrapped in the statement cache.
func newConnector(drv driver.Driver, dsn string, stats *StatementStats) (driver.Connector, error) {
	var c driver.Connector = dsnConnector{drv, dsn}
	if dc, ok := drv.(driver.DriverContext); ok {
		var err error
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return &cachingConnector{Connector: c, stats: stats}, nil
}

// StatementStats counts what the statement caches of a database's connections do.
type StatementStats struct {
	Prepared atomic.Int64 // statements prepared for the cache
	Reused   atomic.Int64 // calls served by a statement prepared before
	Cached   atomic.Int64 // statements held now, over all connections
}

// cachingConn is a driver connection with its prepared statements, most recently
// used first. database/sql never uses a connection from two goroutines at once, and
// closes rows under the same lock, so the cache needs no lock of its own.
type cachingConn struct {
	driver.Conn
	stmts map[string]*list.Element // of *cachedStmt, by SQL text
	lru   list.List
	stats *StatementStats
}

// cachedStmt is a prepared statement and the rows read from it that are still open:
// a statement is not run again, nor closed, while its rows are being read.
type cachedStmt struct {
	query   string
	stmt    driver.Stmt
	open    int
	evicted bool // out of the cache: closed once its last rows are
}

// PlanEachTime returns a context under which statements are not prepared: each is
// sent with its values and planned for them. It is for the rare statement whose
// best plan depends on its values, such as a search by an address fragment, where
// PostgreSQL's generic plan for a prepared statement cannot know how rare the
// fragment is.
func PlanEachTime(ctx context.Context) context.Context {
	return context.WithValue(ctx, planEachTimeKey{}, true)
}

type planEachTimeKey struct{}

func planEachTime(ctx context.Context) bool {
	v, _ := ctx.Value(planEachTimeKey{}).(bool)
	return v
}

// acquire returns the connection's prepared statement for query, preparing it if
// needed. A statement whose rows are still open (a query run again while reading
// its own results) is not disturbed: the call gets a statement of its own, closed
// when done.
func (c *cachingConn) acquire(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*cachedStmt)
		if s.open == 0 {
			c.lru.MoveToFront(e)
			c.stats.Reused.Add(1)
			return s, nil
		}
		st, err := c.prepare(ctx, query)
		return &cachedStmt{query: query, stmt: st, evicted: true}, err
	}
	st, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stats.Prepared.Add(1)
	s := &cachedStmt{query: query, stmt: st}
	c.stmts[query] = c.lru.PushFront(s)
	c.stats.Cached.Add(1)
	if c.lru.Len() > StatementsPerConnection {
		c.evict(c.lru.Back())
	}
	return s, nil
}

func (c *cachingConn) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *cachingConn) evict(e *list.Element) {
	s := c.lru.Remove(e).(*cachedStmt)
	delete(c.stmts, s.query)
	c.stats.Cached.Add(-1)
	s.evicted = true
	if s.open == 0 {
		_ = s.stmt.Close()
	}
}

// release ends a use of s that left no rows open.
func (c *cachingConn) release(s *cachedStmt) {
	if s.evicted && s.open == 0 {
		_ = s.stmt.Close()
	}
}

// ExecContext runs query on its prepared statement. A statement without arguments is
// passed on as it is: it may be a script of several (a migration, pragmas), which
// PostgreSQL does not prepare, and such statements are not the ones run per request.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 || planEachTime(ctx) {
		if e, ok := c.Conn.(driver.ExecerContext); ok {
			return e.ExecContext(ctx, query, args)
		}
		return nil, driver.ErrSkip
	}
	s, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	defer c.release(s)
	return s.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs query on its prepared statement; the rows returned keep the
// statement in use until they are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if planEachTime(ctx) {
		if q, ok := c.Conn.(driver.QueryerContext); ok {
			return q.QueryContext(ctx, query, args)
		}
		return nil, driver.ErrSkip
	}
	s, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(s)
		return nil, err
	}
	s.open++
	return &cachedRows{Rows: rows, conn: c, stmt: s}, nil
}

// PrepareContext prepares a statement the caller manages (bulk inserts do): it is
// not cached.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.prepare(ctx, query)
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
		c.stats.Cached.Add(-1)
	}
	clear(c.stmts)
	c.lru.Init()
	return c.Conn.Close()
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	//lint:ignore SA1019 only for a driver without BeginTx; both of ours have it
	return c.Conn.Begin()
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// cachedRows are rows read from a cached statement.
type cachedRows struct {
	driver.Rows
	conn *cachingConn
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.stmt != nil {
		r.stmt.open--
		r.conn.release(r.stmt)
		r.stmt = nil
	}
	return err
}

// The column types are passed on from the driver's rows, for rows.ColumnTypes.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
