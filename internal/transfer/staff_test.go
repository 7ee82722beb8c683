package transfer_test

import (
	"context"
	"slices"
	"strings"
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

// TestExport_StaffEducationByNameWithItsCodeBeside: a worker's 学历 leaves as its
// GB/T 4658 name with the code in the column beside it, in English too (the table's
// names are proper terms), and a sheet of the old six groups, read back, says the
// same as one of codes.
func TestExport_StaffEducationByNameWithItsCodeBeside(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		for lang, want := range map[string]string{
			"zh-CN": "陈静," + idChen + "," + orgtest.Community + ",网格员,大学本科毕业,21,2013-05-20,",
			"en":    "陈静," + idChen + "," + orgtest.Community + ",grid_worker,大学本科毕业,21,2013-05-20,",
		} {
			if got, _ := exportCSV(t, svc, communityUser, transfer.Staff, lang); !strings.Contains(string(got), want) {
				t.Errorf("%s export lacks %s:\n%s", lang, want, got)
			}
		}
		old := csvFile(t, staffHeader, "刘洋,"+idLiu+","+orgtest.Community+",委员,本科,2015-09-01,,")
		if res := importAs(t, svc, auth.System(), transfer.Staff, old, transfer.Options{}); !res.OK() || res.Inserted != 1 {
			t.Fatalf("result: %+v", res)
		}
		got, _ := exportCSV(t, svc, auth.System(), transfer.Staff, "zh-CN")
		if want := ",委员,大学本科教育,20,2015-09-01,"; !strings.Contains(string(got), want) {
			t.Errorf("本科 exported without %s:\n%s", want, got)
		}
	})
}
