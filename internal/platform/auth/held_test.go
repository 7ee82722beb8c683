package auth_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/changes/changestest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// credentials are a signed-in user's session and an API token of theirs.
type credentials struct{ session, token string }

// signedIn adds wang, a grid worker, signs them in and gives them a token.
func signedIn(t *testing.T, s *auth.Service) credentials {
	t.Helper()
	ctx := context.Background()
	pw, err := s.AddUser(ctx, "wang", auth.RoleGrid, orgtest.Grid)
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.Login(ctx, "wang", pw)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.NewAPIToken(ctx, "wang")
	if err != nil {
		t.Fatal(err)
	}
	return credentials{session: in.Session, token: tok}
}

// answer is how a service answers a session and a token.
type answer struct {
	session, token auth.Principal
	sessionErr     error
	tokenErr       error
}

func ask(s *auth.Service, c credentials) answer {
	var a answer
	a.session, _, a.sessionErr = s.Session(context.Background(), c.session)
	a.token, a.tokenErr = s.Token(context.Background(), c.token)
	return a
}

func refused(err error) bool { return apperr.Is(err, apperr.Unauthorized) }

// credentialChanges are the changes a credential held in memory must not outlive,
// each with what the answer must be once it is made.
var credentialChanges = []struct {
	name  string
	do    func(s *auth.Service, c credentials) error
	after func(a answer) bool
}{
	{"a revoked token",
		func(s *auth.Service, _ credentials) error {
			_, err := s.RevokeTokens(context.Background(), "wang")
			return err
		},
		func(a answer) bool { return refused(a.tokenErr) && a.sessionErr == nil }},
	{"a disabled user",
		func(s *auth.Service, _ credentials) error { return s.SetDisabled(context.Background(), "wang", true) },
		func(a answer) bool { return refused(a.tokenErr) && refused(a.sessionErr) }},
	{"a signed-out session",
		func(s *auth.Service, c credentials) error { return s.Logout(context.Background(), c.session) },
		func(a answer) bool { return refused(a.sessionErr) && a.tokenErr == nil }},
	{"a changed role",
		func(s *auth.Service, _ credentials) error {
			return s.Reassign(context.Background(), "wang", auth.RoleCommunity, orgtest.Community)
		},
		func(a answer) bool {
			return a.session.Role == auth.RoleCommunity && a.token.Role == auth.RoleCommunity && a.token.Can(auth.WriteStaff)
		}},
	{"a changed unit",
		func(s *auth.Service, _ credentials) error {
			return s.Reassign(context.Background(), "wang", auth.RoleGrid, orgtest.GridB)
		},
		func(a answer) bool {
			return a.session.OrgCode == orgtest.GridB && a.token.OrgCode == orgtest.GridB && !a.token.Scope().Contains(orgtest.Grid)
		}},
}

func TestHeldCredentials_AChangeInThisProcessCountsAtOnce(t *testing.T) {
	for _, tc := range credentialChanges {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				orgtest.Build(t, d)
				// Two services on one handle: the server's, and an administrator's
				// in the same process.
				server, admin := auth.NewService(d, time.Now), auth.NewService(d, time.Now)
				c := signedIn(t, admin)
				if a := ask(server, c); a.sessionErr != nil || a.tokenErr != nil || tc.after(a) {
					t.Fatalf("before: %+v", a)
				}
				if err := tc.do(admin, c); err != nil {
					t.Fatal(err)
				}
				if a := ask(server, c); !tc.after(a) {
					t.Errorf("the next request after %s: %+v", tc.name, a)
				}
			})
		})
	}
}

func TestHeldCredentials_AChangeInAnotherProcessCountsWithinSeconds(t *testing.T) {
	for _, tc := range credentialChanges {
		t.Run(tc.name, func(t *testing.T) {
			changestest.Each(t, func(t *testing.T, here, there *db.DB) {
				orgtest.Build(t, here)
				server, admin := auth.NewService(here, time.Now), auth.NewService(there, time.Now)
				c := signedIn(t, admin)
				if a := ask(server, c); a.sessionErr != nil || a.tokenErr != nil || tc.after(a) {
					t.Fatalf("before: %+v", a)
				}
				if err := tc.do(admin, c); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				for a := ask(server, c); !tc.after(a); a = ask(server, c) {
					if time.Since(start) > 30*time.Second {
						t.Fatalf("still answered %+v after %v", a, time.Since(start))
					}
					time.Sleep(50 * time.Millisecond)
				}
				t.Logf("seen after %v", time.Since(start).Round(time.Millisecond))
			})
		})
	}
}

func TestHeldCredentials_TheIdleLimitCountsUseInEveryProcess(t *testing.T) {
	changestest.Each(t, func(t *testing.T, here, there *db.DB) {
		orgtest.Build(t, here)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		a, b := auth.NewService(here, c.now), auth.NewService(there, c.now)
		cred := signedIn(t, b)
		ctx := context.Background()
		if _, _, err := a.Session(ctx, cred.session); err != nil {
			t.Fatal(err)
		}
		// The user works through the other process for 40 minutes, never idle.
		for range 4 {
			c.t = c.t.Add(10 * time.Minute)
			if _, _, err := b.Session(ctx, cred.session); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := a.Session(ctx, cred.session); err != nil {
			t.Errorf("a session used elsewhere 40 minutes long, back here: %v", err)
		}
		c.t = c.t.Add(30 * time.Minute)
		if _, _, err := a.Session(ctx, cred.session); !refused(err) {
			t.Errorf("after 30 idle minutes: %v", err)
		}
		if _, _, err := b.Session(ctx, cred.session); !refused(err) {
			t.Errorf("after 30 idle minutes, elsewhere: %v", err)
		}
	})
}
