package sheet_test

import (
	"testing"
	"time"

	"shequ/internal/platform/sheet"
)

func TestParseDate_ReadsTheWaysARegisterWritesADate(t *testing.T) {
	for in, want := range map[string]string{
		"2013-05-20":          "2013-05-20",
		"2013-5-20":           "2013-05-20",
		"2013/5/20":           "2013-05-20",
		"2013/05/20":          "2013-05-20",
		"2013.5.20":           "2013-05-20",
		"2013年5月20日":          "2013-05-20",
		"2013年05月20":          "2013-05-20",
		"２０１３年５月２０日":          "2013-05-20",
		"20130520":            "2013-05-20",
		" 2013-05-20 ":        "2013-05-20",
		"2013/5/20 0:00":      "2013-05-20",
		"2013-05-20 23:59:59": "2013-05-20",
		"2000-02-29":          "2000-02-29",
		"41414":               "2013-05-20",
		"41414.75":            "2013-05-20",
		"1":                   "1900-01-01",
		"59":                  "1900-02-28",
		"61":                  "1900-03-01",
		"2958465":             "9999-12-31",
	} {
		got, err := sheet.ParseDate(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got.Format(time.DateOnly) != want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("%q = %v, want %s at UTC midnight", in, got, want)
		}
	}
}

func TestParseDate_RefusesWhatIsNotADate(t *testing.T) {
	for _, in := range []string{
		"", "abc", "2013-02-30", "2013-13-01", "2013-00-10", "2013-05-00", "1900-02-29",
		"13-5-20", "2013-5/20", "2013-05-20-01", "2013年5月", "2013/5/20 早上",
		"0", "60", "2958466", "-41414", "41414.x", "1e5",
		"1980", "2013", // a year alone, not a day in 1905
	} {
		_, err := sheet.ParseDate(in)
		wantError(t, err, "sheet.date", map[string]any{"value": in})
	}
}
