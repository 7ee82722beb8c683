package stats_test

import (
	"context"
	"testing"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

// Office space is measured to the hundredth of a m² against the standards: 149.50
// is below 150 and 89.99 below 90, while 90.00 and 300.00 meet theirs.
func TestOfficeSpace_149Point5IsBelow150(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		for _, tc := range []struct {
			east, west int64 // 东山社区 and 西湖社区, in hundredths of a m²
			want       stats.OfficeSpace
		}{
			{30000, 14950, stats.OfficeSpace{AtLeast300: 1, Below150: 1}},
			{29999, 8999, stats.OfficeSpace{Below150: 1, Below90: 1}},
			{15000, 9000, stats.OfficeSpace{Below150: 1}},
		} {
			exec(t, d, `UPDATE org_units SET office_area_dm2 = $1 WHERE code = '450403001001'`, tc.east)
			exec(t, d, `UPDATE org_units SET office_area_dm2 = $1 WHERE code = '450403001002'`, tc.west)
			s, err := stats.Compute(context.Background(), d.Read(), scope.Of("450400"), "450400", reportDay())
			if err != nil || s.OfficeSpace != tc.want {
				t.Errorf("%d and %d: %+v %v, want %+v", tc.east, tc.west, s.OfficeSpace, err, tc.want)
			}
		}
	})
}
