package calendar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/i18n"
)

// FuzzParseYear reads any file as the 2027 arrangement. A file is either taken,
// every day then inside the notice's window, named once, of a known kind (a
// make-up working day on a weekend) and named, with a source; or refused with
// problems that are all invalid, at most twenty, each reading in both languages
// without a placeholder left.
func FuzzParseYear(f *testing.F) {
	b, err := i18n.Load(calendar.Locales)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(year2027)
	f.Add("# 来源：x,,\r\nDate,Kind,Name\r\n2027-02-07,放假,春节\r\n")
	f.Add("# source: x\ndate,kind,name\n2027-02-10,workday,\"春,节\"\n2026-12-24,holiday,元旦\n")
	f.Add("\xef\xbb\xbf# source: \xb9\xfa\ndate,kind,name\n")
	first, last := time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, file string) {
		y, err := calendar.ParseYear(2027, strings.NewReader(file))
		if err != nil {
			var ps calendar.Problems
			var one *apperr.Error
			switch {
			case errors.As(err, &ps):
				if len(ps) == 0 || len(ps) > 20 {
					t.Fatalf("%d problems", len(ps))
				}
			case errors.As(err, &one):
				ps = calendar.Problems{one}
			default:
				t.Fatalf("not a domain error: %v", err)
			}
			for _, p := range ps {
				for _, lang := range []string{"zh-CN", "en"} {
					if msg := b.Error(lang, p); p.Code != apperr.Invalid || strings.Contains(msg, "{") || strings.HasPrefix(msg, "err.") {
						t.Fatalf("%s %v: %q", lang, p, msg)
					}
				}
			}
			return
		}
		if y.Source == "" || len(y.Days) == 0 {
			t.Fatalf("taken without a source or days: %+v", y)
		}
		seen := map[time.Time]bool{}
		for i, d := range y.Days {
			if d.Date.Before(first) || d.Date.After(last) || seen[d.Date] || d.Name == "" || (i > 0 && !d.Date.After(y.Days[i-1].Date)) {
				t.Fatalf("day %d taken: %+v", i, d)
			}
			seen[d.Date] = true
			switch d.Kind {
			case calendar.Holiday:
			case calendar.Workday:
				if wd := d.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
					t.Fatalf("a make-up working day on a %s: %+v", wd, d)
				}
			default:
				t.Fatalf("kind %q taken", d.Kind)
			}
		}
	})
}
