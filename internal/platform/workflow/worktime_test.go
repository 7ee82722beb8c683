package workflow_test

import (
	"fmt"
	"testing"
	"time"
)

// cst is China Standard Time, in which working days and hours are counted.
var cst = time.FixedZone("CST", 8*3600)

// weekdays is working time on the simplest calendar: Monday to Friday, 09:00–17:00
// China time, no holidays, and only the years it is given — a day in any other
// year fails, as the real calendar fails for a year it has no data for. It is the
// tests' calendar, not a stand-in for the real one, whose holidays are its own
// package's to test.
type weekdays struct{ years []int }

func (w weekdays) check(t time.Time) error {
	for _, y := range w.years {
		if t.In(cst).Year() == y {
			return nil
		}
	}
	return fmt.Errorf("the calendar has no data for %d", t.In(cst).Year())
}

func workday(t time.Time) bool {
	d := t.In(cst).Weekday()
	return d != time.Saturday && d != time.Sunday
}

// AddWorkingDays returns the same time of day n working days after from.
func (w weekdays) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	t := from
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if err := w.check(t); err != nil {
			return time.Time{}, err
		}
		if workday(t) {
			n--
		}
	}
	return t, nil
}

// AddWorkingHours counts hours of 09:00–17:00 on working days from from.
func (w weekdays) AddWorkingHours(from time.Time, hours int) (time.Time, error) {
	t := from.In(cst)
	left := time.Duration(hours) * time.Hour
	for {
		if err := w.check(t); err != nil {
			return time.Time{}, err
		}
		start := time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, cst)
		end := start.Add(8 * time.Hour)
		if !workday(t) || !t.Before(end) {
			t = start.AddDate(0, 0, 1)
			continue
		}
		if t.Before(start) {
			t = start
		}
		if left <= end.Sub(t) {
			return t.Add(left), nil
		}
		left -= end.Sub(t)
		t = start.AddDate(0, 0, 1)
	}
}

func TestWeekdays_CountsWorkingTimeOverAWeekend(t *testing.T) {
	w := weekdays{years: []int{2026}}
	fri := time.Date(2026, 3, 6, 10, 0, 0, 0, cst) // a Friday
	for _, tc := range []struct {
		got  func() (time.Time, error)
		want time.Time
	}{
		{func() (time.Time, error) { return w.AddWorkingDays(fri, 1) }, time.Date(2026, 3, 9, 10, 0, 0, 0, cst)},
		{func() (time.Time, error) { return w.AddWorkingDays(fri, 5) }, time.Date(2026, 3, 13, 10, 0, 0, 0, cst)},
		{func() (time.Time, error) { return w.AddWorkingHours(fri, 4) }, time.Date(2026, 3, 6, 14, 0, 0, 0, cst)},
		{func() (time.Time, error) { return w.AddWorkingHours(fri, 8) }, time.Date(2026, 3, 9, 10, 0, 0, 0, cst)},
		{func() (time.Time, error) { return w.AddWorkingHours(fri.Add(-3*time.Hour), 1) }, time.Date(2026, 3, 6, 10, 0, 0, 0, cst)},
	} {
		got, err := tc.got()
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("got %v, %v; want %v", got, err, tc.want)
		}
	}
	if _, err := w.AddWorkingDays(time.Date(2026, 12, 31, 10, 0, 0, 0, cst), 1); err == nil {
		t.Error("a day in 2027 was counted on a calendar of 2026")
	}
}
