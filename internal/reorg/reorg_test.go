package reorg_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/reorg"
	"shequ/internal/reorg/reorgtest"
	"shequ/internal/staff"
	"shequ/internal/stats"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

// The day of the merge, and the day before it.
const (
	mergeDay = "2026-06-01"
	dayOld   = "2026-05-31"
)

var city = auth.Principal{UserID: "city", Name: "市管理员", Role: auth.RoleCity, OrgCode: orgtest.City}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func service(d *db.DB) *reorg.Service { return reorg.NewService(d, now, time.UTC) }

// figures computes the statistics of every unit of the test city as of a day.
func figures(t *testing.T, d *db.DB, on string) map[string]stats.Stats {
	t.Helper()
	out := map[string]stats.Stats{}
	for _, u := range orgtest.Units() {
		s, err := stats.Compute(context.Background(), d.Read(), scope.Everything(), u.Code, day(on))
		if err != nil {
			t.Fatal(err)
		}
		out[u.Code] = s
	}
	return out
}

func TestApply_MergingTwoCommunitiesKeepsTheDayBeforeAndSumsThemFromTheDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		before := figures(t, d, dayOld)
		res, err := service(d).Apply(context.Background(), city, reorgtest.Merge(mergeDay))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Dissolved, []string{orgtest.Community2}) || len(res.Communities[0].Moves) != 1 {
			t.Fatalf("result %+v", res)
		}
		if after := figures(t, d, dayOld); !reflect.DeepEqual(after, before) {
			for code := range before {
				if !reflect.DeepEqual(after[code], before[code]) {
					t.Errorf("%s as of %s changed:\n before %+v\n after  %+v", code, dayOld, before[code], after[code])
				}
			}
		}
		district, err := stats.Compute(context.Background(), d.Read(), scope.Everything(), orgtest.District, day(mergeDay))
		if err != nil {
			t.Fatal(err)
		}
		if district.Units != (stats.Units{Streets: 2, Communities: 1, Grids: 3}) || district.Households != 4 ||
			district.Residents != (stats.Residents{Registered: 4, Floating: 2}) || district.Staff.Filled != 3 {
			t.Errorf("district as of %s: %+v", mergeDay, district)
		}
		street, err := stats.Compute(context.Background(), d.Read(), scope.Everything(), orgtest.Street, day(mergeDay))
		if err != nil {
			t.Fatal(err)
		}
		c := street.Children[0]
		if len(street.Children) != 1 || c.Scope.Code != orgtest.Community || c.Households != 4 || c.Units.Grids != 3 ||
			c.Residents != (stats.Residents{Registered: 4, Floating: 2}) || c.Staff.Filled != 3 {
			t.Errorf("东兴社区 as of %s: %+v", mergeDay, street.Children)
		}
	})
}

func TestApply_HouseholdsAndResidentsAreFoundUnderTheNewGridCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		if _, err := service(d).Apply(context.Background(), city, reorgtest.Merge(mergeDay)); err != nil {
			t.Fatal(err)
		}
		const moved = orgtest.Community + "003" // after 东兴's 001 and 002
		ctx := context.Background()
		h, err := registry.GetHousehold(ctx, d.Read(), scope.Of(orgtest.Community), "h3")
		if err != nil {
			t.Fatal(err)
		}
		if h.GridCode != moved {
			t.Errorf("household h3 is in %s, want %s", h.GridCode, moved)
		}
		rows := query(t, d, `SELECT resident_id || ' ' || starts_on || ' ' || COALESCE(ends_on, '-') || ' ' || org_code FROM resident_periods
			WHERE household_id = 'h3' ORDER BY resident_id, starts_on`)
		want := []string{
			"r4 2020-01-01 2026-06-01 " + orgtest.Grid2, "r4 2026-06-01 - " + moved,
			"r5 2020-01-01 2026-06-01 " + orgtest.Grid2, "r5 2026-06-01 - " + moved,
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("periods\n got %q\nwant %q", rows, want)
		}
		if got := query(t, d, `SELECT org_code || ' ' || role FROM grid_contacts`); !reflect.DeepEqual(got, []string{moved + " building_head"}) {
			t.Errorf("contacts %q", got)
		}
		if got := query(t, d, `SELECT org_code FROM grid_contact_history`); !reflect.DeepEqual(got, []string{orgtest.Grid2}) {
			t.Errorf("ended contacts %q", got)
		}
		// 王网格 followed the grid: relieved of the old code on the day, serving the new from it.
		got := query(t, d, `SELECT grid_code || ' ' || assigned_on || ' ' || COALESCE(ended_on, '-') FROM worker_grids WHERE worker_id = 'w2' ORDER BY assigned_on`)
		if want := []string{orgtest.Grid2 + " 2019-03-01 2026-06-01", moved + " 2026-06-01 -"}; !reflect.DeepEqual(got, want) {
			t.Errorf("王网格's assignments\n got %q\nwant %q", got, want)
		}
		u, err := org.Lookup(ctx, d.Read(), orgtest.Grid2)
		if err != nil || u == nil || u.DissolvedOn != mergeDay {
			t.Errorf("old grid %+v, %v", u, err)
		}
	})
}

func TestApply_AWorkerOfTheReceivingCommunitySeesTheMovedHouseholds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		worker := auth.Principal{UserID: "u1", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		rs := registry.NewService(d, now, time.UTC)
		ctx := context.Background()
		if _, _, err := rs.Household(ctx, worker, "h3"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("before the merge 东兴's worker reads 南环's household: %v", err)
		}
		if _, err := service(d).Apply(ctx, city, reorgtest.Merge(mergeDay)); err != nil {
			t.Fatal(err)
		}
		h, _, err := rs.Household(ctx, worker, "h3")
		if err != nil || h.GridCode != orgtest.Community+"003" {
			t.Errorf("after the merge: %+v, %v", h, err)
		}
	})
}

func TestApply_ADissolvedCommunityStillShowsOnADayBefore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		if _, err := service(d).Apply(context.Background(), city, reorgtest.Merge(mergeDay)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			on          string
			communities int
			households  int
		}{{"2025-12-31", 1, 2}, {dayOld, 1, 2}, {mergeDay, 0, 0}, {"2026-11-27", 0, 0}} {
			s, err := stats.Compute(context.Background(), d.Read(), scope.Everything(), orgtest.Street2, day(tc.on))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Children) != tc.communities || s.Households != tc.households {
				t.Errorf("城南街道 as of %s: %d communities, %d households; want %d, %d", tc.on, len(s.Children), s.Households, tc.communities, tc.households)
			}
		}
		orgs := org.NewService(d, now)
		u, err := orgs.Unit(context.Background(), city, orgtest.Community2)
		if err != nil || u.DissolvedOn != mergeDay {
			t.Errorf("南环社区 %+v, %v", u, err)
		}
		kids, err := orgs.Children(context.Background(), city, orgtest.Street2)
		if err != nil || len(kids) != 0 {
			t.Errorf("城南街道's standing communities %+v, %v", kids, err)
		}
	})
}

func TestApply_AWorkerOfADissolvedCommunityLeftOffTheListIsRefusedByName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		ch := reorgtest.Merge(mergeDay)
		ch.Staff = ch.Staff[:1]
		_, err := service(d).Apply(context.Background(), city, ch)
		var e *apperr.Error
		if !apperr.Is(err, apperr.Invalid) || !asErr(err, &e) || e.Key != "reorg.staff_unlisted" || !strings.Contains(fmt.Sprint(e.Args), "赵主任") {
			t.Fatalf("got %v", err)
		}
		if got := query(t, d, `SELECT org_code FROM households WHERE id = 'h3'`); got[0] != orgtest.Grid2 {
			t.Errorf("a refused change moved h3 to %s", got[0])
		}
	})
}

func TestApply_ARefusedDayChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		reorgtest.Exec(t, d, `UPDATE resident_periods SET ends_on = '2026-07-01' WHERE resident_id = 'r5'`)
		reorgtest.Exec(t, d, `INSERT INTO resident_periods (resident_id, starts_on, household_id, org_code, population_type)
			VALUES ('r5', '2026-07-01', 'h4', $1, 'floating')`, orgtest.Grid2)
		for _, tc := range []struct{ on, key string }{
			{mergeDay, "reorg.before_last_change"}, // a resident moved within 南环 on 07-01
			{"2026-11-28", "reorg.date_future"},
			{"2026-02-30", "reorg.date"},
		} {
			_, err := service(d).Apply(context.Background(), city, reorgtest.Merge(tc.on))
			var e *apperr.Error
			if !asErr(err, &e) || e.Key != tc.key || e.Field != "on" {
				t.Errorf("%s: got %v, want %s", tc.on, err, tc.key)
			}
		}
		if _, err := service(d).Apply(context.Background(), city, reorgtest.Merge("2026-07-01")); err != nil {
			t.Errorf("on the day of the last change: %v", err)
		}
	})
}

func TestApply_AGridDoesNotCrossADistrictBorder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		reorgtest.Exec(t, d, `INSERT INTO org_units (code, name, level, parent_code, created_at, established_on) VALUES
			('450404001', '蝶山街道', 'street', '450404', 0, '2001-01-01')`)
		ch := reorg.Change{On: mergeDay, Communities: []reorg.Community{{Key: "1", Street: "450404001", Name: "新社区", Grids: []string{orgtest.Grid2}}}}
		_, err := service(d).Apply(context.Background(), city, ch)
		var e *apperr.Error
		if !asErr(err, &e) || e.Key != "reorg.other_district" {
			t.Fatalf("got %v", err)
		}
		if got := query(t, d, `SELECT code FROM org_units WHERE parent_code = '450404001'`); len(got) != 0 {
			t.Errorf("a refused change left %q", got)
		}
	})
}

func TestApply_APlanCommunityIsAppliedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		ch := reorg.Change{On: mergeDay, Communities: []reorg.Community{{Key: "1", Street: orgtest.Street2, Name: "南环新社区",
			Grids: []string{orgtest.Grid2}, Plan: "p1", PlanNo: 1}}, Staff: reorgtest.Merge(mergeDay).Staff}
		ch.Staff[0].Community, ch.Staff[1].Community = "1", "1"
		res, err := service(d).Apply(context.Background(), city, ch)
		if err != nil {
			t.Fatal(err)
		}
		// 南环社区 took 001 under 城南街道: the new one is 002.
		if c := res.Communities[0]; c.Code != orgtest.Street2+"002" || !c.New || res.Plan[0].Code != c.Code {
			t.Fatalf("result %+v", res)
		}
		_, err = service(d).Apply(context.Background(), city, ch)
		var e *apperr.Error
		if !apperr.Is(err, apperr.Conflict) || !asErr(err, &e) || e.Key != "reorg.plan_applied" {
			t.Fatalf("applied twice: %v", err)
		}
	})
}

func TestAllocateCode_NeverReusesACodeAndKeepsCommitteesBelow200(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		next := func(parent string, l scope.Level) string {
			t.Helper()
			code, err := org.AllocateCode(ctx, d.Write(), parent, l)
			if err != nil {
				t.Fatal(err)
			}
			return code
		}
		if got := next(orgtest.Street, scope.Community); got != orgtest.Street+"002" {
			t.Errorf("after 001: %s", got)
		}
		reorgtest.Exec(t, d, `UPDATE org_units SET dissolved_on = '2026-01-01' WHERE code = $1`, orgtest.GridB)
		if got := next(orgtest.Community, scope.Grid); got != orgtest.Community+"003" {
			t.Errorf("after an ended 002: %s", got)
		}
		// A village committee's code (200–399) is not a residents' committee's.
		reorgtest.Exec(t, d, `INSERT INTO org_units (code, name, level, parent_code, created_at) VALUES ($1, '村', 'community', $2, 0)`, orgtest.Street+"201", orgtest.Street)
		if got := next(orgtest.Street, scope.Community); got != orgtest.Street+"002" {
			t.Errorf("beside a village committee: %s", got)
		}
		reorgtest.Exec(t, d, `INSERT INTO org_units (code, name, level, parent_code, created_at) VALUES ($1, '末', 'community', $2, 0)`, orgtest.Street+"199", orgtest.Street)
		if got := next(orgtest.Street, scope.Community); got != orgtest.Street+"002" {
			t.Errorf("once 199 is taken, the lowest never used: %s", got)
		}
		for n := 2; n < 199; n++ {
			reorgtest.Exec(t, d, `INSERT INTO org_units (code, name, level, parent_code, created_at) VALUES ($1, '满', 'community', $2, 0)`,
				fmt.Sprintf("%s%03d", orgtest.Street, n), orgtest.Street)
		}
		_, err := org.AllocateCode(ctx, d.Write(), orgtest.Street, scope.Community)
		var e *apperr.Error
		if !asErr(err, &e) || e.Key != "org.codes_exhausted" {
			t.Errorf("a full street: %v", err)
		}
	})
}

func asErr(err error, e **apperr.Error) bool {
	x, ok := err.(*apperr.Error)
	*e = x
	return ok
}

func query(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.Read().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestStaffEdit_AWorkerMovedToAnotherCommunityCountsWhereTheyWereTheDayBefore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		before := figures(t, d, "2026-11-26")
		_, err := staff.NewService(d, now).Update(context.Background(), city, "w3", staff.WorkerInput{Name: "赵主任",
			IDNumber: reorgtest.IDNumber("450403", "1985-03-02", 102), CommunityCode: orgtest.Community, Position: "director",
			Education: "21", HiredOn: "2019-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if after := figures(t, d, "2026-11-26"); !reflect.DeepEqual(after, before) {
			t.Errorf("the day before changed:\n before %+v\n after  %+v", before[orgtest.Community2].Staff, after[orgtest.Community2].Staff)
		}
		today := figures(t, d, "2026-11-27")
		if today[orgtest.Community2].Staff.Filled != 1 || today[orgtest.Community].Staff.Filled != 2 {
			t.Errorf("today: 南环 %d, 东兴 %d workers", today[orgtest.Community2].Staff.Filled, today[orgtest.Community].Staff.Filled)
		}
	})
}

func TestReadStaffList_ProblemsNameTheirRowAndColumn(t *testing.T) {
	for _, tc := range []struct {
		name, file, key string
		args            map[string]any
		want            []reorg.Posting
	}{
		{"chinese header, BOM, blank row, grids", "\ufeff工作者,社区,网格\n450403198503021025,1,450403002001001 450403001001001\n,,\nw9,450403001001,\n", "", nil,
			[]reorg.Posting{{Worker: "450403198503021025", Community: "1", Grids: []string{"450403002001001", "450403001001001"}}, {Worker: "w9", Community: "450403001001", Grids: []string{}}}},
		{"no header", "", "reorg.staff_header", nil, nil},
		{"no community column", "worker,grids\nw1,\n", "reorg.staff_header", nil, nil},
		{"empty community", "worker,community\nw1,1\nw2,\n", "reorg.staff_cell", map[string]any{"row": 3, "column": "community"}, nil},
		{"a worker twice", "worker,community\nw1,1\nw2,1\nw1,2\n", "reorg.staff_twice", map[string]any{"row": 4, "first": "2"}, nil},
		{"broken quotes", "worker,community\n\"w1,1\n", "reorg.staff_csv", map[string]any{"row": 2}, nil},
	} {
		got, err := reorg.ReadStaffList(strings.NewReader(tc.file))
		var e *apperr.Error
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.key == "" && !reflect.DeepEqual(got, tc.want):
			t.Errorf("%s: got %+v", tc.name, got)
		case tc.key != "" && (!asErr(err, &e) || e.Key != tc.key || tc.args != nil && !reflect.DeepEqual(e.Args, tc.args)):
			t.Errorf("%s: got %v, want %s %v", tc.name, err, tc.key, tc.args)
		}
	}
}

func TestApply_AMovedGridKeepsItsNeighboursAndAreaType(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		reorgtest.Exec(t, d, `INSERT INTO grid_adjacency (grid_a, grid_b, source) VALUES ($1, $2, 'import'), ($3, $2, 'import')`,
			orgtest.Grid, orgtest.Grid2, orgtest.GridB)
		reorgtest.Exec(t, d, `INSERT INTO grid_area_types (grid_code, area_type) VALUES ($1, 'new_estate')`, orgtest.Grid2)
		if _, err := service(d).Apply(context.Background(), city, reorgtest.Merge(mergeDay)); err != nil {
			t.Fatal(err)
		}
		moved := orgtest.Community + "003"
		got := query(t, d, `SELECT grid_a || ' ' || grid_b FROM grid_adjacency WHERE grid_a = '`+moved+`' OR grid_b = '`+moved+`' ORDER BY grid_a`)
		if want := []string{orgtest.Grid + " " + moved, orgtest.GridB + " " + moved}; !reflect.DeepEqual(got, want) {
			t.Errorf("neighbours %q, want %q", got, want)
		}
		if got := query(t, d, `SELECT area_type FROM grid_area_types WHERE grid_code = '`+moved+`'`); !reflect.DeepEqual(got, []string{"new_estate"}) {
			t.Errorf("area type %q", got)
		}
	})
}

func TestApply_AGridAccountFollowsItsGridAndACommunityAccountHoldsTheDissolution(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		ctx := context.Background()
		as := auth.NewService(d, now)
		for _, u := range []struct{ name, org string }{{"wang", orgtest.Grid2}, {"zhao", orgtest.Community2}} {
			role := auth.RoleGrid
			if u.org == orgtest.Community2 {
				role = auth.RoleCommunity
			}
			if _, err := as.AddUser(ctx, u.name, role, u.org); err != nil {
				t.Fatal(err)
			}
		}
		_, err := service(d).Apply(ctx, city, reorgtest.Merge(mergeDay))
		var e *apperr.Error
		if !asErr(err, &e) || e.Key != "reorg.accounts_bound" || e.Args["users"] != "zhao" {
			t.Fatalf("an account bound to the dissolved community: %v", err)
		}
		reorgtest.Exec(t, d, `UPDATE users SET org_code = $1 WHERE name = 'zhao'`, orgtest.Community)
		if _, err := service(d).Apply(ctx, city, reorgtest.Merge(mergeDay)); err != nil {
			t.Fatal(err)
		}
		if got := query(t, d, `SELECT org_code FROM users WHERE name = 'wang'`); got[0] != orgtest.Community+"003" {
			t.Errorf("the grid worker's account is bound to %s", got[0])
		}
	})
}
