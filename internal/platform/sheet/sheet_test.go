package sheet_test

import (
	"testing"

	"shequ/internal/platform/sheet"
)

func TestFormatOf_GoesByTheExtensionInAnyCase(t *testing.T) {
	for name, want := range map[string]sheet.Format{
		"名单.csv": sheet.CSV, "名单.CSV": sheet.CSV, "a.b.xlsx": sheet.XLSX, "/tmp/台账.XlSx": sheet.XLSX,
	} {
		if got, err := sheet.FormatOf(name); err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", name, got, err, want)
		}
	}
}

func TestFormatOf_RefusesOtherFiles(t *testing.T) {
	for _, name := range []string{"名单.xls", "名单.txt", "名单", "csv", "名单.csv.zip"} {
		_, err := sheet.FormatOf(name)
		wantError(t, err, "sheet.format", nil)
	}
}

func TestParseEncoding_KnowsTheNamesPeopleUse(t *testing.T) {
	for in, want := range map[string]sheet.Encoding{
		"": sheet.Auto, "auto": sheet.Auto, "UTF-8": sheet.UTF8, "utf8": sheet.UTF8,
		"GB18030": sheet.GB18030, "gbk": sheet.GB18030, " GB2312 ": sheet.GB18030,
	} {
		if got, err := sheet.ParseEncoding(in); err != nil || got != want {
			t.Errorf("%q: %s %v, want %s", in, got, err, want)
		}
	}
}

func TestParseEncoding_RefusesOthers(t *testing.T) {
	_, err := sheet.ParseEncoding("latin1")
	wantError(t, err, "sheet.encoding", map[string]any{"value": "latin1"})
}

func TestOpen_RefusesUnknownEncodingOption(t *testing.T) {
	_, err := sheet.Open(writeFile(t, "a.csv", []byte("a\n")), sheet.CSV, sheet.Options{Encoding: "latin1"})
	wantError(t, err, "sheet.encoding", nil)
}
