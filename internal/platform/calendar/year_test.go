package calendar_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/i18n"
)

// year2027 is an arrangement for 2027 as an administrator would type it: made
// up for the tests (the real notice was not published when this was written),
// with one make-up working day in the last days of 2026.
const year2027 = `# source: 国务院办公厅关于2027年部分节假日安排的通知（测试用，非真实通知）
date,kind,name
2026-12-26,workday,元旦
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-13,workday,春节
`

func TestParseYear_ReadsTheShippedFormat(t *testing.T) {
	y, err := calendar.ParseYear(2027, strings.NewReader(year2027))
	if err != nil {
		t.Fatal(err)
	}
	if y.Year != 2027 || y.Source != "国务院办公厅关于2027年部分节假日安排的通知（测试用，非真实通知）" || len(y.Days) != 6 {
		t.Fatalf("ParseYear = %+v", y)
	}
	if d := y.Days[0]; d.Date != time.Date(2026, 12, 26, 0, 0, 0, 0, time.UTC) || d.Kind != calendar.Workday || d.Name != "元旦" {
		t.Errorf("first day: %+v", d)
	}
}

func TestParseYear_TakesWhatASpreadsheetWrites(t *testing.T) {
	// Excel in China: GB18030, a byte-order mark or none, the comment row padded
	// with commas, CRLF, the kinds in Chinese, "来源" for source, blank rows, rows
	// out of order.
	text := "# 来源：国务院办公厅关于2027年部分节假日安排的通知,,\r\nDate,Kind,Name\r\n2027-02-07,放假,春节\r\n,,\r\n2027-02-06,放假,春节\r\n2027-02-13,上班,春节\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{"GB18030": gb, "UTF-8 with a BOM": "\uFEFF" + text} {
		y, err := calendar.ParseYear(2027, strings.NewReader(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if y.Source != "国务院办公厅关于2027年部分节假日安排的通知" || len(y.Days) != 3 || y.Days[0].Date.Day() != 6 || y.Days[2].Kind != calendar.Workday {
			t.Errorf("%s: %+v", name, y)
		}
	}
}

// problem is a problem as the tests name it: key, line and column ("" when the
// problem has none).
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ps calendar.Problems
	if !errors.As(err, &ps) {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return []string{ae.Key}
		}
		t.Fatalf("err = %v, want problems", err)
	}
	var out []string
	for _, p := range ps {
		s := p.Key
		if l, ok := p.Args["line"]; ok {
			s += fmt.Sprintf(" line %v", l)
		}
		if c, ok := p.Args["column"]; ok {
			s += fmt.Sprintf(" column %v", c)
		}
		out = append(out, s)
	}
	return out
}

func TestParseYear_NamesTheLineAndColumnOfEveryProblem(t *testing.T) {
	const head = "# source: 国办发明电〔2026〕1号\ndate,kind,name\n"
	for _, tc := range []struct {
		name, file string
		year       int
		want       []string
	}{
		{"no source", "date,kind,name\n2027-01-01,holiday,元旦\n", 2027, []string{"calendar.source_missing"}},
		{"no header", "# source: x\n2027-01-01,holiday,元旦\n", 2027, []string{"calendar.header line 2"}},
		{"an empty file", "", 2027, []string{"calendar.source_missing", "calendar.header line 1"}},
		{"no days", head, 2027, []string{"calendar.no_days"}},
		{"a date that is not one", head + "2027-02-30,holiday,春节\n", 2027, []string{"calendar.date line 3 column 1"}},
		{"a date written otherwise", head + "2027/2/6,holiday,春节\n", 2027, []string{"calendar.date line 3 column 1"}},
		{"a date in another year", head + "2028-01-01,holiday,元旦\n", 2027, []string{"calendar.date_outside line 3 column 1"}},
		{"a date too early in December before", head + "2026-12-24,holiday,元旦\n", 2027, []string{"calendar.date_outside line 3 column 1"}},
		{"a date twice", head + "2027-02-06,holiday,春节\n2027-02-06,workday,春节\n", 2027,
			[]string{"calendar.duplicate line 4 column 1"}},
		{"an unknown kind", head + "2027-02-06,rest,春节\n", 2027, []string{"calendar.kind line 3 column 2"}},
		{"a make-up working day on a weekday", head + "2027-02-10,workday,春节\n", 2027, []string{"calendar.workday_weekday line 3 column 2"}},
		{"no name", head + "2027-02-06,holiday,\n", 2027, []string{"calendar.name_required line 3 column 3"}},
		{"a name too long", head + "2027-02-06,holiday," + strings.Repeat("节", 41) + "\n", 2027, []string{"calendar.name_too_long line 3 column 3"}},
		{"too few columns", head + "2027-02-06,holiday\n", 2027, []string{"calendar.columns line 3"}},
		{"too many columns", head + "2027-02-06,holiday,春节,2027\n", 2027, []string{"calendar.columns line 3"}},
		{"a stray quote", head + "2027-02-06,holiday,\"春节\n", 2027, []string{"calendar.csv line 3"}},
		{"several problems at once", head + "2027-02-06,holiday,春节\nx,holiday,春节\n2027-02-07,off,\n", 2027,
			[]string{"calendar.date line 4 column 1", "calendar.kind line 5 column 2", "calendar.name_required line 5 column 3"}},
		{"a year out of range", head, 207, []string{"calendar.year"}},
	} {
		_, err := calendar.ParseYear(tc.year, strings.NewReader(tc.file))
		if err == nil {
			t.Errorf("%s: taken", tc.name)
			continue
		}
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: code %s, want invalid", tc.name, apperr.CodeOf(err))
		}
		if got := problemsOf(t, err); strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
}

func TestParseYear_RefusesWhatIsNotText(t *testing.T) {
	if _, err := calendar.ParseYear(2027, strings.NewReader("# source: x\n\xff\xfe\x00d\x00a\x00")); problemsOf(t, err)[0] != "calendar.encoding" {
		t.Errorf("binary: %v", err)
	}
	big := "# source: x\ndate,kind,name\n" + strings.Repeat("2027-02-06,holiday,春节\n", 3000)
	if _, err := calendar.ParseYear(2027, strings.NewReader(big)); problemsOf(t, err)[0] != "calendar.too_large" {
		t.Errorf("a large file: %v", err)
	}
}

func TestParseYear_StopsListingAfterTwentyProblems(t *testing.T) {
	file := "# source: x\ndate,kind,name\n" + strings.Repeat("2027/02/06,holiday,春节\n", 50)
	_, err := calendar.ParseYear(2027, strings.NewReader(file))
	if n := len(problemsOf(t, err)); n != 20 {
		t.Errorf("%d problems listed, want 20", n)
	}
}

// Every problem reads in both languages, with its line and column filled in.
func TestProblems_AreTranslatedWithTheirPlace(t *testing.T) {
	b, err := i18n.Load(calendar.Locales)
	if err != nil {
		t.Fatal(err)
	}
	const head = "# source: x\ndate,kind,name\n"
	files := []string{
		"", head, head + "2027-02-30,holiday,春节\n", head + "2028-01-01,holiday,元旦\n",
		head + "2027-02-06,holiday,春节\n2027-02-06,holiday,春节\n", head + "2027-02-06,rest,春节\n",
		head + "2027-02-10,workday,春节\n", head + "2027-02-06,holiday,\n",
		head + "2027-02-06,holiday," + strings.Repeat("节", 41) + "\n", head + "2027-02-06\n", head + "2027-02-06,holiday,\"春节\n",
		"# source: " + strings.Repeat("通", 301) + "\ndate,kind,name\n2027-02-06,holiday,春节\n", "\xff\xfe\x00",
	}
	for _, f := range files {
		_, err := calendar.ParseYear(2027, strings.NewReader(f))
		var ps calendar.Problems
		if !errors.As(err, &ps) {
			ps = calendar.Problems{}
			var ae *apperr.Error
			if errors.As(err, &ae) {
				ps = append(ps, ae)
			}
		}
		for _, p := range ps {
			for _, lang := range []string{"zh-CN", "en"} {
				msg := b.Error(lang, p)
				if strings.Contains(msg, "{") || strings.HasPrefix(msg, "err.") || msg == b.T(lang, "err.internal") {
					t.Errorf("%s %s: %q", lang, p.Key, msg)
				}
				if l, ok := p.Args["line"]; ok && !strings.Contains(msg, fmt.Sprint(l)) {
					t.Errorf("%s %s: %q does not say line %v", lang, p.Key, msg, l)
				}
			}
		}
	}
}
