package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/changes/changestest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

func quietServer(t testing.TB, d *db.DB) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{DB: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// call sends a request with a bearer token or a session cookie and returns the
// status and body.
func call(srv *server.Server, method, path, token, session string, body io.Reader) (int, string) {
	req := httptest.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "shequ_session", Value: session})
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestServer_TwoProcessesOnOneDatabase_ARevocationInOneIsRefusedByTheOtherWithinSeconds
// runs two servers, each on a handle of its own to one database, as two processes
// behind a load balancer. What an administrator or the user does through one, the
// other refuses within seconds, though it held the credential in memory.
func TestServer_TwoProcessesOnOneDatabase_ARevocationInOneIsRefusedByTheOtherWithinSeconds(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(t *testing.T, s *auth.Service, there *server.Server, session string)
		// asks says which credential the change ends: the token or the session.
		asks string
	}{
		{"a revoked token", func(t *testing.T, s *auth.Service, _ *server.Server, _ string) {
			if _, err := s.RevokeTokens(context.Background(), "wang"); err != nil {
				t.Fatal(err)
			}
		}, "token"},
		{"a disabled user", func(t *testing.T, s *auth.Service, _ *server.Server, _ string) {
			if err := s.SetDisabled(context.Background(), "wang", true); err != nil {
				t.Fatal(err)
			}
		}, "session"},
		{"a session signed out through the other process", func(t *testing.T, _ *auth.Service, there *server.Server, session string) {
			if code, _ := call(there, "POST", "/logout", "", session, nil); code != http.StatusSeeOther {
				t.Fatalf("sign-out: %d", code)
			}
		}, "session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changestest.Each(t, func(t *testing.T, here, there *db.DB) {
				orgtest.Build(t, here)
				a, b := quietServer(t, here), quietServer(t, there)
				admin := auth.NewService(there, time.Now)
				pw, err := admin.AddUser(context.Background(), "wang", auth.RoleGrid, orgtest.Grid)
				if err != nil {
					t.Fatal(err)
				}
				if err := admin.WaivePasswordChange(context.Background(), "wang"); err != nil {
					t.Fatal(err)
				}
				in, err := admin.Login(context.Background(), "wang", pw)
				if err != nil {
					t.Fatal(err)
				}
				token, err := admin.NewAPIToken(context.Background(), "wang")
				if err != nil {
					t.Fatal(err)
				}
				me := func(srv *server.Server) int {
					if tc.asks == "token" {
						code, _ := call(srv, "GET", "/api/v1/me", token, "", nil)
						return code
					}
					code, _ := call(srv, "GET", "/api/v1/me", "", in.Session, nil)
					return code
				}
				if code := me(a); code != http.StatusOK {
					t.Fatalf("before: %d", code)
				}
				tc.do(t, admin, b, in.Session)
				if code := me(b); code != http.StatusUnauthorized {
					t.Errorf("the process that made the change answers %d", code)
				}
				start := time.Now()
				for me(a) != http.StatusUnauthorized {
					if time.Since(start) > 30*time.Second {
						t.Fatalf("the other process still answers after %v", time.Since(start))
					}
					time.Sleep(50 * time.Millisecond)
				}
				t.Logf("refused by the other process after %v", time.Since(start).Round(time.Millisecond))
			})
		})
	}
}

// blockingBody is a request body that lets the test act while the handler is
// reading it, after the request has been signed in.
type blockingBody struct {
	reading, release chan struct{}
	body             io.Reader
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if b.reading != nil {
		close(b.reading)
		b.reading = nil
		<-b.release
	}
	return b.body.Read(p)
}

func TestServer_AUserDisabledWhileTheirRequestIsInFlightIsRefusedAtTheNext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		srv := quietServer(t, d)
		admin := auth.NewService(d, time.Now)
		if _, err := admin.AddUser(context.Background(), "wang", auth.RoleGrid, orgtest.Grid); err != nil {
			t.Fatal(err)
		}
		token, err := admin.NewAPIToken(context.Background(), "wang")
		if err != nil {
			t.Fatal(err)
		}
		body := &blockingBody{reading: make(chan struct{}), release: make(chan struct{}),
			body: strings.NewReader(`{"household_no":"H9","grid_code":"` + orgtest.Grid + `","address":"梧州市万秀区测试路9号"}`)}
		reading := body.reading
		done := make(chan int)
		go func() {
			code, _ := call(srv, "POST", "/api/v1/households", token, "", body)
			done <- code
		}()
		<-reading
		if err := admin.SetDisabled(context.Background(), "wang", true); err != nil {
			t.Fatal(err)
		}
		close(body.release)
		t.Logf("the request in flight ended with %d", <-done)
		if code, _ := call(srv, "GET", "/api/v1/me", token, "", nil); code != http.StatusUnauthorized {
			t.Errorf("the next request: %d", code)
		}
	})
}

// TestServer_SeesOrgChanges: a unit renamed in this process shows at once; a unit
// added by another process, as `shequ org add` does, within seconds.
func TestServer_SeesOrgChanges(t *testing.T) {
	changestest.Each(t, func(t *testing.T, here, there *db.DB) {
		orgtest.Build(t, here)
		srv := quietServer(t, here)
		admin := auth.NewService(here, time.Now)
		if _, err := admin.AddUser(context.Background(), "li", auth.RoleStreet, orgtest.Street); err != nil {
			t.Fatal(err)
		}
		token, err := admin.NewAPIToken(context.Background(), "li")
		if err != nil {
			t.Fatal(err)
		}
		if code, body := call(srv, "GET", "/api/v1/me", token, "", nil); code != http.StatusOK || !strings.Contains(body, "城东街道") {
			t.Fatalf("me: %d %s", code, body)
		}
		city := auth.Principal{UserID: "u", Role: auth.RoleCity, OrgCode: orgtest.City}
		if _, err := org.NewService(here, time.Now).Update(context.Background(), city, org.Unit{Code: orgtest.Street, Name: "城东新街道"}); err != nil {
			t.Fatal(err)
		}
		if code, body := call(srv, "GET", "/api/v1/me", token, "", nil); code != http.StatusOK || !strings.Contains(body, "城东新街道") {
			t.Errorf("me after the rename: %d %s", code, body)
		}
		if _, err := org.NewService(there, time.Now).Create(context.Background(), auth.System(),
			org.Unit{Code: "450403001002", Name: "新建社区", ParentCode: orgtest.Street}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for {
			code, body := call(srv, "GET", "/api/v1/org/"+orgtest.Street+"/children", token, "", nil)
			if code == http.StatusOK && strings.Contains(body, "新建社区") {
				break
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the new unit is not seen after %v: %d %s", time.Since(start), code, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("the new unit seen after %v", time.Since(start).Round(time.Millisecond))
	})
}
