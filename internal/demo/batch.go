package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"shequ/internal/platform/db"
)

// batchParams bounds the parameters of one INSERT on each engine. PostgreSQL pays a
// round trip per statement, so its batches are big (it allows 65535 parameters).
// SQLite has no round trip, and the modernc driver looks each $n parameter's name
// up in a list as it binds, which makes binding quadratic in a statement's
// parameters: the full load took three times as long with 2048 parameters a
// statement as with 128, and one row a statement was no slower than 128.
func batchParams(d db.Dialect) int {
	if d == db.SQLite {
		return 128
	}
	return 4096
}

// table buffers rows for one table until the generator hands them to an inserter.
type table struct {
	name string
	cols []string
	vals []any // pending rows, len(cols) values each
}

func newTable(name string, cols ...string) *table {
	return &table{name: name, cols: cols}
}

func (t *table) add(vals ...any) { t.vals = append(t.vals, vals...) }

func (t *table) pending() int { return len(t.vals) / len(t.cols) }

// reset drops the pending rows, releasing what they point to.
func (t *table) reset() {
	clear(t.vals)
	t.vals = t.vals[:0]
}

// tables are the demo's tables in foreign-key order: writing them in this order
// never inserts a row before the row it refers to.
type tables struct {
	orgUnits, buildings, households, residents, tags, contacts, workers, workerGrids *table
}

func newTables() *tables {
	return &tables{
		orgUnits:    newTable("org_units", "code", "name", "level", "parent_code", "founded_year", "office_area_m2", "authorized_posts", "created_at"),
		buildings:   newTable("buildings", "id", "org_code", "name"),
		households:  newTable("households", "id", "household_no", "org_code", "building_id", "address", "created_at", "updated_at"),
		residents:   newTable("residents", "id", "name", "id_number", "id_tail", "sex", "birth_date", "household_id", "org_code", "relation", "population_type", "phone", "created_at", "updated_at"),
		tags:        newTable("resident_tags", "resident_id", "tag", "org_code"),
		contacts:    newTable("grid_contacts", "id", "org_code", "resident_id", "role"),
		workers:     newTable("workers", "id", "name", "id_number", "sex", "birth_date", "org_code", "position", "education", "hired_on", "certificates", "phone", "created_at", "updated_at"),
		workerGrids: newTable("worker_grids", "worker_id", "grid_code"),
	}
}

func (ts *tables) all() []*table {
	return []*table{ts.orgUnits, ts.buildings, ts.households, ts.residents, ts.tags, ts.contacts, ts.workers, ts.workerGrids}
}

// inserter writes buffered rows with multi-row INSERT statements prepared once per
// table and row count. A table's pending rows go out in full batches and then the
// rest in power-of-two batches, so each table needs at most a dozen statements,
// whatever the row counts. The SQL is the same on SQLite and PostgreSQL.
type inserter struct {
	tx     *sql.Tx
	params int // the most parameters one statement may have
	stmts  map[string]*sql.Stmt
}

func newInserter(tx *sql.Tx, params int) *inserter {
	return &inserter{tx: tx, params: params, stmts: map[string]*sql.Stmt{}}
}

// write inserts the pending rows of every table, parents first.
func (in *inserter) write(ctx context.Context, ts *tables) error {
	for _, t := range ts.all() {
		if err := in.writeTable(ctx, t); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
	}
	return nil
}

func (in *inserter) writeTable(ctx context.Context, t *table) error {
	c := len(t.cols)
	n, done := t.pending(), 0
	for size := maxBatchRows(c, in.params); size > 0; size /= 2 {
		for n-done >= size {
			st, err := in.stmt(ctx, t, size)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, t.vals[done*c:(done+size)*c]...); err != nil {
				return err
			}
			done += size
		}
	}
	return nil
}

// maxBatchRows is the largest power of two of rows whose values fit in params.
func maxBatchRows(cols, params int) int {
	n := 1
	for 2*n*cols <= params {
		n *= 2
	}
	return n
}

func (in *inserter) stmt(ctx context.Context, t *table, rows int) (*sql.Stmt, error) {
	key := t.name + "/" + strconv.Itoa(rows)
	if st, ok := in.stmts[key]; ok {
		return st, nil
	}
	st, err := in.tx.PrepareContext(ctx, insertSQL(t.name, t.cols, rows))
	if err != nil {
		return nil, err
	}
	in.stmts[key] = st
	return st, nil
}

func (in *inserter) close() {
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
