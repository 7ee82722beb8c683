package sheet_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/sheet"
)

// fuzzLimits are small enough for the fuzzer to reach, so that it tries the limits'
// checks as well as what lies within them.
var fuzzLimits = sheet.Limits{Columns: 8, CellBytes: 64, Rows: 40}

// FuzzCSV feeds any bytes to the CSV reader: it may refuse them, but must not panic,
// and what it returns must hold to the Reader contract and to fuzzLimits.
func FuzzCSV(f *testing.F) {
	f.Add([]byte(registerCSV(f)))
	f.Add(gb18030(f, registerCSV(f)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := sheet.Open(writeFile(t, "f.csv", data), sheet.CSV, sheet.Options{Limits: fuzzLimits})
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("Open: %v, want an Invalid error", err)
			}
			return
		}
		defer func() { _ = r.Close() }()
		checkCells(t, r.Header())
		last := 1
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			var e *apperr.Error
			if errors.As(err, &e) && (e.Key == "sheet.mixed_encoding" || e.Key == "sheet.invalid_gb18030") {
				continue
			}
			if err != nil {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("Next: %v, want an Invalid error", err)
				}
				break
			}
			if row.Line <= last || row.Line > fuzzLimits.Rows {
				t.Fatalf("row %d after row %d", row.Line, last)
			}
			last = row.Line
			checkCells(t, row.Cells)
			if p := r.Progress(); p < 0 || p > 1 {
				t.Fatalf("Progress() = %v", p)
			}
		}
	})
}

// checkCells checks that a row holds trimmed UTF-8 within fuzzLimits and is not all
// empty.
func checkCells(t *testing.T, cells []string) {
	t.Helper()
	filled := false
	if len(cells) > fuzzLimits.Columns {
		t.Fatalf("%d cells, over the limit", len(cells))
	}
	for _, c := range cells {
		if !utf8.ValidString(c) || c != strings.TrimSpace(c) || len(c) > fuzzLimits.CellBytes {
			t.Fatalf("cell %q", c)
		}
		filled = filled || c != ""
	}
	if !filled {
		t.Fatalf("empty row %q", cells)
	}
}

// FuzzXLSX feeds any bytes to the workbook reader: excelize must not bring it down.
func FuzzXLSX(f *testing.F) {
	valid := book(f, "名单", register(), "统计", register())
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := sheet.Open(writeFile(t, "f.xlsx", data), sheet.XLSX, sheet.Options{})
		if err != nil {
			return
		}
		defer func() { _ = r.Close() }()
		for range 10_000 {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

// FuzzXLSXSheet puts any bytes in a valid workbook as its first sheet, so the
// fuzzer gets past the zip's checksums to excelize's handling of the sheet's XML.
func FuzzXLSXSheet(f *testing.F) {
	valid := book(f, "名单", register())
	f.Add(zipEntry(f, valid, "xl/worksheets/sheet1.xml"))
	f.Add([]byte(`<worksheet><sheetData><row r="3"><c r="B3" t="s"><v>99</v></c></row><row r="2"></row></sheetData></worksheet>`))
	f.Add([]byte(`<worksheet><sheetData><row><c t="inlineStr"><is><t>a</t></is></c></row><row r="1048577"/></sheetData></worksheet>`))
	f.Fuzz(func(t *testing.T, sheetXML []byte) {
		data := replaceZipEntry(t, valid, "xl/worksheets/sheet1.xml", sheetXML)
		r, err := sheet.Open(writeFile(t, "f.xlsx", data), sheet.XLSX, sheet.Options{Limits: fuzzLimits})
		if err != nil {
			return
		}
		defer func() { _ = r.Close() }()
		checkCells(t, r.Header())
		last := 0
		for range 10_000 {
			row, err := r.Next()
			if err != nil {
				return
			}
			if row.Line <= last || row.Line > fuzzLimits.Rows {
				t.Fatalf("row %d after row %d", row.Line, last)
			}
			last = row.Line
			checkCells(t, row.Cells)
		}
	})
}

// zipEntry returns the content of the file called name in the zip archive data.
func zipEntry(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	content, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// replaceZipEntry returns the zip archive data with the file called name replaced.
func replaceZipEntry(t testing.TB, data []byte, name string, content []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, file := range zr.File {
		w, err := zw.Create(file.Name)
		if err != nil {
			t.Fatal(err)
		}
		if file.Name == name {
			_, err = w.Write(content)
		} else {
			err = copyZipFile(w, file)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func copyZipFile(w io.Writer, file *zip.File) error {
	rc, err := file.Open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	_, err = io.Copy(w, rc)
	return err
}

// FuzzParseDate checks that whatever ParseDate accepts is a day at UTC midnight,
// and that the day written out reads back the same.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2013-05-20", "2013年5月20日", "41414.5", "2013/5/20 0:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := sheet.ParseDate(s)
		if err != nil {
			return
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("%q = %v, want UTC midnight", s, d)
		}
		again, err := sheet.ParseDate(d.Format(time.DateOnly))
		if err != nil || !again.Equal(d) {
			t.Fatalf("%q = %v, which reads back as %v %v", s, d, again, err)
		}
	})
}

// FuzzGB18030 reads any bytes as a GB18030 file and as one whose encoding is
// detected: the file's own U+FFFD must come through, invalid bytes must be an error
// naming their row and column and never U+FFFD, and a file x/text decodes without
// U+FFFD must read as x/text decodes it.
func FuzzGB18030(f *testing.F) {
	f.Add(gb18030(f, registerCSV(f)))
	f.Add([]byte("a,b\n\x84\x31\xA4\x37,\xFF\n\xA1\x43,\x81\x30\n"))
	f.Add([]byte("\xEF\xBB\xBFa\n\xE4\xB8"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, enc := range []sheet.Encoding{sheet.GB18030, sheet.Auto} {
			r, err := sheet.Open(writeFile(t, "f.csv", data), sheet.CSV, sheet.Options{Encoding: enc, Limits: fuzzLimits})
			if err != nil {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("Open: %v, want an Invalid error", err)
				}
				continue
			}
			if got := r.Encoding(); got != sheet.UTF8 && got != sheet.GB18030 || enc != sheet.Auto && got != enc {
				t.Fatalf("Encoding() = %s reading as %s", got, enc)
			}
			if r.Encoding() == sheet.GB18030 {
				checkGB18030(t, data, r)
			}
			_ = r.Close()
		}
	})
}

// checkGB18030 reads r, a GB18030 file of data, to its end.
func checkGB18030(t *testing.T, data []byte, r sheet.Reader) {
	t.Helper()
	want, _ := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	clean := !bytes.Contains(want, []byte("\uFFFD")) || bytes.Count(want, []byte("\uFFFD")) == bytes.Count(data, []byte("\x84\x31\xA4\x37"))
	var got []string
	got = append(got, r.Header()...)
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var e *apperr.Error
		if errors.As(err, &e) && e.Key == "sheet.invalid_gb18030" {
			if clean {
				t.Fatalf("%v in a file x/text decodes cleanly", err)
			}
			if _, ok := e.Args["column"].(string); !ok {
				t.Fatalf("%v names no column", err)
			}
			continue
		}
		if err != nil {
			return
		}
		got = append(got, row.Cells...)
	}
	for _, c := range got {
		if strings.ContainsRune(c, utf8.RuneError) && !bytes.Contains(data, []byte("\x84\x31\xA4\x37")) {
			t.Fatalf("cell %q holds U+FFFD the file does not", c)
		}
	}
}
