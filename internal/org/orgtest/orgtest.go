// Package orgtest builds a small city for tests: one city, two districts, and in
// the first district two streets, each with one community of two grids.
package orgtest

import (
	"context"
	"testing"

	"shequ/internal/org"
	"shequ/internal/platform/area"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// The codes of the test city.
const (
	City       = "450400"
	District   = "450403"
	District2  = "450404"
	Street     = "450403001"
	Street2    = "450403002"
	Community  = "450403001001"
	Community2 = "450403002001"
	Grid       = "450403001001001"
	GridB      = "450403001001002"
	Grid2      = "450403002001001"
)

// Units returns the units of the test city, parents first.
func Units() []org.Unit {
	return []org.Unit{
		{Code: City, Name: "梧州市", Level: scope.City},
		{Code: District, Name: "万秀区", Level: scope.District, ParentCode: City},
		{Code: District2, Name: "蝶山区", Level: scope.District, ParentCode: City},
		{Code: Street, Name: "城东街道", Level: scope.Street, ParentCode: District},
		{Code: Street2, Name: "城南街道", Level: scope.Street, ParentCode: District},
		{Code: Community, Name: "东兴社区", Level: scope.Community, ParentCode: Street, FoundedYear: 2001, OfficeArea: area.M2(120), AuthorizedPosts: 8},
		{Code: Community2, Name: "南环社区", Level: scope.Community, ParentCode: Street2, FoundedYear: 2011, OfficeArea: area.M2(320), AuthorizedPosts: 6},
		{Code: Grid, Name: "东兴第一网格", Level: scope.Grid, ParentCode: Community},
		{Code: GridB, Name: "东兴第二网格", Level: scope.Grid, ParentCode: Community},
		{Code: Grid2, Name: "南环第一网格", Level: scope.Grid, ParentCode: Community2},
	}
}

// Build inserts the test city into d.
func Build(t testing.TB, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	for _, u := range Units() {
		if err := org.Insert(ctx, d.Write(), u, 0); err != nil {
			t.Fatalf("insert %s: %v", u.Code, err)
		}
	}
}
