package sheet

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"shequ/internal/platform/apperr"
)

// The range of Excel's date serial numbers: 1 is 1900-01-01, 2958465 is 9999-12-31.
const (
	firstSerial = 1
	lastSerial  = 2958465
	// leapBugSerial is 1900-02-29, a day that never was: Lotus 1-2-3 took 1900 for a
	// leap year and Excel kept the mistake, so every serial after it is one too high.
	leapBugSerial = 60
)

// looksLikeYear reports whether a serial number is more likely a year written alone:
// read as a serial, 1900 to 2100 fall in 1905, a date no register has a use for,
// whereas a birth year typed in the date column is common.
func looksLikeYear(n int) bool { return n >= 1900 && n <= 2100 }

// ParseDate reads a date the ways people write one in a register:
//
//	2013-05-20  2013/5/20  2013.5.20  2013年5月20日  20130520
//
// with full-width digits as well, and a time after the date ("2013/5/20 0:00", as
// Excel saves a date cell to CSV) ignored; or an Excel date serial number such as
// 41414, which is what a date cell of a workbook reads as, a fraction for the time
// of day allowed. A number from 1900 to 2100 is taken for a year on its own, which
// is not a date, rather than for a day in 1905. It returns UTC midnight of the day,
// or sheet.date with the value.
func ParseDate(in string) (time.Time, error) {
	s := strings.TrimSpace(width.Narrow.String(in))
	if date, ok := parseSerial(s); ok {
		return date, nil
	}
	if date, ok := parseYMD(s); ok {
		return date, nil
	}
	return time.Time{}, apperr.Invalidf("", "sheet.date").With("value", in)
}

// parseSerial reads digits with an optional fraction as an Excel serial number.
func parseSerial(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if !allDigits(whole) || (frac != "" && !allDigits(frac)) {
		return time.Time{}, false
	}
	n, err := strconv.Atoi(whole)
	if err != nil || n < firstSerial || n > lastSerial || n == leapBugSerial || looksLikeYear(n) {
		return time.Time{}, false
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if n < leapBugSerial {
		epoch = epoch.AddDate(0, 0, 1)
	}
	return epoch.AddDate(0, 0, n), true
}

// parseYMD reads year, month and day separated alike by "-", "/" or ".", or written
// 年…月…日, or run together as eight digits; a time of day after them is ignored.
func parseYMD(s string) (time.Time, bool) {
	if date, clock, ok := strings.Cut(s, " "); ok {
		if !isClock(strings.TrimSpace(clock)) {
			return time.Time{}, false
		}
		s = date
	}
	var y, m, d string
	switch {
	case len(s) == 8 && allDigits(s):
		y, m, d = s[:4], s[4:6], s[6:]
	case strings.Contains(s, "年"):
		var ok bool
		y, s, _ = strings.Cut(s, "年")
		if m, s, ok = strings.Cut(s, "月"); !ok {
			return time.Time{}, false
		}
		d = strings.TrimSuffix(s, "日")
	default:
		i := strings.IndexAny(s, "-/.")
		if i < 0 {
			return time.Time{}, false
		}
		parts := strings.Split(s, s[i:i+1])
		if len(parts) != 3 {
			return time.Time{}, false
		}
		y, m, d = parts[0], parts[1], parts[2]
	}
	if len(y) != 4 || len(m) < 1 || len(m) > 2 || len(d) < 1 || len(d) > 2 ||
		!allDigits(y) || !allDigits(m) || !allDigits(d) {
		return time.Time{}, false
	}
	year, _ := strconv.Atoi(y)
	month, _ := strconv.Atoi(m)
	day, _ := strconv.Atoi(d)
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date rolls 30 February over into March; a real date comes back unchanged.
	if date.Year() != year || date.Month() != time.Month(month) || date.Day() != day || year == 0 {
		return time.Time{}, false
	}
	return date, true
}

// isClock reports whether s is a time of day: H:MM, H:MM:SS or H:MM:SS.fff.
func isClock(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	if last := parts[len(parts)-1]; len(parts) == 3 {
		sec, frac, _ := strings.Cut(last, ".")
		parts[2] = sec
		if frac != "" && !allDigits(frac) {
			return false
		}
	}
	for i, p := range parts {
		if len(p) < 1 || len(p) > 2 || !allDigits(p) || (i > 0 && len(p) != 2) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
