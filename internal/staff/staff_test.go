package staff_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/staff"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

func idNumber(birth, seq string) string {
	s := "450403" + birth + seq
	return s + string(pii.CheckDigit(s))
}

var district = auth.Principal{UserID: "d", Role: auth.RoleDistrict, OrgCode: orgtest.District}

func worker(name, birth, seq string, grids ...string) staff.WorkerInput {
	return staff.WorkerInput{Name: name, IDNumber: idNumber(birth, seq), CommunityCode: orgtest.Community, Position: "grid_worker",
		Education: "21", HiredOn: "2011-07-01", GridCodes: grids}
}

func TestWorker_SexAndAgeComeFromTheIDNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		w, err := s.Create(context.Background(), district, worker("陈丽", "19850601", "022", orgtest.Grid, orgtest.GridB))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Worker(context.Background(), district, w.ID)
		if err != nil || got.Sex != "F" || got.BirthDate != "1985-06-01" || len(got.GridCodes) != 2 {
			t.Fatalf("worker = %+v %v", got, err)
		}
	})
}

func TestWorker_AGridHasAtMostTwoWorkersOfItsOwnCommunity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		for i, seq := range []string{"011", "013"} {
			if _, err := s.Create(ctx, district, worker("网格员", "19900101", seq, orgtest.Grid)); err != nil {
				t.Fatalf("worker %d: %v", i, err)
			}
		}
		_, err := s.Create(ctx, district, worker("第三人", "19900101", "015", orgtest.Grid))
		if e, ok := err.(*apperr.Error); !ok || e.Key != "worker.grid_full" || e.Field != "grid_codes" {
			t.Errorf("third worker on a grid: %v", err)
		}
		_, err = s.Create(ctx, district, worker("别社区", "19900101", "017", orgtest.Grid2))
		if e, ok := err.(*apperr.Error); !ok || e.Key != "worker.grid" {
			t.Errorf("grid of another community: %v", err)
		}
		_, err = s.Create(ctx, district, worker("重复", "19900101", "011"))
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("duplicate ID number: %v", err)
		}
	})
}

// TestWorker_EducationIsAGBT4658CodeReadByCodeNameOrTheOldGroup: a worker's 学历 is
// kept as its GB/T 4658 code, typed as the code or the name, or as one of the six
// groups the workforce took before the codes, which becomes the level's own code;
// the name and the report's group come with the worker.
func TestWorker_EducationIsAGBT4658CodeReadByCodeNameOrTheOldGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		for i, tc := range []struct {
			typed, code, name, group string
		}{
			{"21", "21", "大学本科毕业", "bachelor"},
			{" 技工学校毕业 ", "47", "技工学校毕业", "technical_secondary"},
			{"８１", "81", "小学毕业", "junior_middle_or_below"},
			{"postgraduate", "10", "研究生教育", "postgraduate"},
			{"senior_high", "60", "普通高级中学教育", "senior_high"},
		} {
			in := worker("学历"+tc.code, "19900101", fmt.Sprintf("%03d", 11+2*i))
			in.Education = tc.typed
			w, err := s.Create(ctx, district, in)
			if err != nil {
				t.Fatalf("%q: %v", tc.typed, err)
			}
			got, err := s.Worker(ctx, district, w.ID)
			if err != nil || got.Education != tc.code || got.EducationName != tc.name || got.EducationGroup != tc.group {
				t.Errorf("%q: kept %q %q %q, %v; want %s %s %s", tc.typed, got.Education, got.EducationName, got.EducationGroup, err,
					tc.code, tc.name, tc.group)
			}
		}
	})
}

func TestWorker_BadInputNamesTheField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		for _, tc := range []struct {
			change func(*staff.WorkerInput)
			field  string
		}{
			{func(w *staff.WorkerInput) { w.Position = "boss" }, "position"},
			{func(w *staff.WorkerInput) { w.Education = "phd" }, "education"},
			{func(w *staff.WorkerInput) { w.Education = "50" }, "education"}, // 技工学校 in GB/T 4658-1984, not a code now
			{func(w *staff.WorkerInput) { w.Education = "本科" }, "education"}, // a group's label is the import's, not the API's
			{func(w *staff.WorkerInput) { w.Education = "" }, "education"},
			{func(w *staff.WorkerInput) { w.HiredOn = "2011/07/01" }, "hired_on"},
			{func(w *staff.WorkerInput) { w.CommunityCode = orgtest.Street }, "community_code"},
			{func(w *staff.WorkerInput) { w.IDNumber = "123" }, "id_number"},
		} {
			in := worker("x", "19900101", "019")
			tc.change(&in)
			_, err := s.Create(context.Background(), district, in)
			if e, ok := err.(*apperr.Error); !ok || e.Field != tc.field {
				t.Errorf("want error on %s, got %v", tc.field, err)
			}
		}
	})
}

func TestWorker_ListStopsAtTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		if _, err := s.Create(ctx, district, worker("甲", "19900101", "011", orgtest.Grid)); err != nil {
			t.Fatal(err)
		}
		in := worker("乙", "19900101", "013", orgtest.Grid2)
		in.CommunityCode = orgtest.Community2
		if _, err := s.Create(ctx, district, in); err != nil {
			t.Fatal(err)
		}
		all, _ := s.Workers(ctx, district, orgtest.City, staff.Filter{})
		comm := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		own, _ := s.Workers(ctx, comm, orgtest.City, staff.Filter{})
		other, _ := s.Workers(ctx, comm, orgtest.Community2, staff.Filter{})
		if len(all) != 2 || len(own) != 1 || len(other) != 0 {
			t.Errorf("district sees %d, community sees %d own and %d of the sibling", len(all), len(own), len(other))
		}
		team, _ := s.GridWorkers(ctx, comm, orgtest.Grid2, "")
		if len(team) != 0 {
			t.Errorf("community sees the sibling's grid team")
		}
		grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
		mine, _ := s.Workers(ctx, grid, orgtest.Grid, staff.Filter{})
		if len(mine) != 1 || mine[0].Name != "甲" {
			t.Errorf("grid worker sees team %+v, want 甲", mine)
		}
		if _, err := s.Worker(ctx, grid, mine[0].ID); err != nil {
			t.Errorf("grid worker cannot open its team member: %v", err)
		}
		if others, _ := s.Workers(ctx, grid, orgtest.Community, staff.Filter{}); len(others) != 1 {
			t.Errorf("grid worker asking for the community sees %d workers, want its own team of 1", len(others))
		}
		if _, err := s.Create(ctx, grid, worker("丙", "19900101", "015")); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("grid worker hired staff: %v", err)
		}
	})
}
