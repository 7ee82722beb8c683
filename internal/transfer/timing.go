package transfer

import (
	"time"

	"shequ/internal/platform/apperr"
)

// Timer is told how long each import and export (op "import" or "export") of a kind
// took and how it ended, for the operators' metrics: an import "imported",
// "checked" (a dry run without problems), "refused" (problems in the file, or not
// allowed) or "failed" (the system's fault); an export "exported", "refused" or
// "failed".
type Timer func(op, kind, outcome string, took time.Duration)

// WithTimer returns the service telling t of every import and export.
func (s *Service) WithTimer(t Timer) *Service {
	c := *s
	c.timer = t
	return &c
}

func (s *Service) timed(op string, kind Kind, outcome string, began time.Time) {
	if s.timer != nil {
		s.timer(op, string(kind), outcome, time.Since(began))
	}
}

func importOutcome(res *Result, err error) string {
	switch {
	case err != nil:
		return failedOrRefused(err)
	case res.Committed:
		return "imported"
	case res.DryRun && res.OK():
		return "checked"
	}
	return "refused"
}

func exportOutcome(err error) string {
	if err != nil {
		return failedOrRefused(err)
	}
	return "exported"
}

// failedOrRefused tells a domain error (not allowed, out of scope) from a failure
// of the system.
func failedOrRefused(err error) string {
	if apperr.CodeOf(err) == apperr.Internal {
		return "failed"
	}
	return "refused"
}
