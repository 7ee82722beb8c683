package db

import "context"

// Analyze refreshes the planners' statistics, as a bulk load must: without them
// PostgreSQL may not use the address trigram index until autovacuum runs, and
// SQLite does not know a city now fills its tables.
//
// On SQLite it keeps the row estimates of every index (sqlite_stat1) and drops the
// samples of their values (sqlite_stat4). With samples, SQLite plans a statement
// for the values bound to it wherever a value could change the plan — a range on
// an indexed column, which every scope check is — and so compiles a prepared
// statement again on every run: on a city of a million cases that was a third of
// a report's CPU, and the statements the cache keeps (decision 13) were prepared
// for nothing. The estimates of stat1 choose the same indexes for the stores'
// statements, whose ranges are scopes and whose selectivity the code's structure
// already tells (docs/benchmarks.md, "Cases").
func (d *DB) Analyze(ctx context.Context) error {
	if d.Dialect == Postgres {
		_, err := d.write.ExecContext(ctx, `ANALYZE`)
		return err
	}
	_, err := d.write.ExecContext(ctx, `ANALYZE; DELETE FROM sqlite_stat4; ANALYZE sqlite_schema`)
	return err
}
