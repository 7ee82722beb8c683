package cases_test

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"shequ/internal/cases"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/workflow"
)

var (
	gridWorker = auth.Principal{UserID: "u-grid", Name: "王网格", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
	community  = auth.Principal{UserID: "u-comm", Name: "李社区", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	district   = auth.Principal{UserID: "u-dist", Name: "赵区", Role: auth.RoleDistrict, OrgCode: orgtest.District}
	otherGrid  = auth.Principal{UserID: "u-grid2", Name: "陈网格", Role: auth.RoleGrid, OrgCode: orgtest.Grid2}
)

// The handling units of the test city: a window of the community's hall, and a
// district department to which the district routes broken street lamps.
const (
	window     = "h-window"
	department = "h-lamps"
)

// shanghai is the city's zone.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
func (c *clock) set(s string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	c.t = t
}

// setup builds the test city with its handlers and routes and returns the
// service on the shipped calendar, its clock at 2026-09-30 10:00 in the city.
func setup(t *testing.T, d *db.DB) (*cases.Service, *clock) {
	t.Helper()
	orgtest.Build(t, d)
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO case_handlers (id, org_code, name_zh, name_en, kind) VALUES ('` + window + `', '` + orgtest.Community + `', '东兴社区民生窗口', 'Dongxing services window', 'window')`,
			`INSERT INTO case_handlers (id, org_code, name_zh, name_en, kind) VALUES ('` + department + `', '` + orgtest.District + `', '万秀区市政路灯所', 'Wanxiu street lighting', 'department')`,
			`INSERT INTO case_routes (district_code, category_code, handler_id) VALUES ('` + orgtest.District + `', '1401', '` + department + `')`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	c.set("2026-09-30 10:00")
	cal, err := calendar.NewService(d, c.now, calendar.Settings{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cases.NewService(ctx, d, c.now, shanghai, cal)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// photo is a small JPEG as a phone would send it, prepared as the form does.
func photo(t *testing.T) files.Prepared {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, 10, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	p, err := files.Prepare("路灯.jpg", &b, files.Photos())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func day(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

func lamp() cases.ReportInput {
	return cases.ReportInput{OrgCode: orgtest.Grid, Category: "1401", Description: "3栋门口路灯不亮", Address: "3栋门口"}
}

// take takes a step on the case at its current version.
func take(t *testing.T, s *cases.Service, p auth.Principal, c cases.Case, in cases.TakeInput, photos ...files.Prepared) cases.Case {
	t.Helper()
	got, err := s.Take(context.Background(), p, c.No, c.Instance.Version, in, photos)
	if err != nil {
		t.Fatalf("%s by %s: %v", in.Transition, p.Name, err)
	}
	return got
}

func TestCase_FromTheFieldToARatingAcrossNationalDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clk := setup(t, d)
		ctx := context.Background()

		// Wednesday 30 September, the eve of National Day: a grid worker reports
		// a broken lamp with a photo.
		c, err := s.Report(ctx, gridWorker, lamp(), []files.Prepared{photo(t)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.No != orgtest.Community+"-2026-000001" || c.Instance.State != "reported" || c.Instance.OwnerOrg != orgtest.Community {
			t.Fatalf("reported: %s %s owner %s", c.No, c.Instance.State, c.Instance.OwnerOrg)
		}
		// 立案 within 1/2 working days: 1–7 October are the holiday, so the first
		// working day after the report is Thursday 8 October.
		if day(c.Instance.YellowAt) != "2026-10-08" || day(c.Instance.RedAt) != "2026-10-09" {
			t.Errorf("accept deadlines %s / %s, want 2026-10-08 / 2026-10-09", day(c.Instance.YellowAt), day(c.Instance.RedAt))
		}
		if fs, _ := s.Files(ctx, community, c.ID); len(fs) != 1 {
			t.Errorf("photos of the report: %d, want 1", len(fs))
		}

		// On the last day of the holiday nothing is overdue; on 9 October it is.
		clk.set("2026-10-07 20:00")
		if _, counts, _, _ := s.Board(ctx, community, "", workflow.Yellow, "", 10, "zh-CN"); counts.Yellow != 0 || counts.Open != 1 {
			t.Errorf("7 October: %+v, want one open and none yellow", counts)
		}
		clk.set("2026-10-09 09:00")
		if cs, counts, _, _ := s.Board(ctx, community, "", workflow.Yellow, "", 10, "zh-CN"); counts.Yellow != 1 || len(cs) != 1 || cs[0].ID != c.ID {
			t.Errorf("9 October: %+v, want the case yellow", counts)
		}

		// The community accepts it and dispatches it where the district routes
		// lamps; 处置 within 2/5 working days counts Saturday 10 October, a
		// make-up working day (调休).
		c = take(t, s, community, c, cases.TakeInput{Transition: "accept"})
		det, err := s.Detail(ctx, community, c.No, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if det.Suggested != department {
			t.Errorf("suggested handler %q, want the district's lamp department", det.Suggested)
		}
		c = take(t, s, community, c, cases.TakeInput{Transition: "dispatch", HandlerID: department})
		if c.Instance.State != "handling" || c.Instance.HandlerOrg != orgtest.District || day(c.Instance.YellowAt) != "2026-10-12" {
			t.Errorf("dispatched: %s to %s, yellow %s; want handling by the district, yellow 2026-10-12", c.Instance.State, c.Instance.HandlerOrg, day(c.Instance.YellowAt))
		}

		// The department returns it once: the lamp is in the estate, not on the road.
		c = take(t, s, district, c, cases.TakeInput{Transition: "return", Reason: "小区内路灯归物业管理"})
		if c.Instance.State != "returned" {
			t.Fatalf("returned: %s", c.Instance.State)
		}
		// Re-dispatched to the community's window, handled, verified, closed.
		c = take(t, s, community, c, cases.TakeInput{Transition: "dispatch", HandlerID: window})
		c = take(t, s, community, c, cases.TakeInput{Transition: "feedback", Result: "已通知物业更换灯泡"}, photo(t))
		c = take(t, s, community, c, cases.TakeInput{Transition: "verify_pass"})
		if c.Instance.State != "closed" || !c.Instance.Closed() {
			t.Fatalf("verified: %s", c.Instance.State)
		}
		// The grid worker who reported it rates it.
		c = take(t, s, gridWorker, c, cases.TakeInput{Transition: "rate", Result: "satisfied"})
		if c.Instance.State != "rated" || c.Rating != "satisfied" {
			t.Errorf("rated: %s %q", c.Instance.State, c.Rating)
		}

		det, err = s.Detail(ctx, community, c.No, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, a := range det.Timeline {
			steps = append(steps, a.Transition)
		}
		want := []string{"start", "accept", "dispatch", "return", "dispatch", "feedback", "verify_pass", "rate"}
		if len(steps) != len(want) {
			t.Fatalf("timeline %v, want %v", steps, want)
		}
		for i := range want {
			if steps[i] != want[i] {
				t.Fatalf("timeline %v, want %v", steps, want)
			}
		}
		if fs, _ := s.Files(ctx, community, c.ID); len(fs) != 2 {
			t.Errorf("photos: %d, want the report's and the feedback's", len(fs))
		}
		if n, _ := s.MyWorkCount(ctx, community); n != 0 {
			t.Errorf("community's work after closing: %d", n)
		}
	})
}

func TestCase_RefusesWhatIsNotAllowedAndNamesWhy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		ctx := context.Background()
		c, err := s.Report(ctx, gridWorker, lamp(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			p       auth.Principal
			version int
			in      cases.TakeInput
			code    apperr.Code
		}{
			{"a step not allowed from 上报", community, c.Instance.Version, cases.TakeInput{Transition: "verify_pass"}, apperr.Conflict},
			{"a grid worker may not accept", gridWorker, c.Instance.Version, cases.TakeInput{Transition: "accept"}, apperr.Forbidden},
			{"no version", community, 0, cases.TakeInput{Transition: "accept"}, apperr.PreconditionRequired},
			{"an old version", community, c.Instance.Version + 5, cases.TakeInput{Transition: "accept"}, apperr.PreconditionFailed},
			{"not accepted without a reason", community, c.Instance.Version, cases.TakeInput{Transition: "not_accept"}, apperr.Invalid},
			{"a case outside the scope", otherGrid, c.Instance.Version, cases.TakeInput{Transition: "accept"}, apperr.NotFound},
		} {
			_, err := s.Take(ctx, tc.p, c.No, tc.version, tc.in, nil)
			if apperr.CodeOf(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		_, err = s.Take(ctx, community, c.No, c.Instance.Version, cases.TakeInput{Transition: "verify_pass"}, nil)
		if e, ok := err.(*apperr.Error); !ok || e.Args["allowed"] == nil {
			t.Errorf("409 names no allowed steps: %#v", err)
		}

		for _, tc := range []struct {
			name  string
			in    cases.ReportInput
			field string
		}{
			{"an unknown category", cases.ReportInput{OrgCode: orgtest.Grid, Category: "7777", Description: "x"}, "category"},
			{"a class, not a subclass", cases.ReportInput{OrgCode: orgtest.Grid, Category: "14", Description: "x"}, "category"},
			{"a place outside the scope", cases.ReportInput{OrgCode: orgtest.Grid2, Category: "1401", Description: "x"}, "org_code"},
			{"no description", cases.ReportInput{OrgCode: orgtest.Grid, Category: "1401"}, "description"},
			{"a reporter's phone that is not one", cases.ReportInput{OrgCode: orgtest.Grid, Category: "1401", Description: "x", ReporterPhone: "12"}, "reporter_phone"},
			{"half a location", cases.ReportInput{OrgCode: orgtest.Grid, Category: "1401", Description: "x", Lat: new(23.47)}, "lat"},
		} {
			_, err := s.Report(ctx, gridWorker, tc.in, nil, nil)
			var e *apperr.Error
			if !asAppErr(err, &e) || e.Code != apperr.Invalid || e.Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}
	})
}

func TestCase_TheSameOfflineReportTwiceIsOneCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		ctx := context.Background()
		key, err := idem.New(gridWorker.UserID, "7f0c3c2e-key", []byte(`{"same":"body"}`))
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.Report(ctx, gridWorker, lamp(), nil, key)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Report(ctx, gridWorker, lamp(), nil, key)
		if err != nil || again.ID != first.ID {
			t.Fatalf("the retry gave %v, %v; want the first case %s", again.ID, err, first.ID)
		}
		other, _ := idem.New(gridWorker.UserID, "7f0c3c2e-key", []byte(`{"another":"body"}`))
		if _, err := s.Report(ctx, gridWorker, lamp(), nil, other); apperr.CodeOf(err) != apperr.Unprocessable {
			t.Errorf("the key with another body: %v, want unprocessable", err)
		}
		if cs, n, _ := s.List(ctx, community, cases.Filter{Limit: 10}, "zh-CN"); n != 1 || len(cs) != 1 {
			t.Errorf("cases: %d, want 1", n)
		}
	})
}

func asAppErr(err error, e **apperr.Error) bool {
	v, ok := err.(*apperr.Error)
	*e = v
	return ok
}

func TestCase_ADeadlineInAYearTheCalendarLacksIsAWarningNotAGuess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clk := setup(t, d)
		ctx := context.Background()
		// Christmas Eve 2026: 处置 within 2/5 working days runs into 2027, whose
		// holiday notice the calendar does not have.
		clk.set("2026-12-28 09:00")
		c, err := s.Report(ctx, gridWorker, lamp(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		c = take(t, s, community, c, cases.TakeInput{Transition: "accept"})
		c = take(t, s, community, c, cases.TakeInput{Transition: "dispatch", HandlerID: window})
		if !c.Instance.DeadlineWarning || !c.Instance.YellowAt.IsZero() || !c.Instance.RedAt.IsZero() {
			t.Errorf("handling into 2027: warning %v, yellow %s, red %s; want a warning and no date", c.Instance.DeadlineWarning, c.Instance.YellowAt, c.Instance.RedAt)
		}
	})
}
