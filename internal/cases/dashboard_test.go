package cases_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/cases"
	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

// dashCity is the test city with a history of cases for its dashboards, and the
// clock at Wednesday 30 September 2026, 10:00.
type dashCity struct {
	s   *cases.Service
	clk *clock
	d   *db.DB
}

// newDashCity files the cases of the test city, each step at a fixed time (in
// the city's zone; working hours are 08:30–12:00 and 14:30–17:30):
//
//	A  grid 1, 1401 lamp: reported 09-01 09:00, accepted 10:00, dispatched 11:00,
//	   fed back 09-02 11:00, verified 15:00, rated satisfied.
//	B  grid 1, 1201 fire exit: reported 09-03 09:00, accepted 09:30, dispatched
//	   to the district 10:00, returned 11:00, dispatched again 11:30: handling
//	   since, past its 1/2 working days (red).
//	C  grid 2, 1101 dispute: reported 09-10 09:00, never accepted (red).
//	D  grid 1, 0501 pavement trading: reported 09-15 09:00, not accepted 10:00.
//	E  grid 1, 1201 fire exit: reported 09-15 09:00, merged into B 11:00.
//	F  grid 1, 1401 lamp: reported 08-20 09:00, accepted 10:00, dispatched
//	   08-31 16:30, fed back 09-01 09:00, verified 10:00, rated dissatisfied.
//	G  the community itself, 1402 water: reported 09-28 09:00 (yellow).
//	H  the other street's grid, 1402 water: reported 09-05 10:00 (red).
//	I  grid 2, 1501 allowance question: reported 09-30 09:00 (on time).
func newDashCity(t *testing.T, d *db.DB) dashCity {
	t.Helper()
	s, clk := setup(t, d)
	ctx := context.Background()
	report := func(at string, p auth.Principal, place, category string) cases.Case {
		t.Helper()
		clk.set(at)
		c, err := s.Report(ctx, p, cases.ReportInput{OrgCode: place, Category: category, Description: "情况 " + at}, nil, nil)
		if err != nil {
			t.Fatalf("report at %s: %v", at, err)
		}
		return c
	}
	step := func(c cases.Case, at string, p auth.Principal, in cases.TakeInput) cases.Case {
		t.Helper()
		clk.set(at)
		if in.Transition == "feedback" {
			return take(t, s, p, c, in, photo(t))
		}
		return take(t, s, p, c, in)
	}

	f := report("2026-08-20 09:00", gridWorker, orgtest.Grid, "1401")
	f = step(f, "2026-08-20 10:00", community, cases.TakeInput{Transition: "accept"})
	f = step(f, "2026-08-31 16:30", community, cases.TakeInput{Transition: "dispatch", HandlerID: window})
	f = step(f, "2026-09-01 09:00", community, cases.TakeInput{Transition: "feedback", Result: "已修复"})
	f = step(f, "2026-09-01 10:00", community, cases.TakeInput{Transition: "verify_pass"})
	step(f, "2026-09-02 09:00", gridWorker, cases.TakeInput{Transition: "rate", Result: "dissatisfied"})

	a := report("2026-09-01 09:00", gridWorker, orgtest.Grid, "1401")
	a = step(a, "2026-09-01 10:00", community, cases.TakeInput{Transition: "accept"})
	a = step(a, "2026-09-01 11:00", community, cases.TakeInput{Transition: "dispatch", HandlerID: window})
	a = step(a, "2026-09-02 11:00", community, cases.TakeInput{Transition: "feedback", Result: "已更换灯泡"})
	a = step(a, "2026-09-02 15:00", community, cases.TakeInput{Transition: "verify_pass"})
	step(a, "2026-09-03 09:00", gridWorker, cases.TakeInput{Transition: "rate", Result: "satisfied"})

	b := report("2026-09-03 09:00", gridWorker, orgtest.Grid, "1201")
	b = step(b, "2026-09-03 09:30", community, cases.TakeInput{Transition: "accept"})
	b = step(b, "2026-09-03 10:00", community, cases.TakeInput{Transition: "dispatch", HandlerID: department})
	b = step(b, "2026-09-03 11:00", district, cases.TakeInput{Transition: "return", Reason: "消防通道归物业管理"})
	b = step(b, "2026-09-03 11:30", community, cases.TakeInput{Transition: "dispatch", HandlerID: window})

	report("2026-09-05 10:00", otherGrid, orgtest.Grid2, "1402")
	report("2026-09-10 09:00", community, orgtest.GridB, "1101")

	dd := report("2026-09-15 09:00", gridWorker, orgtest.Grid, "0501")
	step(dd, "2026-09-15 10:00", community, cases.TakeInput{Transition: "not_accept", Reason: "已自行离开"})
	e := report("2026-09-15 09:00", gridWorker, orgtest.Grid, "1201")
	step(e, "2026-09-15 11:00", community, cases.TakeInput{Transition: "merge", Into: b.No})

	report("2026-09-28 09:00", community, orgtest.Community, "1402")
	report("2026-09-30 09:00", community, orgtest.GridB, "1501")
	clk.set("2026-09-30 10:00")
	return dashCity{s: s, clk: clk, d: d}
}

// date is a day as the dashboard takes it.
func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// figures builds the expected figures: opened, closed, rejected, merged, open,
// yellow, red, then the ratings satisfied, basically and dissatisfied.
func figures(n ...int) cases.Figures {
	f := cases.Figures{
		PeriodCounts: cases.PeriodCounts{Opened: n[0], Closed: n[1], Rejected: n[2], Merged: n[3]},
		OpenCounts:   cases.OpenCounts{Open: n[4], Yellow: n[5], Red: n[6]},
	}
	f.Satisfaction = cases.Satisfaction{Satisfied: n[7], BasicallySatisfied: n[8], Dissatisfied: n[9]}
	if r := f.Satisfaction.Rated(); r > 0 {
		f.Satisfaction.Rate = float64(n[7]+n[8]) / float64(r)
	}
	return f
}

func TestDashboard_CountsACommunitysMonth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		city := newDashCity(t, d)
		got, err := city.s.Dashboard(context.Background(), community, "", date("2026-09-01"), date("2026-09-30"), "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if got.Unit.Code != orgtest.Community || got.Unit.Name != "东兴社区" || got.From != "2026-09-01" || got.To != "2026-09-30" {
			t.Errorf("unit and period: %+v %s–%s", got.Unit, got.From, got.To)
		}
		// Reported in September: A B C D E G I (F was reported in August, H is in
		// another community). Closed: A and F, with D not accepted and E merged.
		// Open now: B and C red, G yellow, I on time.
		if want := figures(7, 2, 1, 1, 4, 1, 2, 1, 0, 1); got.Figures != want {
			t.Errorf("figures\n got %+v\nwant %+v", got.Figures, want)
		}
		if got.Satisfaction.Rate != 0.5 || got.Satisfaction.Percent() != "50" {
			t.Errorf("satisfaction rate %v (%s%%), want 0.5", got.Satisfaction.Rate, got.Satisfaction.Percent())
		}

		// Working hours, step by step: 立案 A 1 h, B 0.5 h; 派遣 A 1 h, B 0.5 h
		// and again 0.5 h from its return; 处置 A from 11:00 to 11:00 the next
		// day, 6.5 h, and F from Monday 16:30 to Tuesday 09:00, 1.5 h; 核查 A 1.5 h
		// (the lunch break does not count), F 1 h. F's 立案 and 派遣 were in August.
		if got.Hours != "working" {
			t.Errorf("hours %q, want working", got.Hours)
		}
		wantSteps := []cases.StepTime{
			{Step: "accept", Count: 2, MeanHours: 0.75, MedianHours: 0.75},
			{Step: "dispatch", Count: 3, MeanHours: 0.67, MedianHours: 0.5},
			{Step: "handle", Count: 2, MeanHours: 4, MedianHours: 4},
			{Step: "verify", Count: 2, MeanHours: 1.25, MedianHours: 1.25},
		}
		if !reflect.DeepEqual(got.Steps, wantSteps) {
			t.Errorf("steps\n got %+v\nwant %+v", got.Steps, wantSteps)
		}

		wantClasses := []cases.DashboardRow{
			{Code: "05", Name: "街面秩序", Figures: figures(1, 0, 1, 0, 0, 0, 0, 0, 0, 0)},
			{Code: "11", Name: "矛盾纠纷", Figures: figures(1, 0, 0, 0, 1, 0, 1, 0, 0, 0)},
			{Code: "12", Name: "安全隐患", Figures: figures(2, 0, 0, 1, 1, 0, 1, 0, 0, 0)},
			{Code: "14", Name: "民生服务", Figures: figures(2, 2, 0, 0, 1, 1, 0, 1, 0, 1)},
			{Code: "15", Name: "政策咨询", Figures: figures(1, 0, 0, 0, 1, 0, 0, 0, 0, 0)},
		}
		if !reflect.DeepEqual(got.Classes, wantClasses) {
			t.Errorf("by class\n got %+v\nwant %+v", got.Classes, wantClasses)
		}
		// The community's grids, then the case recorded at the community itself.
		wantUnits := []cases.DashboardRow{
			{Code: orgtest.Grid, Name: "东兴第一网格", Figures: figures(4, 2, 1, 1, 1, 0, 1, 1, 0, 1)},
			{Code: orgtest.GridB, Name: "东兴第二网格", Figures: figures(2, 0, 0, 0, 2, 0, 1, 0, 0, 0)},
			{Code: orgtest.Community, Name: "东兴社区", Self: true, Figures: figures(1, 0, 0, 0, 1, 1, 0, 0, 0, 0)},
		}
		if !reflect.DeepEqual(got.Children, wantUnits) {
			t.Errorf("by unit\n got %+v\nwant %+v", got.Children, wantUnits)
		}
		if len(got.Months) != 1 || got.Months[0].Month != "2026-09" || got.Months[0].PeriodCounts != got.PeriodCounts {
			t.Errorf("by month: %+v", got.Months)
		}
	})
}

func TestDashboard_CountsADistrictMonthByMonth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		city := newDashCity(t, d)
		got, err := city.s.Dashboard(context.Background(), district, "", date("2026-08-01"), date("2026-09-30"), "en")
		if err != nil {
			t.Fatal(err)
		}
		if want := figures(9, 2, 1, 1, 5, 1, 3, 1, 0, 1); got.Figures != want {
			t.Errorf("figures\n got %+v\nwant %+v", got.Figures, want)
		}
		wantMonths := []cases.DashboardMonth{
			{Month: "2026-08", PeriodCounts: figures(1, 0, 0, 0, 0, 0, 0, 0, 0, 0).PeriodCounts},
			{Month: "2026-09", PeriodCounts: figures(8, 2, 1, 1, 0, 0, 0, 1, 0, 1).PeriodCounts},
		}
		if !reflect.DeepEqual(got.Months, wantMonths) {
			t.Errorf("by month\n got %+v\nwant %+v", got.Months, wantMonths)
		}
		wantUnits := []cases.DashboardRow{
			{Code: orgtest.Street, Name: "城东街道", Figures: figures(8, 2, 1, 1, 4, 1, 2, 1, 0, 1)},
			{Code: orgtest.Street2, Name: "城南街道", Figures: figures(1, 0, 0, 0, 1, 0, 1, 0, 0, 0)},
		}
		if !reflect.DeepEqual(got.Children, wantUnits) {
			t.Errorf("by unit\n got %+v\nwant %+v", got.Children, wantUnits)
		}
		if len(got.Classes) == 0 || got.Classes[0].Name != "Street order" {
			t.Errorf("classes named in English: %+v", got.Classes)
		}
		// F's 派遣 waited from Thursday 20 August 10:00 to Monday 31 August 16:30:
		// 5 + 6.5 + 5 × 6.5 + 5.5 = 49.5 working hours, beside A's 1 and B's two
		// 0.5.
		if st := got.Steps[1]; st.Count != 4 || st.MeanHours != 12.88 || st.MedianHours != 0.75 {
			t.Errorf("dispatch: %+v, want 4 steps, mean 12.88, median 0.75", st)
		}
		if st := got.Steps[0]; st.Count != 3 || st.MedianHours != 1 {
			t.Errorf("accept: %+v, want 3 steps, median 1", st)
		}
	})
}

func TestDashboard_OnlyWithinScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		city := newDashCity(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			p    auth.Principal
			unit string
		}{
			{"another community's grid", community, orgtest.Grid2},
			{"the street above", community, orgtest.Street},
			{"a grid that does not exist", community, orgtest.Community + "009"},
			{"another grid of the community", gridWorker, orgtest.GridB},
		} {
			if _, err := city.s.Dashboard(ctx, tc.p, tc.unit, time.Time{}, time.Time{}, "zh-CN"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s: %v, want not found", tc.name, err)
			}
		}
		admin := auth.Principal{UserID: "u-sys", Name: "系统管理员", Role: auth.RoleSysAdmin, OrgCode: orgtest.City}
		if _, err := city.s.Dashboard(ctx, admin, "", time.Time{}, time.Time{}, "zh-CN"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a system administrator: %v, want forbidden", err)
		}

		// The other grid's worker sees their own grid by default, this month so far:
		// H alone, red.
		got, err := city.s.Dashboard(ctx, otherGrid, "", time.Time{}, time.Time{}, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if want := figures(1, 0, 0, 0, 1, 0, 1, 0, 0, 0); got.Unit.Code != orgtest.Grid2 || got.From != "2026-09-01" || got.To != "2026-09-30" || got.Figures != want {
			t.Errorf("the other grid: %s %s–%s %+v", got.Unit.Code, got.From, got.To, got.Figures)
		}
		if len(got.Children) != 0 {
			t.Errorf("a grid has no units below: %+v", got.Children)
		}
	})
}

func TestDashboard_CountsClockHoursInAYearTheCalendarLacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clk := setup(t, d)
		// The calendar ships no 2027: a case reported at 09:00 and accepted at
		// 11:30 took 2.5 clock hours, and the dashboard says they are clock hours.
		clk.set("2027-01-05 09:00")
		c, err := s.Report(context.Background(), gridWorker, lamp(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		clk.set("2027-01-05 11:30")
		take(t, s, community, c, cases.TakeInput{Transition: "accept"})
		got, err := s.Dashboard(context.Background(), community, "", time.Time{}, time.Time{}, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if got.Hours != "clock" || got.Steps[0] != (cases.StepTime{Step: "accept", Count: 1, MeanHours: 2.5, MedianHours: 2.5}) {
			t.Errorf("hours %q, %+v; want clock, one 立案 of 2.5 h", got.Hours, got.Steps[0])
		}
	})
}

func TestDashboard_RefusesAPeriodItCannotCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			name     string
			from, to string
			field    string
		}{
			{"an end before the start", "2026-09-30", "2026-09-01", "to"},
			{"more than 24 months", "2024-09-01", "2026-09-30", "from"},
		} {
			_, err := s.Dashboard(ctx, community, "", date(tc.from), date(tc.to), "zh-CN")
			var e *apperr.Error
			if !asAppErr(err, &e) || e.Code != apperr.Invalid || e.Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}
		got, err := s.Dashboard(ctx, community, "", date("2024-10-01"), date("2026-09-30"), "zh-CN")
		if err != nil || len(got.Months) != 24 || got.Months[0].Month != "2024-10" || got.Months[23].Month != "2026-09" {
			t.Errorf("24 months: %v, %d months", err, len(got.Months))
		}
	})
}

func TestDashboard_EveryKeyItShowsIsTranslated(t *testing.T) {
	b, err := i18n.Load(cases.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, cases.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	// Keys the page builds at run time.
	keys := []string{"case.dash.hours.working", "case.dash.hours.clock"}
	for _, s := range []string{"accept", "dispatch", "handle", "verify"} {
		keys = append(keys, "case.dash.step."+s)
	}
	for _, p := range []string{"this_month", "last_month", "this_year"} {
		keys = append(keys, "case.dash.preset."+p)
	}
	for _, level := range []string{"city", "district", "street", "community", "grid"} {
		keys = append(keys, "case.dash.below."+level, "case.dash.by_unit."+level, "case.dash.chart.units."+level)
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}

// dashServer serves the cases' pages and API of city to p, in Chinese.
func dashServer(t *testing.T, city dashCity, p auth.Principal) http.Handler {
	t.Helper()
	b, err := i18n.Load(cases.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, cases.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	cases.RegisterPages(mux, city.s, org.NewService(city.d, city.clk.now), rend)
	cases.RegisterAPI(mux, city.s, rend)
	mux.Handle("GET /static/", web.StaticHandler())
	h := web.Language(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func dashGet(h http.Handler, target string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String()
}

func TestDashboard_PageAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		city := newDashCity(t, d)
		h := dashServer(t, city, community)

		code, body := dashGet(h, "/cases/dashboard")
		if code != http.StatusOK {
			t.Fatalf("the page: %d %s", code, body)
		}
		for _, want := range []string{
			"案件统计", "2026-09-01 至 2026-09-30", `aria-current="page">本月`, "另有不予立案 1 件、并单 1 件",
			`<svg class="chart"`, "东兴第一网格", "本级", "50%", `name="unit" value="` + orgtest.Community + `"`,
			"/cases/dashboard?from=2026-09-01&amp;to=2026-09-30&amp;unit=" + orgtest.GridB,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}

		// Dates that cannot be counted are said so, beside this month's figures.
		code, body = dashGet(h, "/cases/dashboard?from=2026-09-30&to=2026-09-01")
		if code != http.StatusOK || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "不能早于起始日期") {
			t.Errorf("an end before the start: %d, no alert", code)
		}
		if code, _ := dashGet(h, "/cases/dashboard?unit="+orgtest.Grid2); code != http.StatusNotFound {
			t.Errorf("another community's grid: %d, want 404", code)
		}

		code, body = dashGet(h, "/api/v1/cases/dashboard?unit="+orgtest.Grid+"&from=2026-08-01&to=2026-09-30")
		if code != http.StatusOK {
			t.Fatalf("the API: %d %s", code, body)
		}
		var got cases.Dashboard
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		// Grid 1 from August: A B D E F reported, A and F closed, B open and red.
		if want := figures(5, 2, 1, 1, 1, 0, 1, 1, 0, 1); got.Figures != want || len(got.Months) != 2 {
			t.Errorf("the API's figures\n got %+v\nwant %+v", got.Figures, want)
		}
		for target, want := range map[string]int{
			"/api/v1/cases/dashboard?unit=" + orgtest.Grid2: http.StatusNotFound,
			"/api/v1/cases/dashboard?from=2026-9-1":         http.StatusBadRequest,
		} {
			if code, body := dashGet(h, target); code != want {
				t.Errorf("%s: %d %s, want %d", target, code, body, want)
			}
		}
	})
}

// TestDashboard_OnAPhone opens the dashboards of a community and of a district in
// headless Chromium on a 390 px phone and checks that they do not scroll
// sideways. With SHEQU_SCREENSHOTS=DIR it leaves their screenshots in DIR. It
// needs Chromium, and is skipped without.
func TestDashboard_OnAPhone(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no Chromium installed")
	}
	city := newDashCity(t, dbtest.SQLite(t))
	for _, tc := range []struct {
		name   string
		p      auth.Principal
		target string
	}{
		{"dashboard-community", community, "/cases/dashboard"},
		{"dashboard-district", district, "/cases/dashboard?from=2026-01-01&to=2026-09-30"},
	} {
		srv := httptest.NewServer(web.SecurityHeaders(dashServer(t, city, tc.p)))
		t.Cleanup(srv.Close)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
			chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()),
			chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
		tab, cancelTab := chromedp.NewContext(alloc)
		err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(srv.URL+tc.target))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		over, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			t.Errorf("%s is %dpx wider than a 390 px phone", tc.name, over)
		}
		text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil || !strings.Contains(text, "各环节用时") {
			t.Errorf("%s shows no dashboard: %v %.200s", tc.name, err, text)
		}
		if dir := os.Getenv("SHEQU_SCREENSHOTS"); dir != "" {
			png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tc.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cancelTab()
		cancelAlloc()
		cancel()
	}
}
