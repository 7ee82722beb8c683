package cases

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// dashboardPage is the dashboard of a unit over a period, with the links that
// choose another: the units above and below, the usual periods.
type dashboardPage struct {
	Dashboard
	Crumbs  []web.Crumb
	Periods []periodLink
	// Problem says why the dates asked for were not used.
	Problem string
	// Below are the units below, to look at one of them.
	Below        []web.Crumb
	Ratings      []ratingShare
	Steps        []stepRow
	MonthLabels  []string
	MonthOpened  []int
	MonthClosed  []int
	ClassBars    []web.Bar
	ChildBars    []web.Bar
	ClassTable   dashTable
	UnitTable    dashTable
	BoardURL     string
	ShowChildren bool
}

// dashTable is the rows of classes or of units below, under the heading Head (a
// message key).
type dashTable struct {
	Head string
	Rows []dashRow
}

// dashRow is a row with the link to its own dashboard, if it has one.
type dashRow struct {
	DashboardRow
	URL string
}

// periodLink is one of the usual periods: this month, last month, this year.
type periodLink struct {
	Key, URL string
	Current  bool
}

// stepRow is a step's time as the page writes it: hours to the tenth, "—" when
// no step was completed.
type stepRow struct {
	Step, Mean, Median string
	Count              int
}

func tenths(hours float64, n int) string {
	if n == 0 {
		return "—"
	}
	return strconv.FormatFloat(math.Round(hours*10)/10, 'f', 1, 64)
}

// monthLabel is a month as a chart's column reads it: "9月", "Sep".
func monthLabel(month, lang string) string {
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	if strings.HasPrefix(lang, "en") {
		return m.Format("Jan")
	}
	return strconv.Itoa(int(m.Month())) + "月"
}

// ratingShare is one rating with its share of those given, in percent.
type ratingShare struct {
	Key     string
	N       int
	Percent int
}

// dashboardURL is the page of unit over the days from to to.
func dashboardURL(unit, from, to string) string {
	return "/cases/dashboard?" + url.Values{"unit": {unit}, "from": {from}, "to": {to}}.Encode()
}

// dashboardDates reads the ?from= and ?to= of a dashboard, YYYY-MM-DD, "" for the
// default.
func dashboardDates(from, to string) (time.Time, time.Time, error) {
	var days [2]time.Time
	for i, v := range []string{from, to} {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return time.Time{}, time.Time{}, apperr.Invalidf([]string{"from", "to"}[i], "date")
		}
		days[i] = d
	}
	return days[0], days[1], nil
}

// dashboard shows the figures of a unit over a period; dates that cannot be used
// are said so, and the default period (this month) shown instead.
func (pg *Pages) dashboard(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	q := r.URL.Query()
	lang := web.Lang(r)
	from, to, err := dashboardDates(q.Get("from"), q.Get("to"))
	var d Dashboard
	if err == nil {
		d, err = pg.svc.Dashboard(r.Context(), p, q.Get("unit"), from, to, lang)
	}
	page := dashboardPage{}
	if apperr.CodeOf(err) == apperr.Invalid {
		page.Problem = pg.render.Message(r, err)
		d, err = pg.svc.Dashboard(r.Context(), p, q.Get("unit"), time.Time{}, time.Time{}, lang)
	}
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page.Dashboard = d
	path, err := pg.orgs.Path(r.Context(), p, d.Unit.Code)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	for i, u := range path {
		c := web.Crumb{Label: u.Name}
		if i < len(path)-1 && p.Scope().Contains(u.Code) {
			c.URL = dashboardURL(u.Code, d.From, d.To)
		}
		page.Crumbs = append(page.Crumbs, c)
	}
	page.Periods = pg.periods(d)
	page.BoardURL = "/cases/board?" + url.Values{"unit": {d.Unit.Code}}.Encode()
	for _, st := range d.Steps {
		page.Steps = append(page.Steps, stepRow{Step: st.Step, Count: st.Count, Mean: tenths(st.MeanHours, st.Count), Median: tenths(st.MedianHours, st.Count)})
	}
	for _, m := range d.Months {
		page.MonthLabels = append(page.MonthLabels, monthLabel(m.Month, lang))
		page.MonthOpened = append(page.MonthOpened, m.Opened)
		page.MonthClosed = append(page.MonthClosed, m.Closed)
	}
	page.ClassTable.Head, page.UnitTable.Head = "case.dash.class", "case.dash.unit"
	for _, c := range d.Classes {
		page.ClassBars = append(page.ClassBars, web.Bar{Label: c.Name, Value: c.Opened})
		page.ClassTable.Rows = append(page.ClassTable.Rows, dashRow{DashboardRow: c})
	}
	for _, c := range d.Children {
		// The unit's own row is labelled with its name: the community itself
		// among its grids.
		row := dashRow{DashboardRow: c}
		if !c.Self {
			row.URL = dashboardURL(c.Code, d.From, d.To)
			page.Below = append(page.Below, web.Crumb{Label: c.Name, URL: row.URL})
		}
		page.ChildBars = append(page.ChildBars, web.Bar{Label: c.Name, Value: c.Opened})
		page.UnitTable.Rows = append(page.UnitTable.Rows, row)
	}
	page.ShowChildren = len(d.Children) > 0
	sat := d.Satisfaction
	for _, s := range []struct {
		key string
		n   int
	}{{"satisfied", sat.Satisfied}, {"basically_satisfied", sat.BasicallySatisfied}, {"dissatisfied", sat.Dissatisfied}} {
		rs := ratingShare{Key: "case.result." + s.key, N: s.n}
		if sat.Rated() > 0 {
			rs.Percent = (s.n*100 + sat.Rated()/2) / sat.Rated()
		}
		page.Ratings = append(page.Ratings, rs)
	}
	pg.render.Page(w, r, http.StatusOK, "cases_dashboard", page)
}

// periods are the usual periods of the city's calendar today, the one shown
// marked: this month and this year up to today, and the whole of last month.
func (pg *Pages) periods(d Dashboard) []periodLink {
	today := web.DayIn(pg.svc.now(), pg.svc.zone)
	y, m, _ := today.Date()
	thisMonth := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	out := []periodLink{
		{Key: "this_month", URL: dashboardURL(d.Unit.Code, day(thisMonth), day(today))},
		{Key: "last_month", URL: dashboardURL(d.Unit.Code, day(thisMonth.AddDate(0, -1, 0)), day(thisMonth.AddDate(0, 0, -1)))},
		{Key: "this_year", URL: dashboardURL(d.Unit.Code, day(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)), day(today))},
	}
	shown := dashboardURL(d.Unit.Code, d.From, d.To)
	for i := range out {
		out[i].Current = out[i].URL == shown
	}
	return out
}

// dashboard answers the figures of ?unit= (default the caller's) over the days
// ?from= to ?to= (default this month up to today).
func (a *API) dashboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, err := dashboardDates(q.Get("from"), q.Get("to"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	d, err := a.svc.Dashboard(r.Context(), auth.From(r), q.Get("unit"), from, to, web.Lang(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}
