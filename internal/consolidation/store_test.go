package consolidation

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestStore_GetReturnsThePlanAsStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		want := Plan{
			ID:         db.NewID(),
			Params:     Params{Scope: orgtest.District, Within: WithinDistrict, Stability: 0.5, Seed: 7, AsOf: "2026-01-02"},
			ScopeName:  "万秀区",
			Generation: 42,
			Communities: []Community{
				{Code: orgtest.Community, District: orgtest.District, Grids: []string{orgtest.Grid, orgtest.Grid2}, Households: 30, Residents: 80, Contiguous: true, Target: 3000, Tolerance: 0.1},
				{New: true, District: orgtest.District, Grids: []string{orgtest.GridB}, Households: 5, Residents: 9, Contiguous: true, Target: 1500, Tolerance: 0.2},
			},
			Grids: []Grid{
				{Code: orgtest.Grid, From: orgtest.Community, Area: OldTown, To: 0, Households: 10, Residents: 30},
				{Code: orgtest.GridB, From: orgtest.Community, Area: UrbanRuralFringe, To: 1, Households: 5, Residents: 9},
				{Code: orgtest.Grid2, From: orgtest.Community2, Area: OldTown, To: 0, Households: 20, Residents: 50},
			},
			Objective:  Objective{Deviation: 1.5, CutEdges: 2, MovedHouseholds: 20},
			Infeasible: []Infeasible{{Grids: []string{orgtest.GridB}, Reason: "island"}},
			Took:       12 * time.Millisecond,
			CreatedBy:  "demo-city",
			CreatedAt:  time.UnixMilli(1767312000000),
		}
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return insertPlan(ctx, tx, want) }); err != nil {
			t.Fatal(err)
		}
		got, err := NewStore(d).Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if _, err := NewStore(d).Get(ctx, db.NewID()); err == nil {
			t.Error("an unknown plan was found")
		}
	})
}
