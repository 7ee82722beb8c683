package registry_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"shequ/internal/demo"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
)

// BenchmarkHouseholdList reads pages of the demo city's largest community's
// household list, as the list page does (the count, then the page), in the
// stairwell order and in others, filtered and not, and an address search of the
// whole city; it reports the p50 and p99 latency of one page. The lists page by
// offset, counting the list on every page (decision 20): a community is a few
// thousand households.
func BenchmarkHouseholdList(b *testing.B) {
	ctx := context.Background()
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.Open(b, dialect)
			if _, err := demo.Load(ctx, d, io.Discard); err != nil {
				b.Fatal(err)
			}
			var community string
			var n int
			if err := d.Read().QueryRowContext(ctx, `SELECT SUBSTR(org_code, 1, 12), COUNT(*) FROM households
				GROUP BY SUBSTR(org_code, 1, 12) ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&community, &n); err != nil {
				b.Fatal(err)
			}
			var address string
			if err := d.Read().QueryRowContext(ctx, `SELECT address FROM households WHERE org_code >= $1 ORDER BY org_code LIMIT 1`, community).Scan(&address); err != nil {
				b.Fatal(err)
			}
			road := fragment(address)
			b.Logf("%s: %d households; the city's addresses with %s", community, n, road)
			s := registry.NewService(d, time.Now, time.UTC)
			p := auth.Principal{UserID: "bench", Role: auth.RoleCity, OrgCode: demo.CityCode}
			for _, tc := range []struct {
				name   string
				filter registry.HouseholdFilter
				order  registry.HouseholdOrder
			}{
				{"stairwell", registry.HouseholdFilter{Unit: community}, registry.HouseholdOrder{Key: registry.OrderAddress}},
				{"by_head", registry.HouseholdFilter{Unit: community}, registry.HouseholdOrder{Key: registry.OrderHead}},
				{"by_members", registry.HouseholdFilter{Unit: community}, registry.HouseholdOrder{Key: registry.OrderMembers, Desc: true}},
				{"tag_dibao", registry.HouseholdFilter{Unit: community, Tag: "dibao"}, registry.HouseholdOrder{Key: registry.OrderAddress}},
				{"floating", registry.HouseholdFilter{Unit: community, PopulationType: "floating"}, registry.HouseholdOrder{Key: registry.OrderAddress}},
				{"city_address", registry.HouseholdFilter{Unit: demo.CityCode, Address: road}, registry.HouseholdOrder{Key: registry.OrderAddress}},
			} {
				b.Run(tc.name, func(b *testing.B) {
					var lat []time.Duration
					page := 0
					for b.Loop() {
						start := time.Now()
						list, err := s.FindHouseholds(ctx, p, tc.filter, tc.order, registry.PerPage, page*registry.PerPage)
						lat = append(lat, time.Since(start))
						if err != nil || list.Total == 0 {
							b.Fatalf("%d households, %v", list.Total, err)
						}
						page = (page + 7) % ((list.Total + registry.PerPage - 1) / registry.PerPage)
					}
					slices.Sort(lat)
					b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
					b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
				})
			}
		})
	}
}
