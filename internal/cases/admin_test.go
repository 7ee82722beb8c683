package cases_test

import (
	"context"
	"testing"

	"shequ/internal/cases"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

var city = auth.Principal{UserID: "u-city", Name: "市管理员", Role: auth.RoleCity, OrgCode: orgtest.City}

func TestCatalogue_TheCityChangesALimitAndNewStepsCountOnIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		ctx := context.Background()
		before, err := s.Report(ctx, gridWorker, lamp(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// 路灯损坏 is accepted within its class's 1/2 working days; the city makes it
		// four working hours.
		if err := s.SaveCategory(ctx, city, cases.CategoryInput{Code: "1401", NameZh: "路灯损坏", NameEn: "Broken street lamp", AcceptLimit: "4/8h", HandleLimit: "2/5d"}); err != nil {
			t.Fatal(err)
		}
		after, err := s.Report(ctx, gridWorker, lamp(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !after.Instance.YellowAt.Before(before.Instance.YellowAt) {
			t.Errorf("yellow card at %s after the change, %s before: want sooner", after.Instance.YellowAt, before.Instance.YellowAt)
		}
		cat, _ := s.Catalogue().Get("1401")
		if cat.AcceptLimit != "4/8h" {
			t.Errorf("catalogue holds %q", cat.AcceptLimit)
		}

		for _, tc := range []struct {
			name  string
			p     auth.Principal
			in    cases.CategoryInput
			code  apperr.Code
			field string
		}{
			{"a community may not", community, cases.CategoryInput{Code: "1401", NameZh: "路灯"}, apperr.Forbidden, ""},
			{"a code of three digits", city, cases.CategoryInput{Code: "140", NameZh: "x"}, apperr.Invalid, "code"},
			{"a subclass of no class", city, cases.CategoryInput{Code: "7701", NameZh: "x"}, apperr.Invalid, "code"},
			{"no Chinese name", city, cases.CategoryInput{Code: "1499"}, apperr.Invalid, "name_zh"},
			{"yellow after red", city, cases.CategoryInput{Code: "1499", NameZh: "x", HandleLimit: "5/2d"}, apperr.Invalid, "handle_limit"},
			{"a limit in weeks", city, cases.CategoryInput{Code: "1499", NameZh: "x", AcceptLimit: "1/2w"}, apperr.Invalid, "accept_limit"},
		} {
			err := s.SaveCategory(ctx, tc.p, tc.in)
			var e *apperr.Error
			if !asAppErr(err, &e) || e.Code != tc.code || e.Field != tc.field {
				t.Errorf("%s: %v, want %s %s", tc.name, err, tc.code, tc.field)
			}
		}
	})
}

func TestRouting_ADistrictSendsACategoryToAHandlerItServes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		ctx := context.Background()
		h, err := s.AddHandler(ctx, district, cases.HandlerInput{OrgCode: orgtest.District, NameZh: "区住建局", Kind: "department"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetRoute(ctx, district, orgtest.District, "1203", h.ID); err != nil {
			t.Fatal(err)
		}
		routes, hs, err := s.Routing(ctx, community, orgtest.District, "zh-CN")
		if err != nil || len(hs) < 2 {
			t.Fatalf("routing as the community: %v, %d handlers", err, len(hs))
		}
		found := false
		for _, r := range routes {
			found = found || (r.Category == "1203" && r.Handler == h.ID)
		}
		if !found {
			t.Errorf("route not kept: %v", routes)
		}
		if err := s.SetRoute(ctx, community, orgtest.District, "1203", h.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a community sets a route: %v", err)
		}
		if err := s.SetRoute(ctx, district, orgtest.District2, "1203", h.ID); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("another district's route: %v", err)
		}
		if _, err := s.AddHandler(ctx, district, cases.HandlerInput{OrgCode: orgtest.District, NameZh: "x", Kind: "bureau"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("an unknown kind: %v", err)
		}
	})
}

func TestDispatchMany_AllOrNone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		ctx := context.Background()
		var batch []cases.Versioned
		for range 3 {
			c, err := s.Report(ctx, gridWorker, lamp(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			c = take(t, s, community, c, cases.TakeInput{Transition: "accept"})
			batch = append(batch, cases.Versioned{ID: c.ID, Version: c.Instance.Version})
		}
		stale := append([]cases.Versioned{}, batch...)
		stale[2].Version--
		if _, err := s.DispatchMany(ctx, community, stale, window); apperr.CodeOf(err) != apperr.PreconditionFailed {
			t.Fatalf("a batch with one stale case: %v", err)
		}
		if n, _ := s.MyWorkCount(ctx, community); n != 3 {
			t.Fatalf("after the refused batch %d cases wait for the community, want all 3 still", n)
		}
		got, err := s.DispatchMany(ctx, community, batch, window)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if c.Instance.State != "handling" || c.HandlerName == "" {
				t.Errorf("%s: %s by %q", c.No, c.Instance.State, c.HandlerName)
			}
		}
	})
}
