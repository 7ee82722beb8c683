package sheet

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNeutralizeFormula_QuotesWhatASpreadsheetWouldRun(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"  =1+1", "'  =1+1"},
		{"-", "'-"},
		{"'quoted", "''quoted"},
		{"'", "''"},
	} {
		if got := NeutralizeFormula(tc.in); got != tc.want {
			t.Errorf("NeutralizeFormula(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNeutralizeFormula_LeavesNumbersAndPlainText(t *testing.T) {
	for _, v := range []string{
		"-12.5", "+86", "-0.5", "-.5", "1e5", "-1.5E-3", "42", "",
		"大学路社区", "450403199001011234", "13800138000", "2013-05-20", "a=b", "x-1", " ",
	} {
		if got := NeutralizeFormula(v); got != v {
			t.Errorf("NeutralizeFormula(%q) = %q, want it unchanged", v, got)
		}
	}
}

func TestRestoreFormula_UndoesNeutralizeAndNothingElse(t *testing.T) {
	for _, v := range []string{"=1+1", "-", "'x", "''", "-12.5", "plain", "'plain", "", "' =x"} {
		if got := restoreFormula(NeutralizeFormula(v)); got != v {
			t.Errorf("restoreFormula(NeutralizeFormula(%q)) = %q", v, got)
		}
	}
	// A quote before text that needs none is the file's own and stays.
	if got := restoreFormula("'plain"); got != "'plain" {
		t.Errorf("restoreFormula(%q) = %q", "'plain", got)
	}
}

// FuzzNeutralizeFormula checks, for any value, that what is written starts with no
// formula character unless it is a number or the escaping quote, and that reading
// it back gives the value.
func FuzzNeutralizeFormula(f *testing.F) {
	for _, s := range []string{"=1", "-1", "-", "'", "' =", "\t=", "1e", "+.e1", "大学路"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c := NeutralizeFormula(v)
		if got := restoreFormula(c); got != v {
			t.Fatalf("%q written as %q reads back as %q", v, c, got)
		}
		s := strings.TrimLeft(c, " ")
		if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 && !isNumber(s) {
			t.Fatalf("%q written as %q, which a spreadsheet runs", v, c)
		}
	})
}

// TestCSV_OnlyThisPackageWritesCSV keeps every CSV export behind NewCSV, and so
// behind NeutralizeFormula: a program file elsewhere that makes its own
// encoding/csv writer fails here.
func TestCSV_OnlyThisPackageWritesCSV(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			filepath.ToSlash(filepath.Dir(path)) == "../../../internal/platform/sheet" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("csv.NewWriter(")) {
			t.Errorf("%s writes CSV with its own encoding/csv writer: use sheet.NewCSV, which neutralises formulas", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCSV_ReadsBackTheValuesAFormulaWasNeutralisedFrom writes values that need the
// quote with NewCSV and reads them back as they were, so an export re-imports
// unchanged; a quote the file has before plain text is the file's own and stays.
func TestCSV_ReadsBackTheValuesAFormulaWasNeutralisedFrom(t *testing.T) {
	values := []string{"=1+1", "-", "'x", "@home", "-12.5", "大学路", "'plain"}
	var b bytes.Buffer
	w := NewCSV(&b)
	for _, row := range [][]string{{"值"}, values[:4], values[4:]} {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "回读.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, CSV, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for {
		row, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, row.Cells...)
	}
	if strings.Join(got, "|") != strings.Join(values, "|") {
		t.Errorf("read back %q, want %q", got, values)
	}
}
