package audit

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
)

// Retention bounds, in days. Logs are kept at least six months (网络安全法 art. 21);
// records of processing personal information at least three years (个人信息保护法
// art. 56), which is also the default for everything.
const (
	MinRetentionDays      = 180
	PersonalRetentionDays = 1095
	DefaultRetentionDays  = PersonalRetentionDays
)

// retentionKey is the settings row of the retention period.
const retentionKey = "audit.retention_days"

// RetentionDays returns how many days audit records are kept.
func RetentionDays(ctx context.Context, q db.Querier) (int, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, retentionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultRetentionDays, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return DefaultRetentionDays, nil
	}
	// A value written around SetRetention still keeps nothing shorter than the law.
	return max(n, MinRetentionDays), nil
}

// SetRetention sets how many days audit records are kept, at least
// MinRetentionDays, and records the change as by.
func SetRetention(ctx context.Context, d *db.DB, by Entry, days int) error {
	if days < MinRetentionDays {
		return apperr.Invalidf("days", "audit.retention_min").With("min", MinRetentionDays)
	}
	return d.InTx(ctx, func(tx *sql.Tx) error {
		old, err := RetentionDays(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, retentionKey, strconv.Itoa(days)); err != nil {
			return err
		}
		by.Action, by.Object, by.Outcome = ActRetention, "setting:"+retentionKey, OK
		by.Reason = strconv.Itoa(old) + " → " + strconv.Itoa(days)
		return Record(ctx, tx, by)
	})
}

// Purged is what a purge removed: records up to Through (none when 0), and how
// many.
type Purged struct {
	Through int64
	Count   int
}

// Purge deletes the records older than the retention period — personal-information
// records only once they are also PersonalRetentionDays old — and records that it
// did, as by. It deletes a prefix of the chain only, up to the first record that
// must stay, and keeps the hash of the last one deleted as the anchor Verify
// starts from, so the chain stays verifiable. Its record names the range removed
// and the anchor's hash: an anchor that no such record accounts for is a break.
//
// It refuses, with ErrChainBroken, a chain that does not verify: a purge would
// remove the evidence and leave a record that seems to account for it. On
// PostgreSQL only the owner of the audit tables may run it.
func Purge(ctx context.Context, d *db.DB, by Entry, now time.Time) (Purged, error) {
	var out Purged
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		// Hold the head first, so that no append lands between the check and the
		// purge's own record.
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = seq WHERE id = 1`); err != nil {
			return err
		}
		rep, err := Verify(ctx, tx)
		if err != nil {
			return err
		}
		if rep.Broken != nil {
			return ErrChainBroken(*rep.Broken)
		}
		days, err := RetentionDays(ctx, tx)
		if err != nil {
			return err
		}
		cut := now.AddDate(0, 0, -days).UnixMilli()
		personalCut := now.AddDate(0, 0, -max(days, PersonalRetentionDays)).UnixMilli()
		var from int64
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM audit_anchor WHERE id = 1`).Scan(&from); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, at, action, hash FROM audit_log WHERE seq > $1 ORDER BY seq`, from)
		if err != nil {
			return err
		}
		var last struct {
			seq, at int64
			hash    string
		}
		for rows.Next() {
			var seq, at int64
			var action, hash string
			if err := rows.Scan(&seq, &at, &action, &hash); err != nil {
				rows.Close()
				return err
			}
			if at >= cut || (personal(action) && at >= personalCut) {
				break
			}
			last.seq, last.at, last.hash = seq, at, hash
			out.Count++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		out.Through = last.seq
		if out.Count > 0 {
			// The anchor moves first: on SQLite, a guard refuses to delete any record
			// it does not already cover.
			if _, err := tx.ExecContext(ctx, `UPDATE audit_anchor SET seq = $1, hash = $2, at = $3, purged_at = $4 WHERE id = 1`,
				last.seq, last.hash, last.at, now.UnixMilli()); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq <= $1`, last.seq); err != nil {
				return err
			}
		}
		by.Action, by.Object, by.Outcome = ActPurge, "audit:"+strconv.FormatInt(from+1, 10)+"-"+strconv.FormatInt(last.seq, 10), OK
		if out.Count == 0 {
			by.Object = "audit:none"
		}
		by.Reason = "retention_days=" + strconv.Itoa(days) + " count=" + strconv.Itoa(out.Count)
		if out.Count > 0 {
			by.Reason += " anchor=" + last.hash
		}
		if by.At.IsZero() {
			by.At = now
		}
		return Record(ctx, tx, by)
	})
	return out, err
}
