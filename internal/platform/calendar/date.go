package calendar

import (
	"sort"
	"time"
)

// date is a calendar day, counted in days since 1970-01-01: days follow each
// other by adding one, whatever the month.
type date int

const secondsPerDay = 24 * 60 * 60

func dateOf(y int, m time.Month, d int) date {
	return date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// time is the day as dates are kept: midnight UTC.
func (d date) time() time.Time { return time.Unix(int64(d)*secondsPerDay, 0).UTC() }

func (d date) String() string { return d.time().Format(time.DateOnly) }

// windowStart is the first day a notice for year may name: in the last days of
// the year before.
func windowStart(year int) date { return dateOf(year-1, time.December, reachBackDay) }

// sortDays puts days, and their lines beside them, in date order.
func sortDays(days []Day, lines []int) {
	sort.Sort(byDate{days, lines})
}

type byDate struct {
	days  []Day
	lines []int
}

func (b byDate) Len() int           { return len(b.days) }
func (b byDate) Less(i, j int) bool { return b.days[i].Date.Before(b.days[j].Date) }
func (b byDate) Swap(i, j int) {
	b.days[i], b.days[j] = b.days[j], b.days[i]
	if b.lines != nil {
		b.lines[i], b.lines[j] = b.lines[j], b.lines[i]
	}
}
