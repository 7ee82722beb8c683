package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
)

// Session is one sitting of a working day (上午, 下午): from Start to End, clock
// times in the city's zone counted in minutes after midnight.
type Session struct {
	Start, End int
}

// Hours are the sessions of every working day, in order: the office hours that
// working hours (工作时) are counted in and that a working day's deadline closes
// with. Cities differ, and many change them between summer and winter, so it is a
// setting; one set of hours holds all year.
type Hours []Session

// DefaultHours are 08:30–12:00 and 14:30–17:30, a common timetable of Chinese
// government offices: six and a half working hours a day.
func DefaultHours() Hours {
	return Hours{{Start: 8*60 + 30, End: 12 * 60}, {Start: 14*60 + 30, End: 17*60 + 30}}
}

// ParseHours reads hours written as "08:30-12:00,14:30-17:30", as the setting
// spells them.
func ParseHours(s string) (Hours, error) {
	bad := apperr.Invalidf("working_hours", "calendar.hours").With("value", s)
	var h Hours
	for part := range strings.SplitSeq(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, bad
		}
		start, err1 := parseClock(from)
		end, err2 := parseClock(to)
		if err1 != nil || err2 != nil {
			return nil, bad
		}
		h = append(h, Session{Start: start, End: end})
	}
	if h.check() != nil {
		return nil, bad
	}
	return h, nil
}

// parseClock reads HH:MM, 00:00 to 24:00.
func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, fmt.Errorf("calendar: clock %q: want HH:MM", s)
	}
	hh, _ := strconv.Atoi(s[:2])
	mm, _ := strconv.Atoi(s[3:])
	if m := hh*60 + mm; mm <= 59 && m <= 24*60 {
		return m, nil
	}
	return 0, fmt.Errorf("calendar: clock %q: out of range", s)
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// check reports hours that cannot be worked in: none, a session that ends before
// it starts, sessions out of order or overlapping, or outside the day.
func (h Hours) check() error {
	if len(h) == 0 {
		return fmt.Errorf("calendar: working hours: no session")
	}
	prev := 0
	for _, s := range h {
		if s.Start < prev || s.End <= s.Start || s.End > 24*60 {
			return fmt.Errorf("calendar: working hours %s: sessions must be in order, not overlap, and lie within the day", h)
		}
		prev = s.End
	}
	return nil
}

// String writes the hours as ParseHours reads them.
func (h Hours) String() string {
	parts := make([]string, len(h))
	for i, s := range h {
		parts[i] = clock(s.Start) + "-" + clock(s.End)
	}
	return strings.Join(parts, ",")
}

// PerDay is the working time of one working day.
func (h Hours) PerDay() time.Duration {
	var d time.Duration
	for _, s := range h {
		d += time.Duration(s.End-s.Start) * time.Minute
	}
	return d
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
