package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLanguage_QueryThenCookieThenAcceptLanguageThenChinese(t *testing.T) {
	for _, tc := range []struct {
		name, query, cookie, accept, want string
	}{
		{"nothing", "", "", "", "zh-CN"},
		{"accept-language", "", "", "en-US,en;q=0.9", "en"},
		{"cookie beats accept-language", "", "zh-CN", "en", "zh-CN"},
		{"query beats cookie", "en", "zh-CN", "zh", "en"},
		{"query beats accept-language", "zh-CN", "", "en", "zh-CN"},
		{"unsupported query is ignored", "fr", "en", "", "en"},
		{"unsupported cookie is ignored", "", "klingon", "en", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := "/"
			if tc.query != "" {
				target += "?lang=" + tc.query
			}
			req := httptest.NewRequest(http.MethodGet, target, nil)
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "lang", Value: tc.cookie})
			}
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			var got string
			Language(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = Lang(r) })).
				ServeHTTP(httptest.NewRecorder(), req)
			if got != tc.want {
				t.Errorf("Lang = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLanguage_QuerySetsTheCookie(t *testing.T) {
	rec := httptest.NewRecorder()
	Language(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/staff?lang=en", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "lang" || cookies[0].Value != "en" || cookies[0].Path != "/" ||
		!cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].MaxAge <= 0 {
		t.Errorf("cookies %+v", cookies)
	}

	rec = httptest.NewRecorder()
	Language(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/staff?lang=fr", nil))
	if c := rec.Result().Cookies(); len(c) != 0 {
		t.Errorf("unsupported language set %+v", c)
	}
}

func TestLang_WithoutMiddlewareIsChinese(t *testing.T) {
	if got := Lang(httptest.NewRequest(http.MethodGet, "/", nil)); got != "zh-CN" {
		t.Errorf("Lang = %q", got)
	}
}

func TestSecurityHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	SecurityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	for name, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
			"frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestAccessLog_LeavesOutTheQuery(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	h := AccessLog{Logger: logger}.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short and stout"))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/search?q=11010519491231002X", nil))
	line := buf.String()
	for _, want := range []string{"method=GET", "path=/search ", "status=418", "bytes=15", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "11010519491231002X") || strings.Contains(line, "q=") {
		t.Errorf("log line leaks the query: %s", line)
	}

	buf.Reset()
	AccessLog{Logger: logger}.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(buf.String(), "status=200") {
		t.Errorf("silent handler: %s", buf.String())
	}
}

func TestAccessLog_AtTheLevelAskedAndObserved(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var observed []int
	a := AccessLog{Logger: logger, Level: slog.LevelDebug, Observe: func(_ *http.Request, status int, _ time.Duration) {
		observed = append(observed, status)
	}}
	a.Wrap(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if buf.Len() != 0 {
		t.Errorf("an access line at DEBUG was written at level INFO: %s", buf.String())
	}
	if !slices.Equal(observed, []int{http.StatusNotFound}) {
		t.Errorf("observed %v", observed)
	}
}

// A request whose client went away, failing on its cancelled context (as a
// database driver does), is 499 in the access log and in what the metrics see, and
// is no ERROR; the page and the API alike.
func TestClientGone_Is499AndNoError(t *testing.T) {
	r := renderer(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var observed []int
	a := AccessLog{Logger: logger, Observe: func(_ *http.Request, status int, _ time.Duration) { observed = append(observed, status) }}
	failing := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		<-req.Context().Done()
		r.Error(w, req, fmt.Errorf("select resident: %w", req.Context().Err()))
	})
	silent := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { <-req.Context().Done() })
	for _, tc := range []struct {
		path string
		h    http.Handler
	}{{"/residents/1", failing}, {"/api/v1/residents/1", failing}, {"/api/v1/stats", silent}} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		a.Wrap(r.Recover(tc.h)).ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, tc.path, nil))
		if rec.Body.Len() != 0 {
			t.Errorf("%s: answered a client that is gone: %s", tc.path, rec.Body)
		}
	}
	if !slices.Equal(observed, []int{499, 499, 499}) {
		t.Errorf("observed %v", observed)
	}
	out := buf.String()
	if strings.Count(out, "status=499") != 3 || strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") {
		t.Errorf("log:\n%s", out)
	}
}

// A panic is a fault of the server whether or not the client is still there.
func TestRecover_LogsAPanicAtErrorEvenWhenTheClientHasGone(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	AccessLog{Logger: logger}.Wrap(renderer(t).Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("nil map in ward 7") }))).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil))
	if !strings.Contains(buf.String(), "level=ERROR msg=panic") || !strings.Contains(buf.String(), "ward 7") {
		t.Errorf("log:\n%s", buf.String())
	}
}

func TestRecover_AnswersAPanicWithTheErrorPage(t *testing.T) {
	r := renderer(t)
	panicking := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("nil map in ward 7") })

	rec := get(r.Recover(panicking), "/org/450403?lang=en")
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d", rec.Code)
	}
	mustContain(t, rec.Body.String(), "Something went wrong")
	mustNotContain(t, rec.Body.String(), "ward 7")

	rec = get(r.Recover(panicking), "/api/v1/units")
	if rec.Code != http.StatusInternalServerError || !strings.HasPrefix(rec.Body.String(), `{"error":{"code":"internal"`) {
		t.Errorf("api: %d %s", rec.Code, rec.Body)
	}

	started := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("<p>begun"))
		panic("midway")
	})
	rec = get(r.Recover(started), "/")
	if rec.Body.String() != "<p>begun" {
		t.Errorf("a started response was added to: %q", rec.Body)
	}
}

func TestRecover_LetsErrAbortHandlerThrough(t *testing.T) {
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v", v)
		}
	}()
	renderer(t).Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestStrictTransportSecurity_OnlyOverTLS(t *testing.T) {
	h := StrictTransportSecurity(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "https://shequ.example/", nil)
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("over TLS: %q", got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://shequ.example/", nil))
	if got, ok := rec.Header()["Strict-Transport-Security"]; ok {
		t.Errorf("over plain HTTP: %q", got)
	}
}
