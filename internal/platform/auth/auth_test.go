package auth_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestPassword_HashesAreSaltedAndCheckable(t *testing.T) {
	a, b := auth.HashPassword("correct horse"), auth.HashPassword("correct horse")
	if a == b {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !auth.CheckPassword(a, "correct horse") || auth.CheckPassword(a, "correct horsE") || auth.CheckPassword("garbage", "x") {
		t.Fatal("CheckPassword gives the wrong answer")
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestUser_RoleMustFitTheLevelOfItsUnit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		for _, tc := range []struct {
			role auth.Role
			org  string
			key  string
		}{
			{auth.RoleGrid, orgtest.Community, "user.role_level"},
			{auth.RoleCity, orgtest.District, "user.role_level"},
			{"mayor", orgtest.City, "user.role"},
			{auth.RoleGrid, "450403001001099", "org.not_found"},
		} {
			_, err := s.AddUser(ctx, "x", tc.role, tc.org)
			if e, ok := err.(*apperr.Error); !ok || e.Key != tc.key {
				t.Errorf("%s at %s: %v, want %s", tc.role, tc.org, err, tc.key)
			}
		}
		if _, err := s.AddUser(ctx, "aud", auth.RoleReadOnly, orgtest.Community); err != nil {
			t.Errorf("auditor at a community: %v", err)
		}
		if _, err := s.AddUser(ctx, "aud", auth.RoleReadOnly, orgtest.City); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("duplicate name: %v", err)
		}
	})
}

func TestSession_LoginLogoutAndIdleTimeout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, err := s.AddUser(ctx, "wang", auth.RoleGrid, orgtest.Grid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Login(ctx, "wang", "wrong"); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("wrong password: %v", err)
		}
		if _, err := s.Login(ctx, "nobody", pw); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("unknown user: %v", err)
		}
		in, err := s.Login(ctx, "wang", pw)
		p := in.Principal
		if err != nil || in.Session == "" || p.OrgCode != orgtest.Grid || !p.Scope().Contains(orgtest.Grid) || p.Scope().Contains(orgtest.GridB) {
			t.Fatalf("login: %+v %v", in, err)
		}
		tok := in.Session
		if _, _, err := s.Session(ctx, tok); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
		c.t = c.t.Add(29 * time.Minute)
		if _, _, err := s.Session(ctx, tok); err != nil {
			t.Fatalf("session after 29 idle minutes: %v", err)
		}
		c.t = c.t.Add(31 * time.Minute)
		if _, _, err := s.Session(ctx, tok); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("session after 31 idle minutes: %v", err)
		}
		in2, _ := s.Login(ctx, "wang", pw)
		if err := s.Logout(ctx, in2.Session); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, in2.Session); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("session after logout: %v", err)
		}
		if _, _, err := s.Session(ctx, "forged"); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("forged token: %v", err)
		}
		in3, _ := s.Login(ctx, "wang", pw)
		tampered := []byte(in3.Session)
		tampered[len(tampered)/2] ^= 1
		if _, _, err := s.Session(ctx, string(tampered)); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("tampered token: %v", err)
		}
	})
}

func TestAPIToken_AuthenticatesItsUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := auth.NewService(d, time.Now)
		ctx := context.Background()
		if _, err := s.AddUser(ctx, "li", auth.RoleCommunity, orgtest.Community); err != nil {
			t.Fatal(err)
		}
		tok, err := s.NewAPIToken(ctx, "li")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Token(ctx, tok)
		if err != nil || p.Name != "li" || p.Role != auth.RoleCommunity {
			t.Errorf("token principal = %+v %v", p, err)
		}
		if _, err := s.NewAPIToken(ctx, "ghost"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("token for unknown user: %v", err)
		}
	})
}

func TestPermissions_AuditorReadsButNeverWrites(t *testing.T) {
	a := auth.Principal{UserID: "a", Role: auth.RoleReadOnly, OrgCode: orgtest.City}
	if !a.Can(auth.ReadRegister) || a.Can(auth.WriteRegister) || a.Can(auth.WriteOrg) || a.Can(auth.WriteStaff) {
		t.Fatal("auditor permissions wrong")
	}
	var nobody auth.Principal
	if nobody.Scope().Contains(orgtest.City) {
		t.Fatal("a principal without a unit sees the city")
	}
}

func TestLogin_FiveWrongPasswordsLockTheAccountForFifteenMinutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, err := s.AddUser(ctx, "zhao", auth.RoleGrid, orgtest.Grid)
		if err != nil {
			t.Fatal(err)
		}
		_, unknown := s.Login(ctx, "nobody", "wrong")
		for i := range 4 {
			if _, err := s.Login(ctx, "zhao", "wrong"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("wrong password %d: %v", i+1, err)
			}
		}
		if _, err := s.Login(ctx, "zhao", pw); err != nil {
			t.Fatalf("right password after four wrong ones: %v", err)
		}
		for range 5 {
			_, _ = s.Login(ctx, "zhao", "wrong")
		}
		_, locked := s.Login(ctx, "zhao", pw)
		if !apperr.Is(locked, apperr.Unauthorized) {
			t.Fatalf("right password while locked: %v", locked)
		}
		if locked.Error() != unknown.Error() {
			t.Errorf("a locked account answers %q, an unknown user %q", locked, unknown)
		}
		c.t = c.t.Add(14 * time.Minute)
		if _, err := s.Login(ctx, "zhao", pw); err == nil {
			t.Error("signed in 14 minutes into the lock")
		}
		c.t = c.t.Add(time.Minute)
		if _, err := s.Login(ctx, "zhao", pw); err != nil {
			t.Errorf("right password after the lock: %v", err)
		}
	})
}
