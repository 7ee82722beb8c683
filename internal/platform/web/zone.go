package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // the zone database in the binary: an office's machine may have no zoneinfo
)

// DefaultZone is the city's time zone unless the operator sets another (serve --tz):
// the whole of China keeps Beijing time.
const DefaultZone = "Asia/Shanghai"

// LoadZone returns the IANA time zone name, DefaultZone for "". The zone database is
// compiled in, so the answer does not depend on the machine.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as %s", name, DefaultZone)
	}
	return loc, nil
}

// defaultZone is DefaultZone, loaded once.
var defaultZone = sync.OnceValue(func() *time.Location {
	loc, err := LoadZone(DefaultZone)
	if err != nil {
		// The zone database is compiled in: failing to read it is a defect of the build.
		panic("web: " + err.Error())
	}
	return loc
})

// InZone puts the city's time zone into every request's context, read back with
// Zone; the server wraps its handler with it once, with the zone it loaded at start.
func InZone(loc *time.Location, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithZone(r.Context(), loc)))
	})
}

// WithZone returns ctx carrying the city's time zone.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, zoneKey, loc)
}

// Zone returns the city's time zone as InZone set it, DefaultZone where it did not
// run.
func Zone(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(zoneKey).(*time.Location); ok && loc != nil {
		return loc
	}
	return defaultZone()
}

// Today is the calendar day it is at now in the request's zone, as dates are kept
// (midnight UTC, like a DATE column read back): the default of every "as of" and
// the day against which "not in the future" is checked. At 20:00 UTC it is already
// the next day in Shanghai.
func Today(ctx context.Context, now time.Time) time.Time { return DayIn(now, Zone(ctx)) }

// DayIn is the calendar day the instant t falls on in loc, as midnight UTC.
func DayIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// fmtTime writes an instant as the city's clocks show it, "2006-01-02 15:04"; the
// zero time is "". Instants are kept in UTC; people read local time.
func fmtTime(loc *time.Location, t any) (string, error) {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return "", nil
		}
		return t.In(loc).Format("2006-01-02 15:04"), nil
	case *time.Time:
		if t == nil {
			return "", nil
		}
		return fmtTime(loc, *t)
	}
	return "", fmt.Errorf("fmtTime: %T is not a time", t)
}

// fmtDay writes the calendar day an instant falls on in the city, YYYY-MM-DD; the
// zero time is "". For a date kept as a date, fmtDate.
func fmtDay(loc *time.Location, t any) (string, error) {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return "", nil
		}
		return t.In(loc).Format(time.DateOnly), nil
	case *time.Time:
		if t == nil {
			return "", nil
		}
		return fmtDay(loc, *t)
	}
	return "", fmt.Errorf("fmtDay: %T is not a time", t)
}
