package calendar_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/app"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/workflow"
)

// now is 3 December 2026, 10:00 in Shanghai: the 2027 notice is not out.
func now() time.Time { return time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC) }

// The principals of the tests.
var (
	city      = auth.Principal{UserID: "u-city", Name: "王市", Role: auth.RoleCity, OrgCode: "450400"}
	sysadmin  = auth.Principal{UserID: "u-sys", Name: "系统管理员", Role: auth.RoleSysAdmin, OrgCode: "450400"}
	district  = auth.Principal{UserID: "u-dist", Name: "赵区", Role: auth.RoleDistrict, OrgCode: "450403"}
	community = auth.Principal{UserID: "u-comm", Name: "李社区", Role: auth.RoleCommunity, OrgCode: "450403001001"}
	readonly  = auth.Principal{UserID: "u-ro", Name: "钱只读", Role: auth.RoleReadOnly, OrgCode: "450400"}
)

func newService(t *testing.T, d *db.DB) *calendar.Service {
	t.Helper()
	s, err := calendar.NewService(d, now, calendar.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func load(t *testing.T, s *calendar.Service) *calendar.Calendar {
	t.Helper()
	c, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// trail is every audit record's user, action, object, outcome and reason.
func trail(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	err := audit.Each(context.Background(), d.Read(), audit.Filter{}, func(r audit.Row) error {
		out = append(out, strings.TrimSpace(r.UserID+" "+r.Action+" "+r.Object+" "+r.Outcome+" "+r.Reason))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestService_AFreshDatabaseHasTheShippedYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := load(t, newService(t, d))
		if ys := c.Years(); len(ys) != 14 || ys[0] != 2013 || ys[len(ys)-1] != 2026 {
			t.Errorf("Years() = %v, want 2013–2026", ys)
		}
		if c.Zone().String() != "Asia/Shanghai" || c.Hours().String() != "08:30-12:00,14:30-17:30" {
			t.Errorf("settings: %s, %s", c.Zone(), c.Hours())
		}
	})
}

func TestImportYear_NextYearLetsDeadlinesReachIntoIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		from := time.Date(2026, 12, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
		if _, err := load(t, s).AddWorkingDays(from, 5); missing(err) != 2027 {
			t.Fatalf("before the import: err %v, want 2027 missing", err)
		}
		ws, err := s.Warnings(ctx, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
		if err != nil || len(ws) != 1 || ws[0] != (calendar.Warning{Kind: calendar.NextYearMissing, Year: 2027}) {
			t.Errorf("warnings before: %v, %v", ws, err)
		}
		if err := s.ImportYear(ctx, city, 2027, strings.NewReader(year2027)); err != nil {
			t.Fatal(err)
		}
		c := load(t, s)
		// 24 (Thu), 25 (Fri), 26 (a Saturday the test notice makes worked), 28, 29.
		got, err := c.AddWorkingDays(from, 5)
		if want := time.Date(2026, 12, 29, 9, 30, 0, 0, time.UTC); err != nil || !got.Equal(want) {
			t.Errorf("after the import: %v, %v; want 2026-12-29 17:30 in Shanghai", got, err)
		}
		y, ok := c.Year(2027)
		if !ok || y.Added == nil || y.Added.ByName != "王市" || y.Added.ReplacesShipped || !y.Added.At.Equal(now()) || len(y.Days) != 6 {
			t.Errorf("2027 as loaded: %+v %+v", y, y.Added)
		}
		if ws, err := s.Warnings(ctx, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)); err != nil || len(ws) != 0 {
			t.Errorf("warnings after: %v, %v", ws, err)
		}
		want := []string{"u-city calendar.import calendar:2027 ok holidays=4 workdays=2 replaces=none"}
		if got := trail(t, d); !slices.Equal(got, want) {
			t.Errorf("audit trail %q, want %q", got, want)
		}
	})
}

func TestImportYear_ReplacesAShippedYearAndSaysSo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		// A correction of 2026: 国庆节 without its make-up days, say.
		file := "# source: 国办发明电〔2025〕7号（更正）\ndate,kind,name\n2026-10-01,holiday,国庆节\n2026-10-02,holiday,国庆节\n"
		if err := s.ImportYear(ctx, sysadmin, 2026, strings.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		c := load(t, s)
		y, _ := c.Year(2026)
		if y.Source != "国办发明电〔2025〕7号（更正）" || len(y.Days) != 2 || y.Added == nil || !y.Added.ReplacesShipped {
			t.Errorf("2026 after the correction: %+v", y)
		}
		// The Spring Festival of the shipped 2026 is gone with it.
		if ok, err := c.IsWorkingDay(time.Date(2026, 2, 16, 2, 0, 0, 0, time.UTC)); err != nil || !ok {
			t.Errorf("2026-02-16 after the correction: %v, %v", ok, err)
		}
		if err := s.ImportYear(ctx, city, 2026, strings.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"u-sys calendar.import calendar:2026 ok holidays=2 workdays=0 replaces=shipped",
			"u-city calendar.import calendar:2026 ok holidays=2 workdays=0 replaces=added",
		}
		if got := trail(t, d); !slices.Equal(got, want) {
			t.Errorf("audit trail %q, want %q", got, want)
		}
		if y, _ := load(t, s).Year(2026); y.Added.ByName != "王市" {
			t.Errorf("the second import is by %q", y.Added.ByName)
		}
	})
}

func TestImportYear_OnlyTheCityAndTheSystemAdministratorMay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		for _, p := range []auth.Principal{district, community, readonly, {}} {
			if err := s.ImportYear(ctx, p, 2027, strings.NewReader(year2027)); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s: err %v, want forbidden", p.Role, err)
			}
			if _, err := s.Check(ctx, p, 2027, strings.NewReader(year2027)); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s checking: err %v, want forbidden", p.Role, err)
			}
		}
		if _, ok := load(t, s).Year(2027); ok {
			t.Error("a refused import was saved")
		}
		got := trail(t, d)
		if len(got) != 8 || got[0] != "u-dist calendar.import calendar:2027 denied auth.forbidden" {
			t.Errorf("refusals recorded: %q", got)
		}
		for _, p := range []auth.Principal{city, sysadmin, auth.System()} {
			if !calendar.MayImport(p) {
				t.Errorf("%s %s may not import", p.Role, p.UserID)
			}
		}
	})
}

func TestImportYear_AFileWithProblemsSavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		bad := year2027 + "2027-02-10,workday,春节\n"
		err := s.ImportYear(ctx, city, 2027, strings.NewReader(bad))
		if got := problemsOf(t, err); !slices.Equal(got, []string{"calendar.workday_weekday line 9 column 2"}) {
			t.Errorf("problems %v", got)
		}
		if _, ok := load(t, s).Year(2027); ok {
			t.Error("a file with problems was saved")
		}
		if got := trail(t, d); len(got) != 0 {
			t.Errorf("audit trail %q, want nothing", got)
		}
	})
}

func TestImportYear_ADayBelongsToOneNotice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		// The shipped 2019 notice works 2018-12-29; a 2018 naming it is refused.
		file := "# source: x\ndate,kind,name\n2018-10-01,holiday,国庆节\n2018-12-29,holiday,元旦\n"
		err := s.ImportYear(ctx, city, 2018, strings.NewReader(file))
		if got := problemsOf(t, err); !slices.Equal(got, []string{"calendar.claimed line 4 column 1"}) {
			t.Errorf("problems %v", got)
		}
		// Replacing 2019 itself may move its own days.
		if err := s.ImportYear(ctx, city, 2019, strings.NewReader("# source: x\ndate,kind,name\n2018-12-30,holiday,元旦\n")); err != nil {
			t.Errorf("2019 moving its own days: %v", err)
		}
		if err := s.ImportYear(ctx, city, 2027, strings.NewReader(year2027)); err != nil {
			t.Fatal(err)
		}
		// 2027 names 2026-12-26: a 2026 naming it too is refused.
		_, err = s.Check(ctx, city, 2026, strings.NewReader("# source: x\ndate,kind,name\n2026-12-26,holiday,元旦\n"))
		if got := problemsOf(t, err); !slices.Equal(got, []string{"calendar.claimed line 3 column 1"}) {
			t.Errorf("problems %v", got)
		}
	})
}

func TestCheck_SaysWhatAnImportWouldDoAndSavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		pv, err := s.Check(ctx, city, 2027, strings.NewReader(year2027))
		if err != nil || pv.Replaces != nil || len(pv.Year.Days) != 6 || pv.Text != year2027 {
			t.Errorf("Check 2027: %+v, %v", pv, err)
		}
		pv, err = s.Check(ctx, city, 2026, strings.NewReader(year2027))
		if err == nil {
			t.Errorf("the 2027 file taken for 2026: %+v", pv)
		}
		pv, err = s.Check(ctx, city, 2025, strings.NewReader("# source: x\ndate,kind,name\n2025-10-01,holiday,国庆节\n"))
		if err != nil || pv.Replaces == nil || pv.Replaces.Added != nil || pv.Replaces.Year != 2025 {
			t.Errorf("Check 2025: %+v, %v", pv.Replaces, err)
		}
		if _, ok := load(t, s).Year(2027); ok || len(trail(t, d)) != 0 {
			t.Error("a check saved something")
		}
	})
}

func TestService_AnImportIsSeenByEveryServiceOnTheDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, b := newService(t, d), newService(t, d)
		if _, ok := load(t, b).Year(2027); ok {
			t.Fatal("2027 before the import")
		}
		if err := a.ImportYear(context.Background(), city, 2027, strings.NewReader(year2027)); err != nil {
			t.Fatal(err)
		}
		if _, ok := load(t, b).Year(2027); !ok {
			t.Error("the other service still holds the calendar without 2027")
		}
	})
}

func TestWarnings_ThisYearAlwaysNextYearFromOctober(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		day := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }
		for _, tc := range []struct {
			today time.Time
			want  []calendar.Warning
		}{
			{day(2026, 9, 30), nil},
			{day(2026, 10, 1), []calendar.Warning{{Kind: calendar.NextYearMissing, Year: 2027}}},
			{day(2027, 1, 4), []calendar.Warning{{Kind: calendar.ThisYearMissing, Year: 2027}}},
			{day(2027, 11, 1), []calendar.Warning{{Kind: calendar.ThisYearMissing, Year: 2027}, {Kind: calendar.NextYearMissing, Year: 2028}}},
			{day(2015, 12, 31), nil},
		} {
			got, err := s.Warnings(ctx, tc.today)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("on %s: %v, %v; want %v", tc.today.Format(time.DateOnly), got, err, tc.want)
			}
		}
	})
}

func TestNewService_RefusesHoursThatCannotBeWorked(t *testing.T) {
	d := dbtest.SQLite(t)
	if _, err := calendar.NewService(d, now, calendar.Settings{Hours: calendar.Hours{{Start: 600, End: 500}}}); err == nil {
		t.Error("hours ending before they start were taken")
	}
}

// The workflow engine is built once with the service and counts on every year
// added since.
var _ workflow.WorkingTime = (*calendar.Service)(nil)

func TestService_CountsOnTheCalendarAsItStands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		from := time.Date(2026, 12, 23, 2, 0, 0, 0, time.UTC)
		if _, err := s.AddWorkingDays(from, 5); missing(err) != 2027 {
			t.Fatalf("before the import: %v", err)
		}
		if err := s.ImportYear(context.Background(), city, 2027, strings.NewReader(year2027)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AddWorkingDays(from, 5); err != nil || !got.Equal(time.Date(2026, 12, 29, 9, 30, 0, 0, time.UTC)) {
			t.Errorf("days after the import: %v, %v", got, err)
		}
		if got, err := s.AddWorkingHours(from, 7); err != nil || !got.Equal(time.Date(2026, 12, 24, 2, 30, 0, 0, time.UTC)) {
			t.Errorf("hours after the import: %v, %v", got, err)
		}
		if ok, err := s.IsWorkingDay(time.Date(2026, 12, 26, 2, 0, 0, 0, time.UTC)); err != nil || !ok {
			t.Errorf("the make-up Saturday: %v, %v", ok, err)
		}
		if got, err := s.WorkingTimeBetween(from, time.Date(2026, 12, 29, 9, 30, 0, 0, time.UTC)); err != nil || got != 5*(6*time.Hour+30*time.Minute)+5*time.Hour {
			t.Errorf("working time after the import: %v, %v", got, err)
		}
	})
}

func TestDomain_TheNavigationShowsTheMissingYearsToThoseWhoMayAddThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		dom := calendar.Domain(newService(t, d))
		if dom.Name != "calendar" || len(dom.Nav) != 1 || dom.Nav[0].URL != "/calendar" {
			t.Fatalf("domain: %+v", dom)
		}
		links := app.Links(context.Background(), city, []app.Domain{dom})
		if len(links) != 1 || links[0].Count != 1 {
			t.Errorf("the city's links: %+v, want the calendar with 1 (2027 missing)", links)
		}
		if links := app.Links(context.Background(), community, []app.Domain{dom}); len(links) != 0 {
			t.Errorf("a community worker's links: %+v", links)
		}
	})
}
