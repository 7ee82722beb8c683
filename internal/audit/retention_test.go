package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// byCity is the city user acting now.
func byCity() audit.Entry {
	e := audit.FromPrincipal(city)
	e.At = now()
	return e
}

func TestRetention_IsThreeYearsUnlessSetAndNeverUnder180Days(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		days, err := audit.RetentionDays(ctx, d.Read())
		if err != nil || days != 1095 {
			t.Errorf("default retention = %d, %v; want 1095", days, err)
		}
		for _, n := range []int{179, 0, -1} {
			err := audit.SetRetention(ctx, d, byCity(), n)
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("SetRetention(%d) = %v, want invalid", n, err)
			}
		}
		if err := audit.SetRetention(ctx, d, byCity(), 180); err != nil {
			t.Fatal(err)
		}
		if days, _ := audit.RetentionDays(ctx, d.Read()); days != 180 {
			t.Errorf("retention = %d, want 180", days)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: audit.ActRetention}, 10, 0)
		if err != nil || len(rows) != 1 || rows[0].Reason != "1095 → 180" || rows[0].UserID != city.UserID {
			t.Errorf("the change's record: %+v, %v", rows, err)
		}
		// A value written past SetRetention still keeps 180 days.
		if _, err := d.Write().Exec(`UPDATE settings SET value = '30' WHERE key = 'audit.retention_days'`); err != nil {
			t.Fatal(err)
		}
		if days, _ := audit.RetentionDays(ctx, d.Read()); days != 180 {
			t.Errorf("retention = %d, want 180", days)
		}
	})
}

// TestPurge_DeletesAPrefixAndKeepsTheChainVerifiable: with a year's retention, a
// purge removes the old records up to the first that must stay — a record of
// personal-information processing younger than three years — and Verify then
// starts from the anchor it leaves, still finding any later deletion.
func TestPurge_DeletesAPrefixAndKeepsTheChainVerifiable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		years := func(n int) time.Time { return now().AddDate(-n, 0, 0) }
		for _, e := range []audit.Entry{
			audit.Of(city, years(4), audit.ActResidentNew, "resident:r1"),  // personal, past three years: goes
			audit.Of(city, years(2), audit.ActLogin, "user:u-city"),        // past a year: goes
			audit.Of(city, years(2), audit.ActResidentEdit, "resident:r1"), // personal, under three years: stays
			audit.Of(city, years(2), audit.ActLogin, "user:u-city"),        // after one that stays: stays
			audit.Of(city, now().AddDate(0, 0, -1), audit.ActLogout, "user:u-city"),
		} {
			if err := audit.RecordAlone(ctx, d, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := audit.SetRetention(ctx, d, byCity(), 365); err != nil { // seq 6
			t.Fatal(err)
		}
		got, err := audit.Purge(ctx, d, byCity(), now()) // its record: seq 7
		if err != nil {
			t.Fatal(err)
		}
		if got != (audit.Purged{Through: 2, Count: 2}) {
			t.Errorf("Purge = %+v, want records 1 and 2", got)
		}
		rep := verify(t, d)
		if rep.Broken != nil || rep.Anchor != 2 || rep.Count != 5 || rep.Last != 7 {
			t.Errorf("Verify = %+v, broken at %+v; want 3–7 intact after anchor 2", rep, rep.Broken)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: audit.ActPurge}, 10, 0)
		if err != nil || len(rows) != 1 || rows[0].Object != "audit:1-2" || !strings.HasPrefix(rows[0].Reason, "retention_days=365 count=2 anchor=") {
			t.Errorf("the purge's record: %+v, %v", rows, err)
		}
		// Nothing more to purge: the purge is still recorded.
		if got, err := audit.Purge(ctx, d, byCity(), now()); err != nil || got.Count != 0 {
			t.Errorf("second Purge = %+v, %v", got, err)
		}
		asOwner(t, d, `DELETE FROM audit_log WHERE seq = 3`)
		if rep := verify(t, d); rep.Broken == nil || *rep.Broken != (audit.Break{Seq: 3, Problem: audit.Missing}) {
			t.Errorf("after deleting the first record past the anchor: broken at %+v", rep.Broken)
		}
	})
}

func TestPurge_KeepsPersonalRecordsThreeYearsEvenWithAShortRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, e := range []audit.Entry{
			audit.Of(city, now().AddDate(-1, 0, 0), audit.ActLogin, "user:u-city"),
			audit.Of(city, now().AddDate(-1, 0, 0), audit.ActExport, "export:residents"),
		} {
			if err := audit.RecordAlone(ctx, d, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := audit.SetRetention(ctx, d, byCity(), 180); err != nil {
			t.Fatal(err)
		}
		got, err := audit.Purge(ctx, d, byCity(), now())
		if err != nil || got != (audit.Purged{Through: 1, Count: 1}) {
			t.Errorf("Purge = %+v, %v; want only the sign-in", got, err)
		}
		if rep := verify(t, d); rep.Broken != nil || rep.Anchor != 1 {
			t.Errorf("Verify = %+v", rep)
		}
	})
}
