package registry_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"shequ/internal/demo"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
)

// BenchmarkSearch searches the whole demo city (457,951 residents) as a city user,
// by each form of query, and reports the p50 and p99 latency of one search.
// Target: p99 under 20 ms on SQLite.
func BenchmarkSearch(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, dialect)
			if _, err := demo.Load(ctx, d, io.Discard); err != nil {
				b.Fatal(err)
			}
			s := registry.NewService(d, time.Now)
			p := auth.Principal{UserID: "bench", Role: auth.RoleCity, OrgCode: demo.CityCode}
			samples := sampleResidents(b, d, 200)
			for _, kind := range []struct {
				name  string
				query func(sample) string
			}{
				{"full_id_number", func(x sample) string { return x.idNumber }},
				{"last_4_digits", func(x sample) string { return x.idNumber[14:] }},
				{"name_2_chars", func(x sample) string { return string([]rune(x.name)[:2]) }},
				{"address_fragment", func(x sample) string { return fragment(x.address) }},
			} {
				b.Run(kind.name, func(b *testing.B) {
					var lat []time.Duration
					i := 0
					for b.Loop() {
						q := kind.query(samples[i%len(samples)])
						i++
						start := time.Now()
						rs, err := s.Search(ctx, p, q, 50)
						lat = append(lat, time.Since(start))
						if err != nil || len(rs) == 0 {
							b.Fatalf("search %q: %d results, %v", q, len(rs), err)
						}
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

type sample struct{ name, idNumber, address string }

// sampleResidents picks n residents spread evenly over the register.
func sampleResidents(b *testing.B, d *db.DB, n int) []sample {
	var total int
	if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM residents`).Scan(&total); err != nil {
		b.Fatal(err)
	}
	var out []sample
	for i := 0; i < n; i++ {
		var x sample
		err := d.Read().QueryRowContext(context.Background(), `SELECT r.name, r.id_number, h.address FROM residents r
			JOIN households h ON h.id = r.household_id ORDER BY r.id LIMIT 1 OFFSET $1`, i*(total/n)).Scan(&x.name, &x.idNumber, &x.address)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// fragment returns the road-and-number part of a demo address, as a person would
// type it: 梧州市万秀区平塘路3号1栋… → 平塘路3号.
func fragment(address string) string {
	r := []rune(address)
	end := slices.Index(r, '号')
	if end < 0 || utf8.RuneCountInString(address) < 8 {
		return string(r[len(r)-4:])
	}
	return string(r[6 : end+1])
}
