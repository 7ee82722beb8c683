package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/web"
	"shequ/internal/server"
)

// behind returns the test city's server trusting proxies (a list as for
// --trusted-proxy), and the sign-in world whose clock and users it shares.
func behind(t *testing.T, d *db.DB, proxies string) (*server.Server, *signInWorld) {
	t.Helper()
	w := newSignInWorld(t, d)
	p, err := web.ParseProxies(proxies)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: d, Now: w.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxies: p})
	if err != nil {
		t.Fatal(err)
	}
	return srv, w
}

// signInFrom posts the sign-in form over a connection from peer carrying
// X-Forwarded-For xff (none if ""), and returns the status.
func signInFrom(srv http.Handler, peer, xff, name, password string) int {
	form := url.Values{"name": {name}, "password": {password}, "next": {"/"}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = peer
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code
}

// sources lists the source addresses of the audit records of action.
func sources(t *testing.T, d *db.DB, action string) []string {
	t.Helper()
	rows, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: action}, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.SourceIP)
	}
	return out
}

func TestLoginRateLimit_BehindATrustedProxyEachClientHasItsOwnAttempts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, w := behind(t, d, "10.0.0.1")
		pw, _ := w.user(t, "chen", auth.RoleCommunity, orgtest.Community, true)
		const proxy = "10.0.0.1:51000"
		if got := signInFrom(srv, proxy, "198.51.100.2", "chen", pw); got != http.StatusSeeOther {
			t.Fatalf("client B signing in: %d", got)
		}
		for i := range 10 {
			if got := signInFrom(srv, proxy, "198.51.100.1", "guess", "wrong"); got != http.StatusUnauthorized {
				t.Fatalf("client A, attempt %d: %d, want the form again", i+1, got)
			}
		}
		if got := signInFrom(srv, proxy, "198.51.100.1", "guess", "wrong"); got != http.StatusTooManyRequests {
			t.Errorf("client A, attempt 11: %d, want 429", got)
		}
		// nginx appends to what the client sent: a forged address on the left is
		// still client A.
		if got := signInFrom(srv, proxy, "192.0.2.99, 198.51.100.1", "guess", "wrong"); got != http.StatusTooManyRequests {
			t.Errorf("client A naming itself another: %d, want 429", got)
		}
		for i := range 9 {
			if got := signInFrom(srv, proxy, "198.51.100.2", "guess", "wrong"); got != http.StatusUnauthorized {
				t.Fatalf("client B behind the same proxy, attempt %d: %d, want its own attempts", i+2, got)
			}
		}
		if got := signInFrom(srv, proxy, "198.51.100.2", "guess", "wrong"); got != http.StatusTooManyRequests {
			t.Errorf("client B, attempt 11: %d, want 429", got)
		}

		if got := sources(t, d, audit.ActLogin); len(got) != 1 || got[0] != "198.51.100.2" {
			t.Errorf("sign-in recorded from %q, want client B's address", got)
		}
		failed := sources(t, d, audit.ActLoginFailed)
		if len(failed) != 19 {
			t.Errorf("%d failed sign-ins recorded, want 19 (the refused ones reach nothing)", len(failed))
		}
		for _, s := range failed {
			if s != "198.51.100.1" && s != "198.51.100.2" {
				t.Errorf("a failed sign-in recorded from %q, want a client's address", s)
			}
		}
	})
}

func TestLoginRateLimit_WithoutTrustedProxiesAForgedForwardedForDoesNotEscape(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _ := behind(t, d, "")
		const peer = "203.0.113.5:40000"
		for i := range 10 {
			if got := signInFrom(srv, peer, "198.51.100."+string(rune('0'+i)), "guess", "wrong"); got != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, got)
			}
		}
		if got := signInFrom(srv, peer, "198.51.100.77", "guess", "wrong"); got != http.StatusTooManyRequests {
			t.Errorf("attempt 11 with yet another forged address: %d, want 429", got)
		}
		failed := sources(t, d, audit.ActLoginFailed)
		if len(failed) != 10 {
			t.Errorf("%d failed sign-ins recorded, want 10", len(failed))
		}
		for _, s := range failed {
			if s != "203.0.113.5" {
				t.Errorf("a failed sign-in recorded from %q, want the connection's address", s)
			}
		}
	})
}
