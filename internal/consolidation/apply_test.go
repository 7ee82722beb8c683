package consolidation

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/reorg"
	"shequ/internal/reorg/reorgtest"
)

func applyNow() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

var cityOffice = auth.Principal{UserID: "city", Name: "市民政局", Role: auth.RoleCity, OrgCode: orgtest.City}

// storedPlan keeps a plan of the reorgtest city, counted on 2026-05-01 under the
// register's generation as it stands, with the proposals given.
func storedPlan(t *testing.T, d *db.DB, communities ...Community) Plan {
	t.Helper()
	ctx := context.Background()
	gen, err := Generation(ctx, d.Read(), orgtest.District)
	if err != nil {
		t.Fatal(err)
	}
	p := Plan{ID: db.NewID(), Params: Params{Scope: orgtest.District, Within: WithinDistrict, Stability: 1, Seed: 1, AsOf: "2026-05-01"},
		Generation: gen, Communities: communities, Objective: Objective{}, Infeasible: []Infeasible{}, CreatedAt: applyNow(), CreatedBy: "city",
		Grids: []Grid{
			{Code: orgtest.Grid, From: orgtest.Community, Area: OldTown, Households: 1, Residents: 2},
			{Code: orgtest.GridB, From: orgtest.Community, Area: OldTown, Households: 1, Residents: 1},
			{Code: orgtest.Grid2, From: orgtest.Community2, Area: OldTown, Households: 2, Residents: 3},
		}}
	for i, c := range communities {
		for _, g := range c.Grids {
			for j := range p.Grids {
				if p.Grids[j].Code == g {
					p.Grids[j].To = i
				}
			}
		}
	}
	if err := d.InTx(ctx, func(tx *sql.Tx) error { return insertPlan(ctx, tx, p) }); err != nil {
		t.Fatal(err)
	}
	return p
}

// absorb is 南环社区 taken whole into 东兴社区.
var absorb = Community{Code: orgtest.Community, District: orgtest.District, Grids: []string{orgtest.Grid, orgtest.GridB, orgtest.Grid2}}

func applier(d *db.DB) *Applier { return NewApplier(d, applyNow, time.UTC) }

func errKey(err error) string {
	if e, ok := err.(*apperr.Error); ok {
		return e.Key
	}
	return ""
}

func TestApplyPlan_AppliedTwiceIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		p := storedPlan(t, d, absorb)
		in := ApplyInput{Plan: p.ID, On: "2026-06-01", Staff: reorgtest.Merge("2026-06-01").Staff}
		res, err := applier(d).Apply(context.Background(), cityOffice, in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Plan, []reorg.PlanCommunity{{Plan: p.ID, No: 1, Code: orgtest.Community}}) || len(res.Dissolved) != 1 {
			t.Fatalf("result %+v", res)
		}
		_, err = applier(d).Apply(context.Background(), cityOffice, ApplyInput{Plan: p.ID, Communities: []int{1}, On: "2026-06-01", Staff: in.Staff})
		if !apperr.Is(err, apperr.Conflict) || errKey(err) != "reorg.plan_applied" {
			t.Fatalf("applied twice: %v", err)
		}
	})
}

func TestApplyPlan_AfterTheRegisterChangedUnderItIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		p := storedPlan(t, d, absorb)
		reorgtest.Exec(t, d, `INSERT INTO households (id, household_no, org_code, address, established_on, created_at, updated_at)
			VALUES ('h9', 'N9', $1, '南环路9号', '2026-05-10', 0, 0)`, orgtest.Grid2)
		in := ApplyInput{Plan: p.ID, On: "2026-06-01", Staff: reorgtest.Merge("2026-06-01").Staff}
		_, err := applier(d).Apply(context.Background(), cityOffice, in)
		if errKey(err) != "reorg.replan_changed" {
			t.Fatalf("got %v, want re-plan", err)
		}
		var n int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM plan_applications`).Scan(&n); err != nil || n != 0 {
			t.Errorf("a refused plan left %d marks (%v)", n, err)
		}
	})
}

func TestApplyPlan_CommunityByCommunity_TheSecondStillAppliesAfterTheFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reorgtest.World(t, d)
		split := Community{New: true, District: orgtest.District, Grids: []string{orgtest.GridB}}
		kept := Community{Code: orgtest.Community, District: orgtest.District, Grids: []string{orgtest.Grid, orgtest.Grid2}}
		p := storedPlan(t, d, split, kept)
		ctx := context.Background()
		staff := reorgtest.Merge("2026-06-01").Staff
		if _, err := applier(d).Apply(ctx, cityOffice, ApplyInput{Plan: p.ID, Communities: []int{2}, On: "2026-06-01", Staff: staff}); err != nil {
			t.Fatal(err)
		}
		_, err := applier(d).Apply(ctx, cityOffice, ApplyInput{Plan: p.ID, Communities: []int{1}, On: "2026-06-01"})
		if errKey(err) != "required" {
			t.Fatalf("a new community without a name: %v", err)
		}
		res, err := applier(d).Apply(ctx, cityOffice, ApplyInput{Plan: p.ID, Communities: []int{1}, On: "2026-06-01", Names: map[int]string{1: "东兴北社区"}})
		if err != nil {
			t.Fatal(err)
		}
		if c := res.Communities[0]; c.Code != orgtest.Street+"002" || !c.New || len(c.Moves) != 1 || c.Moves[0].From != orgtest.GridB {
			t.Errorf("the new community %+v", res.Communities)
		}
	})
}

func TestSteps_EasyCasesFirst(t *testing.T) {
	p := Plan{
		Grids: []Grid{
			{Code: "a1", From: "A", Households: 10}, {Code: "a2", From: "A", Households: 20},
			{Code: "b1", From: "B", Households: 5},
			{Code: "c1", From: "C", Households: 7}, {Code: "c2", From: "C", Households: 8},
			{Code: "d1", From: "D", Households: 3}, {Code: "e1", From: "E", Households: 4},
			{Code: "g1", From: "G", Households: 9},
		},
		Communities: []Community{
			{Code: "C", Grids: []string{"c1"}},             // 1: C loses c2: reshape
			{New: true, Grids: []string{"c2"}},             // 2: part of C: reshape
			{Code: "A", Grids: []string{"a1", "a2", "b1"}}, // 3: A takes B whole
			{New: true, Grids: []string{"d1", "e1"}},       // 4: D and E merged into a new one
			{Code: "G", Grids: []string{"g1"}},             // 5: nothing moves
		},
	}
	var got []string
	for _, s := range Steps(p, map[int]string{3: "A"}) {
		got = append(got, s.Kind+":"+string(rune('0'+s.No)))
	}
	want := []string{"unchanged:5", "absorb:3", "merge_new:4", "reshape:1", "reshape:2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}
