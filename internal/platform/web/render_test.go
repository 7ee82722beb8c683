package web

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
)

func bundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testPages is a page set as a domain package would ship it.
var testPages = fstest.MapFS{
	"templates/resident.html": {Data: []byte(`{{define "title"}}{{t "nav.search"}}{{end}}
{{define "content"}}<h1>{{t "nav.search"}}</h1>
<p class="id">{{maskID .Data.IDNumber}}</p><p class="phone">{{maskPhone .Data.Phone}}</p>
<p class="n">{{fmtInt .Data.People}}</p><p class="d">{{fmtDate .Data.Born}}</p>
{{template "row" .Data}}{{template "empty" ""}}{{end}}`)},
	"templates/_rows.html":             {Data: []byte(`{{define "row"}}<p class="row">{{t (print "relation." .Relation)}}</p>{{end}}`)},
	"templates/broken_at_runtime.html": {Data: []byte(`{{define "content"}}<p>half a page</p>{{.Data.NoSuchField}}{{end}}`)},
}

type resident struct {
	IDNumber, Phone, Relation, Born string
	People                          int
}

var someone = resident{IDNumber: "11010519491231002X", Phone: "13812345678", Relation: "head", Born: "1949-12-31", People: 399839}

func renderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := NewRenderer(bundle(t), testPages)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// get serves one request through the Language middleware, as a server does.
func get(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	Language(h).ServeHTTP(rec, req)
	return rec
}

func pageHandler(r *Renderer, name string, data any, viewer *Viewer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if viewer != nil {
			req = req.WithContext(WithViewer(req.Context(), *viewer))
		}
		r.Page(w, req, http.StatusOK, name, data)
	})
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("body has %q", w)
		}
	}
}

func TestPage_RendersInsideTheLayoutInTheRequestLanguage(t *testing.T) {
	r := renderer(t)
	viewer := &Viewer{UserName: "李梅", Role: "community", OrgCode: "450403001001", OrgName: "大学路社区", Register: true}
	h := pageHandler(r, "resident", someone, viewer)

	zh := get(h, "/search/x")
	if zh.Code != http.StatusOK {
		t.Fatalf("status %d: %s", zh.Code, zh.Body)
	}
	body := zh.Body.String()
	mustContain(t, body,
		`<html lang="zh-CN">`, `<title>居民查询</title>`, `<h1>居民查询</h1>`,
		`<p class="id">110105********002X</p>`, `<p class="phone">138****5678</p>`,
		`<p class="n">399,839</p>`, `<p class="d">1949-12-31</p>`,
		`<p class="row">户主</p>`, `<p class="empty">暂无数据</p>`,
		"社区治理平台", "李梅", "大学路社区", `<span class="viewer-role">社区</span>`,
		`href="/org/450403001001"`, `<a href="/search" aria-current="page">居民查询</a>`,
		`action="/logout"`, `href="/search/x?lang=en"`, "退出登录")
	mustNotContain(t, body, "11010519491231002X", "13812345678", "<script>", " style=", "演示数据")
	if got := zh.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := zh.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}

	en := get(h, "/search/x", "Accept-Language", "en-GB,en;q=0.9")
	mustContain(t, en.Body.String(), `<html lang="en">`, `<title>Search</title>`, `<p class="row">Head of household</p>`,
		"Community Governance Platform", "Sign out", `href="/search/x?lang=zh-CN"`, `<p class="empty">Nothing to show yet</p>`)
	mustNotContain(t, en.Body.String(), "居民查询")
}

func TestPage_WithoutViewerShowsNoNavigation(t *testing.T) {
	body := get(pageHandler(renderer(t), "resident", someone, nil), "/").Body.String()
	mustNotContain(t, body, "/logout", `class="main-nav"`)
	mustContain(t, body, "社区治理平台")
}

func TestPage_ShowsTheDemoBannerWhenTheDatabaseHoldsTheDemoCity(t *testing.T) {
	r := renderer(t)
	h := pageHandler(r, "resident", someone, nil)
	mustNotContain(t, get(h, "/").Body.String(), "demo-banner")
	r.SetDemo(true)
	mustContain(t, get(h, "/").Body.String(), `class="demo-banner"`, "演示数据")
	mustContain(t, get(h, "/?lang=en").Body.String(), "Demo data")
}

func TestPage_FailingTemplateGivesAnErrorPageNotHalfAPage(t *testing.T) {
	r := renderer(t)
	for _, name := range []string{"broken_at_runtime", "no_such_page"} {
		rec := get(pageHandler(r, name, someone, nil), "/x")
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d", name, rec.Code)
		}
		mustContain(t, rec.Body.String(), "系统出错了", `<h1>出错了</h1>`)
		mustNotContain(t, rec.Body.String(), "half a page", "NoSuchField", "no_such_page")
	}
}

func TestNewRenderer_FailsOnABrokenPage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pages []fstest.MapFS
		want  string
	}{
		{"syntax", []fstest.MapFS{{"a.html": {Data: []byte(`{{define "content"}}{{if}}{{end}}`)}}}, "a.html"},
		{"unknown function", []fstest.MapFS{{"a.html": {Data: []byte(`{{define "content"}}{{nosuch 1}}{{end}}`)}}}, "nosuch"},
		{"no content", []fstest.MapFS{{"a.html": {Data: []byte(`{{define "title"}}x{{end}}`)}}}, `no {{define "content"}}`},
		{"unclosed attribute", []fstest.MapFS{{"a.html": {Data: []byte(`{{define "content"}}<a href="{{.Data}}>x</a>{{end}}`)}}}, "a.html"},
		{"same name twice", []fstest.MapFS{
			{"a.html": {Data: []byte(`{{define "content"}}1{{end}}`)}},
			{"sub/a.html": {Data: []byte(`{{define "content"}}2{{end}}`)}},
		}, `"a" exists already`},
		{"takes web's own name", []fstest.MapFS{{"error.html": {Data: []byte(`{{define "content"}}x{{end}}`)}}}, `"error" exists already`},
		{"broken partial", []fstest.MapFS{{"_p.html": {Data: []byte(`{{define "p"}}{{end}`)}}}, "_p.html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pages []fs.FS
			for _, p := range tc.pages {
				pages = append(pages, p)
			}
			_, err := NewRenderer(bundle(t), pages...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %s", err, tc.want)
			}
		})
	}
}

func TestOwnTemplates_UseOnlyDefinedKeys(t *testing.T) {
	missing, err := i18n.MissingTemplateKeys(bundle(t), templateFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used in web's templates but not in the locale files: %v", missing)
	}
}

func TestError_RendersTheErrorPageWithStatusAndMessage(t *testing.T) {
	r := renderer(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Error(w, req, apperr.New(apperr.NotFound, "resident.not_found", "id"))
	})
	rec := get(h, "/residents/42")
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d", rec.Code)
	}
	mustContain(t, rec.Body.String(), "找不到该居民", `href="/"`, "返回首页", "404")

	secret := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Error(w, req, errors.New("pq: password authentication failed for user shequ"))
	})
	rec = get(secret, "/x?lang=en")
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d", rec.Code)
	}
	mustContain(t, rec.Body.String(), "something went wrong on our side")
	mustNotContain(t, rec.Body.String(), "password authentication")
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}
