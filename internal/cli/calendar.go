package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/i18n"
)

const calendarUsage = "want: calendar list [--year YEAR] | calendar import --year YEAR FILE"

// calendarCmd shows the working-day calendar and adds a year to it from the
// command line: how an office without a browser at hand puts in the State
// Council's notice for next year (decision 23).
func (e *env) calendarCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{calendarUsage}
	}
	switch args[0] {
	case "list":
		return e.calendarList(ctx, args[1:])
	case "import":
		return e.calendarImport(ctx, args[1:])
	}
	return usageError{calendarUsage}
}

// calendarService opens the database and the calendar's service in the city's
// zone.
func (e *env) calendarService(ctx context.Context, dsn, tz string) (*calendar.Service, func(), error) {
	zone, err := loadZone(tz)
	if err != nil {
		return nil, nil, err
	}
	d, err := e.open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	s, err := calendar.NewService(d, e.now, calendar.Settings{Zone: zone})
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return s, func() { d.Close() }, nil
}

// calendarList prints the years the calendar has, newest first, and what it
// lacks; with --year, that year's days.
func (e *env) calendarList(ctx context.Context, args []string) error {
	fs := e.flags("calendar list")
	dsn := e.dbFlag(fs)
	year := fs.Int("year", 0, "print the days of this year")
	tz := zoneFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := i18n.Load(calendar.Locales)
	if err != nil {
		return err
	}
	lang := terminalLang()
	s, done, err := e.calendarService(ctx, *dsn, *tz)
	if err != nil {
		return err
	}
	defer done()
	o, err := s.Overview(ctx, auth.System())
	if err != nil {
		return err
	}
	if *year != 0 {
		y, ok := o.Calendar.Year(*year)
		if !ok {
			return usageError{b.T(lang, "calendar.missing_year", "year", *year)}
		}
		fmt.Fprintln(e.stdout, y.Source)
		for _, d := range y.Days {
			kind := b.T(lang, "calendar.off")
			if d.Kind == calendar.Workday {
				kind = b.T(lang, "calendar.work")
			}
			fmt.Fprintf(e.stdout, "%s %s  %s  %s\n", d.Date.Format(time.DateOnly), b.T(lang, "calendar.weekday."+strconv.Itoa(int(d.Date.Weekday()))), kind, d.Name)
		}
		return nil
	}
	rows := [][]string{{b.T(lang, "calendar.cli.year"), b.T(lang, "calendar.cli.days"), b.T(lang, "calendar.cli.origin")}}
	for _, y := range o.Years {
		origin := b.T(lang, "calendar.shipped")
		if a := y.Added; a != nil {
			origin = b.T(lang, "calendar.added_by", "name", a.ByName, "time", a.At.In(o.Calendar.Zone()).Format("2006-01-02 15:04"))
		}
		rows = append(rows, []string{strconv.Itoa(y.Year), fmt.Sprintf("%d/%d", y.Count(calendar.Holiday), y.Count(calendar.Workday)), origin})
	}
	if err := writeTable(e.stdout, rows); err != nil {
		return err
	}
	for _, w := range o.Warnings {
		fmt.Fprintln(e.stdout, b.T(lang, "calendar.warning."+string(w.Kind), "year", w.Year))
	}
	return nil
}

// calendarImport adds a year from a file, as the system, in place of the
// year's shipped or earlier data; a file with problems is listed, line by line,
// and nothing is saved.
func (e *env) calendarImport(ctx context.Context, args []string) error {
	fs := e.flags("calendar import")
	dsn := e.dbFlag(fs)
	year := fs.Int("year", 0, "the year the file arranges, as the notice's title says")
	tz := zoneFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *year == 0 || fs.NArg() != 1 {
		return usageError{calendarUsage}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := i18n.Load(calendar.Locales)
	if err != nil {
		return err
	}
	lang := terminalLang()
	s, done, err := e.calendarService(ctx, *dsn, *tz)
	if err != nil {
		return err
	}
	defer done()
	err = s.ImportYear(ctx, auth.System(), *year, f)
	var ps calendar.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(e.stderr, b.T(lang, "calendar.problems", "n", len(ps)))
		for _, p := range ps {
			fmt.Fprintln(e.stderr, b.Error(lang, p))
		}
		return problemsError{n: len(ps)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, b.T(lang, "calendar.done", "year", *year))
	return nil
}
