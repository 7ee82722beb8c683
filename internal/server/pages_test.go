package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

// page is one page request of a scenario: who asks for what, and what must and
// must not be in the answer.
type page struct {
	name, user, path string
	status           int
	want, not        []string
}

func (w *world) check(t *testing.T, tc page) string {
	t.Helper()
	code, body := w.do(t, tc.user, http.MethodGet, tc.path, "")
	if code != tc.status {
		t.Errorf("%s: status %d, want %d", tc.name, code, tc.status)
	}
	for _, s := range tc.want {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q", tc.name, s)
		}
	}
	for _, s := range tc.not {
		if strings.Contains(body, s) {
			t.Errorf("%s: page shows %q", tc.name, s)
		}
	}
	// No page shows anyone's full ID number, nor a full phone but the work contacts
	// of the workers of the user's own community (decision 18).
	for what, id := range w.ids {
		if strings.HasPrefix(what, "idnumber") && strings.Contains(body, id) {
			t.Errorf("%s: page shows the full ID number of %s", tc.name, what)
		}
	}
	for _, m := range fullPhone.FindAllString(body, -1) {
		if !workContact(tc.user, m) {
			t.Errorf("%s: page shows the full phone number %s", tc.name, m)
		}
	}
	return body
}

// workContact reports whether user sees phone in full: the phones of 社工A and 社工B,
// workers of 东兴社区, to its community and grid users.
func workContact(user, phone string) bool {
	return (user == "community" || user == "grid") && (phone == "13900000001" || phone == "13900000002")
}

// post sends a form as nobody.
func (w *world) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

var fullPhone = regexp.MustCompile(`\b1[3-9]\d{9}\b`)

func TestPages(t *testing.T) {
	w := newWorld(t, dbtest.SQLite(t))
	for _, tc := range []page{
		{"home of a community", "community", "/", 200,
			[]string{"东兴社区", `<span class="level-tag">社区</span>`, "统计日期 2026-11-27", "户数", "户籍人口", "流动人口", "社区工作者构成",
				"下辖网格", `<a href="/org/` + orgtest.Grid + `">东兴第一网格</a>`, `<svg class="chart"`, "东兴第二网格"},
			[]string{"南环"}},
		{"home of a district", "district", "/", 200,
			[]string{"万秀区", "下辖街道", "城东街道", "城南街道", "社区办公服务用房", `href="/org/` + orgtest.Street + `"`}, nil},
		{"home of a grid", "grid", "/", 200,
			[]string{"东兴第一网格", "打开网格页", `href="/org/` + orgtest.Grid + `"`}, []string{"东兴第二网格", "社区工作者构成"}},
		{"home as of a date", "community", "/?as_of=2013-05-20", 200, []string{"统计日期 2013-05-20", `value="2013-05-20"`}, nil},
		{"home as of a bad date", "community", "/?as_of=20130520", 200,
			[]string{"日期无效", `aria-invalid="true"`, "统计日期 2026-11-27"}, nil},
		{"home in English", "community", "/?lang=en", 200, []string{`<html lang="en">`, "Households", "Grids", "Figures as of 2026-11-27"}, nil},

		{"community page", "community", "/org/" + orgtest.Community, 200,
			[]string{"东兴社区", "社区概况", "2001", "120.00 ㎡", "低于规定标准", "核定 8 个，在岗 2 人", `href="/org/` + orgtest.Grid + `"`,
				`<nav aria-label="当前位置">`, "城东街道"},
			[]string{`href="/org/` + orgtest.Street + `"`}},
		{"grid page", "community", "/org/" + orgtest.Grid, 200,
			[]string{"东兴第一网格", `<span class="level-tag">网格</span>`, "网格员", "社工A", "13900000001", "住户", "共 1 户",
				`<a href="/households/`, ">HA</a>", "梧州市万秀区测试路A号", "还没有登记居民小组长", `href="/org/` + orgtest.Community + `"`},
			[]string{"HB", "社工B"}},
		// A page past the end says there is nothing there, not how many there are
		// above it (issue 10 item 9).
		{"grid page past the end", "community", "/org/" + orgtest.Grid + "?page=9&after=ZZZ", 200,
			[]string{"这个网格还没有登记住户"}, []string{"共 1 户"}},
		{"grid page of another grid", "grid", "/org/" + orgtest.GridB, 404, []string{"出错了", "找不到该单位"}, []string{"社工B"}},
		{"unit above the user", "grid", "/org/" + orgtest.Community, 404, nil, []string{"东兴第二网格"}},
		{"unknown unit", "city", "/org/999999", 404, nil, nil},

		{"household", "grid", "/households/" + w.ids["householdA"], 200, []string{"户号 HA", "居民A", "户主"}, nil},
		{"household of another grid", "grid", "/households/" + w.ids["householdB"], 404, []string{"找不到该户"}, []string{"居民B"}},
		{"resident", "community", "/residents/" + w.ids["residentA"], 200,
			[]string{"居民A", w.ids["idnumberA"][:6] + "********" + w.ids["idnumberA"][14:], "1980-01-01", "登记与迁移记录"}, nil},
		{"resident of another grid", "grid", "/residents/" + w.ids["residentB"], 404, nil, []string{"居民B"}},
		{"search", "city", "/search?q=" + url.QueryEscape("居民"), 200, []string{"共 3 人", "居民A", "居民B", "居民C"}, nil},
		{"search in scope", "grid", "/search?q=" + url.QueryEscape("居民"), 200, []string{"共 1 人", "居民A"}, []string{"居民B"}},
		{"search too short", "city", "/search?q=1", 400, []string{"查询内容太短"}, nil},
		{"staff", "community", "/staff", 200, []string{"社工A", "社工B", "东兴第一网格", "13900000002"}, []string{"社工C"}},
		{"staff of a district", "district", "/staff", 200, []string{"社工A", "社工C", "139****0003"}, nil},
		{"staff out of scope", "community", "/staff?scope=" + orgtest.Community2, 404, nil, []string{"社工C"}},
	} {
		w.check(t, tc)
	}
}

// TestPages_NavigationLeadsToWorkingPages follows every link of the main navigation
// as every role.
func TestPages_NavigationLeadsToWorkingPages(t *testing.T) {
	w := newWorld(t, dbtest.SQLite(t))
	nav := regexp.MustCompile(`<nav class="main-nav"[\s\S]*?</nav>`)
	href := regexp.MustCompile(`href="([^"]+)"`)
	for _, user := range []string{"city", "district", "street", "community", "grid", "auditor"} {
		body := w.check(t, page{name: user + " home", user: user, path: "/", status: 200})
		links := href.FindAllStringSubmatch(nav.FindString(body), -1)
		want := 7 // home, tree, search, staff, cases, import, account
		switch user {
		case "city":
			want = 10 // and the working-day calendar, whose years the city adds, the 流入原因 dictionary and the consolidation plans
		case "district":
			want = 9 // and the 流入原因 dictionary, which the districts keep with the city, and the consolidation plans
		case "community", "grid":
			want = 9 // and the worker's day (fieldwork), and field proposals: the review queue, or one's own
		case "auditor":
			want = 6 // an auditor imports nothing
		}
		if len(links) != want {
			t.Fatalf("%s: navigation has %d links, want %d", user, len(links), want)
		}
		for _, l := range links {
			w.check(t, page{name: user + " " + l[1], user: user, path: l[1], status: 200})
		}
	}
}

func TestLoginPage(t *testing.T) {
	d := dbtest.SQLite(t)
	for _, demo := range []bool{false, true} {
		srv, err := server.New(server.Config{DB: d, Now: now, Demo: demo})
		if err != nil {
			t.Fatal(err)
		}
		w := &world{srv: srv}
		hint := "演示账号和本次启动生成的密码"
		want, not := []string{`autocomplete="current-password"`, `name="next" value="/staff"`, "社区治理平台", "登录"}, []string{hint}
		if demo {
			want, not = append(want, hint), nil
		}
		w.check(t, page{name: "sign-in form", path: "/login?next=%2Fstaff", status: 200, want: want, not: not})
	}
	srv, err := server.New(server.Config{DB: d, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{srv: srv}
	code, body := w.post(t, "/login", url.Values{"name": {"nobody"}, "password": {"wrong"}, "next": {"/"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码不对") || !strings.Contains(body, `value="nobody"`) {
		t.Errorf("failed sign-in: status %d\n%s", code, body)
	}
	if code, _ := w.do(t, "", http.MethodGet, "/", ""); code != http.StatusSeeOther {
		t.Errorf("home without signing in: status %d, want a redirect", code)
	}
}
