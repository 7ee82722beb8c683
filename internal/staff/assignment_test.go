package staff_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/staff"
)

var community = auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}

// hire adds a worker of 东兴社区 hired on the day given, serving grids from then.
func hire(t *testing.T, s *staff.Service, name, seq, hired string, grids ...string) staff.Worker {
	t.Helper()
	in := worker(name, "19900101", seq, grids...)
	in.HiredOn = hired
	w, err := s.Create(context.Background(), district, in)
	if err != nil {
		t.Fatalf("hire %s: %v", name, err)
	}
	return w
}

// assign assigns worker id to grid from day, as 东兴社区's office.
func assign(s *staff.Service, id, grid, day string) error {
	_, err := s.Assign(context.Background(), community, id, staff.AssignInput{GridCode: grid, AssignedOn: day})
	return err
}

// end ends worker id's assignment to grid on day, as 东兴社区's office.
func end(s *staff.Service, id, grid, day string) error {
	_, err := s.EndAssignment(context.Background(), community, id, grid, staff.EndInput{EndedOn: day})
	return err
}

func names(ws []staff.Worker) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return out
}

// TestAssignment_HistoryIsKeptAndAnswersWhoServedAGridOnADay: a new worker serves
// their grids from the day they were hired; ending an assignment keeps it with the
// day it ended, assigning the grid again adds another, and the grid's team on a day
// is who held an assignment then — the day an assignment ends is the first without
// the worker.
func TestAssignment_HistoryIsKeptAndAnswersWhoServedAGridOnADay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		chen := hire(t, s, "陈丽", "022", "2011-07-01", orgtest.Grid)
		if err := end(s, chen.ID, orgtest.Grid, "2015-03-01"); err != nil {
			t.Fatal(err)
		}
		if err := assign(s, chen.ID, orgtest.GridB, "2015-03-01"); err != nil {
			t.Fatal(err)
		}
		if err := assign(s, chen.ID, orgtest.Grid, " 2020-01-01 "); err != nil {
			t.Fatal(err)
		}
		history, err := s.Assignments(ctx, community, chen.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []staff.Assignment{
			{WorkerID: chen.ID, GridCode: orgtest.Grid, AssignedOn: "2011-07-01", EndedOn: "2015-03-01"},
			{WorkerID: chen.ID, GridCode: orgtest.GridB, AssignedOn: "2015-03-01"},
			{WorkerID: chen.ID, GridCode: orgtest.Grid, AssignedOn: "2020-01-01"},
		}
		if !slices.Equal(history, want) {
			t.Errorf("history %+v\nwant %+v", history, want)
		}
		got, err := s.Worker(ctx, community, chen.ID)
		if err != nil || !slices.Equal(got.GridCodes, []string{orgtest.Grid, orgtest.GridB}) {
			t.Errorf("current grids %v %v", got.GridCodes, err)
		}
		for _, tc := range []struct {
			grid, day string
			want      []string
		}{
			{orgtest.Grid, "2011-06-30", []string{}},
			{orgtest.Grid, "2011-07-01", []string{"陈丽"}},
			{orgtest.Grid, "2015-02-28", []string{"陈丽"}},
			{orgtest.Grid, "2015-03-01", []string{}},
			{orgtest.GridB, "2015-03-01", []string{"陈丽"}},
			{orgtest.Grid, "2019-12-31", []string{}},
			{orgtest.Grid, "", []string{"陈丽"}},
		} {
			team, err := s.GridWorkers(ctx, community, tc.grid, tc.day)
			if err != nil || !slices.Equal(names(team), tc.want) {
				t.Errorf("%s on %q: %v %v, want %v", tc.grid, tc.day, names(team), err, tc.want)
			}
		}
		for _, action := range []string{audit.ActWorkerAssign, audit.ActWorkerRelieve} {
			rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: action}, 10, 0)
			if err != nil || len(rows) == 0 || rows[0].Object != "worker:"+chen.ID || rows[0].UserID != "c" {
				t.Errorf("%s audited as %+v %v", action, rows, err)
			}
		}
	})
}

// TestAssignment_BadDatesNameTheFieldAndWriteNothing: an assignment may not begin
// before the worker was hired or after today, nor end before it began or after
// today; a worker serves a grid once at a time and starts again only after the last
// assignment ended; the grid must be one of the worker's community. Each refusal
// names its field and leaves the history as it was.
func TestAssignment_BadDatesNameTheFieldAndWriteNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		chen := hire(t, s, "陈丽", "022", "2011-07-01", orgtest.Grid)
		if err := end(s, chen.ID, orgtest.Grid, "2015-03-01"); err != nil {
			t.Fatal(err)
		}
		if err := assign(s, chen.ID, orgtest.GridB, "2016-01-01"); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Assignments(ctx, community, chen.ID)
		assignChen := func(grid, on string) error { return assign(s, chen.ID, grid, on) }
		endChen := func(grid, on string) error { return end(s, chen.ID, grid, on) }
		for _, tc := range []struct {
			name       string
			err        error
			field, key string
		}{
			{"a date that is none", assignChen(orgtest.Grid, "2016-02-30"), "assigned_on", "worker.date"},
			{"a date written otherwise", assignChen(orgtest.Grid, "2016/03/01"), "assigned_on", "worker.date"},
			{"no date", assignChen(orgtest.Grid, ""), "assigned_on", "worker.date"},
			{"before the hiring", assignChen(orgtest.Grid, "2011-06-30"), "assigned_on", "worker.before_hired"},
			{"tomorrow", assignChen(orgtest.Grid, "2026-11-28"), "assigned_on", "worker.date_future"},
			{"before the last assignment ended", assignChen(orgtest.Grid, "2015-02-28"), "assigned_on", "worker.assigned_overlap"},
			{"a grid served now", assignChen(orgtest.GridB, "2020-01-01"), "grid_code", "worker.assigned"},
			{"another community's grid", assignChen(orgtest.Grid2, "2020-01-01"), "grid_code", "worker.grid"},
			{"a community, not a grid", assignChen(orgtest.Community, "2020-01-01"), "grid_code", "worker.grid"},
			{"no grid", assignChen(" ", "2020-01-01"), "grid_code", "required"},
			{"ended before it began", endChen(orgtest.GridB, "2015-12-31"), "ended_on", "worker.ended_before_assigned"},
			{"ended tomorrow", endChen(orgtest.GridB, "2026-11-28"), "ended_on", "worker.date_future"},
			{"ended on no date", endChen(orgtest.GridB, "soon"), "ended_on", "worker.date"},
			{"a grid not served now", endChen(orgtest.Grid, "2020-01-01"), "grid_code", "worker.not_assigned"},
		} {
			e, ok := tc.err.(*apperr.Error)
			if !ok || e.Code != apperr.Invalid || e.Field != tc.field || e.Key != tc.key {
				t.Errorf("%s: %v, want %s on %s", tc.name, tc.err, tc.key, tc.field)
			}
		}
		if after, _ := s.Assignments(ctx, community, chen.ID); !slices.Equal(after, before) {
			t.Errorf("refusals wrote: %+v, was %+v", after, before)
		}
		if err := assignChen(orgtest.Grid, "2015-03-01"); err != nil {
			t.Errorf("again on the day the last ended: %v", err)
		}
	})
}

// TestAssignment_AGridHasAtMostTwoWorkersOnEveryDay: an assignment dated in the
// past is held against the team of every day since, not only today's.
func TestAssignment_AGridHasAtMostTwoWorkersOnEveryDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		hire(t, s, "甲", "011", "2012-01-01", orgtest.Grid)
		yi := hire(t, s, "乙", "013", "2012-01-01", orgtest.Grid)
		if err := end(s, yi.ID, orgtest.Grid, "2014-01-01"); err != nil {
			t.Fatal(err)
		}
		hire(t, s, "丙", "015", "2018-01-01", orgtest.Grid) // 甲 and 丙 from 2018
		ding := hire(t, s, "丁", "017", "2010-01-01")
		for _, on := range []string{"2013-01-01", "2014-06-01", "2020-01-01"} {
			err := assign(s, ding.ID, orgtest.Grid, on)
			if e, ok := err.(*apperr.Error); !ok || e.Key != "worker.grid_full" || e.Field != "grid_code" {
				t.Errorf("丁 from %s: %v, want the grid full", on, err)
			}
		}
		if err := assign(s, ding.ID, orgtest.GridB, "2013-01-01"); err != nil {
			t.Errorf("丁 on the other grid: %v", err)
		}
	})
}

// TestAssignment_EndedOnTheDayItBeganNeverHeld: such an assignment leaves no trace
// in the history (the audit trail keeps both acts), and the grid may be assigned
// again from that day.
func TestAssignment_EndedOnTheDayItBeganNeverHeld(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		chen := hire(t, s, "陈丽", "022", "2011-07-01")
		if err := assign(s, chen.ID, orgtest.Grid, "2020-05-01"); err != nil {
			t.Fatal(err)
		}
		if err := end(s, chen.ID, orgtest.Grid, "2020-05-01"); err != nil {
			t.Fatal(err)
		}
		if history, _ := s.Assignments(ctx, community, chen.ID); len(history) != 0 {
			t.Errorf("history %+v, want none", history)
		}
		if err := assign(s, chen.ID, orgtest.Grid, "2020-05-01"); err != nil {
			t.Errorf("again from the same day: %v", err)
		}
	})
}

// TestAssignment_ChangingAWorkersGridsDatesTheChangeToday: an update that lists
// other grids ends the assignments left out today and begins the new ones today;
// the hiring date may not move past an assignment's beginning.
func TestAssignment_ChangingAWorkersGridsDatesTheChangeToday(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		in := worker("陈丽", "19850601", "022", orgtest.Grid)
		chen, err := s.Create(ctx, district, in)
		if err != nil {
			t.Fatal(err)
		}
		in.GridCodes = []string{orgtest.GridB}
		if _, err := s.Update(ctx, district, chen.ID, in); err != nil {
			t.Fatal(err)
		}
		history, _ := s.Assignments(ctx, district, chen.ID)
		want := []staff.Assignment{
			{WorkerID: chen.ID, GridCode: orgtest.Grid, AssignedOn: "2011-07-01", EndedOn: "2026-11-27"},
			{WorkerID: chen.ID, GridCode: orgtest.GridB, AssignedOn: "2026-11-27"},
		}
		if !slices.Equal(history, want) {
			t.Errorf("history %+v\nwant %+v", history, want)
		}
		in.HiredOn = "2012-01-01"
		_, err = s.Update(ctx, district, chen.ID, in)
		if e, ok := err.(*apperr.Error); !ok || e.Field != "hired_on" || e.Key != "worker.hired_after_assignment" {
			t.Errorf("hired after the first assignment: %v", err)
		}
	})
}

// TestAssignment_OnlyForWorkersOfTheUsersCommunities: another community's office
// is answered as for a worker that does not exist, and the attempt is audited; a
// grid worker, who sees the worker, may not assign.
func TestAssignment_OnlyForWorkersOfTheUsersCommunities(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		chen := hire(t, s, "陈丽", "022", "2011-07-01", orgtest.Grid)
		other := auth.Principal{UserID: "c2", Role: auth.RoleCommunity, OrgCode: orgtest.Community2}
		if _, err := s.Assign(ctx, other, chen.ID, staff.AssignInput{GridCode: orgtest.GridB, AssignedOn: "2020-01-01"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another community assigns: %v", err)
		}
		if _, err := s.EndAssignment(ctx, other, chen.ID, orgtest.Grid, staff.EndInput{EndedOn: "2020-01-01"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another community ends: %v", err)
		}
		if _, err := s.Assignments(ctx, other, chen.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another community reads the history: %v", err)
		}
		rows, _ := audit.List(ctx, d.Read(), audit.Filter{Outcome: audit.Denied}, 10, 0)
		if len(rows) != 3 {
			t.Errorf("denied records: %+v, want 3", rows)
		}
		grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
		if _, err := s.Assignments(ctx, grid, chen.ID); err != nil {
			t.Errorf("the grid worker reads their teammate's history: %v", err)
		}
		if _, err := s.Assign(ctx, grid, chen.ID, staff.AssignInput{GridCode: orgtest.GridB, AssignedOn: "2020-01-01"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a grid worker assigns: %v", err)
		}
	})
}

// TestAssignment_TodayIsTheCitys: at 20:00 UTC it is already the next morning in
// Shanghai, and an assignment from that day is not one in the future.
func TestAssignment_TodayIsTheCitys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		evening := func() time.Time { return time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC) }
		shanghai, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		s := staff.NewService(d, evening).WithZone(shanghai)
		chen := hire(t, s, "陈丽", "022", "2011-07-01")
		if s.Today() != "2026-11-28" {
			t.Errorf("today %s, want 2026-11-28", s.Today())
		}
		if err := assign(s, chen.ID, orgtest.Grid, "2026-11-28"); err != nil {
			t.Errorf("assigned from the city's today: %v", err)
		}
	})
}
