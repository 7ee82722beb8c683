package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestStaticHandler_ServesTheFilesThePagesLinkAndCachesVersionedURLs(t *testing.T) {
	page := get(pageHandler(renderer(t), "resident", someone, nil), "/").Body.String()
	links := regexp.MustCompile(`/static/app\.(css|js)\?v=[0-9a-f]+`).FindAllString(page, -1)
	if len(links) != 2 {
		t.Fatalf("page links %v", links)
	}
	static := StaticHandler()
	for _, link := range links {
		rec := httptest.NewRecorder()
		static.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, link, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("%s: status %d, %d bytes", link, rec.Code, rec.Body.Len())
		}
		if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, "immutable") {
			t.Errorf("%s: Cache-Control %q", link, got)
		}
		wantType := "text/css; charset=utf-8"
		if strings.Contains(link, ".js") {
			wantType = "text/javascript; charset=utf-8"
		}
		if got := rec.Header().Get("Content-Type"); got != wantType {
			t.Errorf("%s: Content-Type %q", link, got)
		}

		// Unversioned or stale: served, but checked again next time by its ETag.
		unversioned := strings.Split(link, "?")[0]
		rec = httptest.NewRecorder()
		static.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, unversioned, nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d %q", unversioned, rec.Code, rec.Header().Get("Cache-Control"))
		}
		req := httptest.NewRequest(http.MethodGet, unversioned, nil)
		req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		rec = httptest.NewRecorder()
		static.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: status %d", unversioned, rec.Code)
		}
	}
	for _, path := range []string{"/static/nope.css", "/static/", "/static/../render.go", "/elsewhere/app.css"} {
		rec := httptest.NewRecorder()
		static.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d", path, rec.Code)
		}
	}
}

// TestStaticFiles_KeepToThePolicy: the CSP forbids what these files must not need.
func TestStaticFiles_KeepToThePolicy(t *testing.T) {
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, banned := range []string{"@import", "url(http", "@font-face"} {
		if strings.Contains(string(css), banned) {
			t.Errorf("app.css uses %s: everything must come from the binary", banned)
		}
	}
	if !strings.Contains(string(css), `"Noto Sans CJK SC"`) || !strings.Contains(string(css), "@media print") {
		t.Error("app.css lacks the CJK font stack or the print styles")
	}
}
