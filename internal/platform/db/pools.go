package db

import "database/sql"

// Pools returns the read pool and the write pool, for the figures the operators'
// metrics show of them (connections open, in use, waited for). On PostgreSQL both
// are the same pool. Stores use Read, Write and InTx, never these.
func (d *DB) Pools() (read, write *sql.DB) { return d.read, d.write }
