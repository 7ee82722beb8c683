package demo_test

import (
	"context"
	"io"
	"testing"
	"time"

	"shequ/internal/cases"
	"shequ/internal/demo"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestLoadCases_EveryStateOfTheFlowInEveryCommunity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		zone, _ := time.LoadLocation("Asia/Shanghai")
		now := time.Date(2026, 12, 3, 10, 0, 0, 0, zone)
		n, err := demo.LoadCases(ctx, d, now, zone, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if n != 20 { // the test city has two communities
			t.Fatalf("%d cases, want 20", n)
		}
		rows, err := d.Read().QueryContext(ctx, `SELECT state, COUNT(*) FROM workflow_instances GROUP BY state`)
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
		for _, s := range []string{"reported", "handling", "returned", "extension_requested", "feedback", "closed", "rated", "rejected"} {
			if got[s] == 0 {
				t.Errorf("no demo case is %s: %v", s, got)
			}
		}
		cal, err := calendar.NewService(d, func() time.Time { return now }, calendar.Settings{Zone: zone})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := cases.NewService(ctx, d, func() time.Time { return now }, zone, cal)
		if err != nil {
			t.Fatal(err)
		}
		community := auth.Principal{UserID: "u", Name: "社区", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		_, counts, _, err := svc.Board(ctx, community, "", "", "", 10, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if counts.Red == 0 || counts.Open == counts.Red {
			t.Errorf("board %+v: want some red cards and some cases on time", counts)
		}
		if work, _ := svc.MyWorkCount(ctx, community); work == 0 {
			t.Error("nothing waits for the community")
		}
	})
}
