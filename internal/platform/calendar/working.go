package calendar

import (
	"context"
	"time"
)

// The Service counts working time on the calendar as it stands at each call, so
// that what is built once with it (the workflow engine) counts on every year
// added since. Each is the Calendar method of the same name; an error loading
// the calendar is returned as such.

// IsWorkingDay is Calendar.IsWorkingDay on the calendar as it stands.
func (s *Service) IsWorkingDay(day time.Time) (bool, error) {
	c, err := s.Load(context.Background())
	if err != nil {
		return false, err
	}
	return c.IsWorkingDay(day)
}

// AddWorkingDays is Calendar.AddWorkingDays on the calendar as it stands.
func (s *Service) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	c, err := s.Load(context.Background())
	if err != nil {
		return time.Time{}, err
	}
	return c.AddWorkingDays(from, n)
}

// AddWorkingHours is Calendar.AddWorkingHours on the calendar as it stands.
func (s *Service) AddWorkingHours(from time.Time, hours int) (time.Time, error) {
	c, err := s.Load(context.Background())
	if err != nil {
		return time.Time{}, err
	}
	return c.AddWorkingHours(from, hours)
}

// WorkingTimeBetween is Calendar.WorkingTimeBetween on the calendar as it stands.
func (s *Service) WorkingTimeBetween(from, to time.Time) (time.Duration, error) {
	c, err := s.Load(context.Background())
	if err != nil {
		return 0, err
	}
	return c.WorkingTimeBetween(from, to)
}
