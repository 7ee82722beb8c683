// Package keys gives an open database the key its ID numbers, phones and TOTP
// secrets are sealed with (decision 6): it finds the key — a key file, the
// environment, or on SQLite a new key file beside the database — checks it against
// the fingerprint the database keeps, seals the rows written before encryption, and
// rotates to a new key. It stands on platform/db and platform/crypt and knows the
// sealed columns of residents, workers and users.
package keys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
)

// fingerprintSetting is the settings row naming the key a database is sealed with.
const fingerprintSetting = "crypt.fingerprint"

// Source says where the key comes from. At most one of File and Key is set; with
// neither, a SQLite database uses DefaultFile and PostgreSQL refuses to start.
type Source struct {
	File string // a key file: --key-file, else $SHEQU_KEY_FILE
	Key  string // the key itself in base64: $SHEQU_KEY
}

// FromEnv returns the source a command names: the --key-file flag's value if given,
// else $SHEQU_KEY_FILE, and $SHEQU_KEY.
func FromEnv(keyFileFlag string) Source {
	s := Source{File: keyFileFlag, Key: os.Getenv("SHEQU_KEY")}
	if s.File == "" {
		s.File = os.Getenv("SHEQU_KEY_FILE")
	}
	return s
}

// DefaultFile is where a SQLite database's key lives when none is configured:
// beside it, as shequ.db.key.
func DefaultFile(dsn string) string { return dsn + ".key" }

// Unlock finds the key of the database at dsn, checks that it is the database's
// own, and gives it to d (see Bind). Lines about what it did on the user's behalf —
// a key file created, rows sealed — go to notice.
//
// It refuses, with an apperr naming the cause, a key file that is missing, a key
// that is malformed or is not the database's, two keys at once, PostgreSQL without
// a key, and a SQLite database that holds sealed data but has lost its key file:
// it never makes a new key for data sealed with another.
func Unlock(ctx context.Context, d *db.DB, dsn string, src Source, notice io.Writer) error {
	master, from, err := find(ctx, d, dsn, src, notice)
	if err != nil {
		return err
	}
	k, err := crypt.NewSoftware(master)
	if err != nil {
		return err
	}
	err = Bind(ctx, d, k, notice)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Key == "keys.wrong_key" {
		return ae.With("source", from)
	}
	return err
}

// find returns the master key and where it came from.
func find(ctx context.Context, d *db.DB, dsn string, src Source, notice io.Writer) ([]byte, string, error) {
	switch {
	case src.File != "" && src.Key != "":
		return nil, "", apperr.New(apperr.Invalid, "keys.two_sources", "")
	case src.Key != "":
		k, err := crypt.ParseKey(src.Key)
		if err != nil {
			return nil, "", apperr.New(apperr.Invalid, "keys.malformed", "").With("source", "SHEQU_KEY")
		}
		return k, "SHEQU_KEY", nil
	case src.File != "":
		k, err := readFile(src.File)
		return k, src.File, err
	case d.Dialect != db.SQLite:
		return nil, "", apperr.New(apperr.Invalid, "keys.required", "")
	}
	path := DefaultFile(dsn)
	k, err := readFile(path)
	if !apperr.Is(err, apperr.NotFound) {
		return k, path, err
	}
	fp, err := storedFingerprint(ctx, d.Read())
	if err != nil {
		return nil, "", err
	}
	if fp != "" {
		return nil, "", apperr.New(apperr.NotFound, "keys.lost", "").With("file", path)
	}
	k = crypt.NewMasterKey()
	if err := crypt.WriteKeyFile(path, k); err != nil {
		return nil, "", fmt.Errorf("create key file: %w", err)
	}
	fmt.Fprintf(notice, "created key file %s for the database's ID numbers and phones — back it up; without it they cannot be read\n", path)
	return k, path, nil
}

func readFile(path string) ([]byte, error) {
	k, err := crypt.ReadKeyFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, apperr.New(apperr.NotFound, "keys.file_missing", "").With("file", path)
	case errors.Is(err, crypt.ErrMalformedKey):
		return nil, apperr.New(apperr.Invalid, "keys.malformed", "").With("source", path)
	case err != nil:
		return nil, fmt.Errorf("read key file: %w", err)
	}
	return k, nil
}

// Bind checks k against the fingerprint d keeps and gives it to d. A database that
// has none yet — new, or written before encryption — gets k's, in one transaction
// with the sealing of every row written in the clear; a line on notice says how
// many. A database sealed before migration 008 has its TOTP secrets, which that
// migration found in the clear, sealed at the first start with its key. A
// fingerprint of another key is refused with "keys.wrong_key": better at start than
// at the first record someone opens. d holds the key lock shared from here until it
// closes, so that no rotation runs under it; while one runs, Bind waits for it.
func Bind(ctx context.Context, d *db.DB, k crypt.Keyring, notice io.Writer) error {
	if err := d.LockKeyShared(ctx); err != nil {
		return err
	}
	fp, err := storedFingerprint(ctx, d.Read())
	if err != nil {
		return err
	}
	var n Counts
	if fp == "" {
		err := d.BulkTx(ctx, func(b *db.Bulk) error {
			if _, err := b.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
				fingerprintSetting, k.Fingerprint()); err != nil {
				return err
			}
			if fp, err = storedFingerprint(ctx, b); err != nil || fp != k.Fingerprint() {
				return err // another process recorded its key first: checked below
			}
			if err := noSealedRows(ctx, b); err != nil {
				return err
			}
			n, err = sealClear(ctx, b, k)
			return err
		})
		if err != nil {
			return err
		}
		if n.Residents+n.Workers > 0 {
			fmt.Fprintf(notice, "sealed the ID numbers and phones of %d residents and %d workers written before encryption\n", n.Residents, n.Workers)
		}
	}
	if fp != k.Fingerprint() {
		return apperr.New(apperr.Conflict, "keys.wrong_key", "").With("fingerprint", k.Fingerprint()).With("want", fp)
	}
	left, err := sealClearTOTPLeft(ctx, d, k)
	if err != nil {
		return err
	}
	if n.Users += left; n.Users > 0 {
		fmt.Fprintf(notice, "sealed the TOTP secrets of %d users written before encryption\n", n.Users)
	}
	d.SetKeys(k)
	return nil
}

// noSealedRows refuses a database that holds sealed values but no fingerprint — its
// settings row lost or removed: whatever key was given may not be theirs, and
// recording it would make the mistake permanent.
func noSealedRows(ctx context.Context, q db.Querier) error {
	for _, sealed := range []string{
		`residents WHERE id_number_sealed IS NOT NULL`,
		`workers WHERE id_number_sealed IS NOT NULL`,
		`users WHERE totp_secret_sealed IS NOT NULL OR totp_pending_sealed IS NOT NULL`,
	} {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+sealed+` LIMIT 1) x`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "keys.no_fingerprint", "")
		}
	}
	return nil
}

func storedFingerprint(ctx context.Context, q db.Querier) (string, error) {
	var fp string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, fingerprintSetting).Scan(&fp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return fp, err
}

// Counts are the rows sealed or re-sealed, per table.
type Counts struct {
	Residents int
	Workers   int
	Users     int // users with a TOTP secret, enrolled or being enrolled
}

// Rotate re-seals and re-indexes every resident's and worker's identifiers, and
// re-seals every user's TOTP secrets, under next, and records next's fingerprint,
// all in one transaction: on any error the database stays as it was, under its
// current key. d must hold its current keyring (Unlock); afterwards it holds next.
// While any other process has the database open with its key — a server, an
// import — Rotate refuses with "keys.in_use" and changes nothing: that process
// would go on sealing with the old key.
func Rotate(ctx context.Context, d *db.DB, next crypt.Keyring) (Counts, error) {
	cur := d.Keys()
	if next.Fingerprint() == cur.Fingerprint() {
		return Counts{}, apperr.New(apperr.Invalid, "keys.same_key", "")
	}
	if err := d.LockKeyAlone(ctx); errors.Is(err, db.ErrKeyInUse) {
		return Counts{}, apperr.New(apperr.Conflict, "keys.in_use", "")
	} else if err != nil {
		return Counts{}, err
	}
	var n Counts
	err := d.BulkTx(ctx, func(b *db.Bulk) error {
		open := func(r row) (string, string, error) {
			id, err := cur.Open(crypt.IDNumber, r.idSealed)
			if err != nil {
				return "", "", err
			}
			phone, err := crypt.OpenPhone(cur, r.phoneSealed)
			return id, phone, err
		}
		var err error
		if n.Residents, err = reseal(ctx, b, residents, `id_number_sealed IS NOT NULL`, open, next); err != nil {
			return err
		}
		if n.Workers, err = reseal(ctx, b, workers, `id_number_sealed IS NOT NULL`, open, next); err != nil {
			return err
		}
		if n.Users, err = resealTOTP(ctx, b, cur, next); err != nil {
			return err
		}
		_, err = b.ExecContext(ctx, `UPDATE settings SET value = $1 WHERE key = $2`, next.Fingerprint(), fingerprintSetting)
		return err
	})
	if err != nil {
		return Counts{}, err
	}
	d.SetKeys(next)
	return n, nil
}

// sealClear seals the rows written before encryption: their id_number_sealed is
// NULL and their index columns still hold the plain values (migration 007), and
// users' TOTP secrets are in their *_clear columns (migration 008).
func sealClear(ctx context.Context, b *db.Bulk, k crypt.Keyring) (Counts, error) {
	plain := func(r row) (string, string, error) { return r.idIndex, r.phoneIndex, nil }
	var n Counts
	var err error
	if n.Residents, err = reseal(ctx, b, residents, `id_number_sealed IS NULL`, plain, k); err != nil {
		return Counts{}, err
	}
	if n.Workers, err = reseal(ctx, b, workers, `id_number_sealed IS NULL`, plain, k); err != nil {
		return Counts{}, err
	}
	n.Users, err = sealClearTOTP(ctx, b, k)
	return n, err
}
