package workflow_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/workflow"
)

// loadCity writes n case instances into a city of 10 districts × 10 streets × 10
// communities × 10 grids, created one after another over the five years before
// now. The newest one in thirty-three are still open (30,000 of a million: the last
// eight weeks' cases), their deadlines spread from a month overdue to a week ahead,
// so that every list of the board has rows; the rest are closed, as a city's
// history is. It is analysed and, on PostgreSQL, vacuumed afterwards, as the
// autovacuum does after a load.
func loadCity(b *testing.B, d *db.DB, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	cols := []string{"id", "flow", "subject_kind", "subject_id", "org_code", "owner_org", "handler_org", "category", "state",
		"starter_id", "version", "step_started_at", "yellow_at", "red_at", "deadline_warning", "created_at", "closed_at"}
	err := d.BulkTx(ctx, func(bk *db.Bulk) error {
		ins := bk.NewInserter()
		t := db.NewTable("workflow_instances", cols...)
		span := int64(5 * 365 * 24 * time.Hour / time.Millisecond)
		for k := range n {
			grid := fmt.Sprintf("4504%02d%03d%03d%03d", k%10+1, k/10%10+1, k/100%10+1, k/1000%10+1)
			created := now.UnixMilli() - span + int64(k)*span/int64(n)
			if k >= n-n/33 {
				yellow := now.UnixMilli() + int64(k%(37*24))*int64(time.Hour/time.Millisecond) - 30*24*int64(time.Hour/time.Millisecond)
				t.Add(db.NewID(), "case", "case", fmt.Sprint(k), grid, grid[:12], "", "", "handling", "u", 3,
					yellow-int64(time.Hour/time.Millisecond), yellow, yellow+5*24*int64(time.Hour/time.Millisecond), 0, created, nil)
			} else {
				t.Add(db.NewID(), "case", "case", fmt.Sprint(k), grid, grid[:12], grid[:9], "", "rated", "u", 9,
					created, nil, nil, 0, created, created+7*24*int64(time.Hour/time.Millisecond))
			}
			if t.Pending() == 5000 {
				if err := ins.Write(ctx, t); err != nil {
					return err
				}
			}
		}
		return ins.Write(ctx, t)
	})
	if err != nil {
		b.Fatal(err)
	}
	analyse := `ANALYZE`
	if d.Dialect == db.Postgres {
		analyse = `VACUUM ANALYZE workflow_instances`
	}
	if _, err := d.Write().ExecContext(ctx, analyse); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBoard reads pages of the supervision board of a city with a million
// cases in its history: each operation is one page of 50 (or the counts), turn by
// turn for the whole city, a district, a street, a community and a grid, of each
// list. Target (issue 11): p99 under 50 ms. It reports p50 and p99.
func BenchmarkBoard(b *testing.B) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, cst)
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.Open(b, dialect)
			loadCity(b, d, 1_000_000, now)
			ctx := context.Background()
			units := []string{"450400", "450403", "450403004", "450403004005", "450403004005006"}
			shows := []workflow.Flag{workflow.OnTime, workflow.DueSoon, workflow.Yellow, workflow.Red, "counts"}
			var took []time.Duration
			k := 0
			for b.Loop() {
				unit, show := units[k%len(units)], shows[k/len(units)%len(shows)]
				k++
				t0 := time.Now()
				var err error
				if show == "counts" {
					_, err = workflow.BoardCounts(ctx, d.Read(), scope.Of("450400"), now, "case", unit, 24*time.Hour)
				} else {
					_, _, err = workflow.Board(ctx, d.Read(), scope.Of("450400"), now,
						workflow.BoardFilter{Flow: "case", Unit: unit, Show: show, Soon: 24 * time.Hour, Limit: 50})
				}
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99_ms")
		})
	}
}
