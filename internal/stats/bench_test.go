package stats_test

import (
	"context"
	"io"
	"testing"

	"shequ/internal/demo"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

// BenchmarkStatsCity computes the whole demo city's figures: every household and
// resident counted. Target: well under 300 ms an operation on SQLite.
func BenchmarkStatsCity(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, dialect)
			if _, err := demo.Load(ctx, d, io.Discard); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := stats.Compute(ctx, d.Read(), scope.Of(demo.CityCode), demo.CityCode, reportDay()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
