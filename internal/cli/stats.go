package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/stats"
)

// stats prints the report's statistics for a unit and each of its children.
func (e *env) stats(ctx context.Context, args []string) error {
	fs := e.flags("stats")
	dsn := e.dbFlag(fs)
	code := fs.String("scope", "", "code of the unit (default: the city)")
	asOf := fs.String("as-of", "", "date the ages and staffing are counted at, YYYY-MM-DD (default today)")
	asJSON := fs.Bool("json", false, "print JSON (the shape of GET /api/v1/stats)")
	tz := zoneFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	zone, err := loadZone(*tz)
	if err != nil {
		return err
	}
	day := web.DayIn(e.now(), zone)
	if *asOf != "" {
		if day, err = time.Parse(time.DateOnly, *asOf); err != nil {
			return usageError{"--as-of wants a date as YYYY-MM-DD, got " + strconv.Quote(*asOf)}
		}
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if *code == "" {
		if err := d.Read().QueryRowContext(ctx, `SELECT code FROM org_units WHERE level = 'city' ORDER BY code LIMIT 1`).Scan(code); err != nil {
			return apperr.New(apperr.NotFound, "org.not_found", "scope")
		}
	}
	// One read transaction, so that figures taken during an import are all of the
	// register before it or all of it after, never a half.
	var st stats.Stats
	err = d.ReadTx(ctx, func(q db.Querier) error {
		st, err = stats.Compute(ctx, q, scope.Everything(), *code, day)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(st)
	}
	return e.statsTable(st)
}

// statsTable prints one row for the unit and one for each child.
func (e *env) statsTable(st stats.Stats) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	lang := terminalLang()
	t := func(key string) string { return b.T(lang, key) }
	fmt.Fprintf(e.stdout, "%s %s (%s), %s %s\n\n", st.Scope.Name, st.Scope.Code, t("level."+string(st.Scope.Level)), t("stats.as_of"), st.AsOf)
	cols := []string{"stats.unit", "stats.communities", "stats.grids", "stats.households", "stats.registered", "stats.floating",
		"stats.posts", "stats.filled", "stats.under_35", "stats.35_to_50", "stats.over_50", "stats.male", "stats.female",
		"stats.area_300", "stats.area_150", "stats.area_90"}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = t(c)
	}
	rows := [][]string{header}
	row := func(name string, s stats.Stats) {
		v := []int{s.Units.Communities, s.Units.Grids, s.Households, s.Residents.Registered, s.Residents.Floating,
			s.Staff.AuthorizedPosts, s.Staff.Filled, s.Staff.Age.Under35, s.Staff.Age.From35To50, s.Staff.Age.Over50,
			s.Staff.Sex.Male, s.Staff.Sex.Female, s.OfficeSpace.AtLeast300, s.OfficeSpace.Below150, s.OfficeSpace.Below90}
		cells := []string{name}
		for _, x := range v {
			cells = append(cells, strconv.Itoa(x))
		}
		rows = append(rows, cells)
	}
	for _, c := range st.Children {
		row(c.Scope.Name, c)
	}
	row(t("stats.total"), st)
	return writeTable(e.stdout, rows)
}
