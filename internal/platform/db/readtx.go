package db

import (
	"context"
	"database/sql"
)

// ReadTx runs fn in one read-only transaction on the read pool, so that every query
// fn makes sees the database as of one moment, never a writer's transaction half
// applied: on PostgreSQL a repeatable-read snapshot, taken at the first query; on
// SQLite the WAL snapshot its first read takes (the driver begins a deferred
// transaction and leaves the isolation to SQLite, which is serializable).
func (d *DB) ReadTx(ctx context.Context, fn func(q Querier) error) error {
	tx, err := d.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
