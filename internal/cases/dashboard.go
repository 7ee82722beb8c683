package cases

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Dashboard is the figures of the cases of a grid, community, street or district
// over a period (案件统计): what was reported and closed in it, what is open and
// overdue now, how long each step took, how satisfied the reporters were — for
// the unit, by class of category, by the units below it and by month.
type Dashboard struct {
	Unit DashboardUnit `json:"unit"`
	// From and To are the period's first and last days (YYYY-MM-DD) in the city's
	// zone, both included.
	From string `json:"from"`
	To   string `json:"to"`
	// AsOf is the moment the open cases and their flags are counted at.
	AsOf time.Time `json:"as_of"`
	Figures
	// Steps are the times the steps completed in the period took.
	Steps []StepTime `json:"steps"`
	// Hours says what the steps' times count: "working" hours on the
	// working-day calendar, or "clock" hours when the calendar cannot count
	// them (a year it has no data for).
	Hours string `json:"hours"`
	// Classes are the classes of category that have cases, in the catalogue's
	// order; Children the units below (a district's streets, a street's
	// communities, a community's grids), with a row for the unit itself when
	// cases were recorded at it; Months every month of the period.
	Classes  []DashboardRow   `json:"by_class"`
	Children []DashboardRow   `json:"by_unit"`
	Months   []DashboardMonth `json:"by_month"`
}

// DashboardUnit names the unit a dashboard counts.
type DashboardUnit struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Level scope.Level `json:"level"`
}

// Figures are the counts of a dashboard or of one of its rows.
type Figures struct {
	PeriodCounts
	OpenCounts
}

// PeriodCounts are what happened to cases in the period. A case closes once:
// verified (结案), not accepted (不予立案) or merged into another (并单).
type PeriodCounts struct {
	Opened   int `json:"opened"` // reported (上报)
	Closed   int `json:"closed"` // verified and closed, rated or not
	Rejected int `json:"rejected"`
	Merged   int `json:"merged"`
	// Satisfaction is the reporters' ratings (评价) of the cases closed in the
	// period.
	Satisfaction Satisfaction `json:"satisfaction"`
}

// OpenCounts are the cases open when the dashboard is read, and those of them past
// their step's limits. They do not depend on the period.
type OpenCounts struct {
	Open   int `json:"open"`
	Yellow int `json:"yellow"` // 黄牌: past the first limit, not yet the second
	Red    int `json:"red"`    // 红牌: past the second
}

// Satisfaction counts the ratings (满意 / 基本满意 / 不满意).
type Satisfaction struct {
	Satisfied          int `json:"satisfied"`
	BasicallySatisfied int `json:"basically_satisfied"`
	Dissatisfied       int `json:"dissatisfied"`
	// Rate is the share of the ratings that are satisfied or basically satisfied
	// (满意率, as the 12345 hotlines count it), from 0 to 1; 0 when none was given.
	Rate float64 `json:"rate"`
}

// Rated is how many ratings were given.
func (s Satisfaction) Rated() int { return s.Satisfied + s.BasicallySatisfied + s.Dissatisfied }

// Percent is Rate as a percentage with at most one decimal, "" when none was rated.
func (s Satisfaction) Percent() string {
	if s.Rated() == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(s.Rate*1000)/10, 'f', -1, 64)
}

func (s *Satisfaction) add(rating string, n int) {
	switch rating {
	case "satisfied":
		s.Satisfied += n
	case "basically_satisfied":
		s.BasicallySatisfied += n
	case "dissatisfied":
		s.Dissatisfied += n
	}
	if r := s.Rated(); r > 0 {
		s.Rate = float64(s.Satisfied+s.BasicallySatisfied) / float64(r)
	}
}

// DashboardRow is a class of category or a unit below, with its figures.
type DashboardRow struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Self marks the row of the cases recorded at the unit itself rather than
	// below it (a community's cases with no grid known).
	Self bool `json:"self,omitempty"`
	Figures
}

// DashboardMonth is a month of the period (YYYY-MM) with what happened in it; the
// first and last months may be partial.
type DashboardMonth struct {
	Month string `json:"month"`
	PeriodCounts
}

// StepTime is how long a step of the flow took, over the steps completed in the
// period: from when the case came to wait for it to the action that completed it.
type StepTime struct {
	// Step is accept (立案), dispatch (派遣), handle (处置) or verify (核查).
	Step        string  `json:"step"`
	Count       int     `json:"count"`
	MeanHours   float64 `json:"mean_hours"`
	MedianHours float64 `json:"median_hours"`
}

// timedStep is a step the dashboard times: the transition that completes it and
// the states a case waits in for it. The step starts at the latest action that
// brought the case into one of those states from another: a 处置 starts at the
// dispatch (or at a failed verification), not at an extension asked for or a
// reassignment on the way, and a re-dispatch after 退单 is a 派遣 of its own,
// timed from the return.
type timedStep struct {
	name, exit string
	states     []string
}

// timedSteps are the steps the dashboard times, in the flow's order.
func timedSteps() []timedStep {
	return []timedStep{
		{"accept", "accept", []string{"reported"}},
		{"dispatch", "dispatch", []string{"accepted", "returned"}},
		{"handle", "feedback", []string{"handling", "extension_requested"}},
		{"verify", "verify_pass", []string{"feedback"}},
	}
}

// maxDashboardMonths bounds a period: two years, month by month.
const maxDashboardMonths = 24

// workingTimeBetween is what the calendar offers (calendar.Service) to count the
// working time between two instants.
type workingTimeBetween interface {
	WorkingTimeBetween(from, to time.Time) (time.Duration, error)
}

// Dashboard returns the figures of the cases whose place lies under unit ("" for
// p's own) over the days from to to, both included, in the city's zone; a zero from
// is the first of to's month and a zero to is today. The open cases and their flags
// are counted now. Steps' times are in working hours on the calendar the service
// counts deadlines on (decision 31 says what each figure counts).
//
// Errors: forbidden to those who do not read the register; not found for a unit
// that does not exist or lies outside p's scope; invalid, naming the field, for a
// period that ends before it starts or spans more than 24 months.
func (s *Service) Dashboard(ctx context.Context, p auth.Principal, unit string, from, to time.Time, lang string) (Dashboard, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Dashboard{}, err
	}
	if unit == "" {
		unit = p.OrgCode
	}
	if !p.Scope().Contains(unit) {
		return Dashboard{}, errUnitNotFound()
	}
	now := s.now().UTC()
	per, err := s.periodOf(from, to, now)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{From: per.first.Format(time.DateOnly), To: per.last.Format(time.DateOnly), AsOf: now,
		Steps: []StepTime{}, Classes: []DashboardRow{}, Children: []DashboardRow{}}
	// The catalogue is taken before the read transaction, which must not wait on
	// the read pool for its version while holding one of its connections.
	cat := s.current(ctx).cat
	var spans map[string][][2]time.Time
	// The best plan of each query depends on the unit's range and the period's (a
	// grid's month, a district's year): PostgreSQL's generic plan of a prepared
	// statement took ten times as long for a community's month in a city of
	// a million cases. Each is planned for its values.
	ctx = db.PlanEachTime(ctx)
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		err := q.QueryRowContext(ctx, `SELECT code, name, level FROM org_units WHERE code = $1`, unit).
			Scan(&d.Unit.Code, &d.Unit.Name, &d.Unit.Level)
		if errors.Is(err, sql.ErrNoRows) {
			return errUnitNotFound()
		}
		if err != nil {
			return err
		}
		t, err := newTally(ctx, q, d.Unit, per)
		if err != nil {
			return err
		}
		if err := t.count(ctx, q, now); err != nil {
			return err
		}
		t.into(&d, cat, lang)
		spans, err = stepSpans(ctx, q, unit, per)
		return err
	})
	if err != nil {
		return Dashboard{}, err
	}
	d.Steps, d.Hours, err = s.stepTimes(spans)
	return d, err
}

func errUnitNotFound() error { return apperr.New(apperr.NotFound, "org.not_found", "unit") }

// period is a dashboard's days and the instants that bound them and their months.
type period struct {
	first, last time.Time // the first and last days, as dates (midnight UTC)
	// bounds are the instants each month of the period starts at (the first at
	// the first day's start), then the instant after the last day.
	bounds []time.Time
	months []string // YYYY-MM of each month
}

func (p period) start() time.Time { return p.bounds[0] }
func (p period) end() time.Time   { return p.bounds[len(p.bounds)-1] }

// periodOf reads the days from and to as the city's days, as Dashboard documents.
func (s *Service) periodOf(from, to, now time.Time) (period, error) {
	if to.IsZero() {
		to = now.In(s.zone)
	}
	ty, tm, td := to.Date()
	if from.IsZero() {
		from = time.Date(ty, tm, 1, 0, 0, 0, 0, time.UTC)
	}
	fy, fm, fd := from.Date()
	p := period{first: time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC), last: time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)}
	if p.last.Before(p.first) {
		return period{}, apperr.Invalidf("to", "case.dash_period_order")
	}
	n := (ty*12 + int(tm)) - (fy*12 + int(fm)) + 1
	if n > maxDashboardMonths {
		return period{}, apperr.Invalidf("from", "case.dash_period_too_long").With("max", maxDashboardMonths)
	}
	p.bounds = append(p.bounds, time.Date(fy, fm, fd, 0, 0, 0, 0, s.zone).UTC())
	for i := range n {
		m := time.Date(fy, fm+time.Month(i), 1, 0, 0, 0, 0, s.zone)
		p.months = append(p.months, m.Format("2006-01"))
		if i > 0 {
			p.bounds = append(p.bounds, m.UTC())
		}
	}
	p.bounds = append(p.bounds, time.Date(ty, tm, td+1, 0, 0, 0, 0, s.zone).UTC())
	return p, nil
}

// tally adds the counted groups up into the unit's figures and its rows'.
type tally struct {
	unit     DashboardUnit
	per      period
	total    Figures
	classes  map[string]*Figures
	children []DashboardRow // the units below, in code order, then the unit itself
	child    map[string]int // code → index in children
	length   int            // the length of the children's codes
	months   []PeriodCounts
}

// newTally reads the units below unit.
func newTally(ctx context.Context, q db.Querier, unit DashboardUnit, per period) (*tally, error) {
	t := &tally{unit: unit, per: per, classes: map[string]*Figures{}, child: map[string]int{}, months: make([]PeriodCounts, len(per.months))}
	rows, err := q.QueryContext(ctx, `SELECT code, name FROM org_units WHERE parent_code = $1 ORDER BY code`, unit.Code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r DashboardRow
		if err := rows.Scan(&r.Code, &r.Name); err != nil {
			return nil, err
		}
		t.child[r.Code] = len(t.children)
		t.children = append(t.children, r)
		t.length = len(r.Code)
	}
	return t, rows.Err()
}

// group is one row of a count: the cases of a place and class that share the
// month of the period they were reported or closed in (its index; -1 for a count
// that is not of it), how they closed and their rating, or where they stand now.
type group struct {
	org, class     string
	opened, closed int
	final, rating  string
	flag           string // open, yellow, red; "" for a count of the period
	n              int
}

// count reads the cases under the unit reported in the period, those closed in
// it and those open now: three ranges of the unit's codes (on cases_org, on
// workflow_closed of migration 23, on the board's index of the open instances),
// each grouped by what the figures tell apart.
func (t *tally) count(ctx context.Context, q db.Querier, now time.Time) error {
	sc := scope.Of(t.unit.Code)
	reported, args := sc.Where("c.org_code", 1)
	args = append(args, t.per.start().UnixMilli(), t.per.end().UnixMilli())
	err := t.read(ctx, q, `SELECT c.org_code, SUBSTR(c.category_code, 1, 2), `+t.month("c.reported_at", &args)+`, -1, '', '', '', COUNT(*)
		FROM cases c WHERE c.reported_at >= $3 AND c.reported_at < $4 AND `+reported+` GROUP BY 1, 2, 3`, args)
	if err != nil {
		return err
	}
	closed, args := sc.Where("w.org_code", 1)
	args = append(args, t.per.start().UnixMilli(), t.per.end().UnixMilli())
	err = t.read(ctx, q, `SELECT w.org_code, SUBSTR(c.category_code, 1, 2), -1, `+t.month("w.closed_at", &args)+`, w.state, c.rating, '', COUNT(*)`+
		caseInstance+` WHERE w.closed_at >= $3 AND w.closed_at < $4 AND `+closed+` GROUP BY 1, 2, 3, 4, 5, 6`, args)
	if err != nil {
		return err
	}
	open, args := sc.Where("w.org_code", 1)
	return t.read(ctx, q, `SELECT w.org_code, SUBSTR(c.category_code, 1, 2), -1, -1, '', '',
		CASE WHEN w.red_at <= $3 THEN 'red' WHEN w.yellow_at <= $3 THEN 'yellow' ELSE 'open' END, COUNT(*)`+
		caseInstance+` WHERE w.closed_at IS NULL AND `+open+` GROUP BY 1, 2, 3, 4, 5, 6, 7`, append(args, now.UnixMilli()))
}

// month is the index of the month of the period the instant in col falls in,
// its bounds added to args.
func (t *tally) month(col string, args *[]any) string {
	if len(t.per.months) == 1 {
		return "0"
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i, at := range t.per.bounds[1 : len(t.per.bounds)-1] {
		*args = append(*args, at.UnixMilli())
		b.WriteString(" WHEN " + col + " < $" + strconv.Itoa(len(*args)) + " THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE " + strconv.Itoa(len(t.per.months)-1) + " END")
	return b.String()
}

// read adds up the groups query gives.
func (t *tally) read(ctx context.Context, q db.Querier, query string, args []any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.org, &g.class, &g.opened, &g.closed, &g.final, &g.rating, &g.flag, &g.n); err != nil {
			return err
		}
		t.add(g)
	}
	return rows.Err()
}

// caseInstance joins a workflow instance to its case.
const caseInstance = ` FROM workflow_instances w
	JOIN cases c ON c.id = w.subject_id AND w.subject_kind = 'case' AND w.flow = 'case'`

// add counts g into the total, its class, its unit below and its months.
func (t *tally) add(g group) {
	class, ok := t.classes[g.class]
	if !ok {
		class = &Figures{}
		t.classes[g.class] = class
	}
	for _, f := range []*Figures{&t.total, class, t.childOf(g.org)} {
		if f == nil {
			continue
		}
		if g.opened >= 0 {
			f.Opened += g.n
		}
		if g.closed >= 0 {
			f.PeriodCounts.close(g)
		}
		switch g.flag {
		case "open":
			f.Open += g.n
		case "yellow":
			f.Open += g.n
			f.Yellow += g.n
		case "red":
			f.Open += g.n
			f.Red += g.n
		}
	}
	if g.opened >= 0 {
		t.months[g.opened].Opened += g.n
	}
	if g.closed >= 0 {
		t.months[g.closed].close(g)
	}
}

// close counts the cases of g as closed, by how, with their ratings.
func (c *PeriodCounts) close(g group) {
	switch g.final {
	case "rejected":
		c.Rejected += g.n
	case "merged":
		c.Merged += g.n
	default:
		c.Closed += g.n
		c.Satisfaction.add(g.rating, g.n)
	}
}

// childOf returns the figures of the unit below that org lies in, or of the
// unit's own row; nil for a unit with none below (a grid).
func (t *tally) childOf(org string) *Figures {
	if t.length == 0 {
		return nil
	}
	if len(org) >= t.length {
		if i, ok := t.child[org[:t.length]]; ok {
			return &t.children[i].Figures
		}
	}
	i, ok := t.child[t.unit.Code]
	if !ok {
		i = len(t.children)
		t.child[t.unit.Code] = i
		t.children = append(t.children, DashboardRow{Code: t.unit.Code, Name: t.unit.Name, Self: true})
	}
	return &t.children[i].Figures
}

// into gives d the tally's figures, the classes named in lang.
func (t *tally) into(d *Dashboard, cat *Catalogue, lang string) {
	d.Figures = t.total
	d.Children = t.children
	if d.Children == nil {
		d.Children = []DashboardRow{}
	}
	for _, c := range cat.All() {
		if f, ok := t.classes[c.Code]; ok && c.Parent == "" {
			d.Classes = append(d.Classes, DashboardRow{Code: c.Code, Name: c.Name(lang), Figures: *f})
		}
	}
	for i, m := range t.per.months {
		d.Months = append(d.Months, DashboardMonth{Month: m, PeriodCounts: t.months[i]})
	}
}

// stepSpans returns, for each timed step, when each one completed in the period
// under unit began and ended. It reads in one query the timelines of the cases
// that were open at some time in the period (reported before its end, and not
// closed before its start: a range of workflow_closed, migration 23), and follows
// each in order: a step begins at the latest action that brought the case to it,
// and ends at the action that completes it.
func stepSpans(ctx context.Context, q db.Querier, unit string, per period) (map[string][][2]time.Time, error) {
	steps := timedSteps()
	w, args := scope.Of(unit).Where("w.org_code", 1)
	args = append(args, per.start().UnixMilli(), per.end().UnixMilli())
	rows, err := q.QueryContext(ctx, `SELECT p.instance_id, p.transition, p.from_state, p.to_state, p.at FROM workflow_actions p
		WHERE p.instance_id IN (SELECT w.id FROM workflow_instances w WHERE w.flow = 'case' AND `+w+`
			AND (w.closed_at IS NULL OR w.closed_at >= $3) AND w.created_at < $4)
		ORDER BY p.instance_id, p.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][][2]time.Time{}
	start, end := per.start().UnixMilli(), per.end().UnixMilli()
	var instance string
	began := make([]int64, len(steps)) // when each step began on the instance, 0 before
	for rows.Next() {
		var id, transition, from, to string
		var at int64
		if err := rows.Scan(&id, &transition, &from, &to, &at); err != nil {
			return nil, err
		}
		if id != instance {
			instance = id
			clear(began)
		}
		for i, st := range steps {
			switch {
			case transition == st.exit && began[i] > 0 && at >= start && at < end:
				out[st.name] = append(out[st.name], [2]time.Time{time.UnixMilli(began[i]), time.UnixMilli(at)})
			case slices.Contains(st.states, to) && !slices.Contains(st.states, from):
				began[i] = at
			}
		}
	}
	return out, rows.Err()
}

// stepTimes measures the spans in working hours on the calendar, or in clock
// hours when it cannot count one of them (a year it has no data for): the
// figures of one dashboard are all in the same hours.
func (s *Service) stepTimes(spans map[string][][2]time.Time) ([]StepTime, string, error) {
	hours := "clock"
	measure := func(a, b time.Time) (time.Duration, error) { return b.Sub(a), nil }
	if wt, ok := s.wt.(workingTimeBetween); ok {
		hours, measure = "working", wt.WorkingTimeBetween
	}
	out, err := measureSteps(spans, measure)
	var missing *calendar.MissingYearError
	if errors.As(err, &missing) {
		hours = "clock"
		out, err = measureSteps(spans, func(a, b time.Time) (time.Duration, error) { return b.Sub(a), nil })
	}
	return out, hours, err
}

func measureSteps(spans map[string][][2]time.Time, measure func(a, b time.Time) (time.Duration, error)) ([]StepTime, error) {
	var out []StepTime
	for _, st := range timedSteps() {
		ds := make([]time.Duration, 0, len(spans[st.name]))
		var sum time.Duration
		for _, sp := range spans[st.name] {
			d, err := measure(sp[0], sp[1])
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
			sum += d
		}
		t := StepTime{Step: st.name, Count: len(ds)}
		if len(ds) > 0 {
			slices.Sort(ds)
			median := ds[len(ds)/2]
			if len(ds)%2 == 0 {
				median = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
			}
			t.MeanHours, t.MedianHours = roundHours(sum/time.Duration(len(ds))), roundHours(median)
		}
		out = append(out, t)
	}
	return out, nil
}

// roundHours is d in hours to the hundredth.
func roundHours(d time.Duration) float64 { return math.Round(d.Hours()*100) / 100 }
