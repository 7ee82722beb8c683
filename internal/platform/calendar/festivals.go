package calendar

import (
	"slices"
	"time"
)

// Festival is one holiday as a year's notice arranges it: its days off, as spans
// of consecutive days, and the make-up working days (调休上班) that go with it.
type Festival struct {
	Name string
	Off  []Span
	Work []time.Time
}

// Span is consecutive days off, From to To inclusive.
type Span struct {
	From, To time.Time
	Days     int
}

// Festivals are the year's holidays in the order of their first day off, which
// is how the notice lists them (a make-up day may come before: 2026's 国庆节 is
// worked for on 20 September, before 中秋节).
func (y Year) Festivals() []Festival {
	var out []Festival
	at := map[string]int{}
	for _, d := range y.Days {
		i, ok := at[d.Name]
		if !ok {
			i = len(out)
			at[d.Name] = i
			out = append(out, Festival{Name: d.Name})
		}
		f := &out[i]
		if d.Kind == Workday {
			f.Work = append(f.Work, d.Date)
			continue
		}
		if n := len(f.Off); n > 0 && f.Off[n-1].To.AddDate(0, 0, 1).Equal(d.Date) {
			f.Off[n-1].To = d.Date
			f.Off[n-1].Days++
			continue
		}
		f.Off = append(f.Off, Span{From: d.Date, To: d.Date, Days: 1})
	}
	slices.SortStableFunc(out, func(a, b Festival) int { return a.first().Compare(b.first()) })
	return out
}

// first is the festival's first day off, or its first make-up day if it has no
// day off.
func (f Festival) first() time.Time {
	if len(f.Off) > 0 {
		return f.Off[0].From
	}
	return f.Work[0]
}

// Count is how many days of kind the year names.
func (y Year) Count(kind Kind) int {
	n := 0
	for _, d := range y.Days {
		if d.Kind == kind {
			n++
		}
	}
	return n
}
