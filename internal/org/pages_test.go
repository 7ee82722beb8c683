package org_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/area"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := i18n.Load(org.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, org.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
}

// formWorld is the test city served by the tree's forms.
type formWorld struct {
	d   *db.DB
	svc *org.Service
	h   http.Handler
}

func newFormWorld(t *testing.T, d *db.DB) formWorld {
	t.Helper()
	orgtest.Build(t, d)
	b, err := i18n.Load(org.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, org.Templates)
	if err != nil {
		t.Fatal(err)
	}
	svc := org.NewService(d, now)
	mux := http.NewServeMux()
	org.RegisterPages(mux, svc, rend)
	return formWorld{d: d, svc: svc, h: web.Language(mux)}
}

var (
	streetUser    = auth.Principal{UserID: "s", Name: "street", Role: auth.RoleStreet, OrgCode: orgtest.Street}
	communityUser = auth.Principal{UserID: "c", Name: "community", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
)

// do sends a request as p: a form when form is not nil, else a GET.
func (w formWorld) do(p auth.Principal, target string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if form != nil {
		req = httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

func (w formWorld) unit(t *testing.T, code string) org.Unit {
	t.Helper()
	u, err := w.svc.Unit(context.Background(), auth.System(), code)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q", what, s)
		}
	}
}

func community(name, founded, area, posts string) url.Values {
	return url.Values{"name": {name}, "founded_year": {founded}, "office_area_m2": {area}, "authorized_posts": {posts}}
}

func TestEditForm_ShowsACommunitysFactsWithTwoDecimals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		rec := w.do(streetUser, "/org/"+orgtest.Community+"/edit", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		contains(t, "edit form", rec.Body.String(), "修改东兴社区", `name="name" value="东兴社区"`, `name="founded_year" value="2001"`,
			`name="office_area_m2" value="120.00"`, `inputmode="decimal"`, `name="authorized_posts" value="8"`,
			`action="/org/`+orgtest.Community+`/edit"`, `href="/org/`+orgtest.Street+`"`)
	})
}

// Bad input: an area with three decimals or a negative one is refused naming the
// field, the form comes back with everything as typed, and nothing is written.
func TestEdit_RefusesThreeDecimalsOrANegativeAreaKeepingWhatWasTyped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		for typed, message := range map[string]string{
			"149.505": "办公服务用房面积：最多保留两位小数",
			"-149.5":  "办公服务用房面积：面积不能为负数",
			"一百五":     "办公服务用房面积：应为以平方米计的数字",
		} {
			rec := w.do(streetUser, "/org/"+orgtest.Community+"/edit", community("东兴新社区", "2002", typed, "9"))
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d", typed, rec.Code)
			}
			contains(t, typed, rec.Body.String(), message, `value="`+typed+`"`, `value="东兴新社区"`, `value="2002"`, `value="9"`,
				`id="org-office_area_m2" name="office_area_m2"`, `aria-invalid="true" autofocus`, "您填写的内容都还在")
		}
		if u := w.unit(t, orgtest.Community); u.Name != "东兴社区" || u.OfficeArea != area.M2(120) || u.AuthorizedPosts != 8 {
			t.Errorf("refused forms wrote %+v", u)
		}
	})
}

func TestEdit_NamesEachFieldItCannotRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		rec := w.do(streetUser, "/org/"+orgtest.Community+"/edit", community("东兴社区", "二〇〇一", "149.5", "八"))
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status %d", rec.Code)
		}
		contains(t, "two bad numbers", body, "成立年份：年份不合理", "核定编制数：应为 0 至 1000 之间的整数", `value="149.5"`)
		if strings.Count(body, `aria-invalid="true"`) != 2 || strings.Count(body, "autofocus") != 1 {
			t.Errorf("want two fields marked, the first focused:\n%s", body)
		}
		rec = w.do(streetUser, "/org/"+orgtest.Community+"/edit", community(" ", "2001", "", "8"))
		contains(t, "no name", rec.Body.String(), "名称：不能为空")
		rec = w.do(streetUser, "/org/"+orgtest.Community+"/edit", community("东兴社区", "2099", "", "8"))
		contains(t, "founded in the future", rec.Body.String(), "成立年份：年份不合理", `value="2099"`)
	})
}

// A saved form is one transaction with its audit record, and the tree every page
// reads shows the change at once.
func TestEdit_SavesACommunityAndItsAuditRecordAndTheTreeShowsIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		w.unit(t, orgtest.Community) // the tree is now held in memory
		rec := w.do(streetUser, "/org/"+orgtest.Community+"/edit", community(" 东兴新社区 ", "２００２", "149.5 ㎡", "9"))
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/org/"+orgtest.Community+"?saved=1" {
			t.Fatalf("status %d to %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
		}
		u := w.unit(t, orgtest.Community)
		if u.Name != "东兴新社区" || u.FoundedYear != 2002 || u.OfficeArea != 14950 || u.AuthorizedPosts != 9 {
			t.Errorf("saved %+v", u)
		}
		if u.OfficeStandard() != "below_150" {
			t.Errorf("149.50 m² meets %s", u.OfficeStandard())
		}
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: audit.ActOrgUpdate}, 10, 0)
		if err != nil || len(rows) != 1 || rows[0].Object != "org:"+orgtest.Community || rows[0].UserID != "s" {
			t.Errorf("audit records %+v %v", rows, err)
		}
		rec = w.do(streetUser, "/org/"+orgtest.Community+"/edit", community("东兴新社区", "", "", "9"))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("clearing the year and area: %d", rec.Code)
		}
		if u := w.unit(t, orgtest.Community); u.FoundedYear != 0 || u.OfficeArea != 0 || u.OfficeStandard() != "unknown" {
			t.Errorf("cleared %+v", u)
		}
	})
}

func TestEdit_RenamesAGridAndShowsOnlyItsName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		body := w.do(streetUser, "/org/"+orgtest.Grid+"/edit", nil).Body.String()
		contains(t, "grid form", body, `value="东兴第一网格"`)
		if strings.Contains(body, "office_area_m2") || strings.Contains(body, "founded_year") {
			t.Error("the grid's form asks for a community's facts")
		}
		rec := w.do(streetUser, "/org/"+orgtest.Grid+"/edit", url.Values{"name": {"东兴一格"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("status %d", rec.Code)
		}
		if u := w.unit(t, orgtest.Grid); u.Name != "东兴一格" || u.Level != scope.Grid {
			t.Errorf("renamed %+v", u)
		}
	})
}

func TestEdit_OnlyForOrgWriteAndInScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		for _, tc := range []struct {
			who    auth.Principal
			target string
			form   url.Values
			status int
		}{
			{communityUser, "/org/" + orgtest.Community + "/edit", nil, http.StatusForbidden},
			{communityUser, "/org/" + orgtest.Community + "/edit", community("x", "", "", "1"), http.StatusForbidden},
			{communityUser, "/org/" + orgtest.Community + "/grids/new", nil, http.StatusForbidden},
			{streetUser, "/org/" + orgtest.Community2 + "/edit", nil, http.StatusNotFound},
			{streetUser, "/org/" + orgtest.Community2 + "/edit", community("x", "", "", "1"), http.StatusNotFound},
			{streetUser, "/org/" + orgtest.Community2 + "/grids/new", url.Values{"code": {"009"}, "name": {"x"}}, http.StatusNotFound},
			{streetUser, "/org/" + orgtest.Grid + "/grids/new", nil, http.StatusNotFound},
		} {
			if rec := w.do(tc.who, tc.target, tc.form); rec.Code != tc.status {
				t.Errorf("%s %s: %d, want %d", tc.who.Name, tc.target, rec.Code, tc.status)
			}
		}
		if u := w.unit(t, orgtest.Community2); u.Name != "南环社区" {
			t.Errorf("out of scope unit renamed to %s", u.Name)
		}
		denied, err := audit.List(context.Background(), d.Read(), audit.Filter{Outcome: audit.Denied}, 10, 0)
		if err != nil || len(denied) < 3 {
			t.Errorf("denied records %d %v, want the community user's three at least", len(denied), err)
		}
	})
}

func TestAddGrid_SuggestsTheNextCodeAndAddsTheGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		body := w.do(streetUser, "/org/"+orgtest.Community+"/grids/new", nil).Body.String()
		contains(t, "grid form", body, "添加网格", `<span class="affix mono">`+orgtest.Community+`</span>`, `name="code" value="003"`,
			`action="/org/`+orgtest.Community+`/grids/new"`)
		w.unit(t, orgtest.Community)
		rec := w.do(streetUser, "/org/"+orgtest.Community+"/grids/new", url.Values{"code": {"００３"}, "name": {"东兴第三网格"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/org/"+orgtest.Community+"?added="+orgtest.Community+"003" {
			t.Fatalf("status %d to %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
		}
		kids, err := w.svc.Children(context.Background(), streetUser, orgtest.Community)
		if err != nil || len(kids) != 3 || kids[2].Name != "东兴第三网格" || kids[2].Level != scope.Grid {
			t.Errorf("children after adding %+v %v", kids, err)
		}
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: audit.ActOrgCreate}, 10, 0)
		if err != nil || len(rows) != 1 || rows[0].Object != "org:"+orgtest.Community+"003" {
			t.Errorf("audit records %+v %v", rows, err)
		}
		if body := w.do(streetUser, "/org/"+orgtest.Community+"/grids/new", nil).Body.String(); !strings.Contains(body, `value="004"`) {
			t.Error("the next suggestion is not 004")
		}
	})
}

func TestAddGrid_RefusesABadOrTakenCodeKeepingWhatWasTyped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newFormWorld(t, d)
		for _, tc := range []struct {
			code, name, message string
		}{
			{"001", "重复网格", "网格代码：该代码已被其他单位使用"},
			{"12", "短代码网格", "网格代码：应为 001 至 999 之间的 3 位数字"},
			{"000", "零号网格", "网格代码：应为 001 至 999 之间的 3 位数字"},
			{"0a1", "字母网格", "网格代码：应为 001 至 999 之间的 3 位数字"},
			{"005", "", "名称：不能为空"},
		} {
			rec := w.do(streetUser, "/org/"+orgtest.Community+"/grids/new", url.Values{"code": {tc.code}, "name": {tc.name}})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d", tc.code, rec.Code)
			}
			contains(t, tc.code, rec.Body.String(), tc.message, `name="code" value="`+tc.code+`"`, `value="`+tc.name+`"`)
		}
		kids, err := w.svc.Children(context.Background(), streetUser, orgtest.Community)
		if err != nil || len(kids) != 2 {
			t.Errorf("refused forms added grids: %+v %v", kids, err)
		}
	})
}
