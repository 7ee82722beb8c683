package audit

import (
	"context"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

// Report is what Verify found.
type Report struct {
	// Anchor is the last record purged under the retention period, 0 if none; the
	// chain is checked from the record after it.
	Anchor int64
	// Count is the number of records checked, Last the seq of the last.
	Count int
	Last  int64
	// Head is the hash of the last record. Kept outside the database — printed,
	// sent to another office — it also shows later whether the whole chain after
	// it was rewritten, which a chain alone cannot.
	Head string
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
)

// Verify walks the chain in seq order from the anchor, recomputing every hash, and
// reports the first record that is missing, changed or out of place — or that
// the chain is intact. Records appended while it runs are left for the next run.
func Verify(ctx context.Context, q db.Querier) (Report, error) {
	var rep Report
	var prev string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&rep.Anchor, &prev); err != nil {
		return Report{}, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return Report{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+rowColumns+` FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq`, rep.Anchor, headSeq)
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	rep.Last, rep.Head = rep.Anchor, prev
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return Report{}, err
		}
		switch {
		case r.Seq != rep.Last+1:
			rep.Broken = &Break{Seq: rep.Last + 1, Problem: Missing}
		case r.PrevHash != rep.Head:
			rep.Broken = &Break{Seq: r.Seq, Problem: Relinked}
		case r.Sum() != r.Hash:
			rep.Broken = &Break{Seq: r.Seq, Problem: Modified}
		}
		if rep.Broken != nil {
			return rep, nil
		}
		rep.Count++
		rep.Last, rep.Head = r.Seq, r.Hash
	}
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	switch {
	case rep.Last < headSeq:
		rep.Broken = &Break{Seq: rep.Last + 1, Problem: Truncated}
	case rep.Head != headHash:
		rep.Broken = &Break{Seq: rep.Last, Problem: Relinked}
	}
	return rep, nil
}

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
