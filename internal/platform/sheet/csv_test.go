package sheet_test

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"shequ/internal/platform/sheet"
)

// registerCSV is register() as CSV text, quoted where it must be.
func registerCSV(t testing.TB) string {
	t.Helper()
	var b bytes.Buffer
	w := sheet.NewCSV(&b)
	for _, row := range register() {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(b.String(), "\uFEFF")
}

func TestCSV_ReadsTheSameRowsInEveryEncodingExcelWrites(t *testing.T) {
	text := registerCSV(t)
	for _, tc := range []struct {
		name string
		data []byte
		want sheet.Encoding
	}{
		{"utf-8 with BOM", append([]byte("\uFEFF"), text...), sheet.UTF8},
		{"utf-8", []byte(text), sheet.UTF8},
		{"gb18030", gb18030(t, text), sheet.GB18030},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := open(t, writeFile(t, "名单.csv", tc.data), sheet.CSV, sheet.Options{})
			if r.Encoding() != tc.want {
				t.Errorf("Encoding() = %s, want %s", r.Encoding(), tc.want)
			}
			if got := r.Header(); !reflect.DeepEqual(got, register()[0]) {
				t.Errorf("Header() = %q", got)
			}
			rows := readAll(t, r)
			if got := cells(rows); !reflect.DeepEqual(got, register()[1:]) {
				t.Errorf("rows = %q", got)
			}
			for i, row := range rows {
				if row.Line != i+2 {
					t.Errorf("row %d has Line %d, want %d", i, row.Line, i+2)
				}
			}
		})
	}
}

func TestCSV_GivenEncodingOverridesDetection(t *testing.T) {
	text := registerCSV(t)

	// UTF-8 read as GB18030 holds bytes that are not GB18030.
	_, err := sheet.Open(writeFile(t, "a.csv", []byte(text)), sheet.CSV, sheet.Options{Encoding: sheet.GB18030})
	wantError(t, err, "sheet.invalid_gb18030", map[string]any{"row": 1})

	_, err = sheet.Open(writeFile(t, "b.csv", gb18030(t, text)), sheet.CSV, sheet.Options{Encoding: sheet.UTF8})
	wantError(t, err, "sheet.mixed_encoding", map[string]any{"row": 1})
}

func TestCSV_TrimsCellsAndTheHeader(t *testing.T) {
	data := "\uFEFF 姓名 ,\t电话\r\n  张三\u3000, 13812345678 \r\n"
	r := open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	if got := r.Header(); !reflect.DeepEqual(got, []string{"姓名", "电话"}) {
		t.Errorf("Header() = %q", got)
	}
	if got := cells(readAll(t, r)); !reflect.DeepEqual(got, [][]string{{"张三", "13812345678"}}) {
		t.Errorf("rows = %q", got)
	}
}

func TestCSV_KeepsRaggedRowsAsTheyAre(t *testing.T) {
	data := "a,b,c\n1\n1,2,3,4\n"
	r := open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	want := [][]string{{"1"}, {"1", "2", "3", "4"}}
	if got := cells(readAll(t, r)); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

func TestCSV_LineIsTheRowExcelShows(t *testing.T) {
	// Excel shows the blank line as row 3, the cell with a line break in it as one row
	// (4), and the row of empty cells as row 5.
	data := "\n姓名,备注\n\n张三,\"第一行\n第二行\"\n,,\n李四,\n"
	r := open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	if got := r.Header(); !reflect.DeepEqual(got, []string{"姓名", "备注"}) {
		t.Errorf("Header() = %q", got)
	}
	var lines []int
	for _, row := range readAll(t, r) {
		lines = append(lines, row.Line)
	}
	if want := []int{4, 6}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

func TestCSV_HeaderOnlyHasNoRows(t *testing.T) {
	r := open(t, writeFile(t, "a.csv", []byte("姓名,电话\n\n,,\n")), sheet.CSV, sheet.Options{})
	if len(r.Header()) != 2 {
		t.Errorf("Header() = %q", r.Header())
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next() = %v, want io.EOF", err)
	}
	if p := r.Progress(); p != 1 {
		t.Errorf("Progress() at the end = %v, want 1", p)
	}
}

func TestCSV_EmptyFileIsAnError(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.csv", nil), sheet.CSV, sheet.Options{})
	wantError(t, err, "sheet.empty", nil)
}

func TestCSV_FileOfBlankLinesIsAnError(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.csv", []byte("\uFEFF\r\n , \r\n\r\n")), sheet.CSV, sheet.Options{})
	wantError(t, err, "sheet.empty", nil)
}

func TestCSV_StrayQuoteNamesRowAndColumn(t *testing.T) {
	data := "姓名,住址,备注\n张三,1 号,\n李四,\"2\" 号,\n王五,3 号,\n"
	r := open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	if _, err := r.Next(); err != nil {
		t.Fatalf("row before the quote: %v", err)
	}
	_, err := r.Next()
	wantError(t, err, "sheet.csv_syntax", map[string]any{"row": 3, "column": "B"})
	_, again := r.Next()
	wantError(t, again, "sheet.csv_syntax", map[string]any{"row": 3})
}

func TestCSV_QuoteInsideUnquotedCellIsAnError(t *testing.T) {
	data := "姓名,备注\n\"多\n行\",ok\n张三,说\"好\"\n"
	r := open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	if _, err := r.Next(); err != nil {
		t.Fatalf("row before the quote: %v", err)
	}
	_, err := r.Next()
	wantError(t, err, "sheet.csv_syntax", map[string]any{"row": 3, "column": "B"})
}

func TestCSV_UnclosedQuoteIsAnError(t *testing.T) {
	data := "姓名,备注\n张三,\"没有结束\n李四,x\n"
	r := open(t, writeFile(t, "a.csv", []byte(data)), sheet.CSV, sheet.Options{})
	_, err := r.Next()
	wantError(t, err, "sheet.csv_syntax", map[string]any{"row": 2, "column": "B"})
}

func TestCSV_StrayQuoteInHeaderFailsOpen(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.csv", []byte("姓\"名,电话\n")), sheet.CSV, sheet.Options{})
	wantError(t, err, "sheet.csv_syntax", map[string]any{"row": 1, "column": "A"})
}

func TestCSV_GB18030RowInUTF8FileIsAnErrorNamingTheRow(t *testing.T) {
	// The bad row is the third, well inside the sample encoding detection looks at:
	// the UTF-8 header decides.
	var data []byte
	data = append(data, "姓名,住址\n张三,1 号\n"...)
	data = append(data, gb18030(t, "李四,2 号\n")...)
	data = append(data, "王五,3 号\n"...)
	r := open(t, writeFile(t, "a.csv", data), sheet.CSV, sheet.Options{})
	if r.Encoding() != sheet.UTF8 {
		t.Fatalf("Encoding() = %s, want utf-8", r.Encoding())
	}
	if row, err := r.Next(); err != nil || row.Cells[0] != "张三" {
		t.Fatalf("first row: %v %v", row, err)
	}
	_, err := r.Next()
	wantError(t, err, "sheet.mixed_encoding", map[string]any{"row": 3})
	row, err := r.Next()
	if err != nil || row.Line != 4 || row.Cells[0] != "王五" {
		t.Errorf("the row after the bad one: %v %v, want row 4 王五", row, err)
	}
}

func TestCSV_GB18030RowPastTheSampleIsAnErrorNamingTheRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("姓名,住址\n")
	for i := range 3000 { // about 80 KiB
		fmt.Fprintf(&b, "居民%d,长洲区兴业路 %d 号\n", i, i)
	}
	data := append([]byte(b.String()), gb18030(t, "李四,2 号\n")...)
	if len(data) < 64<<10 {
		t.Fatalf("only %d bytes: the bad row must come after the sample", len(data))
	}
	r := open(t, writeFile(t, "a.csv", data), sheet.CSV, sheet.Options{})
	for range 3000 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := r.Next()
	wantError(t, err, "sheet.mixed_encoding", map[string]any{"row": 3002})
}

func TestCSV_GB18030FileWithASCIIHeaderIsGB18030(t *testing.T) {
	data := gb18030(t, "name,address\n张三,长洲区\n")
	r := open(t, writeFile(t, "a.csv", data), sheet.CSV, sheet.Options{})
	if r.Encoding() != sheet.GB18030 {
		t.Errorf("Encoding() = %s, want gb18030", r.Encoding())
	}
	if got := cells(readAll(t, r)); !reflect.DeepEqual(got, [][]string{{"张三", "长洲区"}}) {
		t.Errorf("rows = %q", got)
	}
}

func TestCSV_UTF16IsRefused(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.csv", []byte("\xFF\xFEa\x00,\x00b\x00")), sheet.CSV, sheet.Options{})
	wantError(t, err, "sheet.utf16", nil)
}

func TestCSV_ProgressGrowsToOne(t *testing.T) {
	var b strings.Builder
	b.WriteString("n\n")
	for i := range 50000 {
		fmt.Fprintf(&b, "%d\n", i)
	}
	r := open(t, writeFile(t, "a.csv", []byte(b.String())), sheet.CSV, sheet.Options{})
	last := r.Progress()
	if last <= 0 || last >= 1 {
		t.Errorf("Progress() after the header = %v", last)
	}
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		}
		p := r.Progress()
		if p < last || p > 1 {
			t.Fatalf("Progress() went from %v to %v", last, p)
		}
		last = p
	}
	if r.Progress() != 1 {
		t.Errorf("Progress() at the end = %v", r.Progress())
	}
}

func TestNewCSV_WritesUTF8WithBOMThatReadsBack(t *testing.T) {
	var b bytes.Buffer
	w := sheet.NewCSV(&b)
	rows := append(register(), []string{"赵六", "", "多\n行", `引"号`})
	for _, row := range rows {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\xEF\xBB\xBF姓名,")) {
		t.Fatalf("starts %q, want a BOM and the header", b.Bytes()[:12])
	}
	r := open(t, writeFile(t, "a.csv", b.Bytes()), sheet.CSV, sheet.Options{})
	if got := append([][]string{r.Header()}, cells(readAll(t, r))...); !reflect.DeepEqual(got, rows) {
		t.Errorf("read back %q", got)
	}
}
