package db

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"time"
)

// ErrKeyInUse is returned by LockKeyAlone while another process has the database
// open with its key.
var ErrKeyInUse = errors.New("another shequ process has this database open with its key")

// keyLock is the lock through which the processes sharing a database agree on its
// key (decision 6). Every process that opens the database with its key holds it
// shared for as long as it runs; a key rotation must hold it alone. Without it, a
// server started under the old key would go on sealing new ID numbers and phones
// with it after a rotation, which the new key could never open. On SQLite it is a
// flock on the file DB-keylock beside the database; on PostgreSQL a session-level
// advisory lock, per schema, on a connection kept for it.
type keyLock struct {
	file *os.File // SQLite
	conn *sql.Conn
}

// pgKeyLockClass is the first key of the advisory lock, naming what it is for; the
// second is the hash of the schema, so that databases in one PostgreSQL database
// (as the tests make them) do not share a lock.
const pgKeyLockClass = 0x5e9c_4b31

// keyLockWait is how often a process waiting for a rotation to end looks again.
const keyLockWait = 100 * time.Millisecond

// LockKeyShared takes the key lock shared and keeps it until Close, waiting while a
// rotation holds it alone. Taking it again does nothing.
func (d *DB) LockKeyShared(ctx context.Context) error {
	if d.lock.file != nil || d.lock.conn != nil {
		return nil
	}
	if d.Dialect == Postgres {
		conn, err := d.write.Conn(ctx)
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock_shared($1, hashtext(current_schema()))`, pgKeyLockClass); err != nil {
			conn.Close()
			return err
		}
		d.lock.conn = conn
		return nil
	}
	f, err := os.OpenFile(d.path+"-keylock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := flockShared(ctx, f); err != nil {
		f.Close()
		return err
	}
	d.lock.file = f
	return nil
}

// flockShared takes f's flock shared, looking again every keyLockWait while a
// rotation holds it alone.
func flockShared(ctx context.Context, f *os.File) error {
	for {
		if ok, err := flock(f, false); err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(keyLockWait):
		}
	}
}

// LockKeyAlone makes this process the only one holding the key lock, or fails at
// once with ErrKeyInUse: a rotation does not wait for servers to stop, it tells the
// operator to stop them. It takes the lock shared first if this process had not.
// A refusal leaves the lock shared, as it was.
func (d *DB) LockKeyAlone(ctx context.Context) error {
	if err := d.LockKeyShared(ctx); err != nil {
		return err
	}
	if d.Dialect == Postgres {
		var ok bool
		err := d.lock.conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, pgKeyLockClass).Scan(&ok)
		if err == nil && !ok {
			err = ErrKeyInUse
		}
		return err
	}
	ok, err := flock(d.lock.file, true)
	if err != nil || ok {
		return err
	}
	// A failed conversion of a flock may have dropped the shared lock: take it again.
	return errors.Join(ErrKeyInUse, flockShared(ctx, d.lock.file))
}

// close releases the key lock. On PostgreSQL the lock is released before its
// connection goes back to the pool: closing the pool ends the session only when the
// server gets round to it, and a rotation started right after must find it free.
func (l *keyLock) close() error {
	var err error
	if l.file != nil {
		err = l.file.Close()
	}
	if l.conn != nil {
		_, err = l.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock_all()`)
		err = errors.Join(err, l.conn.Close())
	}
	*l = keyLock{}
	return err
}
