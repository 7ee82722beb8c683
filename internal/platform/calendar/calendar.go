package calendar

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// MissingYearError says the calendar has no data for a year: deadlines in it are
// not guessed.
type MissingYearError struct{ Year int }

func (e *MissingYearError) Error() string {
	return fmt.Sprintf("calendar: no holiday arrangement for %d: add the year's notice before deadlines in it can be computed", e.Year)
}

// Calendar is the working-day calendar as it stood when it was built: the years
// it knows, the city's zone and the working hours. It is immutable and safe for
// concurrent use; a change of the years builds a new one (Service.Load).
//
// The rules it computes by (decision 23):
//   - A day is a working day when its year's notice names it Workday, or it is a
//     Monday to Friday the notice does not name Holiday.
//   - A day is known when the notice for its year is loaded and, from
//     December 25 on, the next year's notice too, since that may make the last
//     days of December a holiday or a working day (2018-12-29 was worked by the
//     2019 notice). Reaching a day that is not known is a *MissingYearError:
//     nothing is guessed.
//   - Days and clock times are the city's: an instant is read in the zone.
type Calendar struct {
	zone  *time.Location
	hours Hours
	years map[int]Year
	kinds map[date]Kind
}

// New builds a calendar of years in zone with the working hours. Two years
// may not name the same day.
func New(years []Year, zone *time.Location, hours Hours) (*Calendar, error) {
	if zone == nil {
		return nil, fmt.Errorf("calendar: no time zone")
	}
	if err := hours.check(); err != nil {
		return nil, err
	}
	c := &Calendar{zone: zone, hours: slices.Clone(hours), years: map[int]Year{}, kinds: map[date]Kind{}}
	claimed := map[date]int{}
	for _, y := range years {
		if _, dup := c.years[y.Year]; dup {
			return nil, fmt.Errorf("calendar: year %d given twice", y.Year)
		}
		y.Days = slices.Clone(y.Days)
		for _, d := range y.Days {
			day := dateOf(d.Date.Date())
			if day < windowStart(y.Year) || day.time().Year() > y.Year {
				return nil, fmt.Errorf("calendar: the %d notice names %s, outside its year", y.Year, day)
			}
			if other, dup := claimed[day]; dup {
				return nil, fmt.Errorf("calendar: %s is named by the notices for both %d and %d", day, other, y.Year)
			}
			claimed[day] = y.Year
			c.kinds[day] = d.Kind
		}
		c.years[y.Year] = y
	}
	return c, nil
}

// Zone is the city's time zone, in which days begin and office hours are read.
func (c *Calendar) Zone() *time.Location { return c.zone }

// Hours are the sessions of a working day.
func (c *Calendar) Hours() Hours { return slices.Clone(c.hours) }

// Years lists the years whose notice the calendar has, in order.
func (c *Calendar) Years() []int { return slices.Sorted(maps.Keys(c.years)) }

// Year returns the notice for year, if the calendar has it.
func (c *Calendar) Year(year int) (Year, bool) {
	y, ok := c.years[year]
	y.Days = slices.Clone(y.Days)
	return y, ok
}

// dayOf is the city's calendar day at instant t.
func (c *Calendar) dayOf(t time.Time) date {
	return dateOf(t.In(c.zone).Date())
}

// working reports whether d is a working day, or which year's notice it needs.
func (c *Calendar) working(d date) (bool, error) {
	t := d.time()
	y := t.Year()
	if _, ok := c.years[y]; !ok {
		return false, &MissingYearError{Year: y}
	}
	if t.Month() == time.December && t.Day() >= reachBackDay {
		if _, ok := c.years[y+1]; !ok {
			return false, &MissingYearError{Year: y + 1}
		}
	}
	switch c.kinds[d] {
	case Holiday:
		return false, nil
	case Workday:
		return true, nil
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday, nil
}

// IsWorkingDay reports whether the city's day at instant day is a working day.
func (c *Calendar) IsWorkingDay(day time.Time) (bool, error) {
	return c.working(c.dayOf(day))
}

// span is one session of one day, as instants.
type span struct{ start, end time.Time }

// sessions are the working sessions of day d, as instants: whether d is worked
// is for the caller to ask.
func (c *Calendar) sessions(d date) []span {
	y, m, dd := d.time().Date()
	out := make([]span, len(c.hours))
	for i, s := range c.hours {
		out[i] = span{time.Date(y, m, dd, 0, s.Start, 0, 0, c.zone), time.Date(y, m, dd, 0, s.End, 0, 0, c.zone)}
	}
	return out
}

// AddWorkingDays returns the deadline n working days from the instant from: the
// close of business (the end of the day's last session) of the nth working day
// after the day of from. The day of from does not count, whether or not it is a
// working day and whatever the hour, as a limit "within n working days" counts
// from the day after receipt. n = 0 is "the same day": the close of the day of
// from if it is a working day not yet closed at from, else of the next working
// day. A day the calendar does not have on the way is a *MissingYearError.
func (c *Calendar) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("calendar: %d working days: want 0 or more", n)
	}
	d := c.dayOf(from)
	if n > 0 {
		d++
	}
	for counted := 0; ; d++ {
		closes := c.closing(d)
		if n == 0 && closes.Before(from) {
			continue
		}
		ok, err := c.working(d)
		if err != nil {
			return time.Time{}, err
		}
		if !ok {
			continue
		}
		if counted++; counted >= n {
			return closes, nil
		}
	}
}

// closing is the end of the last session of day d.
func (c *Calendar) closing(d date) time.Time {
	ss := c.sessions(d)
	return ss[len(ss)-1].end
}

// AddWorkingHours returns the instant at which hours of working time have passed
// since from, counting only the sessions of working days: from 11:00 on a working
// day, 2 hours end at 15:30 with the default hours. Time before a session starts
// or after it ends does not count; a span that ends exactly at a session's end
// returns that end, not the next session's start. Zero hours is from itself. A
// day the calendar does not have on the way is a *MissingYearError.
func (c *Calendar) AddWorkingHours(from time.Time, hours int) (time.Time, error) {
	if hours < 0 {
		return time.Time{}, fmt.Errorf("calendar: %d working hours: want 0 or more", hours)
	}
	left := time.Duration(hours) * time.Hour
	if left == 0 {
		return from, nil
	}
	for d := c.dayOf(from); ; d++ {
		if !c.closing(d).After(from) {
			continue // the day's office hours were over before from
		}
		ok, err := c.working(d)
		if err != nil {
			return time.Time{}, err
		}
		if !ok {
			continue
		}
		for _, s := range c.sessions(d) {
			if !s.end.After(from) {
				continue
			}
			start := s.start
			if from.After(start) {
				start = from
			}
			if avail := s.end.Sub(start); left > avail {
				left -= avail
				continue
			}
			return start.Add(left).In(c.zone), nil
		}
	}
}

// WorkingTimeBetween returns the working time from from to to: the parts of the
// working days' sessions between them. It is negative when to is before from,
// so that the time left to a deadline past is how far it is overdue. Only the
// days with a session between the two instants need to be known; another is a
// *MissingYearError.
func (c *Calendar) WorkingTimeBetween(from, to time.Time) (time.Duration, error) {
	if to.Before(from) {
		d, err := c.WorkingTimeBetween(to, from)
		return -d, err
	}
	var total time.Duration
	for d, last := c.dayOf(from), c.dayOf(to); d <= last; d++ {
		var day time.Duration
		for _, s := range c.sessions(d) {
			lo, hi := s.start, s.end
			if from.After(lo) {
				lo = from
			}
			if to.Before(hi) {
				hi = to
			}
			if hi.After(lo) {
				day += hi.Sub(lo)
			}
		}
		if day == 0 {
			continue
		}
		ok, err := c.working(d)
		if err != nil {
			return 0, err
		}
		if ok {
			total += day
		}
	}
	return total, nil
}
