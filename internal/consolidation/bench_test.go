package consolidation_test

import (
	"context"
	"io"
	"testing"
	"time"

	"shequ/internal/consolidation"
	"shequ/internal/demo"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

// BenchmarkPlanWuzhou makes a plan of the whole demo city (569 grids, 142,176
// households) on the report's day, as `shequ plan consolidation --scope 450400`
// does: the register counted as of the day, the graph built, the planner run, the
// plan stored with its audit record. Beside it, in the same run, the anchor:
// stats.Compute of the city on the same day, which reads the same counts. Target
// (issue 13): under 1 s on SQLite.
func BenchmarkPlanWuzhou(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, dialect)
			if _, err := demo.Load(ctx, d, io.Discard); err != nil {
				b.Fatal(err)
			}
			now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
			if err := demo.LoadGridMap(ctx, d, now, io.Discard); err != nil {
				b.Fatal(err)
			}
			svc := consolidation.NewService(d, now, time.UTC)
			b.Run("plan", func(b *testing.B) {
				communities := 0
				for b.Loop() {
					p, err := svc.Make(ctx, auth.System(), consolidation.Params{Scope: demo.CityCode, Within: consolidation.WithinDistrict,
						Stability: 1, Seed: 1, AsOf: demo.ReportDate})
					if err != nil {
						b.Fatal(err)
					}
					communities = len(p.Communities)
				}
				b.ReportMetric(float64(communities), "communities")
			})
			b.Run("anchor_stats", func(b *testing.B) {
				day, _ := time.Parse(time.DateOnly, demo.ReportDate)
				for b.Loop() {
					if _, err := stats.Compute(ctx, d.Read(), scope.Of(demo.CityCode), demo.CityCode, day); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
