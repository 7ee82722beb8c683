package demo_test

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"shequ/internal/demo"
	"shequ/internal/fieldwork"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
)

func TestLoadFieldwork_VisitsMostHouseholdsAndLeavesSomeNeverVisited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		zone, _ := time.LoadLocation("Asia/Shanghai")
		now := time.Date(2026, 12, 3, 10, 0, 0, 0, zone)
		reg := registry.NewService(d, func() time.Time { return now }, zone)
		for i := range 8 {
			no := "H00" + strconv.Itoa(i)
			if _, err := reg.CreateHousehold(ctx, auth.System(), registry.HouseholdInput{No: no, GridCode: orgtest.Grid, Address: "东兴路" + no}); err != nil {
				t.Fatal(err)
			}
		}
		visits, patrols, err := demo.LoadFieldwork(ctx, d, now, zone, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if visits != 6 || patrols != 3 {
			t.Errorf("%d visits and %d patrols, want 6 visits (one household in four never visited) and 3 patrols of the grid", visits, patrols)
		}
		var never, bounds int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM households h WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id)`).Scan(&never); err != nil {
			t.Fatal(err)
		}
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = $1`, fieldwork.SettingBounds).Scan(&bounds); err != nil {
			t.Fatal(err)
		}
		if never != 2 || bounds != 1 {
			t.Errorf("%d households never visited (want 2), bounds set %d times (want 1)", never, bounds)
		}
	})
}
