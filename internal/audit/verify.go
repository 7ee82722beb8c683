package audit

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

// Report is what Verify found.
type Report struct {
	// Anchor is the last record purged under the retention period, 0 if none; the
	// chain is checked from the record after it.
	Anchor int64
	// Count is the number of records checked, Last the seq of the last and LastAt
	// its time.
	Count  int
	Last   int64
	LastAt time.Time
	// Head is the hash of the last record. Kept outside the database — a witness
	// line (Witness), a printed report — it also shows later whether the whole chain
	// after it was rewritten, which a chain alone cannot.
	Head string
	// Witnessed is the number of witnessed heads checked against the chain.
	Witnessed int
	// Broken is the first break in the chain, nil when it is intact.
	Broken *Break
}

// Break is where a chain stops holding: the seq of the first record at fault, and
// what is wrong with it.
type Break struct {
	Seq     int64
	Problem Problem
}

// Problem is how a chain is broken.
type Problem string

// The ways a chain breaks.
const (
	// Modified: the record's fields no longer give its hash; it was changed.
	Modified Problem = "modified"
	// Missing: there is no record with this seq; it was deleted.
	Missing Problem = "missing"
	// Relinked: the record does not name the hash of the one before it; it, or the
	// one before, was replaced or slipped in.
	Relinked Problem = "relinked"
	// Truncated: the chain's head names a later record than the last one there;
	// the last records were deleted.
	Truncated Problem = "truncated"
	// Stray: a record past the chain's head, written beside the chain rather than
	// appended to it. Left alone it also blocks the append that reaches its seq.
	Stray Problem = "stray"
	// Unpurged: a record at or before the anchor, which its purge removed; it was
	// put back, or slipped in behind the anchor.
	Unpurged Problem = "unpurged"
	// Unanchored: the anchor was not moved by a purge of the chain — no purge
	// record names it, or the last one names another range or hash. Someone deleted
	// the oldest records and moved the anchor by hand. Seq is the anchor's.
	Unanchored Problem = "unanchored"
	// Rewritten: a witnessed head is no longer in the chain — its seq is past the
	// head, or its record's hash differs. The chain was rewritten or rolled back
	// after the witness, hashes recomputed or not.
	Rewritten Problem = "rewritten"
	// PurgedEarly: a witnessed record was removed by a purge that its retention
	// period did not allow yet, or that is dated after the check: a purge record
	// forged at the end of the chain to cover a deletion.
	PurgedEarly Problem = "purged_early"
)

// Verify walks the whole log in seq order, recomputing every hash from the anchor
// to the head, and reports the first record that is missing, changed, out of
// place or outside the chain, or an anchor that no purge record accounts for —
// or that the chain is intact. It reads one snapshot of the log: records appended
// while it runs are left for the next run.
func Verify(ctx context.Context, q db.Querier) (Report, error) {
	return verify(ctx, q, nil, time.Time{})
}

// VerifyWitnessed is Verify, then checks each witnessed head against the chain:
// its record must still be there with the witnessed hash, or have been removed by
// a purge the chain records and the retention period allowed by now.
func VerifyWitnessed(ctx context.Context, q db.Querier, ws []Witness, now time.Time) (Report, error) {
	return verify(ctx, q, ws, now)
}

// beginner is a pool, which Verify reads a snapshot from in a transaction of its
// own; a transaction is used as it is.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func verify(ctx context.Context, q db.Querier, ws []Witness, now time.Time) (Report, error) {
	if b, ok := q.(beginner); ok {
		// Repeatable read on PostgreSQL; SQLite ignores the level, and its deferred
		// transaction reads one snapshot anyway. Without it the head read before the
		// log (or after) could be out of step with it, and an append committed in
		// between would look like a stray or a truncated record.
		tx, err := b.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return Report{}, err
		}
		defer tx.Rollback()
		q = tx
	}
	var rep Report
	var anchorHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&rep.Anchor, &anchorHash); err != nil {
		return Report{}, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return Report{}, err
	}
	w := walk{headSeq: headSeq, witnessed: map[int64]string{}}
	for _, wt := range ws {
		w.witnessed[wt.Seq] = ""
	}
	rep.Last, rep.Head = rep.Anchor, anchorHash
	// Every row, not only those up to the head: a row outside the chain is a break.
	rows, err := q.QueryContext(ctx, `SELECT `+rowColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	for rows.Next() && rep.Broken == nil {
		r, err := scanRow(rows)
		if err != nil {
			return Report{}, err
		}
		w.next(&rep, r)
	}
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	if rep.Broken != nil {
		return rep, nil
	}
	switch {
	case rep.Last < headSeq:
		rep.Broken = &Break{Seq: rep.Last + 1, Problem: Truncated}
	case rep.Head != headHash:
		rep.Broken = &Break{Seq: rep.Last, Problem: Relinked}
	case !w.anchored(rep.Anchor, anchorHash):
		rep.Broken = &Break{Seq: rep.Anchor, Problem: Unanchored}
	}
	if rep.Broken != nil {
		return rep, nil
	}
	rep.Broken = w.checkWitnesses(&rep, ws, now)
	return rep, nil
}

// walk is Verify's state between rows.
type walk struct {
	headSeq   int64
	purges    []purgeRecord
	witnessed map[int64]string // witnessed seq → the hash found in the chain
}

// next checks row r against the chain so far and moves rep on, or sets rep.Broken.
func (w *walk) next(rep *Report, r Row) {
	switch {
	case r.Seq <= rep.Anchor:
		rep.Broken = &Break{Seq: r.Seq, Problem: Unpurged}
	case r.Seq > w.headSeq && rep.Last < w.headSeq:
		rep.Broken = &Break{Seq: rep.Last + 1, Problem: Truncated}
	case r.Seq > w.headSeq:
		rep.Broken = &Break{Seq: r.Seq, Problem: Stray}
	case r.Seq != rep.Last+1:
		rep.Broken = &Break{Seq: rep.Last + 1, Problem: Missing}
	case r.PrevHash != rep.Head:
		rep.Broken = &Break{Seq: r.Seq, Problem: Relinked}
	case r.Sum() != r.Hash:
		rep.Broken = &Break{Seq: r.Seq, Problem: Modified}
	}
	if rep.Broken != nil {
		return
	}
	rep.Count++
	rep.Last, rep.LastAt, rep.Head = r.Seq, r.At, r.Hash
	if _, ok := w.witnessed[r.Seq]; ok {
		w.witnessed[r.Seq] = r.Hash
	}
	if p, ok := parsePurge(r); ok {
		w.purges = append(w.purges, p)
	}
}

// anchored reports whether the anchor is where the purges the chain records left
// it: at the end of the last purge's range, with the hash it names, and each
// purge's range starting after the one before. With no purge, the anchor is 0.
func (w *walk) anchored(seq int64, hash string) bool {
	if len(w.purges) == 0 {
		return seq == 0
	}
	for i := 1; i < len(w.purges); i++ {
		if w.purges[i].from != w.purges[i-1].through+1 {
			return false
		}
	}
	last := w.purges[len(w.purges)-1]
	return last.through == seq && last.anchor == anchorNote(hash)
}

// checkWitnesses returns the first witnessed head the chain no longer holds, or
// nil. Reached only on an intact chain with a true anchor.
func (w *walk) checkWitnesses(rep *Report, ws []Witness, now time.Time) *Break {
	for _, wt := range ws {
		rep.Witnessed++
		switch {
		case wt.Seq > rep.Last:
			return &Break{Seq: wt.Seq, Problem: Rewritten}
		case wt.Seq <= rep.Anchor:
			if p, ok := w.purgeOf(wt.Seq); ok && !p.allows(wt.At, now) {
				return &Break{Seq: wt.Seq, Problem: PurgedEarly}
			}
		case w.witnessed[wt.Seq] != wt.Hash:
			return &Break{Seq: wt.Seq, Problem: Rewritten}
		}
	}
	return nil
}

// purgeOf returns the purge record, still in the chain, whose range holds seq. A
// record removed by a purge whose own record was purged since has none.
func (w *walk) purgeOf(seq int64) (purgeRecord, bool) {
	for _, p := range w.purges {
		if p.from <= seq && seq <= p.through {
			return p, true
		}
	}
	return purgeRecord{}, false
}

// purgeRecord is what an ActPurge record that removed records says.
type purgeRecord struct {
	at            time.Time
	from, through int64
	days          int
	anchor        string // anchorNote of the last record removed
}

// allows reports whether the purge may have removed a record made at recordAt: the
// purge took place by now, and the record was past the retention period it
// applied (at least MinRetentionDays) when it ran.
func (p purgeRecord) allows(recordAt, now time.Time) bool {
	cut := p.at.AddDate(0, 0, -max(p.days, MinRetentionDays))
	return !p.at.After(now) && recordAt.Before(cut)
}

// parsePurge reads a purge record's range ("audit:FROM-THROUGH") and its reason
// ("retention_days=D count=N anchor=HASH"); a purge that removed nothing, or a
// record of another action, gives false. A purge record that does not parse
// names no range, and an anchor it should have accounted for is then Unanchored.
func parsePurge(r Row) (purgeRecord, bool) {
	if r.Action != ActPurge {
		return purgeRecord{}, false
	}
	span, ok := strings.CutPrefix(r.Object, "audit:")
	fromS, throughS, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return purgeRecord{}, false
	}
	p := purgeRecord{at: r.At}
	var err1, err2 error
	p.from, err1 = strconv.ParseInt(fromS, 10, 64)
	p.through, err2 = strconv.ParseInt(throughS, 10, 64)
	if err1 != nil || err2 != nil || p.from < 1 || p.through < p.from {
		return purgeRecord{}, false
	}
	for _, f := range strings.Fields(r.Reason) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "retention_days":
			p.days, _ = strconv.Atoi(v)
		case "anchor":
			p.anchor = f
		}
	}
	return p, true
}

// anchorNote is how a purge record names the hash of the last record it removed,
// as Record stores it: masked like any text (a run of hex digits can look like a
// phone number), which still leaves far more of the hash than a forger can match.
func anchorNote(hash string) string { return maskNumbers("anchor=" + hash) }

// scanner is *sql.Rows or *sql.Row.
type scanner interface{ Scan(dest ...any) error }

// scanRow reads the columns of audit_log in table order.
func scanRow(s scanner) (Row, error) {
	var r Row
	var at int64
	var role string
	e := &r.Entry
	err := s.Scan(&r.Seq, &at, &e.UserID, &e.UserName, &role, &e.SourceIP, &e.Action, &e.Object, &e.Outcome, &e.Reason, &r.PrevHash, &r.Hash)
	e.At = time.UnixMilli(at).UTC()
	e.Role = auth.Role(role)
	return r, err
}
