package sheet_test

import (
	"runtime"
	"strings"
	"testing"

	"shequ/internal/platform/sheet"
)

// The limits of DefaultLimits, as the tests below expect them named in errors.
const (
	defaultColumns   = 256
	defaultCellBytes = 4096
)

func TestCSV_RefusesAHeaderOfAMillionColumnsWithoutBuildingIt(t *testing.T) {
	path := writeFile(t, "wide.csv", millionColumnsCSV())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := sheet.Open(path, sheet.CSV, sheet.Options{})
	runtime.ReadMemStats(&after)
	wantError(t, err, "sheet.too_many_columns", map[string]any{"row": 1, "max": defaultColumns})
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d KiB to refuse the header, want under 1 MiB", got>>10)
	}
}

func TestCSV_RefusesARowOfTooManyColumns(t *testing.T) {
	data := "姓名,住址\n张三,兴业路\n" + strings.Repeat("x,", defaultColumns) + "x\n"
	_, err := sheet.Open(writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	wantError(t, err, "sheet.too_many_columns", map[string]any{"row": 3, "max": defaultColumns})
}

func TestCSV_RefusesACellTooLongNamingItsRowAndColumn(t *testing.T) {
	long := strings.Repeat("长", 10<<20/3)
	for name, data := range map[string]string{
		"plain":  "姓名,住址\n张三,兴业路\n李四," + long + "\n",
		"quoted": "姓名,住址\n张三,兴业路\n李四,\"" + long + "\"\"\n\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sheet.Open(writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
			wantError(t, err, "sheet.cell_too_long", map[string]any{"row": 3, "column": "B", "max": defaultCellBytes})
		})
	}
}

func TestCSV_ReadsACellAtTheLimit(t *testing.T) {
	cell := strings.Repeat("a", defaultCellBytes-2) + `""`
	data := "姓名,备注\n张三,\"" + cell + "\"\n"
	rows := readAll(t, open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{}))
	if len(rows) != 1 || len(rows[0].Cells[1]) != defaultCellBytes-1 {
		t.Fatalf("rows = %d", len(rows))
	}
}

func TestCSV_RefusesAGB18030CellThatDecodesPastTheLimit(t *testing.T) {
	// 2,000 characters are 4,000 bytes of GB18030 and 6,000 of UTF-8.
	data := gb18030(t, "姓名,住址\n张三,"+strings.Repeat("长", 2000)+"\n")
	r := open(t, writeFile(t, "a.csv", data), sheet.CSV, sheet.Options{Encoding: sheet.GB18030})
	_, err := r.Next()
	wantError(t, err, "sheet.cell_too_long", map[string]any{"row": 2, "column": "B", "max": defaultCellBytes})
}

func TestCSV_RefusesTwelveMillionRowsBeforeTheFirst(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "long.csv", manyRowsCSV()), sheet.CSV, sheet.Options{})
	wantError(t, err, "sheet.too_many_rows", map[string]any{"max": 2_000_000})
}

func TestCSV_LimitsAreTheOperators(t *testing.T) {
	data := "姓名,住址\n张三,兴业路\n李四,兴业路\n"
	path := writeFile(t, "a.csv", []byte(data))
	for key, lim := range map[string]sheet.Limits{
		"sheet.too_many_rows":    {Rows: 2},
		"sheet.too_many_columns": {Columns: 1},
		"sheet.cell_too_long":    {CellBytes: 6},
	} {
		_, err := sheet.Open(path, sheet.CSV, sheet.Options{Limits: lim})
		wantError(t, err, key, nil)
	}
	open(t, path, sheet.CSV, sheet.Options{Limits: sheet.Limits{Rows: 3, Columns: 2, CellBytes: 9}})
}

func TestXLSX_RefusesASharedStringOf600MBBeforeUnpackingIt(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", hugeSharedCellXLSX(t)), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.xml_too_big", map[string]any{"max": int64(64)})
}

// A table of millions of one-letter shared strings stays under XMLBytes and still
// cost excelize 433 MB: it is refused by its count, which the limit bounds, and a
// table at the limit opens.
func TestXLSX_RefusesMoreSharedStringsThanTheLimit(t *testing.T) {
	lim := sheet.Limits{SharedStrings: 1000}
	_, err := sheet.Open(writeFile(t, "a.xlsx", tinySharedStringsXLSX(t, 1001)), sheet.XLSX, sheet.Options{Limits: lim})
	wantError(t, err, "sheet.too_many_shared_strings", map[string]any{"max": 1000})
	r, err := sheet.Open(writeFile(t, "b.xlsx", tinySharedStringsXLSX(t, 1000)), sheet.XLSX, sheet.Options{Limits: lim})
	if err != nil {
		t.Fatalf("a table at the limit: %v", err)
	}
	defer r.Close()
	if got := r.Header(); len(got) != 1 || got[0] != "a" {
		t.Errorf("header %q", got)
	}
}

func TestXLSX_RefusesACellOf600MBInTheSheetNamingIt(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", hugeInlineCellXLSX(t)), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.cell_too_long", map[string]any{"row": 2, "column": "A", "max": defaultCellBytes})
}

func TestXLSX_RefusesACellTooLongAsExcelizeReadsIt(t *testing.T) {
	long := strings.Repeat("a", defaultCellBytes+1)
	path := writeFile(t, "a.xlsx", book(t, "名单", [][]string{{"姓名", "备注"}, {"张三", "x"}, {"李四", long}}))
	r := open(t, path, sheet.XLSX, sheet.Options{})
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	wantError(t, err, "sheet.cell_too_long", map[string]any{"row": 3, "column": "B", "max": defaultCellBytes})
}

func TestXLSX_RefusesTwelveMillionRows(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", manyRowsXLSX(t)), sheet.XLSX, sheet.Options{Limits: sheet.Limits{Rows: 100_000}})
	wantError(t, err, "sheet.too_many_rows", map[string]any{"max": 100_000})
}

func TestXLSX_RefusesARowOfTooManyColumns(t *testing.T) {
	wide := make([]string, defaultColumns+1)
	wide[defaultColumns] = "x"
	path := writeFile(t, "a.xlsx", book(t, "名单", [][]string{{"姓名"}, {"张三"}, wide}))
	_, err := sheet.Open(path, sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.too_many_columns", map[string]any{"row": 3, "max": defaultColumns})
}

func TestXLSX_RefusesAZipBomb(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", zipBombXLSX(t)), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.unzip_too_big", map[string]any{"max": int64(1024)})
}

func TestXLSX_RefusesAZipBombThatLiesAboutItsSize(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", lyingZipBombXLSX(t)), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.not_xlsx", nil)
}
