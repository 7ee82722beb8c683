package transfer_test

import (
	"context"
	"slices"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/staff"
	"shequ/internal/transfer"
)

// TestImport_StaffGridsCarryTheirDates: a new worker's grids hold from the day they
// were hired; a file that lists other grids for a worker already kept ends the
// grids left out on the day of the import and assigns the new ones from it; and a
// hiring date after an assignment began is a problem of the row.
func TestImport_StaffGridsCarryTheirDates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		row := func(hired, grids string) string {
			return "刘洋," + idLiu + "," + orgtest.Community + ",委员,大专," + hired + ",," + grids
		}
		history := func() []staff.Assignment {
			id := query(t, d, `SELECT id FROM workers WHERE id_number_bidx = $1`, bidx(d, idLiu))
			as, err := staff.Assignments(context.Background(), d.Read(), id)
			if err != nil {
				t.Fatal(err)
			}
			for i := range as {
				as[i].WorkerID = ""
			}
			return as
		}
		if res := importAs(t, svc, auth.System(), transfer.Staff, csvFile(t, staffHeader, row("2015-09-01", orgtest.GridB)), transfer.Options{}); !res.OK() {
			t.Fatalf("new worker: %+v", res)
		}
		if got, want := history(), []staff.Assignment{{GridCode: orgtest.GridB, AssignedOn: "2015-09-01"}}; !slices.Equal(got, want) {
			t.Errorf("new worker's grids %+v, want %+v", got, want)
		}
		res := importAs(t, svc, auth.System(), transfer.Staff, csvFile(t, staffHeader, row("2015-09-01", orgtest.Grid)), transfer.Options{})
		if !res.OK() || res.Updated != 1 {
			t.Fatalf("other grids: %+v", res)
		}
		want := []staff.Assignment{{GridCode: orgtest.GridB, AssignedOn: "2015-09-01", EndedOn: "2026-11-27"}, {GridCode: orgtest.Grid, AssignedOn: "2026-11-27"}}
		if got := history(); !slices.Equal(got, want) {
			t.Errorf("after other grids %+v, want %+v", got, want)
		}
		res = importAs(t, svc, auth.System(), transfer.Staff, csvFile(t, staffHeader, row("2016-01-01", orgtest.Grid)), transfer.Options{})
		refused(t, res)
		if p, ok := problem(t, res, 2, "入职日期", "worker.hired_after_assignment"); ok && !argIs(p, "date", "2015-09-01") {
			t.Errorf("problem %+v", p)
		}
	})
}
