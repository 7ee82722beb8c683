package server_test

import (
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// A unit's page offers the forms that keep the tree to the roles that hold
// org.write, says what a form just did, and shows a community's office space per
// hundred households against the benchmark of 30 m².
func TestUnitPage_OffersTheTreesFormsToOrgWriteAndShowsSpacePerHundredHouseholds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		edit, addGrid := `href="/org/`+orgtest.Community+`/edit"`, `href="/org/`+orgtest.Community+`/grids/new"`
		for _, tc := range []page{
			{"street", "street", "/org/" + orgtest.Community, 200,
				[]string{edit, addGrid, "120.00 ㎡", "低于规定标准", "每百户办公服务用房", "6000.00 ㎡", "达到每百户 30 ㎡"}, []string{"已保存"}},
			{"community", "community", "/org/" + orgtest.Community, 200, []string{"120.00 ㎡", "/exports/residents.xlsx"}, []string{edit, addGrid}},
			{"read-only: no exports offered", "auditor", "/org/" + orgtest.Community, 200, []string{"120.00 ㎡"}, []string{"/exports/"}},
			{"a grid, for a street", "street", "/org/" + orgtest.Grid, 200, []string{`href="/org/` + orgtest.Grid + `/edit"`}, []string{"grids/new", "每百户"}},
			{"saved", "street", "/org/" + orgtest.Community + "?saved=1", 200, []string{"已保存"}, nil},
			{"grid added", "street", "/org/" + orgtest.Community + "?added=" + orgtest.GridB, 200, []string{"已添加网格“东兴第二网格”"}, nil},
			{"in English", "street", "/org/" + orgtest.Community + "?lang=en", 200,
				[]string{"120.00 m²", "Space per hundred households", `id="unit-add-grid">Add a grid</a>`, `id="unit-edit">Change</a>`}, nil},
		} {
			w.check(t, tc)
		}
	})
}
