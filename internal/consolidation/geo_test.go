package consolidation

import (
	"context"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestSharedBoundaries_FindsEdgesSurveyedWithDifferentVertices(t *testing.T) {
	// B's west side has a vertex in its middle that A's east side lacks, and lies
	// 0.1 m off it: still one boundary of about 1.1 km. C touches B at a corner only.
	a := Boundary{Grid: "a", Geometry: Geometry{{{{111.20, 23.40}, {111.21, 23.40}, {111.21, 23.41}, {111.20, 23.41}, {111.20, 23.40}}}}}
	b := Boundary{Grid: "b", Geometry: Geometry{{{{111.210001, 23.40}, {111.22, 23.40}, {111.22, 23.41}, {111.210001, 23.41}, {111.210001, 23.405}, {111.210001, 23.40}}}}}
	c := Boundary{Grid: "c", Geometry: Geometry{{{{111.22, 23.41}, {111.23, 23.41}, {111.23, 23.42}, {111.22, 23.42}, {111.22, 23.41}}}}}
	pairs := SharedBoundaries([]Boundary{c, b, a}, DefaultMinSharedM)
	if len(pairs) != 1 || pairs[0].A != "a" || pairs[0].B != "b" || pairs[0].Metres < 1100 || pairs[0].Metres > 1112 {
		t.Errorf("pairs %+v, want a–b of about 1,106 m", pairs)
	}
}

func TestMap_WithoutBoundariesLaysTheGridsOutInRowsOfToday(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		svc := newTestService(d)
		plan, err := svc.Make(ctx, auth.System(), Params{Scope: orgtest.District, TargetHouseholds: 100})
		if err != nil {
			t.Fatal(err)
		}
		m, err := svc.Map(ctx, plan, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		svg := string(m.SVG)
		if !m.Layout || strings.Count(svg, "<title>") != 3 || !strings.Contains(svg, orgtest.Grid2) {
			t.Errorf("layout %v: %s", m.Layout, svg)
		}
	})
}
