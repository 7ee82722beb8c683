package staff_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/staff"
)

// TestMigration015_DatesEveryAssignmentFromTheHiringDate puts worker_grids back as
// it stood before migration 015, without dates, and runs the migration again: every
// assignment then holds since its worker was hired, and none has ended.
func TestMigration015_DatesEveryAssignmentFromTheHiringDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		chen := hire(t, s, "陈丽", "022", "2011-07-01", orgtest.Grid, orgtest.GridB)
		huang := hire(t, s, "黄强", "031", "2001-03-01", orgtest.Grid)
		for _, stmt := range []string{
			`DROP TABLE worker_grids`,
			`CREATE TABLE worker_grids (
				worker_id TEXT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
				grid_code TEXT NOT NULL REFERENCES org_units (code),
				PRIMARY KEY (worker_id, grid_code))`,
			`CREATE INDEX worker_grids_grid ON worker_grids (grid_code)`,
			`INSERT INTO worker_grids (worker_id, grid_code) VALUES ('` + chen.ID + `', '` + orgtest.Grid + `'), ('` + chen.ID + `', '` +
				orgtest.GridB + `'), ('` + huang.ID + `', '` + orgtest.Grid + `')`,
			`DELETE FROM schema_migrations WHERE version = 15`,
		} {
			if _, err := d.Write().ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			w    staff.Worker
			want []staff.Assignment
		}{
			{chen, []staff.Assignment{{WorkerID: chen.ID, GridCode: orgtest.Grid, AssignedOn: "2011-07-01"},
				{WorkerID: chen.ID, GridCode: orgtest.GridB, AssignedOn: "2011-07-01"}}},
			{huang, []staff.Assignment{{WorkerID: huang.ID, GridCode: orgtest.Grid, AssignedOn: "2001-03-01"}}},
		} {
			if got, err := s.Assignments(ctx, district, tc.w.ID); err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s: %+v %v, want %+v", tc.w.Name, got, err, tc.want)
			}
		}
		if _, err := s.EndAssignment(ctx, community, chen.ID, orgtest.Grid, staff.EndInput{EndedOn: "2011-07-01"}); err != nil {
			t.Errorf("the migrated table takes a change: %v", err)
		}
	})
}

// TestMigration017_EachEducationGroupBecomesItsLevelsCode puts workers' education
// back as the six group keys it was before migration 017, and the dictionary as it
// stood, and runs the migration again: every worker holds the GB/T 4658 code of
// their group's level, as the workforce now reads a group typed (so the roster's
// profiles are what they were), and a worker holding a code already keeps it.
func TestMigration017_EachEducationGroupBecomesItsLevelsCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		groups := []string{"postgraduate", "bachelor", "junior_college", "technical_secondary", "senior_high", "junior_middle_or_below"}
		want := []string{"10", "20", "30", "40", "60", "70"}
		var ids []string
		for i, g := range groups {
			in := worker("社工"+g, "19900101", fmt.Sprintf("%03d", 11+2*i))
			in.Education = g
			w, err := s.Create(ctx, district, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, w.ID)
		}
		kept := hire(t, s, "已有代码", "041", "2011-07-01")
		before, err := s.Roster(ctx, district, orgtest.Community, staff.Filter{AsOf: staff.Current}, 1, 20)
		if err != nil {
			t.Fatal(err)
		}
		stmts := []string{
			`ALTER TABLE dictionary_entries DROP COLUMN name_en`,
			`ALTER TABLE dictionary_entries DROP COLUMN retired_on`,
			`DELETE FROM schema_migrations WHERE version = 17`,
		}
		for i, g := range groups {
			stmts = append(stmts, `UPDATE workers SET education = '`+g+`' WHERE id = '`+ids[i]+`'`)
		}
		for _, stmt := range stmts {
			if _, err := d.Write().ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			w, err := s.Worker(ctx, district, id)
			if err != nil || w.Education != want[i] || w.EducationGroup != groups[i] {
				t.Errorf("%s became %q (%s) %v, want %s", groups[i], w.Education, w.EducationGroup, err, want[i])
			}
		}
		if w, err := s.Worker(ctx, district, kept.ID); err != nil || w.Education != "21" {
			t.Errorf("a code already kept became %q %v", w.Education, err)
		}
		after, err := s.Roster(ctx, district, orgtest.Community, staff.Filter{AsOf: staff.Current}, 1, 20)
		byCode := func(a, b staff.Profile) int { return strings.Compare(a.Education, b.Education) }
		slices.SortFunc(before.Profiles, byCode)
		slices.SortFunc(after.Profiles, byCode)
		if err != nil || !slices.Equal(after.Profiles, before.Profiles) {
			t.Errorf("profiles %+v %v, were %+v", after.Profiles, err, before.Profiles)
		}
	})
}
