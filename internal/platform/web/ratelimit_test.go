package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newLimit(t *testing.T) (*LoginRateLimit, *fakeClock, http.Handler) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}
	l := NewLoginRateLimit(renderer(t), clock.now)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return l, clock, Language(l.Wrap(ok))
}

// attempt sends method path from addr and returns the response.
func attempt(h http.Handler, method, path, addr string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestLoginRateLimit_TenAttemptsAMinuteThenTheErrorPage(t *testing.T) {
	_, clock, h := newLimit(t)
	for i := range 10 {
		if rec := attempt(h, http.MethodPost, "/login", "192.0.2.1:4000"); rec.Code != http.StatusNoContent {
			t.Fatalf("attempt %d: status %d", i+1, rec.Code)
		}
	}
	rec := attempt(h, http.MethodPost, "/login", "192.0.2.1:4001")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "6" {
		t.Fatalf("11th attempt: status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	mustContain(t, rec.Body.String(), "出错了", "登录尝试过于频繁，请 6 秒后再试", "状态码 429")

	clock.advance(4 * time.Second)
	if rec := attempt(h, http.MethodPost, "/login/totp", "192.0.2.1:4002", "Accept-Language", "en"); rec.Code != http.StatusTooManyRequests ||
		rec.Header().Get("Retry-After") != "2" {
		t.Errorf("4 s later, the second form: status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	} else {
		mustContain(t, rec.Body.String(), "too many sign-in attempts from your network; please try again in 2 seconds")
	}
	clock.advance(2 * time.Second)
	if rec := attempt(h, http.MethodPost, "/login", "192.0.2.1:4003"); rec.Code != http.StatusNoContent {
		t.Errorf("6 s later: status %d, want one more attempt", rec.Code)
	}
	if rec := attempt(h, http.MethodPost, "/login", "192.0.2.1:4004"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("and only one: status %d", rec.Code)
	}
	clock.advance(time.Hour)
	for i := range 10 {
		if rec := attempt(h, http.MethodPost, "/login", "192.0.2.1:4005"); rec.Code != http.StatusNoContent {
			t.Fatalf("an hour later, attempt %d: status %d; the bucket should hold 10 again, no more", i+1, rec.Code)
		}
	}
	if rec := attempt(h, http.MethodPost, "/login", "192.0.2.1:4006"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("an hour later, attempt 11: status %d", rec.Code)
	}
}

func TestLoginRateLimit_CountsOnlySignInPostsOfOneAddress(t *testing.T) {
	_, _, h := newLimit(t)
	for range 10 {
		attempt(h, http.MethodPost, "/login", "192.0.2.1:4000")
	}
	for _, tc := range []struct {
		name, method, path, addr string
		want                     int
	}{
		{"the form itself", http.MethodGet, "/login", "192.0.2.1:4000", http.StatusNoContent},
		{"signing out", http.MethodPost, "/logout", "192.0.2.1:4000", http.StatusNoContent},
		{"another form", http.MethodPost, "/imports", "192.0.2.1:4000", http.StatusNoContent},
		{"a longer path", http.MethodPost, "/login/other", "192.0.2.1:4000", http.StatusNoContent},
		{"the same address", http.MethodPost, "/login", "192.0.2.1:5000", http.StatusTooManyRequests},
		{"the same address as IPv4 in IPv6", http.MethodPost, "/login", "[::ffff:192.0.2.1]:4000", http.StatusTooManyRequests},
		{"another address", http.MethodPost, "/login", "192.0.2.2:4000", http.StatusNoContent},
	} {
		if rec := attempt(h, tc.method, tc.path, tc.addr); rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.want)
		}
	}
}

func TestLoginRateLimit_AnIPv6SubscriberIsOneClient(t *testing.T) {
	_, _, h := newLimit(t)
	for i := range 10 {
		attempt(h, http.MethodPost, "/login", "[2001:db8:1:2::"+strconv.Itoa(i+1)+"]:443")
	}
	if rec := attempt(h, http.MethodPost, "/login", "[2001:db8:1:2:ffff::1]:443"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: status %d", rec.Code)
	}
	if rec := attempt(h, http.MethodPost, "/login", "[2001:db8:1:3::1]:443"); rec.Code != http.StatusNoContent {
		t.Errorf("the next /64: status %d", rec.Code)
	}
}

func TestLoginRateLimit_RemembersABoundedNumberOfAddresses(t *testing.T) {
	l, clock, h := newLimit(t)
	l.MaxClients = 3
	// A guesser spends its attempts; two passers-by sign in once each.
	for range 11 {
		attempt(h, http.MethodPost, "/login", "192.0.2.66:1")
	}
	attempt(h, http.MethodPost, "/login", "192.0.2.1:1")
	attempt(h, http.MethodPost, "/login", "192.0.2.2:1")
	// By the time a fourth address comes, the passers-by have their attempts back
	// and are forgotten; the guesser, still empty, is not.
	clock.advance(6 * time.Second)
	for i := range 20 {
		attempt(h, http.MethodPost, "/login", "198.51.100."+strconv.Itoa(i)+":1")
		if n := len(l.clients); n > 3 {
			t.Fatalf("%d addresses remembered, at most 3 allowed", n)
		}
		if i == 0 {
			if _, kept := l.clients["192.0.2.66"]; !kept {
				t.Errorf("the guesser was forgotten while there were refilled buckets to drop")
			}
		}
	}
}
