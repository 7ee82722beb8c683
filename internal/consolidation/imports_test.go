package consolidation

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/sheet"
)

func newTestService(d *db.DB) *Service {
	return NewService(d, func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }, time.UTC)
}

func sheetOf(t *testing.T, text string) sheet.Reader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "adjacency.csv")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := sheet.Open(path, sheet.CSV, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestImportAdjacency_NamesEachBadRowAndColumnAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		district := auth.Principal{UserID: "u", Name: "区", Role: auth.RoleDistrict, OrgCode: orgtest.District}
		rep, err := newTestService(d).ImportAdjacency(ctx, district, sheetOf(t, "网格代码A,网格代码B\n"+
			orgtest.Grid+","+orgtest.GridB+"\n"+ // good
			orgtest.Grid+",450403009009009\n"+ // unknown grid
			orgtest.Grid+",450404001001001\n"+ // another district's: outside the scope
			orgtest.Grid+","+orgtest.Grid+"\n"+ // with itself
			","+orgtest.Grid2+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"3 B 网格代码B plan.unknown_grid", "4 B 网格代码B plan.unknown_grid", "5 B 网格代码B plan.adjacency_self", "6 A 网格代码A plan.required"}
		var got []string
		for _, p := range rep.Problems {
			got = append(got, strings.Join([]string{itoa(p.Row), p.Column, p.Key}, " "))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("problems %q, want %q", got, want)
		}
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM grid_adjacency`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d pairs written from a file with problems (%v)", n, err)
		}
	})
}

func TestImportAdjacency_ReportsTheGridsLeftAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		rep, err := newTestService(d).ImportAdjacency(context.Background(), auth.System(),
			sheetOf(t, "grid_a,grid_b\n"+orgtest.GridB+","+orgtest.Grid+"\n"+orgtest.Grid+","+orgtest.GridB+"\n"))
		if err != nil || !rep.OK() {
			t.Fatal(err, rep.Problems)
		}
		if rep.Pairs != 1 || strings.Join(rep.Alone, ",") != orgtest.Grid2 {
			t.Errorf("pairs %d, alone %v: want 1 pair and %s alone", rep.Pairs, rep.Alone, orgtest.Grid2)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// square is a GeoJSON feature of the unit square at (x, y) in hundredths of a
// degree near 梧州.
func square(grid string, x, y float64) string {
	p := func(dx, dy float64) string {
		return "[" + ftoa(111.2+(x+dx)*0.01) + "," + ftoa(23.4+(y+dy)*0.01) + "]"
	}
	return `{"type":"Feature","properties":{"grid":"` + grid + `"},"geometry":{"type":"Polygon","coordinates":[[` +
		p(0, 0) + "," + p(1, 0) + "," + p(1, 1) + "," + p(0, 1) + "," + p(0, 0) + `]]}}`
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

func collection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func TestImportBoundaries_DerivesNeighboursFromSharedEdgesAndReportsTheAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		// Grid and GridB share an edge of about 1 km; Grid2 touches GridB at a corner.
		rep, err := newTestService(d).ImportBoundaries(ctx, auth.System(),
			collection(square(orgtest.Grid, 0, 0), square(orgtest.GridB, 1, 0), square(orgtest.Grid2, 2, 1)), DefaultMinSharedM)
		if err != nil || !rep.OK() {
			t.Fatal(err, rep.Problems)
		}
		if rep.Pairs != 1 || rep.Boundaries != 3 || strings.Join(rep.Alone, ",") != orgtest.Grid2 {
			t.Errorf("pairs %d, boundaries %d, alone %v", rep.Pairs, rep.Boundaries, rep.Alone)
		}
		var shared int
		if err := d.Read().QueryRowContext(ctx, `SELECT shared_m FROM grid_adjacency WHERE grid_a = $1 AND grid_b = $2`,
			orgtest.Grid, orgtest.GridB).Scan(&shared); err != nil || shared < 1100 || shared > 1112 {
			t.Errorf("shared boundary %d m (%v), want about 1,106", shared, err)
		}
	})
}

func TestImportBoundaries_RefusesWhatIsNotAPolygonOrCrossesItself(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		bowtie := `{"type":"Feature","properties":{"grid":"` + orgtest.GridB + `"},"geometry":{"type":"Polygon","coordinates":[[[111.2,23.4],[111.21,23.41],[111.21,23.4],[111.2,23.41],[111.2,23.4]]]}}`
		line := `{"type":"Feature","properties":{"网格代码":"` + orgtest.Grid2 + `"},"geometry":{"type":"LineString","coordinates":[[111.2,23.4],[111.21,23.41]]}}`
		district := auth.Principal{UserID: "u", Name: "区", Role: auth.RoleDistrict, OrgCode: orgtest.District}
		rep, err := newTestService(d).ImportBoundaries(context.Background(), district,
			collection(square(orgtest.Grid, 0, 0), bowtie, line, square("450404001001001", 3, 3)), DefaultMinSharedM)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range rep.Problems {
			got = append(got, itoa(p.Row)+" "+p.Key)
		}
		want := "2 plan.geo_self_intersection|3 plan.geo_not_polygon|4 plan.unknown_grid"
		if strings.Join(got, "|") != want {
			t.Errorf("problems %q, want %q", got, want)
		}
		if rep, _ := newTestService(d).ImportBoundaries(context.Background(), district, []byte(`{"type":"Feature"}`), 20); len(rep.Problems) != 1 || rep.Problems[0].Key != "plan.geo_not_collection" {
			t.Errorf("a lone feature: %v", rep.Problems)
		}
	})
}
