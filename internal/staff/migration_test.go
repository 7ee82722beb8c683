package staff_test

import (
	"context"
	"slices"
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
