package staff_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
	"shequ/internal/staff"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := i18n.Load(staff.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, staff.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	for _, key := range []string{"staff.by_child.district", "staff.by_child.street", "staff.by_child.community", "staff.by_child.grid",
		"staff.done.assigned", "staff.done.ended"} {
		if !b.Has(key) {
			t.Errorf("missing %s", key)
		}
	}
}

// The phones of the site's workers: 陈丽 and 黄强 of 东兴社区, 刘洋 of 南环社区.
const (
	phoneChen  = "13600003333"
	phoneHuang = "13900001111"
	phoneLiu   = "13700002222"
)

// site serves the workforce's pages and API over a test city with three workers:
// 陈丽 (grid worker of 东兴第一网格) and 黄强 (书记兼主任) of 东兴社区, and 刘洋 (grid
// worker of 南环第一网格) of 南环社区. Everything the server logs goes to log.
type site struct {
	svc  *staff.Service
	made []staff.Worker
	h    http.Handler
	log  bytes.Buffer
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	orgtest.Build(t, d)
	s := &site{svc: staff.NewService(d, now)}
	chen := worker("陈丽", "19850601", "022", orgtest.Grid)
	chen.Phone = phoneChen
	for _, in := range []staff.WorkerInput{
		chen,
		{Name: "黄强", IDNumber: idNumber("19600310", "031"), CommunityCode: orgtest.Community, Position: "secretary_director",
			Education: "普通高中毕业", HiredOn: "2001-03-01", Phone: phoneHuang},
		{Name: "刘洋", IDNumber: idNumber("19950920", "042"), CommunityCode: orgtest.Community2, Position: "grid_worker",
			Education: "junior_college", HiredOn: "2019-09-01", Phone: phoneLiu, GridCodes: []string{orgtest.Grid2}},
	} {
		w, err := s.svc.Create(context.Background(), district, in)
		if err != nil {
			t.Fatal(err)
		}
		s.made = append(s.made, w)
	}
	b, err := i18n.Load(staff.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, staff.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	staff.RegisterPages(mux, s.svc, org.NewService(d, now), rend)
	staff.RegisterAPI(mux, s.svc, rend)
	s.h = web.AccessLog{Logger: slog.New(slog.NewTextHandler(&s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}.Wrap(web.Language(mux))
	return s
}

// send asks the site as p; a form, when given, is posted.
func (s *site) send(p auth.Principal, target string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if form != nil {
		req = httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *site) get(p auth.Principal, target string) (int, string) {
	rec := s.send(p, target, nil)
	return rec.Code, rec.Body.String()
}

// inOrder reports whether the texts appear in body in this order.
func inOrder(body string, texts ...string) bool {
	at := 0
	for _, s := range texts {
		i := strings.Index(body[at:], s)
		if i < 0 {
			return false
		}
		at += i + len(s)
	}
	return true
}

func TestStaffPage_ListsTheWorkersUnderTheUnitMasked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		code, body := s.get(district, "/staff")
		if code != http.StatusOK {
			t.Fatalf("status %d\n%s", code, body)
		}
		for _, want := range []string{"社区工作者", "万秀区（区）", "陈丽", "黄强", "刘洋", "东兴社区", "南环社区", "书记兼主任", "网格员",
			`<td data-label="学历">普通高中毕业</td>`, `<td data-label="学历">大学专科教育</td>`, `<td data-label="学历">大学本科毕业</td>`, "2001-03-01", "139****1111", `<a href="/org/` + orgtest.Grid + `">东兴第一网格</a>`,
			`href="/staff?scope=` + orgtest.Street + `"`, "按街道查看", "3 <small>/ 14</small>", "缺编 11 人", "共 3 人",
			`<a href="/staff/` + s.made[0].ID + `">陈丽</a>`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		for _, w := range s.made {
			if strings.Contains(body, w.IDNumber) {
				t.Errorf("page shows %s's full ID number", w.Name)
			}
		}
		if strings.Contains(body, phoneHuang) {
			t.Error("the district sees a full phone number")
		}
		// By community, then name: 东兴社区's two before 南环社区's one.
		if !inOrder(body, "黄强", "刘洋") {
			t.Error("roster is not in community order")
		}
		// Within a community, no row says which.
		own := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		if _, body := s.get(own, "/staff"); !strings.Contains(body, `data-label="职务"`) || strings.Contains(body, `data-label="所在社区"`) {
			t.Error("a community's roster names the community on every row")
		}
	})
}

func TestStaffPage_ScopeNarrowsAndStopsAtTheUsersUnit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		code, body := s.get(district, "/staff?scope="+orgtest.Community2)
		if code != http.StatusOK || !strings.Contains(body, "刘洋") || strings.Contains(body, "陈丽") {
			t.Errorf("narrowed to 南环社区: status %d", code)
		}
		community := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		for _, target := range []string{"/staff?scope=" + orgtest.Community2, "/staff?scope=" + orgtest.District} {
			if code, _ := s.get(community, target); code != http.StatusNotFound {
				t.Errorf("%s as 东兴社区: status %d, want 404", target, code)
			}
		}
		grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
		code, body = s.get(grid, "/staff?lang=en")
		if code != http.StatusOK || !strings.Contains(body, "陈丽") || strings.Contains(body, "黄强") {
			t.Errorf("grid worker's roster: status %d", code)
		}
		if !strings.Contains(body, "Community workers") || !strings.Contains(body, "东兴社区") {
			t.Error("grid worker's roster lacks the English title or the community's name")
		}
	})
}

// TestStaffPage_WorkContactsInFullOnlyToTheCommunitysOwnUsers (issue 10 item 11):
// the community's own users — its office and its grid workers — see its workers'
// phones whole, on the roster, the worker's page and through the API; the street,
// the district, the read-only role and another community see them masked; and no
// phone reaches the log.
func TestStaffPage_WorkContactsInFullOnlyToTheCommunitysOwnUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		chen, huang, liu := s.made[0], s.made[1], s.made[2]
		own := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		gridB := auth.Principal{UserID: "gb", Role: auth.RoleGrid, OrgCode: orgtest.GridB}
		grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
		other := auth.Principal{UserID: "c2", Role: auth.RoleCommunity, OrgCode: orgtest.Community2}
		street := auth.Principal{UserID: "s", Role: auth.RoleStreet, OrgCode: orgtest.Street}
		readOnly := auth.Principal{UserID: "a", Role: auth.RoleReadOnly, OrgCode: orgtest.Community}
		for _, tc := range []struct {
			who          string
			p            auth.Principal
			target       string
			full, masked []string
		}{
			{"东兴社区", own, "/staff", []string{phoneChen, phoneHuang}, nil},
			{"东兴社区", own, "/staff/" + huang.ID, []string{phoneHuang}, nil},
			{"东兴社区", own, "/api/v1/staff", []string{phoneChen, phoneHuang}, nil},
			{"东兴社区", own, "/api/v1/staff/" + chen.ID, []string{phoneChen}, nil},
			{"东兴第一网格", grid, "/staff", []string{phoneChen}, nil},
			{"东兴第一网格", grid, "/staff/" + chen.ID, []string{phoneChen}, nil},
			{"东兴第一网格", grid, "/api/v1/org/" + orgtest.Grid + "/workers", []string{phoneChen}, nil},
			{"南环社区", other, "/staff", []string{phoneLiu}, nil},
			{"南环社区", other, "/staff/" + liu.ID, []string{phoneLiu}, nil},
			{"城东街道", street, "/staff", nil, []string{phoneChen, phoneHuang}},
			{"城东街道", street, "/api/v1/staff/" + huang.ID, nil, []string{phoneHuang}},
			{"万秀区", district, "/staff", nil, []string{phoneChen, phoneHuang, phoneLiu}},
			{"万秀区", district, "/staff/" + liu.ID, nil, []string{phoneLiu}},
			{"万秀区", district, "/api/v1/org/" + orgtest.Grid2 + "/workers", nil, []string{phoneLiu}},
			{"只读查询 of 东兴社区", readOnly, "/staff", nil, []string{phoneChen, phoneHuang}},
			{"只读查询 of 东兴社区", readOnly, "/staff/" + huang.ID, nil, []string{phoneHuang}},
		} {
			code, body := s.get(tc.p, tc.target)
			if code != http.StatusOK {
				t.Errorf("%s, %s: status %d", tc.who, tc.target, code)
				continue
			}
			for _, phone := range tc.full {
				if !strings.Contains(body, phone) {
					t.Errorf("%s, %s: %s not in full", tc.who, tc.target, phone)
				}
			}
			for _, phone := range tc.masked {
				if strings.Contains(body, phone) || !strings.Contains(body, phone[:3]+"****"+phone[7:]) {
					t.Errorf("%s, %s: %s not masked", tc.who, tc.target, phone)
				}
			}
		}
		if code, body := s.get(other, "/staff/"+huang.ID); code != http.StatusNotFound || strings.Contains(body, phoneHuang) {
			t.Errorf("another community opens 黄强: %d", code)
		}
		if code, body := s.get(gridB, "/staff/"+chen.ID); code != http.StatusNotFound || strings.Contains(body, phoneChen) {
			t.Errorf("the grid beside opens 陈丽: %d", code)
		}
		s.get(own, "/staff?q="+phoneChen)
		for _, phone := range []string{phoneChen, phoneHuang, phoneLiu} {
			if strings.Contains(s.log.String(), phone) || strings.Contains(s.log.String(), phone[:3]+"****") {
				t.Errorf("the log holds %s:\n%s", phone, s.log.String())
			}
		}
	})
}

// TestStaffPage_PagesWithTotalsAndAJump: the roster shows how many workers and
// pages it holds, links to the page before and after, and jumps to a page with
// every filter kept; a page past the end sends the user to the last.
func TestStaffPage_PagesWithTotalsAndAJump(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		for i := range 22 {
			in := worker(fmt.Sprintf("委员%02d", i), "19900101", fmt.Sprintf("%03d", 100+2*i))
			in.Position = "member"
			if _, err := s.svc.Create(context.Background(), district, in); err != nil {
				t.Fatal(err)
			}
		}
		rows := regexp.MustCompile(`<td><a href="/staff/`)
		query := "/staff?education=bachelor&scope=" + orgtest.Community
		_, body := s.get(district, query)
		if n := len(rows.FindAllString(body, -1)); n != 20 || !strings.Contains(body, "共 23 人") || !strings.Contains(body, "第 1 页，共 2 页") {
			t.Errorf("page 1: %d rows\n%s", n, body)
		}
		for _, want := range []string{`rel="next" href="/staff?education=bachelor&amp;page=2&amp;scope=` + orgtest.Community + `"`,
			`<input type="hidden" name="scope" value="` + orgtest.Community + `">`, `<input type="hidden" name="education" value="bachelor">`,
			`name="page" min="1" max="2" value="1"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page 1 lacks %s", want)
			}
		}
		if strings.Contains(body, `rel="prev"`) {
			t.Error("page 1 links to a page before it")
		}
		_, body = s.get(district, query+"&page=2")
		if n := len(rows.FindAllString(body, -1)); n != 3 || !strings.Contains(body, "第 2 页，共 2 页") || !strings.Contains(body, `rel="prev"`) ||
			!strings.Contains(body, `max="2" value="2"`) || strings.Contains(body, `rel="next"`) {
			t.Errorf("page 2: %d rows", n)
		}
		rec := s.send(district, query+"&page=9", nil)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/staff?education=bachelor&page=2&scope="+orgtest.Community {
			t.Errorf("past the end: %d to %q, want the last page", rec.Code, loc)
		}
	})
}

// TestStaffPage_SortsSearchesAndFilters: each sortable column sorts from the first
// and, asked again, from the last, and an order not offered is the default; the
// roster narrows by a piece of the name, the unit, position, education, sex and the
// day it is read as of; a filter the roster cannot use is said on the form, over
// the whole roster.
func TestStaffPage_SortsSearchesAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		for _, tc := range []struct {
			query string
			order []string
		}{
			{"sort=hired_on", []string{"黄强", "陈丽", "刘洋"}},
			{"sort=hired_on&dir=desc", []string{"刘洋", "陈丽", "黄强"}},
			{"sort=position", []string{"黄强", "陈丽", "刘洋"}},
			{"sort=education", []string{"黄强", "刘洋", "陈丽"}},
			{"sort=education&dir=desc", []string{"陈丽", "刘洋", "黄强"}},
			{"sort=name", []string{"刘洋", "陈丽", "黄强"}}, // by code point: 刘 U+5218, 陈 U+9648, 黄 U+9EC4
			{"sort=age", []string{"陈丽", "黄强", "刘洋"}},  // not an order: the default, community then name
		} {
			code, body := s.get(district, "/staff?"+tc.query)
			if code != http.StatusOK || !inOrder(body, tc.order...) {
				t.Errorf("%s: %d, want %v", tc.query, code, tc.order)
			}
		}
		_, body := s.get(district, "/staff?sort=hired_on")
		if !strings.Contains(body, `aria-sort="ascending"><a class="sort" href="/staff?dir=desc&amp;sort=hired_on">`) ||
			!strings.Contains(body, `aria-sort="none"><a class="sort" href="/staff?dir=asc&amp;sort=name">`) {
			t.Errorf("sorted by hiring date, the headers:\n%s", body)
		}
		for _, tc := range []struct {
			query string
			shows []string
		}{
			{"q=刘", []string{"刘洋"}},
			{"q=+强+", []string{"黄强"}},
			{"position=secretary_director", []string{"黄强"}},
			{"education=bachelor", []string{"陈丽"}},
			{"sex=M", []string{"黄强"}},
			{"sex=F&position=grid_worker", []string{"陈丽", "刘洋"}},
			{"scope=" + orgtest.Grid, []string{"陈丽"}},
			{"as_of=2015-01-01", []string{"陈丽", "黄强"}},
			{"as_of=2001-03-01", []string{"黄强"}},
			{"q=%25", nil},
			{"q=_", nil},
		} {
			code, body := s.get(district, "/staff?"+tc.query)
			if code != http.StatusOK {
				t.Errorf("%s: status %d", tc.query, code)
			}
			for _, name := range []string{"陈丽", "黄强", "刘洋"} {
				want := strings.Contains(strings.Join(tc.shows, " "), name)
				if got := strings.Contains(body, ">"+name+"</a>"); got != want {
					t.Errorf("%s: shows %s %v, want %v", tc.query, name, got, want)
				}
			}
			if tc.shows == nil && !strings.Contains(body, "没有符合条件的社区工作者") {
				t.Errorf("%s: no word that nothing matches", tc.query)
			}
		}
		code, body := s.get(district, "/staff?sex=X&q=陈")
		if code != http.StatusBadRequest || !strings.Contains(body, "性别：应为男或女") || !strings.Contains(body, "共 3 人") ||
			!strings.Contains(body, `value="陈"`) {
			t.Errorf("an unknown sex: %d\n%s", code, body)
		}
		code, body = s.get(district, "/staff?as_of=2099-01-01")
		if code != http.StatusBadRequest || !strings.Contains(body, "不能晚于今天（2026-11-27）") || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("a day to come: %d", code)
		}
	})
}

// TestStaffPage_EveryCellIsLabelledForThePhonesCards: on a phone the table's rows
// become cards, each titled by its first cell and every other cell under the
// header it has as data-label.
func TestStaffPage_EveryCellIsLabelledForThePhonesCards(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	for target, rows := range map[string]int{"/staff": 3, "/staff/" + s.made[0].ID: 1} {
		_, body := s.get(district, target)
		cells, titles := strings.Count(body, "<td"), strings.Count(body, "<td>")
		if labelled := strings.Count(body, `<td data-label="`); titles != rows || labelled+titles != cells || !strings.Contains(body, `<table class="list">`) {
			t.Errorf("%s: %d cells, %d labelled, %d titles for %d rows", target, cells, labelled, titles, rows)
		}
	}
}

// TestWorkerPage_AssignsAndEndsGridsWithDates: the worker's page shows the grids
// served and the history; its forms assign a grid from a day and end one on a day,
// saying on the form what is wrong and keeping what the user typed; users who may
// not change the workforce get no forms.
func TestWorkerPage_AssignsAndEndsGridsWithDates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		chen := s.made[0]
		own := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		page := "/staff/" + chen.ID
		code, body := s.get(own, page)
		for _, want := range []string{"陈丽", "东兴第一网格", "2011-07-01 起", "网格分工记录", "至今", `<option value="` + orgtest.GridB + `">东兴第二网格</option>`,
			`action="/staff/` + chen.ID + `/assignments/` + orgtest.Grid + `/end"`, `value="2026-11-27"`, "450403********" + chen.IDNumber[14:]} {
			if code != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("worker's page lacks %q (status %d)", want, code)
			}
		}

		rec := s.send(own, page+"/assignments", url.Values{"grid_code": {orgtest.GridB}, "assigned_on": {"2010-01-01"}})
		if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, "开始负责日期：不能早于入职日期 2011-07-01") ||
			!strings.Contains(body, `value="2010-01-01"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("assigned before hired: %d\n%s", rec.Code, body)
		}
		rec = s.send(own, page+"/assignments", url.Values{"grid_code": {orgtest.GridB}, "assigned_on": {"2020-01-01"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != page+"?done=assigned" {
			t.Fatalf("assign: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		if _, body := s.get(own, page+"?done=assigned"); !strings.Contains(body, "已安排负责网格") || !strings.Contains(body, "2020-01-01 起") {
			t.Error("the page after assigning")
		}

		end := page + "/assignments/" + orgtest.Grid + "/end"
		rec = s.send(own, end, url.Values{"ended_on": {"2030-01-01"}})
		if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, "结束负责日期：不能晚于今天（2026-11-27）") ||
			!strings.Contains(body, `value="2030-01-01"`) {
			t.Errorf("ended in the future: %d", rec.Code)
		}
		if rec = s.send(own, end, url.Values{"ended_on": {"2021-01-01"}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("end: %d", rec.Code)
		}
		_, body = s.get(own, page)
		if !inOrder(body, "网格分工记录", "东兴第二网格", "2020-01-01", "至今", "东兴第一网格", "2011-07-01", "2021-01-01") {
			t.Errorf("history after the end, newest first:\n%s", body)
		}
		if rec = s.send(own, end, url.Values{"ended_on": {"2022-01-01"}}); rec.Code != http.StatusBadRequest ||
			!strings.Contains(rec.Body.String(), `id="worker-error"`) || !strings.Contains(rec.Body.String(), "现在没有负责网格") {
			t.Errorf("ending a grid no longer served: %d", rec.Code)
		}

		grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.GridB}
		code, body = s.get(grid, page)
		if code != http.StatusOK || strings.Contains(body, "<form") && strings.Contains(body, "/assignments") {
			t.Errorf("the grid worker's view of a teammate: %d, with forms", code)
		}
		if rec = s.send(grid, end, url.Values{"ended_on": {"2022-01-01"}}); rec.Code != http.StatusForbidden {
			t.Errorf("a grid worker ends an assignment: %d", rec.Code)
		}
	})
}
