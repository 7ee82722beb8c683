package transfer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/transfer"
)

// An org file's office areas may carry two decimals, a unit, full-width digits,
// and the binary noise a workbook adds to a decimal: each is stored to the
// hundredth of a square metre.
func TestImport_OrgAreasWithTwoDecimals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Org, csvFile(t, orgHeader,
			"450403001002,东城社区,社区,"+orgtest.Street+",2012,149.5,5",
			"450403001003,西城社区,社区,"+orgtest.Street+",2012,149.50 ㎡,5",
			"450403001004,北城社区,社区,"+orgtest.Street+",2012,１５０,5",
			"450403001005,南城社区,社区,"+orgtest.Street+",2012,149.44999999999999,5",
			"450403001006,中城社区,社区,"+orgtest.Street+",2012,,5",
		), transfer.Options{})
		if !res.OK() || res.Inserted != 5 {
			t.Fatalf("result: %+v", res)
		}
		for code, want := range map[string]string{"450403001002": "14950", "450403001003": "14950", "450403001004": "15000",
			"450403001005": "14945", "450403001006": "none"} {
			if got := query(t, d, `SELECT COALESCE(CAST(office_area_dm2 AS TEXT), 'none') FROM org_units WHERE code = $1`, code); got != want {
				t.Errorf("%s: stored %s hundredths of a m², want %s", code, got, want)
			}
		}
	})
}

// A workbook's number cell holds an area as a number, not as text.
func TestImport_OrgAreaFromAWorkbookNumberCell(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		f := excelize.NewFile()
		defer f.Close()
		var header []any
		for _, h := range strings.Split(orgHeader, ",") {
			header = append(header, h)
		}
		rows := [][]any{header, {"450403001002", "东城社区", "社区", orgtest.Street, 2012, 149.5, 5}}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		res := importAs(t, svc, auth.System(), transfer.Org, writeFile(t, "org.xlsx", buf.Bytes()), transfer.Options{})
		if !res.OK() || res.Inserted != 1 {
			t.Fatalf("result: %+v", res)
		}
		if got := query(t, d, `SELECT CAST(office_area_dm2 AS TEXT) FROM org_units WHERE code = '450403001002'`); got != "14950" {
			t.Errorf("stored %s", got)
		}
	})
}

// Bad input: an area with three decimals, a negative one or one that is not a
// number is a problem naming its row and column, and nothing is written.
func TestImport_OrgAreaOfThreeDecimalsOrNegativeIsAProblemOnItsRowAndColumn(t *testing.T) {
	for cell, key := range map[string]string{"149.505": "area.decimals", "-20": "area.negative", "约150": "area.format", "20000000": "area.too_large"} {
		t.Run(key, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				svc := seed(t, d)
				before := rowCounts(t, d)
				res := importAs(t, svc, auth.System(), transfer.Org, csvFile(t, orgHeader,
					"450403001002,东城社区,社区,"+orgtest.Street+",2012,150,5",
					"450403001003,西城社区,社区,"+orgtest.Street+",2012,"+cell+",5",
				), transfer.Options{})
				refused(t, res)
				assertUnchanged(t, d, before)
				if p, ok := problem(t, res, 3, "办公用房面积", key); ok && p.Value != cell {
					t.Errorf("value %q, want %q", p.Value, cell)
				}
				if len(res.Problems) != 1 {
					t.Errorf("problems %+v, want the one", res.Problems)
				}
			})
		})
	}
}

// The export writes an area with its two decimals, and reads back the same.
func TestExport_OrgAreasWithTwoDecimals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		if _, err := d.Write().ExecContext(t.Context(), `UPDATE org_units SET office_area_dm2 = 14950 WHERE code = $1`, orgtest.Community); err != nil {
			t.Fatal(err)
		}
		out, _ := exportCSV(t, svc, auth.System(), transfer.Org, "zh-CN")
		for _, want := range []string{orgtest.Community + ",东兴社区,社区," + orgtest.Street + ",2001,149.50,8", ",320.00,"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("export lacks %q:\n%s", want, out)
			}
		}
		res := importAs(t, svc, auth.System(), transfer.Org, writeFile(t, "org.csv", out), transfer.Options{})
		if !res.OK() || res.Updated != 0 || res.Inserted != 0 {
			t.Errorf("re-importing the export: %+v", res)
		}
	})
}
