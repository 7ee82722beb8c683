package transfer_test

import (
	"fmt"
	"strings"
	"testing"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/sheet"
	"shequ/internal/transfer"
)

// A sheet with columns of its own used to get a warning for each: a header of a
// million columns printed a million lines.
func TestImport_UnknownColumnsAreOneWarningListingTheFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		var extra, cells []string
		for i := range 100 {
			extra = append(extra, fmt.Sprintf("自定义%d", i))
			cells = append(cells, "x")
		}
		res := importAs(t, svc, auth.System(), transfer.Residents,
			csvFile(t, residentHeader+","+strings.Join(extra, ","), goodResident+","+strings.Join(cells, ",")), transfer.Options{})
		if !res.OK() || !res.Committed {
			t.Fatalf("result = %+v", res)
		}
		if len(res.Warnings) != 1 {
			t.Fatalf("%d warnings, want one for all the unknown columns", len(res.Warnings))
		}
		w := res.Warnings[0]
		listed, _ := w.Args["columns"].(string)
		if w.Key != "transfer.unknown_columns" || !argIs(w, "n", 100) ||
			!strings.HasPrefix(listed, "自定义0、自定义1、") || !strings.HasSuffix(listed, "自定义19…") {
			t.Errorf("warning = %+v", w)
		}
	})
}

func TestImport_ListsTheFirstProblemsOfEachKindAndCountsTheRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d).WithLimits(sheet.Limits{Problems: 2})
		rows := []string{residentHeader}
		for range 5 {
			rows = append(rows, "孙丽,"+idSun+",H002,户主,户籍,12345,")
		}
		for range 3 {
			rows = append(rows, ","+idSun+",H002,户主,户籍,,")
		}
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, rows...), transfer.Options{})
		refused(t, res)
		// 5 phones, 3 names and the ID number repeated 7 times.
		if res.ProblemCount != 15 || len(res.Problems) != 6 {
			t.Errorf("%d problems, %d listed; want 15 and 6: %+v", res.ProblemCount, len(res.Problems), res.Problems)
		}
		if res.Omitted["phone.format"] != 3 || res.Omitted["required"] != 1 || res.Omitted["transfer.duplicate"] != 5 || len(res.Omitted) != 3 {
			t.Errorf("omitted = %v, want 3 phone.format, 1 required and 5 transfer.duplicate", res.Omitted)
		}
	})
}

// Bytes that are not GB18030 used to be read as U+FFFD and imported into names.
func TestImport_ListsEveryRowWithBytesThatAreNotGB18030(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		data := gb18030(t, residentHeader+"\n"+goodResident+"\n")
		data = append(data, gb18030(t, "孙")...)
		data = append(data, 0xFF)
		data = append(data, gb18030(t, ","+idSun2+",H002,配偶,户籍,,\n刘")...)
		data = append(data, 0xA1, 0x43)
		data = append(data, gb18030(t, ","+idLiu+",H002,其他,户籍,,\n")...)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, writeFile(t, "in.csv", data), transfer.Options{})
		refused(t, res)
		for _, row := range []int{3, 4} {
			if p, ok := problem(t, res, row, "姓名", "sheet.invalid_gb18030"); ok && !argIs(p, "column", "A") {
				t.Errorf("row %d: args = %v, want column A", row, p.Args)
			}
		}
		if res.ProblemCount != 2 {
			t.Errorf("%d problems, want 2: %+v", res.ProblemCount, res.Problems)
		}
		assertUnchanged(t, d, before)
	})
}
