package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// hashOf returns the stored hash of record seq.
func hashOf(t *testing.T, d *db.DB, seq int64) string {
	t.Helper()
	var h string
	if err := d.Read().QueryRowContext(context.Background(), `SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// wantBreak fails the test unless rep is broken exactly at want.
func wantBreak(t *testing.T, rep audit.Report, want audit.Break) {
	t.Helper()
	if rep.Broken == nil || *rep.Broken != want {
		t.Errorf("Verify = %+v, broken at %+v; want %+v", rep, rep.Broken, want)
	}
}

// purgeYearOld appends n records four years old and purges them, as retention
// does: its record is seq n+1.
func purgeYearOld(t *testing.T, d *db.DB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		e := audit.Of(city, now().AddDate(-4, 0, i), audit.ActLogin, "user:u-city")
		if err := audit.RecordAlone(context.Background(), d, e); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := audit.Purge(context.Background(), d, byCity(), now()); err != nil || got.Count != n {
		t.Fatalf("Purge = %+v, %v; want %d records", got, err, n)
	}
}

// TestVerify_AnAnchorMovedByHandIsABreak is review finding 1: with write access
// to the database, delete the oldest records and move the anchor past them. Before
// the fix verify reported them purged by retention and passed.
func TestVerify_AnAnchorMovedByHandIsABreak(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 5)
		asOwner(t, d, `DELETE FROM audit_log WHERE seq <= 2`,
			fmt.Sprintf(`UPDATE audit_anchor SET seq = 2, hash = '%s' WHERE id = 1`, hashOf(t, d, 2)))
		wantBreak(t, verify(t, d), audit.Break{Seq: 2, Problem: audit.Unanchored})
	})
}

// A purge record names the range it removed: an anchor moved on past a genuine
// purge, to a range no purge record names, is a break too.
func TestVerify_AnAnchorPastItsPurgeRecordIsABreak(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		purgeYearOld(t, d, 2) // removes 1–2; its record is 3
		appendN(t, d, 3)      // 4–6
		if rep := verify(t, d); rep.Broken != nil || rep.Anchor != 2 {
			t.Fatalf("after a genuine purge: %+v, broken at %+v", rep, rep.Broken)
		}
		asOwner(t, d, `DELETE FROM audit_log WHERE seq <= 4`,
			fmt.Sprintf(`UPDATE audit_anchor SET seq = 4, hash = '%s' WHERE id = 1`, hashOf(t, d, 4)))
		wantBreak(t, verify(t, d), audit.Break{Seq: 4, Problem: audit.Unanchored})
	})
}

// A record put back behind the anchor, where its purge removed it, is outside the
// chain.
func TestVerify_ARecordBehindTheAnchorIsABreak(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		purgeYearOld(t, d, 2)
		appendN(t, d, 1)
		// A copy of record 3 numbered 1, in the purged range.
		asOwner(t, d, `INSERT INTO audit_log SELECT 1, at, user_id, user_name, role, source_ip, action, object, outcome, reason, prev_hash, hash FROM audit_log WHERE seq = 3`)
		wantBreak(t, verify(t, d), audit.Break{Seq: 1, Problem: audit.Unpurged})
	})
}

// TestVerify_ARecordPastTheHeadIsABreak is review finding 2: a record appended
// beside the chain, past its head. Before the fix verify read up to the head only,
// ignored it and passed.
func TestVerify_ARecordPastTheHeadIsABreak(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 3)
		asOwner(t, d, `INSERT INTO audit_log SELECT 5, at, user_id, user_name, role, source_ip, action, object, 'ok', 'slipped in', prev_hash, hash FROM audit_log WHERE seq = 3`)
		wantBreak(t, verify(t, d), audit.Break{Seq: 5, Problem: audit.Stray})
	})
}

// Finding 2's other half: a stray record at the next seq blocked every audited
// write with a bare unique violation. Now the write fails closed with a message
// that names the record and what to do (decision 7), and once the owner removes
// the stray record the chain resumes intact.
func TestRecord_FailsClosedOnARecordOutsideTheChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 2)
		asOwner(t, d, `INSERT INTO audit_log SELECT 3, at, user_id, user_name, role, source_ip, action, object, outcome, reason, prev_hash, hash FROM audit_log WHERE seq = 2`)
		err := audit.RecordAlone(context.Background(), d, audit.Of(city, now(), audit.ActOrgUpdate, "org:x"))
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "audit.chain_broken" || ae.Args["seq"] != int64(3) {
			t.Fatalf("an audited write over a stray record: %v", err)
		}
		wantBreak(t, verify(t, d), audit.Break{Seq: 3, Problem: audit.Stray})
		if _, err := d.Write().Exec(`DELETE FROM audit_log WHERE seq = 3`); err != nil { // the guards are down already
			t.Fatal(err)
		}
		appendN(t, d, 1)
		if rep := verify(t, d); rep.Broken != nil || rep.Count != 3 {
			t.Errorf("after the stray record went: %+v, broken at %+v", rep, rep.Broken)
		}
	})
}

// A purge of a broken chain would remove the evidence and leave a record that
// seems to account for it: it is refused.
func TestPurge_RefusesABrokenChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for i := 1; i <= 3; i++ {
			if err := audit.RecordAlone(context.Background(), d, audit.Of(city, now().AddDate(-4, 0, i), audit.ActLogin, "user:u-city")); err != nil {
				t.Fatal(err)
			}
		}
		asOwner(t, d, `UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 2`)
		_, err := audit.Purge(context.Background(), d, byCity(), now())
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("Purge of a broken chain = %v", err)
		}
		wantBreak(t, verify(t, d), audit.Break{Seq: 2, Problem: audit.Modified})
	})
}

// A genuine purge's record names its range and the anchor's hash, so the chain
// verifies after one purge and after the next.
func TestPurge_EachPurgeAccountsForTheAnchor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		purgeYearOld(t, d, 2) // 1–2 removed, record 3
		for i := 1; i <= 2; i++ {
			if err := audit.RecordAlone(context.Background(), d, audit.Of(city, now().AddDate(-2, 0, i), audit.ActLogin, "user:u-city")); err != nil {
				t.Fatal(err)
			}
		}
		// Four years on, the first purge's record has expired too.
		if got, err := audit.Purge(context.Background(), d, byCity(), now().AddDate(4, 0, 0)); err != nil || got != (audit.Purged{Through: 5, Count: 3}) {
			t.Fatalf("second Purge = %+v, %v", got, err)
		}
		rep := verify(t, d)
		if rep.Broken != nil || rep.Anchor != 5 || rep.Count != 1 || !rep.LastAt.Equal(now().Truncate(time.Millisecond)) {
			t.Errorf("Verify = %+v, broken at %+v; want the second purge's record alone after anchor 5", rep, rep.Broken)
		}
	})
}
