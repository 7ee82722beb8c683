package staff

import (
	"strings"
	"time"

	"shequ/internal/platform/apperr"
)

// Assignment is a worker's assignment to a grid (网格分工). It holds from AssignedOn,
// the day it took effect, until EndedOn, the first day the worker no longer serves
// the grid: "" while they still do. Dates are YYYY-MM-DD. Ending an assignment keeps
// it, and assigning the worker to the grid again adds another, so a worker's
// assignments are their history.
type Assignment struct {
	WorkerID   string `json:"worker_id"`
	GridCode   string `json:"grid_code"`
	AssignedOn string `json:"assigned_on"`
	EndedOn    string `json:"ended_on,omitempty"`
}

// Current reports whether the assignment still holds.
func (a Assignment) Current() bool { return a.EndedOn == "" }

// HeldOn reports whether the worker served the grid on day (YYYY-MM-DD).
func (a Assignment) HeldOn(day string) bool {
	return a.AssignedOn <= day && (a.EndedOn == "" || day < a.EndedOn)
}

// AssignInput assigns a worker to a grid from a day.
type AssignInput struct {
	GridCode   string `json:"grid_code"`
	AssignedOn string `json:"assigned_on"`
}

// EndInput ends a worker's assignment to a grid on a day: the first day they no
// longer serve it.
type EndInput struct {
	EndedOn string `json:"ended_on"`
}

// dateOf is the day of t in its own location: the server's "today" when t is its
// clock's now.
func dateOf(t time.Time) string { return t.Format(time.DateOnly) }

// checkDay checks a day a user gave for field: a real date, not after today and
// not before floor, the day the worker was hired or their assignment began. It
// trims s in place.
func checkDay(field string, s *string, floor, floorKey, today string) *apperr.Error {
	*s = strings.TrimSpace(*s)
	_, err := time.Parse(time.DateOnly, *s)
	switch {
	case err != nil:
		return apperr.Invalidf(field, "worker.date")
	case *s > today:
		return apperr.Invalidf(field, "worker.date_future").With("today", today)
	case *s < floor:
		return apperr.Invalidf(field, floorKey).With("date", floor)
	}
	return nil
}

// checkAssign holds a new assignment of w to grid from day on against what the
// register knows: history is w's assignments, others' those of the grid's other
// workers. The worker may not serve the grid twice at once, nor start again
// before their last assignment to it ended, and the grid never has more than
// MaxWorkersPerGrid workers on any day from on.
func checkAssign(w Worker, grid, on string, history, others []Assignment) *apperr.Error {
	for _, a := range history {
		if a.GridCode != grid {
			continue
		}
		if a.Current() {
			return apperr.Invalidf("grid_code", "worker.assigned").With("grid", grid)
		}
		if on < a.EndedOn {
			return apperr.Invalidf("assigned_on", "worker.assigned_overlap").With("grid", grid).With("date", a.EndedOn)
		}
	}
	if teamFrom(others, on) >= MaxWorkersPerGrid {
		return apperr.Invalidf("grid_code", "worker.grid_full").With("grid", grid)
	}
	return nil
}

// teamFrom returns the largest number of assignments among as that hold on one day
// from day on. The number only grows on a day an assignment begins, so those days
// and day itself are the ones to count.
func teamFrom(as []Assignment, day string) int {
	most := 0
	for _, d := range append([]Assignment{{AssignedOn: day}}, as...) {
		if d.AssignedOn < day {
			continue
		}
		n := 0
		for _, a := range as {
			if a.HeldOn(d.AssignedOn) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}
