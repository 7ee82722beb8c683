package calendar

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/web"
)

// ActImport is the audit action of a year added, or put in place of one.
const ActImport = "calendar.import"

// topic is the calendar's row of change_versions, bumped by every import.
const topic changes.Topic = "calendar"

// Settings are a city's: its zone and its office hours.
type Settings struct {
	Zone  *time.Location // web.DefaultZone when nil
	Hours Hours          // DefaultHours when nil
}

// Service keeps the calendar: the shipped years, the years administrators add,
// and the Calendar deadlines are computed on, held in memory and built again
// when a year is added in any process.
type Service struct {
	db    *db.DB
	now   func() time.Time
	zone  *time.Location
	hours Hours
	watch *changes.Watch

	mu     sync.Mutex
	cached *Calendar
	gen    uint64
}

// NewService returns the calendar's service over d with the city's settings.
// It fails on working hours that cannot be worked in.
func NewService(d *db.DB, now func() time.Time, s Settings) (*Service, error) {
	if s.Zone == nil {
		var err error
		if s.Zone, err = web.LoadZone(""); err != nil {
			return nil, err
		}
	}
	if s.Hours == nil {
		s.Hours = DefaultHours()
	}
	if err := s.Hours.check(); err != nil {
		return nil, err
	}
	if _, err := shipped(); err != nil {
		return nil, err
	}
	return &Service{db: d, now: now, zone: s.Zone, hours: slices.Clone(s.Hours), watch: changes.NewWatch(d, topic, changes.DefaultInterval)}, nil
}

// Load returns the calendar as it stands: the shipped years with the added ones
// in place of or beside them. It is held until a year is added, here or in
// another process on the same database (decision 11).
func (s *Service) Load(ctx context.Context) (*Calendar, error) {
	gen, err := s.watch.Generation(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	c := s.cached
	held := c != nil && s.gen == gen
	s.mu.Unlock()
	if held {
		return c, nil
	}
	years, err := allYears(ctx, s.db.Read())
	if err != nil {
		return nil, err
	}
	if c, err = New(slices.Collect(maps.Values(years)), s.zone, s.hours); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cached, s.gen = c, gen
	s.mu.Unlock()
	return c, nil
}

// allYears are the shipped years with the stored ones in their place.
func allYears(ctx context.Context, q db.Querier) (map[int]Year, error) {
	ship, err := shipped()
	if err != nil {
		return nil, err
	}
	stored, err := storedYears(ctx, q)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(ship)
	for n, y := range stored {
		_, y.Added.ReplacesShipped = ship[n]
		out[n] = y
	}
	return out, nil
}

// MayImport reports whether p may add a year: a city-level user who may change
// the org tree (the calendar is the whole city's), or the system administrator,
// whose are the system's settings (decision 23).
func MayImport(p auth.Principal) bool {
	return (p.Role == auth.RoleCity && p.Can(auth.WriteOrg)) || p.Role == auth.RoleSysAdmin
}

func mayImport(p auth.Principal) error {
	if MayImport(p) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "auth.forbidden", "")
}

// Preview is a year's file checked and not saved: what importing it would do.
type Preview struct {
	Year Year
	// Text is the file as UTF-8, to send back with the confirmation.
	Text string
	// Replaces is the year the import would put it in place of, shipped or
	// added before; nil if the calendar has no such year.
	Replaces *Year
}

// Check reads and checks a year's file for p without saving it.
//
// Errors: forbidden unless MayImport(p); invalid on the year; Problems naming
// the line and column of everything wrong with the file.
func (s *Service) Check(ctx context.Context, p auth.Principal, year int, r io.Reader) (Preview, error) {
	if err := mayImport(p); err != nil {
		return Preview{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActImport, object(year)), err)
	}
	return prepare(ctx, s.db.Read(), year, r)
}

// ImportYear adds the arrangement for year from r (the format of ParseYear) in
// one transaction with its audit record, in place of the year's shipped or
// earlier added data. Deadlines computed after it use it in every process.
//
// Errors: as Check, and Problems when a day is named by another year's notice.
func (s *Service) ImportYear(ctx context.Context, p auth.Principal, year int, r io.Reader) error {
	if err := mayImport(p); err != nil {
		return audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActImport, object(year)), err)
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		pv, err := prepare(ctx, tx, year, r)
		if err != nil {
			return err
		}
		y := pv.Year
		y.Added = &Added{By: p.UserID, ByName: p.Name, At: now}
		if err := replaceYear(ctx, tx, y); err != nil {
			return err
		}
		if err := changes.Bump(ctx, tx, topic); err != nil {
			return err
		}
		e := audit.Of(p, now, ActImport, object(year))
		e.Reason = fmt.Sprintf("holidays=%d workdays=%d replaces=%s", y.Count(Holiday), y.Count(Workday), replaced(pv.Replaces))
		return audit.Record(ctx, tx, e)
	})
}

func object(year int) string { return fmt.Sprintf("calendar:%d", year) }

func replaced(y *Year) string {
	switch {
	case y == nil:
		return "none"
	case y.Added == nil:
		return "shipped"
	}
	return "added"
}

// prepare reads the file for year and checks it against the other years in q:
// no day may be named by two notices.
func prepare(ctx context.Context, q db.Querier, year int, r io.Reader) (Preview, error) {
	text, err := readText(r)
	if err != nil {
		return Preview{}, err
	}
	y, lines, err := parseText(year, text)
	if err != nil {
		return Preview{}, err
	}
	years, err := allYears(ctx, q)
	if err != nil {
		return Preview{}, err
	}
	claimed := map[time.Time]int{}
	for n, other := range years {
		if n == year {
			continue
		}
		for _, d := range other.Days {
			claimed[d.Date] = n
		}
	}
	var ps problems
	for i, d := range y.Days {
		if n, ok := claimed[d.Date]; ok && len(ps) < maxProblems {
			ps.at(lines[i], 1, "calendar.claimed", "value", d.Date.Format(time.DateOnly), "year", n)
		}
	}
	if len(ps) > 0 {
		return Preview{}, Problems(ps)
	}
	pv := Preview{Year: y, Text: text}
	if old, ok := years[year]; ok {
		pv.Replaces = &old
	}
	return pv, nil
}

// WarningKind says what a warning is about.
type WarningKind string

// The warnings of the calendar.
const (
	// ThisYearMissing: the current year has no notice, so no deadline in it can
	// be computed.
	ThisYearMissing WarningKind = "this_year_missing"
	// NextYearMissing: in the last quarter, next year's notice is missing, and
	// deadlines soon reach into it (and into the last days of December, which
	// its notice may change).
	NextYearMissing WarningKind = "next_year_missing"
)

// Warning is something an administrator should act on: a year to add.
type Warning struct {
	Kind WarningKind
	Year int
}

// Warnings says which years the calendar lacks on today, the city's date (as
// web.Today gives it): the current year always, and next year from October on,
// when the State Council publishes it.
func (s *Service) Warnings(ctx context.Context, today time.Time) ([]Warning, error) {
	c, err := s.Load(ctx)
	if err != nil {
		return nil, err
	}
	return warningsOf(c, today), nil
}

func warningsOf(c *Calendar, today time.Time) []Warning {
	var out []Warning
	if _, ok := c.years[today.Year()]; !ok {
		out = append(out, Warning{ThisYearMissing, today.Year()})
	}
	if _, ok := c.years[today.Year()+1]; !ok && today.Month() >= time.October {
		out = append(out, Warning{NextYearMissing, today.Year() + 1})
	}
	return out
}

// Overview is the calendar as its page shows it.
type Overview struct {
	Calendar  *Calendar
	Years     []Year // newest first
	Warnings  []Warning
	Today     time.Time
	MayImport bool
}

// Overview returns the calendar for p to read: every signed-in user may, as
// everyone's deadlines stand on it.
//
// Errors: forbidden for a request without a user.
func (s *Service) Overview(ctx context.Context, p auth.Principal) (Overview, error) {
	if !p.Role.Valid() {
		return Overview{}, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	c, err := s.Load(ctx)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{Calendar: c, Today: web.DayIn(s.now(), s.zone), MayImport: MayImport(p)}
	for _, n := range slices.Backward(c.Years()) {
		y, _ := c.Year(n)
		o.Years = append(o.Years, y)
	}
	o.Warnings = warningsOf(c, o.Today)
	return o, nil
}
