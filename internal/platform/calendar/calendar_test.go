package calendar_test

import (
	"errors"
	"testing"
	"time"

	"shequ/internal/platform/calendar"
)

// shanghai is the default city's zone.
func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// shippedCalendar is the calendar of the years the binary ships, 2013–2026, in
// Shanghai with the default hours (08:30–12:00, 14:30–17:30).
func shippedCalendar(t testing.TB) *calendar.Calendar {
	t.Helper()
	years, err := calendar.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.New(years, shanghai(t), calendar.DefaultHours())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at is a wall-clock time in Shanghai, "2006-01-02 15:04".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// missing returns the year of a *MissingYearError, or 0.
func missing(err error) int {
	var m *calendar.MissingYearError
	if errors.As(err, &m) {
		return m.Year
	}
	return 0
}

func TestShipped_EveryYearFrom2013To2026NamesItsNoticeAnd2027IsNotGuessed(t *testing.T) {
	years, err := calendar.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	days := 0
	for i, y := range years {
		if y.Year != 2013+i {
			t.Fatalf("year %d shipped where %d was expected", y.Year, 2013+i)
		}
		if want := "国务院办公厅关于" + itoa(y.Year) + "年部分节假日安排的通知（国办发明电〔"; len(y.Source) < len(want) || y.Source[:len(want)] != want {
			t.Errorf("%d: source %q does not name the notice and its number", y.Year, y.Source)
		}
		if y.Added != nil {
			t.Errorf("%d: a shipped year says it was added", y.Year)
		}
		days += len(y.Days)
	}
	if len(years) != 14 {
		t.Errorf("%d years shipped, want 2013–2026", len(years))
	}
	// cn-holidays.md's machine-readable table has 502 rows for 2013–2026.
	if days != 502 {
		t.Errorf("%d days named, want the 502 of the compiled notices", days)
	}
}

func itoa(n int) string { return time.Date(n, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006") }

func TestIsWorkingDay_FollowsTheNoticesAndTheWeekOtherwise(t *testing.T) {
	c := shippedCalendar(t)
	for _, tc := range []struct {
		name    string
		day     string
		working bool
		missing int
	}{
		{"a Tuesday", "2026-03-10 10:00", true, 0},
		{"a Saturday", "2026-03-07 10:00", false, 0},
		{"a make-up Saturday before the Spring Festival (调休上班)", "2026-02-14 10:00", true, 0},
		{"a Monday of the Spring Festival", "2026-02-16 10:00", false, 0},
		{"the Spring Festival's last day, a Monday", "2026-02-23 10:00", false, 0},
		{"the day after the Spring Festival", "2026-02-24 10:00", true, 0},
		{"a Saturday inside the Spring Festival", "2026-02-21 10:00", false, 0},
		{"a make-up Saturday after the Spring Festival", "2026-02-28 10:00", true, 0},
		{"National Day and Mid-Autumn merged, a Wednesday", "2025-10-08 10:00", false, 0},
		{"a make-up Sunday before National Day", "2025-09-28 10:00", true, 0},
		{"a make-up Saturday after National Day", "2025-10-11 10:00", true, 0},
		{"a Saturday worked by the next year's notice (2019 元旦)", "2018-12-29 10:00", true, 0},
		{"a Monday given off by the next year's notice", "2018-12-31 10:00", false, 0},
		{"the Saturday the 2020 extension gave off", "2020-02-01 10:00", false, 0},
		{"back to work after the 2020 extension", "2020-02-03 10:00", true, 0},
		{"the 70th anniversary of victory (2015)", "2015-09-03 10:00", false, 0},
		{"the Sunday worked for it", "2015-09-06 10:00", true, 0},
		{"before the calendar begins", "2012-06-01 10:00", false, 2012},
		{"a year with no notice", "2027-01-04 10:00", false, 2027},
		{"late December waits for the next year's notice", "2026-12-28 10:00", false, 2027},
		{"24 December needs only its own year", "2026-12-24 10:00", true, 0},
		{"late December 2012 needs 2012 itself", "2012-12-31 10:00", false, 2012},
	} {
		got, err := c.IsWorkingDay(at(t, tc.day))
		if m := missing(err); m != tc.missing || (err != nil && m == 0) {
			t.Errorf("%s (%s): err %v, want the year %d missing", tc.name, tc.day, err, tc.missing)
			continue
		}
		if got != tc.working {
			t.Errorf("%s (%s): working %v, want %v", tc.name, tc.day, got, tc.working)
		}
	}
}

func TestIsWorkingDay_ReadsTheDayInTheCitysZone(t *testing.T) {
	c := shippedCalendar(t)
	// 16:30 UTC on Monday 23 February, a holiday in UTC's date, is already 00:30
	// on Tuesday the 24th in Shanghai: a working day.
	got, err := c.IsWorkingDay(time.Date(2026, 2, 23, 16, 30, 0, 0, time.UTC))
	if err != nil || !got {
		t.Errorf("IsWorkingDay(2026-02-23 16:30 UTC) = %v, %v; want true: it is the 24th in Shanghai", got, err)
	}
}

func TestAddWorkingDays_CountsFromTheDayAfterAndClosesAtTheEndOfTheLastSession(t *testing.T) {
	c := shippedCalendar(t)
	for _, tc := range []struct {
		name    string
		from    string
		n       int
		want    string
		missing int
	}{
		{"an ordinary week", "2026-03-10 10:00", 3, "2026-03-13 17:30", 0},
		{"over a weekend", "2026-03-13 10:00", 1, "2026-03-16 17:30", 0},
		{"received after hours: the day still does not count", "2026-03-10 20:00", 1, "2026-03-11 17:30", 0},
		{"received on a Saturday: day 1 is Monday", "2026-03-07 10:00", 1, "2026-03-09 17:30", 0},
		{"the next day is a make-up Saturday", "2026-02-13 10:00", 1, "2026-02-14 17:30", 0},
		{"across the Spring Festival", "2026-02-13 10:00", 2, "2026-02-24 17:30", 0},
		{"through the Spring Festival to the Friday after", "2026-02-13 10:00", 5, "2026-02-27 17:30", 0},
		{"onto the make-up Saturday after it", "2026-02-13 10:00", 6, "2026-02-28 17:30", 0},
		{"received on the make-up Saturday itself", "2026-02-14 09:00", 1, "2026-02-24 17:30", 0},
		{"across National Day", "2025-09-30 15:00", 1, "2025-10-09 17:30", 0},
		{"onto the make-up Saturday after National Day", "2025-09-30 15:00", 3, "2025-10-11 17:30", 0},
		{"across the year boundary and 元旦 2026", "2025-12-30 10:00", 3, "2026-01-05 17:30", 0},
		{"a make-up Sunday on the way (2026-01-04)", "2025-12-30 10:00", 2, "2026-01-04 17:30", 0},
		{"the same day, received in the morning", "2026-03-10 10:00", 0, "2026-03-10 17:30", 0},
		{"the same day, received after hours: the next working day", "2026-03-10 18:00", 0, "2026-03-11 17:30", 0},
		{"the same day, received on a holiday", "2026-02-16 10:00", 0, "2026-02-24 17:30", 0},
		{"well before December 25", "2026-12-01 10:00", 5, "2026-12-08 17:30", 0},
		{"up to 24 December", "2026-12-23 10:00", 1, "2026-12-24 17:30", 0},
		{"into the days the 2027 notice may change", "2026-12-23 10:00", 2, "", 2027},
		{"into a year the calendar does not have", "2026-12-20 10:00", 10, "", 2027},
	} {
		got, err := c.AddWorkingDays(at(t, tc.from), tc.n)
		if m := missing(err); m != tc.missing || (err != nil && m == 0) {
			t.Errorf("%s: %s + %d working days: err %v, want the year %d missing", tc.name, tc.from, tc.n, err, tc.missing)
			continue
		}
		if tc.missing != 0 {
			if !got.IsZero() {
				t.Errorf("%s: a missing year still gave %v", tc.name, got)
			}
			continue
		}
		if want := at(t, tc.want); !got.Equal(want) {
			t.Errorf("%s: %s + %d working days = %s, want %s", tc.name, tc.from, tc.n, got.In(shanghai(t)).Format("2006-01-02 15:04"), tc.want)
		}
	}
	if _, err := c.AddWorkingDays(at(t, "2026-03-10 10:00"), -1); err == nil || missing(err) != 0 {
		t.Errorf("-1 working days: err %v, want a plain error", err)
	}
}

func TestAddWorkingHours_WalksTheWorkingSessions(t *testing.T) {
	c := shippedCalendar(t)
	for _, tc := range []struct {
		name    string
		from    string
		hours   int
		want    string
		missing int
	}{
		{"within the morning", "2026-03-09 09:00", 2, "2026-03-09 11:00", 0},
		{"ending exactly at noon stays at noon", "2026-03-09 11:00", 1, "2026-03-09 12:00", 0},
		{"over the lunch break", "2026-03-09 11:00", 2, "2026-03-09 15:30", 0},
		{"started in the lunch break", "2026-03-09 12:30", 1, "2026-03-09 15:30", 0},
		{"started before the office opens", "2026-03-09 07:00", 1, "2026-03-09 09:30", 0},
		{"started after it closes", "2026-03-09 20:00", 1, "2026-03-10 09:30", 0},
		{"a whole working day", "2026-03-09 08:30", 6, "2026-03-09 17:00", 0},
		{"over a weekend", "2026-03-13 17:00", 1, "2026-03-16 09:00", 0},
		{"onto a make-up Saturday", "2026-02-13 16:30", 4, "2026-02-14 11:30", 0},
		{"across the Spring Festival", "2026-02-14 17:00", 1, "2026-02-24 09:00", 0},
		{"no time at all", "2026-02-16 03:00", 0, "2026-02-16 03:00", 0},
		{"into a year the calendar does not have", "2026-12-24 17:00", 1, "", 2027},
	} {
		got, err := c.AddWorkingHours(at(t, tc.from), tc.hours)
		if m := missing(err); m != tc.missing || (err != nil && m == 0) {
			t.Errorf("%s: %s + %dh: err %v, want the year %d missing", tc.name, tc.from, tc.hours, err, tc.missing)
			continue
		}
		if tc.missing != 0 {
			continue
		}
		if want := at(t, tc.want); !got.Equal(want) {
			t.Errorf("%s: %s + %dh = %s, want %s", tc.name, tc.from, tc.hours, got.In(shanghai(t)).Format("2006-01-02 15:04"), tc.want)
		}
	}
	if _, err := c.AddWorkingHours(at(t, "2026-03-10 10:00"), -2); err == nil || missing(err) != 0 {
		t.Errorf("-2 working hours: err %v, want a plain error", err)
	}
}

func TestWorkingTimeBetween_CountsOnlyTheSessionsOfWorkingDays(t *testing.T) {
	c := shippedCalendar(t)
	for _, tc := range []struct {
		name     string
		from, to string
		want     time.Duration
		missing  int
	}{
		{"a whole working day", "2026-03-09 08:00", "2026-03-09 18:00", 6*time.Hour + 30*time.Minute, 0},
		{"inside the lunch break", "2026-03-09 12:10", "2026-03-09 14:00", 0, 0},
		{"a weekend", "2026-03-07 00:00", "2026-03-08 23:59", 0, 0},
		{"over the Spring Festival and its make-up Saturday", "2026-02-13 09:00", "2026-02-24 09:00", 13 * time.Hour, 0},
		{"backwards is negative: how far past a deadline", "2026-02-24 09:00", "2026-02-13 09:00", -13 * time.Hour, 0},
		{"the same instant", "2026-03-09 10:00", "2026-03-09 10:00", 0, 0},
		// 2012 is missing, but no office hours of it lie between the two.
		{"from after the last session of a missing year", "2012-12-31 20:00", "2013-01-05 10:00", 8 * time.Hour, 0},
		{"into a year the calendar does not have", "2026-12-20 10:00", "2027-01-05 10:00", 0, 2027},
	} {
		got, err := c.WorkingTimeBetween(at(t, tc.from), at(t, tc.to))
		if m := missing(err); m != tc.missing || (err != nil && m == 0) {
			t.Errorf("%s: err %v, want the year %d missing", tc.name, err, tc.missing)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %s → %s = %v, want %v", tc.name, tc.from, tc.to, got, tc.want)
		}
	}
}

func TestCalendar_WorkingHoursAreASetting(t *testing.T) {
	years, err := calendar.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	h, err := calendar.ParseHours("09:00-12:00,13:30-17:00")
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.New(years, shanghai(t), h)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.AddWorkingDays(at(t, "2026-03-10 10:00"), 1); !got.Equal(at(t, "2026-03-11 17:00")) {
		t.Errorf("a day closes at %v, want 17:00", got)
	}
	if got, _ := c.AddWorkingHours(at(t, "2026-03-10 11:00"), 2); !got.Equal(at(t, "2026-03-10 14:30")) {
		t.Errorf("11:00 + 2h = %v, want 14:30", got)
	}
	if d := h.PerDay(); d != 6*time.Hour+30*time.Minute {
		t.Errorf("PerDay = %v", d)
	}
}

func TestParseHours(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"08:30-12:00,14:30-17:30", "08:30-12:00,14:30-17:30", true},
		{" 09:00 - 17:00 ", "09:00-17:00", true},
		{"00:00-24:00", "00:00-24:00", true},
		{"", "", false},
		{"8:30-12:00", "", false},
		{"12:00-08:30", "", false},
		{"08:30-12:00,11:00-17:30", "", false},
		{"14:30-17:30,08:30-12:00", "", false},
		{"08:30-12:60", "", false},
		{"08:30-24:01", "", false},
		{"08:30", "", false},
	} {
		h, err := calendar.ParseHours(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseHours(%q): err %v", tc.in, err)
			continue
		}
		if tc.ok && h.String() != tc.want {
			t.Errorf("ParseHours(%q) = %s", tc.in, h)
		}
	}
	if got := calendar.DefaultHours().String(); got != "08:30-12:00,14:30-17:30" {
		t.Errorf("DefaultHours = %s", got)
	}
}

func TestNew_RefusesADayNamedByTwoYears(t *testing.T) {
	day := time.Date(2018, 12, 29, 0, 0, 0, 0, time.UTC)
	_, err := calendar.New([]calendar.Year{
		{Year: 2018, Days: []calendar.Day{{Date: day, Kind: calendar.Holiday, Name: "x"}}},
		{Year: 2019, Days: []calendar.Day{{Date: day, Kind: calendar.Workday, Name: "元旦"}}},
	}, time.UTC, calendar.DefaultHours())
	if err == nil {
		t.Error("two notices naming 2018-12-29 were taken")
	}
	if _, err := calendar.New(nil, time.UTC, calendar.Hours{}); err == nil {
		t.Error("a calendar without working hours was built")
	}
}

func TestCalendar_YearsAndFestivals(t *testing.T) {
	c := shippedCalendar(t)
	if ys := c.Years(); len(ys) != 14 || ys[0] != 2013 || ys[13] != 2026 {
		t.Errorf("Years() = %v", ys)
	}
	y, ok := c.Year(2026)
	if !ok {
		t.Fatal("no 2026")
	}
	fs := y.Festivals()
	if len(fs) != 7 || fs[0].Name != "元旦" || fs[1].Name != "春节" || fs[6].Name != "国庆节" {
		t.Fatalf("festivals of 2026: %+v", fs)
	}
	spring := fs[1]
	if len(spring.Off) != 1 || spring.Off[0].Days != 9 || spring.Off[0].From.Format(time.DateOnly) != "2026-02-15" ||
		spring.Off[0].To.Format(time.DateOnly) != "2026-02-23" || len(spring.Work) != 2 {
		t.Errorf("2026 Spring Festival: %+v", spring)
	}
	if y.Count(calendar.Holiday) != 33 || y.Count(calendar.Workday) != 6 {
		t.Errorf("2026: %d holidays, %d make-up days", y.Count(calendar.Holiday), y.Count(calendar.Workday))
	}
	if _, ok := c.Year(2027); ok {
		t.Error("2027 is in the calendar")
	}
}
