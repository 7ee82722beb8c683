package keys

import (
	"context"
	"database/sql"
	"fmt"

	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
)

// Users are few — a city has hundreds of accounts, not the register's hundreds of
// thousands of rows — so their TOTP secrets are sealed and re-sealed a statement per
// user, without reseal's batches.

// totpColumns pairs each sealed TOTP column with the column migration 008 left its
// clear value in.
var totpColumns = []struct{ sealed, clear string }{
	{"totp_secret_sealed", "totp_secret_clear"},
	{"totp_pending_sealed", "totp_pending_clear"},
}

// sealClearTOTP seals the TOTP secrets still in the clear columns and empties them,
// in q's transaction, and returns how many users it sealed. Each update is
// conditional on the clear value it read, so that two processes starting at once
// seal each secret once.
func sealClearTOTP(ctx context.Context, q db.Querier, k crypt.Keyring) (int, error) {
	type inClear struct{ id, secret, pending string }
	rows, err := q.QueryContext(ctx, `SELECT id, totp_secret_clear, totp_pending_clear FROM users
		WHERE totp_secret_clear <> '' OR totp_pending_clear <> '' ORDER BY id`)
	if err != nil {
		return 0, err
	}
	var users []inClear
	for rows.Next() {
		var u inClear
		if err := rows.Scan(&u.id, &u.secret, &u.pending); err != nil {
			rows.Close()
			return 0, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, u := range users {
		for i, plain := range []string{u.secret, u.pending} {
			if plain == "" {
				continue
			}
			sealed, err := k.Seal(crypt.TOTPSecret, plain)
			if err != nil {
				return 0, err
			}
			c := totpColumns[i]
			if _, err := q.ExecContext(ctx, `UPDATE users SET `+c.sealed+` = $1, `+c.clear+` = '' WHERE id = $2 AND `+c.clear+` = $3`,
				sealed, u.id, plain); err != nil {
				return 0, err
			}
		}
	}
	return len(users), nil
}

// sealClearTOTPLeft seals the TOTP secrets of a database that was sealed before
// migration 008, which found them in the clear. The common start finds none, and
// takes no write lock to learn it.
func sealClearTOTPLeft(ctx context.Context, d *db.DB, k crypt.Keyring) (int, error) {
	var left int
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM users
		WHERE totp_secret_clear <> '' OR totp_pending_clear <> '' LIMIT 1) x`).Scan(&left); err != nil || left == 0 {
		return 0, err
	}
	var n int
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = sealClearTOTP(ctx, tx, k)
		return err
	})
	return n, err
}

// resealTOTP opens every user's sealed TOTP secrets with from and seals them with
// to, in q's transaction, and returns how many users it re-sealed. A secret that
// does not open fails the whole rotation, naming the user.
func resealTOTP(ctx context.Context, q db.Querier, from, to crypt.Keyring) (int, error) {
	type sealed struct {
		id, name string
		values   [2][]byte // as totpColumns
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name, totp_secret_sealed, totp_pending_sealed FROM users
		WHERE totp_secret_sealed IS NOT NULL OR totp_pending_sealed IS NOT NULL ORDER BY id`)
	if err != nil {
		return 0, err
	}
	var users []sealed
	for rows.Next() {
		var u sealed
		if err := rows.Scan(&u.id, &u.name, &u.values[0], &u.values[1]); err != nil {
			rows.Close()
			return 0, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, u := range users {
		var next [2]any // NULL stays NULL
		for i, v := range u.values {
			if len(v) == 0 {
				continue
			}
			plain, err := from.Open(crypt.TOTPSecret, v)
			if err != nil {
				return 0, fmt.Errorf("the TOTP secret of user %q: %w", u.name, err)
			}
			if next[i], err = to.Seal(crypt.TOTPSecret, plain); err != nil {
				return 0, err
			}
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET totp_secret_sealed = $1, totp_pending_sealed = $2 WHERE id = $3`,
			next[0], next[1], u.id); err != nil {
			return 0, err
		}
	}
	return len(users), nil
}
