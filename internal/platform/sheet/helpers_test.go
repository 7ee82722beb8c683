package sheet_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/sheet"
)

// register returns a small register as a community keeps one: a header and three rows.
func register() [][]string {
	return [][]string{
		{"姓名", "公民身份号码", "住址", "备注"},
		{"张三", "450403198001010011", "长洲区兴业路 1 号", "党员"},
		{"李四", "45040319800101001X", "长洲区兴业路 2 号", ""},
		{"王五", "450403195505050051", "“幸福”小区", "独居, 需关注"},
	}
}

// writeFile writes data to a file called name in a fresh directory and returns its path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// gb18030 encodes s the way Excel on Chinese Windows saves it.
func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func open(t testing.TB, path string, f sheet.Format, opt sheet.Options) sheet.Reader {
	t.Helper()
	r, err := sheet.Open(path, f, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// readAll returns every row after the header.
func readAll(t testing.TB, r sheet.Reader) []sheet.Row {
	t.Helper()
	var rows []sheet.Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

// cells returns the cells of rows.
func cells(rows []sheet.Row) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, r.Cells)
	}
	return out
}

// wantError checks that err is an Invalid error with key and, for each pair in args,
// that argument.
func wantError(t testing.TB, err error, key string, args map[string]any) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Key != key {
		t.Fatalf("got %v, want %s", err, key)
	}
	for k, v := range args {
		if !reflect.DeepEqual(e.Args[k], v) {
			t.Errorf("%s: %s=%v, want %v", key, k, e.Args[k], v)
		}
	}
}

// withoutTrailingBlanks drops the empty cells at the end of a row, which a workbook
// does not keep.
func withoutTrailingBlanks(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		out[i] = r[:n]
	}
	return out
}
