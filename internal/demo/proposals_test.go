package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shequ/internal/demo"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/registry"
)

func TestLoadProposals_EveryStateInTheFirstGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		zone, _ := time.LoadLocation("Asia/Shanghai")
		now := time.Date(2026, 12, 3, 10, 0, 0, 0, zone)
		reg := registry.NewService(d, func() time.Time { return now }, zone)
		for i := range 8 {
			no := fmt.Sprintf("D%03d", i)
			if _, err := reg.CreateHousehold(ctx, auth.System(), registry.HouseholdInput{No: no, GridCode: orgtest.Grid, Address: "东兴路" + no, Established: "2020-01-01"}); err != nil {
				t.Fatal(err)
			}
			first := fmt.Sprintf("45040319700101%03d", i)
			if _, err := reg.CreateResident(ctx, auth.System(), registry.ResidentInput{Name: "周" + no, IDNumber: first + string(pii.CheckDigit(first)),
				HouseholdNo: no, Relation: "head", PopulationType: "registered", Phone: fmt.Sprintf("1380774%04d", i), RegisteredOn: "2020-01-01"}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := demo.LoadProposals(ctx, d, now, zone)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := d.Read().QueryContext(ctx, `SELECT state, COUNT(*) FROM proposals GROUP BY state`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]int{}
		for rows.Next() {
			var s string
			var c int
			if err := rows.Scan(&s, &c); err != nil {
				t.Fatal(err)
			}
			got[s] = c
		}
		if n != 7 || got["waiting"] != 4 || got["rejected"] != 1 || got["approved"] != 1 || got["applied"] != 1 {
			t.Fatalf("%d proposals: %v", n, got)
		}
	})
}
