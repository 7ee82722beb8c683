package audit

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm3"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/web"
)

// Row is a record of the trail: an entry, its place in the chain and its hash.
type Row struct {
	Seq int64
	Entry
	PrevHash string
	Hash     string
}

// Sum computes the record's hash, in lower-case hex: SM3 over the previous
// record's hash (its 64 hex characters) and the canonical encoding of the record's
// fields — a version tag, the seq and the instant (Unix milliseconds) as 8-byte
// big-endian integers, then each text field as its 4-byte big-endian length and
// its UTF-8 bytes. The lengths keep ("ab", "c") and ("a", "bc") apart. Anyone with
// an export can compute it again.
func (r Row) Sum() string {
	buf := []byte(r.PrevHash)
	buf = append(buf, "shequ-audit-1"...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.Seq))
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.Entry.At.UnixMilli()))
	e := r.Entry
	for _, f := range []string{e.UserID, e.UserName, string(e.Role), e.SourceIP, e.Action, e.Object, e.Outcome, e.Reason} {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(f)))
		buf = append(buf, f...)
	}
	h := sm3.Sum(buf)
	return hex.EncodeToString(h[:])
}

// Record appends e to the audit trail in the caller's transaction q, so that the
// entry is kept if and only if the action is: an action whose entry cannot be
// written fails with it. The source address and the user come from ctx when e
// names none, the time from the clock when it has none. Call it last in the
// transaction: on PostgreSQL it holds the chain's head until the commit, and every
// other writer's entry waits for it.
func Record(ctx context.Context, q db.Querier, e Entry) error {
	e, err := e.complete(ctx)
	if err != nil {
		return err
	}
	r := Row{Entry: e}
	// The UPDATE takes the head row for the rest of the transaction: a concurrent
	// append waits here and then reads the head this one leaves.
	err = q.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&r.Seq, &r.PrevHash)
	if err != nil {
		return fmt.Errorf("audit: take the chain's head: %w", err)
	}
	r.Hash = r.Sum()
	// DO NOTHING rather than a unique violation: on PostgreSQL that would abort the
	// transaction before the refusal could be told apart from any other failure.
	res, err := q.ExecContext(ctx, `INSERT INTO audit_log (seq, at, user_id, user_name, role, source_ip, action, object, outcome, reason, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (seq) DO NOTHING`,
		r.Seq, e.At.UnixMilli(), e.UserID, e.UserName, string(e.Role), e.SourceIP, e.Action, e.Object, e.Outcome, e.Reason, r.PrevHash, r.Hash)
	if err != nil {
		return fmt.Errorf("audit: append record %d: %w", r.Seq, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("audit: append record %d: %w", r.Seq, err)
	}
	if n == 0 {
		// A record already holds the next seq: it was written beside the chain.
		// Fail closed (decision 7): no action goes unrecorded, and the chain is not
		// forked around the stray record.
		web.Logger(ctx).ErrorContext(ctx, "audit chain broken: a record outside the chain holds the next seq; every audited action is refused until the database's owner removes it (shequ audit verify)",
			"seq", r.Seq, "problem", Stray)
		return ErrChainBroken(Break{Seq: r.Seq, Problem: Stray})
	}
	if _, err := q.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, r.Hash); err != nil {
		return fmt.Errorf("audit: move the chain's head: %w", err)
	}
	return nil
}

// RecordAlone appends e in a transaction of its own, for an event that writes
// nothing else: a read, an export, a refusal.
func RecordAlone(ctx context.Context, d *db.DB, e Entry) error {
	return d.InTx(ctx, func(tx *sql.Tx) error { return Record(ctx, tx, e) })
}

// Refused records e as refused — denied for a forbidden action, failed otherwise —
// in a transaction of its own, as the refused action opened none, and returns
// refusal for the caller to pass on. The reason is the refusal's message key when
// e gives none. If the entry cannot be written that error is returned instead: a
// refusal must not go unrecorded without anyone hearing of it.
func Refused(ctx context.Context, d *db.DB, e Entry, refusal error) error {
	e.Outcome = Failed
	if apperr.Is(refusal, apperr.Forbidden) {
		e.Outcome = Denied
	}
	var ae *apperr.Error
	if e.Reason == "" && errors.As(refusal, &ae) {
		e.Reason = ae.Key
	}
	if err := RecordAlone(ctx, d, e); err != nil {
		return err
	}
	return refusal
}

// ErrChainBroken is the refusal of an audited action, or of a purge, on a chain
// broken at b: a Conflict whose message names the record and says what to do.
func ErrChainBroken(b Break) error {
	return apperr.New(apperr.Conflict, "audit.chain_broken", "").With("seq", b.Seq).With("problem", string(b.Problem))
}
