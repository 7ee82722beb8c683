package consolidation

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// households gives grid n households established on day.
func households(t *testing.T, d *db.DB, grid string, n int, day string) {
	t.Helper()
	for i := range n {
		id := grid + "-" + day + "-" + strconv.Itoa(i)
		if _, err := d.Write().ExecContext(context.Background(), `INSERT INTO households (id, household_no, org_code, address,
			created_at, updated_at, established_on) VALUES ($1, $1, $2, '', 0, 0, $3)`, id, grid, day); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMake_CountsTheRegisterOfTheDayAndReportsTheGridLeftAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		households(t, d, orgtest.Grid, 6, "2020-01-01")
		households(t, d, orgtest.GridB, 5, "2020-01-01")
		households(t, d, orgtest.GridB, 7, "2026-06-01") // after the plan's day
		households(t, d, orgtest.Grid2, 9, "2020-01-01")
		svc := newTestService(d)
		if _, err := svc.ImportAdjacency(ctx, auth.System(), sheetOf(t, "grid_a,grid_b\n"+orgtest.Grid+","+orgtest.GridB+"\n")); err != nil {
			t.Fatal(err)
		}
		plan, err := svc.Make(ctx, auth.System(), Params{Scope: orgtest.District, TargetHouseholds: 11, Tolerance: 0.1, Seed: 3, AsOf: "2026-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, g := range plan.Grids {
			got[g.Code] = g.Households
		}
		if got[orgtest.Grid] != 6 || got[orgtest.GridB] != 5 || got[orgtest.Grid2] != 9 {
			t.Errorf("households counted %v, want 6, 5 and 9 as of 2026-01-01", got)
		}
		island := false
		for _, f := range plan.Infeasible {
			if strings.Join(f.Grids, ",") == orgtest.Grid2 && f.Reason == "island" {
				island = true
			}
		}
		if !island {
			t.Errorf("the grid with no neighbour is not reported: %+v", plan.Infeasible)
		}
		stored, err := svc.Get(ctx, auth.System(), plan.ID)
		if err != nil || len(stored.Communities) != len(plan.Communities) || stored.Params.AsOf != "2026-01-01" {
			t.Errorf("stored %+v, %v", stored, err)
		}
		if gen, err := Generation(ctx, d.Read(), orgtest.District); err != nil || gen != stored.Generation {
			t.Errorf("generation %d stored, %d now (%v): nothing changed the register", stored.Generation, gen, err)
		}
	})
}

func TestMake_RefusesBadParametersAndPlacesOutsideTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		svc := newTestService(d)
		district := auth.Principal{UserID: "u", Name: "区", Role: auth.RoleDistrict, OrgCode: orgtest.District}
		street := auth.Principal{UserID: "s", Name: "街道", Role: auth.RoleStreet, OrgCode: orgtest.Street}
		for _, c := range []struct {
			name string
			p    auth.Principal
			in   Params
			code apperr.Code
			key  string
		}{
			{"a negative target", district, Params{Scope: orgtest.District, TargetHouseholds: -5}, apperr.Invalid, "plan.target_positive"},
			{"a tolerance of 1", district, Params{Scope: orgtest.District, Tolerance: 1}, apperr.Invalid, "plan.tolerance_range"},
			{"a negative tolerance", district, Params{Scope: orgtest.District, Tolerance: -0.1}, apperr.Invalid, "plan.tolerance_range"},
			{"a border that is not one", district, Params{Scope: orgtest.District, Within: "city"}, apperr.Invalid, "plan.within"},
			{"a day that is not one", district, Params{Scope: orgtest.District, AsOf: "2026-13-01"}, apperr.Invalid, "plan.as_of"},
			{"another district", district, Params{Scope: orgtest.District2}, apperr.NotFound, "org.not_found"},
			{"a community", district, Params{Scope: orgtest.Community}, apperr.Invalid, "plan.scope_level"},
			{"a district with no grids", auth.System(), Params{Scope: orgtest.District2}, apperr.Invalid, "plan.no_grids"},
			{"a street user", street, Params{Scope: orgtest.Street}, apperr.Forbidden, "auth.forbidden"},
		} {
			_, err := svc.Make(ctx, c.p, c.in)
			var ae *apperr.Error
			if !apperr.Is(err, c.code) || !errors.As(err, &ae) || ae.Key != c.key {
				t.Errorf("%s: %v, want %s %s", c.name, err, c.code, c.key)
			}
		}
	})
}
