package sheet_test

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shequ/internal/platform/sheet"
)

// book writes sheets, each a name and its rows, with Book and returns the file.
func book(t testing.TB, sheets ...any) []byte {
	t.Helper()
	b := sheet.NewBook()
	defer func() { _ = b.Close() }()
	for i := 0; i < len(sheets); i += 2 {
		w, err := b.Sheet(sheets[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range sheets[i+1].([][]string) {
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// saveExcelize saves a workbook built with excelize itself, as Excel would write it.
func saveExcelize(t testing.TB, f *excelize.File) string {
	t.Helper()
	path := writeFile(t, "book.xlsx", nil)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestXLSX_BookReadsBackCellForCell(t *testing.T) {
	path := writeFile(t, "名单.xlsx", book(t, "名单", register()))
	r := open(t, path, sheet.XLSX, sheet.Options{})
	if r.Encoding() != "" {
		t.Errorf("Encoding() = %q, want none", r.Encoding())
	}
	want := withoutTrailingBlanks(register())
	if got := r.Header(); !reflect.DeepEqual(got, want[0]) {
		t.Errorf("Header() = %q", got)
	}
	rows := readAll(t, r)
	if got := cells(rows); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("rows = %q, want %q", got, want[1:])
	}
	for i, row := range rows {
		if row.Line != i+2 {
			t.Errorf("row %d has Line %d", i, row.Line)
		}
	}
}

func TestBook_WritesIDNumbersAsText(t *testing.T) {
	ids := [][]string{{"公民身份号码"}, {"45040319800101001X"}, {"450403198001010011"}, {"007"}}
	path := writeFile(t, "a.xlsx", book(t, "名单", ids))

	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	for _, cell := range []string{"A2", "A3", "A4"} {
		typ, err := f.GetCellType("名单", cell)
		if err != nil || typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v %v, want an inline string", cell, typ, err)
		}
	}

	r := open(t, path, sheet.XLSX, sheet.Options{})
	if got := cells(readAll(t, r)); !reflect.DeepEqual(got, ids[1:]) {
		t.Errorf("rows = %q, want %q", got, ids[1:])
	}
}

func TestBook_BoldsTheHeaderAndSizesColumns(t *testing.T) {
	path := writeFile(t, "a.xlsx", book(t, "名单", register()))
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	style, err := f.GetCellStyle("名单", "A1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(style)
	if err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style %+v %v, want bold", s, err)
	}
	// 18 digits of ID number, and a margin.
	if w, err := f.GetColWidth("名单", "B"); err != nil || w < 18 || w > 30 {
		t.Errorf("ID column width %v %v", w, err)
	}
}

func TestBook_WritesSeveralSheetsInTurn(t *testing.T) {
	b := sheet.NewBook()
	defer func() { _ = b.Close() }()
	first, err := b.Sheet("名单")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Write([]string{"姓名"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sheet("名单"); err == nil {
		t.Error("a second sheet of the same name was accepted")
	}
	second, err := b.Sheet("统计")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Write([]string{"张三"}); err == nil {
		t.Error("wrote to a sheet after starting the next")
	}
	if err := second.Write([]string{"合计"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"名单", "统计"}) {
		t.Errorf("sheets %q", got)
	}
}

func TestBook_RefusesSheetNamesExcelRefuses(t *testing.T) {
	b := sheet.NewBook()
	defer func() { _ = b.Close() }()
	for _, name := range []string{"", "名单/统计", "[名单]", strings.Repeat("名", 32)} {
		if _, err := b.Sheet(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	if _, err := b.Sheet("名单"); err != nil {
		t.Errorf("a good name after bad ones: %v", err)
	}
}

func TestXLSX_DateCellReadsAsASerialThatParseDateTurnsBack(t *testing.T) {
	f := excelize.NewFile()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yyyy, as Excel shows dates
	if err != nil {
		t.Fatal(err)
	}
	born := time.Date(2013, 5, 20, 0, 0, 0, 0, time.UTC)
	for cell, v := range map[string]any{"A1": "姓名", "B1": "出生日期", "A2": "张三", "B2": born} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellStyle("Sheet1", "B2", "B2", dateStyle); err != nil {
		t.Fatal(err)
	}
	r := open(t, saveExcelize(t, f), sheet.XLSX, sheet.Options{})
	rows := readAll(t, r)
	if len(rows) != 1 || rows[0].Cells[1] != "41414" {
		t.Fatalf("rows = %v, want the serial 41414", rows)
	}
	if got, err := sheet.ParseDate(rows[0].Cells[1]); err != nil || !got.Equal(born) {
		t.Errorf("ParseDate = %v %v, want %v", got, err, born)
	}
}

func TestXLSX_ReadsTheSheetNamed(t *testing.T) {
	stats := [][]string{{"网格", "户数"}, {"第一网格", "236"}}
	path := writeFile(t, "a.xlsx", book(t, "名单", register(), "统计", stats, "Stats", stats))
	for _, name := range []string{"统计", "stats"} { // Excel's sheet names ignore case
		r := open(t, path, sheet.XLSX, sheet.Options{Sheet: name})
		if got := append([][]string{r.Header()}, cells(readAll(t, r))...); !reflect.DeepEqual(got, stats) {
			t.Errorf("%s: %q", name, got)
		}
	}
}

func TestXLSX_MissingSheetListsThoseThereAre(t *testing.T) {
	path := writeFile(t, "a.xlsx", book(t, "名单", register(), "统计", register()))
	_, err := sheet.Open(path, sheet.XLSX, sheet.Options{Sheet: "Sheet1"})
	wantError(t, err, "sheet.no_sheet", map[string]any{"sheet": "Sheet1", "sheets": "名单、统计"})
}

func TestXLSX_TruncatedFileIsNotAWorkbook(t *testing.T) {
	data := book(t, "名单", register())
	_, err := sheet.Open(writeFile(t, "a.xlsx", data[:len(data)/2]), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.not_xlsx", nil)
}

func TestXLSX_RenamedTextFileIsNotAWorkbook(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", []byte(registerCSV(t))), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.not_xlsx", nil)
}

func TestXLSX_EmptyFileIsNotAWorkbook(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", nil), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.not_xlsx", nil)
}

func TestXLSX_SheetWithNoRowsIsEmpty(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", book(t, "名单", [][]string{{"", " "}})), sheet.XLSX, sheet.Options{})
	wantError(t, err, "sheet.empty", nil)
}

func TestXLSX_MissingFileIsNotTheUsersFault(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.xlsx", nil)+".gone", sheet.XLSX, sheet.Options{})
	if !os.IsNotExist(err) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestXLSX_LineIsTheRowNumberExcelShowsAcrossBlankRows(t *testing.T) {
	f := excelize.NewFile()
	// Row 1 and 2 are left out of the file, row 4 is there but holds only a styled
	// blank cell and spaces, rows 5 and 6 are left out.
	for cell, v := range map[string]string{"A3": "姓名", "B3": "备注", "A4": " ", "A7": "张三", "B9": "李四的备注"} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err := f.SetCellStyle("Sheet1", "B4", "B4", bold); err != nil {
		t.Fatal(err)
	}
	r := open(t, saveExcelize(t, f), sheet.XLSX, sheet.Options{})
	if got := r.Header(); !reflect.DeepEqual(got, []string{"姓名", "备注"}) {
		t.Errorf("Header() = %q", got)
	}
	want := []sheet.Row{{Line: 7, Cells: []string{"张三"}}, {Line: 9, Cells: []string{"", "李四的备注"}}}
	if got := readAll(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
}

func TestXLSX_ProgressIsUnknownWithoutDeclaredRows(t *testing.T) {
	r := open(t, writeFile(t, "a.xlsx", book(t, "名单", register())), sheet.XLSX, sheet.Options{})
	if p := r.Progress(); p != 0 {
		t.Errorf("Progress() = %v, want 0", p)
	}
	readAll(t, r)
	if p := r.Progress(); p != 1 {
		t.Errorf("Progress() at the end = %v, want 1", p)
	}
}

func TestXLSX_ProgressFollowsTheDeclaredRows(t *testing.T) {
	f := excelize.NewFile()
	for i := 1; i <= 100; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := f.SetCellValue("Sheet1", cell, i); err != nil {
			t.Fatal(err)
		}
	}
	// Excel and WPS declare the range a sheet uses; excelize leaves it at "A1".
	if err := f.SetSheetDimension("Sheet1", "A1:A100"); err != nil {
		t.Fatal(err)
	}
	r := open(t, saveExcelize(t, f), sheet.XLSX, sheet.Options{})
	if p := r.Progress(); p != 0.01 {
		t.Errorf("Progress() after the header = %v, want 0.01", p)
	}
	for range 49 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if p := r.Progress(); p != 0.5 {
		t.Errorf("Progress() half way = %v, want 0.5", p)
	}
	readAll(t, r)
	if p := r.Progress(); p != 1 {
		t.Errorf("Progress() at the end = %v, want 1", p)
	}
}
