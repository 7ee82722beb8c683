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

// signedUp adds a user and lets them keep the generated password, as the demo does.
func signedUp(t *testing.T, s *auth.Service, name string, role auth.Role, org string) (string, auth.Principal) {
	t.Helper()
	ctx := context.Background()
	pw, err := s.AddUser(ctx, name, role, org)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaivePasswordChange(ctx, name); err != nil {
		t.Fatal(err)
	}
	p, err := s.Principal(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return pw, p
}

// enrol enrols a TOTP authenticator for the user and returns its secret and the
// recovery codes.
func enrol(t *testing.T, s *auth.Service, c *clock, userID string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := s.BeginTOTP(ctx, userID, false)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(e.Secret, c.t)
	codes, err := s.ConfirmTOTP(ctx, userID, code)
	if err != nil {
		t.Fatal(err)
	}
	return e.Secret, codes
}

func TestLogin_AdministratorSetPasswordMustBeChangedFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, err := s.AddUser(ctx, "chen", auth.RoleCommunity, orgtest.Community)
		if err != nil {
			t.Fatal(err)
		}
		in, err := s.Login(ctx, "chen", pw)
		if err != nil || in.Must != auth.MustChangePassword {
			t.Fatalf("first sign-in: %+v %v, want a session that must change the password", in, err)
		}
		other, _ := s.Login(ctx, "chen", pw)
		for _, tc := range []struct {
			current, next, field, key string
		}{
			{"wrong", "Lychee-Orbit-73", "current_password", "password.wrong_current"},
			{pw, pw, "password", "password.same"},
			{pw, "short1A", "password", "password.too_short"},
			{pw, "Chen-is-here-9", "password", "password.contains_name"},
			{pw, "Woaini1314", "password", "password.common"},
		} {
			err := s.ChangePassword(ctx, in.Principal.UserID, in.Session, tc.current, tc.next)
			if e, ok := err.(*apperr.Error); !ok || e.Key != tc.key || e.Field != tc.field {
				t.Errorf("change %q → %q: %v, want %s on %s", tc.current, tc.next, err, tc.key, tc.field)
			}
		}
		if err := s.ChangePassword(ctx, in.Principal.UserID, in.Session, pw, "Lychee-Orbit-73"); err != nil {
			t.Fatal(err)
		}
		if _, must, err := s.Session(ctx, in.Session); err != nil || must != auth.Free {
			t.Errorf("the changing session afterwards: %q %v, want free", must, err)
		}
		if _, _, err := s.Session(ctx, other.Session); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("another session after the change: %v, want it ended", err)
		}
		if _, err := s.Login(ctx, "chen", pw); err == nil {
			t.Error("the old password still signs in")
		}
		if in, err := s.Login(ctx, "chen", "Lychee-Orbit-73"); err != nil || in.Must != auth.Free {
			t.Errorf("the new password: %+v %v", in, err)
		}
		if _, err := s.ResetPassword(ctx, "chen"); err != nil {
			t.Fatal(err)
		}
		a, _ := s.Principal(ctx, "chen")
		acc, err := s.Account(ctx, a.UserID)
		if err != nil || !acc.MustChangePassword {
			t.Errorf("after a reset: %+v %v, want the change required again", acc, err)
		}
	})
}

func TestLogin_PasswordOlderThanTheMaximumAgeMustBeChanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, p := signedUp(t, s, "sun", auth.RoleGrid, orgtest.Grid)
		if age, err := s.PasswordMaxAge(ctx); err != nil || age != 90*24*time.Hour {
			t.Errorf("default maximum age %v %v, want 90 days", age, err)
		}
		c.t = c.t.Add(90*24*time.Hour - 10*time.Minute)
		in, err := s.Login(ctx, "sun", pw)
		if err != nil || in.Must != auth.Free {
			t.Fatalf("ten minutes before 90 days: %+v %v", in, err)
		}
		c.t = c.t.Add(10 * time.Minute)
		if _, must, err := s.Session(ctx, in.Session); err != nil || must != auth.MustChangePassword {
			t.Errorf("at 90 days the open session owes %q %v, want the password changed", must, err)
		}
		acc, _ := s.Account(ctx, p.UserID)
		if want := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC); !acc.PasswordExpiresAt.Equal(want) {
			t.Errorf("password expires at %v, want %v", acc.PasswordExpiresAt, want)
		}
		if err := s.SetPasswordMaxAge(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if _, must, _ := s.Session(ctx, in.Session); must != auth.Free {
			t.Errorf("with expiry off the session owes %q", must)
		}
		if err := s.SetPasswordMaxAge(ctx, 30); err != nil {
			t.Fatal(err)
		}
		if age, _ := s.PasswordMaxAge(ctx); age != 30*24*time.Hour {
			t.Errorf("maximum age %v after setting 30 days", age)
		}
		if err := s.SetPasswordMaxAge(ctx, -1); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a negative age: %v", err)
		}
	})
}

func TestLogin_CityRolesAndAdministratorsMustEnrolASecondFactor(t *testing.T) {
	for _, r := range auth.Roles {
		want := r == auth.RoleCity || r == auth.RoleDistrict || r == auth.RoleSysAdmin || r == auth.RoleSecAdmin || r == auth.RoleAuditAdmin
		if r.RequiresSecondFactor() != want {
			t.Errorf("%s requires a second factor: %v", r, !want)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, p := signedUp(t, s, "qian", auth.RoleDistrict, orgtest.District)
		in, err := s.Login(ctx, "qian", pw)
		if err != nil || in.Session == "" || in.Must != auth.MustEnrolTOTP {
			t.Fatalf("sign-in without a second factor: %+v %v, want a session that must enrol", in, err)
		}
		enrol(t, s, c, p.UserID)
		if _, must, err := s.Session(ctx, in.Session); err != nil || must != auth.Free {
			t.Errorf("after enrolling the session owes %q %v", must, err)
		}
	})
}

func TestLogin_TOTPCodeIsGoodOnceAndAWrongOneCountsTowardsTheLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 10, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, p := signedUp(t, s, "zhou", auth.RoleCity, orgtest.City)
		secret, _ := enrol(t, s, c, p.UserID)

		in, err := s.Login(ctx, "zhou", pw)
		if err != nil || in.Session != "" || in.Pending == "" {
			t.Fatalf("password of a user with a second factor: %+v %v, want a pending sign-in and no session", in, err)
		}
		if _, _, err := s.Session(ctx, in.Pending); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("the pending token as a session: %v", err)
		}
		enrolled, _ := auth.TOTPCode(secret, c.t)
		if _, err := s.LoginTOTP(ctx, in.Pending, enrolled); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("the code that confirmed the enrolment: %v, want it refused", err)
		}
		c.t = c.t.Add(30 * time.Second)
		code, _ := auth.TOTPCode(secret, c.t)
		out, err := s.LoginTOTP(ctx, in.Pending, code)
		if err != nil || out.Session == "" || out.Principal.Name != "zhou" || out.Must != auth.Free {
			t.Fatalf("right code: %+v %v", out, err)
		}
		if _, _, err := s.Session(ctx, out.Session); err != nil {
			t.Errorf("the session: %v", err)
		}
		if _, err := s.LoginTOTP(ctx, in.Pending, code); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("the pending sign-in used twice: %v", err)
		}
		again, _ := s.Login(ctx, "zhou", pw)
		_, replayed := s.LoginTOTP(ctx, again.Pending, code)
		if e, ok := replayed.(*apperr.Error); !ok || e.Key != "auth.bad_code" {
			t.Errorf("a replayed code: %v, want auth.bad_code", replayed)
		}
		earlier, _ := auth.TOTPCode(secret, c.t.Add(-30*time.Second))
		if _, err := s.LoginTOTP(ctx, again.Pending, earlier); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("an older code: %v", err)
		}
		// Two failures so far; three wrong codes more make five and lock the account.
		for range 3 {
			_, _ = s.LoginTOTP(ctx, again.Pending, "000000")
		}
		next, _ := auth.TOTPCode(secret, c.t.Add(30*time.Second))
		_, locked := s.LoginTOTP(ctx, again.Pending, next)
		if locked == nil || locked.Error() != replayed.Error() {
			t.Errorf("the right code while locked: %v, want the answer of a wrong one", locked)
		}
		if _, err := s.Login(ctx, "zhou", pw); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("the password while locked: %v", err)
		}
	})
}

func TestLogin_RecoveryCodeWorksOnceAndPendingSignInExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, p := signedUp(t, s, "wu", auth.RoleSecAdmin, orgtest.City)
		_, codes := enrol(t, s, c, p.UserID)
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes, want 10", len(codes))
		}
		in, _ := s.Login(ctx, "wu", pw)
		if out, err := s.LoginTOTP(ctx, in.Pending, " "+codes[3]+" "); err != nil || out.Session == "" {
			t.Fatalf("recovery code: %+v %v", out, err)
		}
		in, _ = s.Login(ctx, "wu", pw)
		if _, err := s.LoginTOTP(ctx, in.Pending, codes[3]); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("a recovery code used twice: %v", err)
		}
		if acc, _ := s.Account(ctx, p.UserID); acc.RecoveryCodesLeft != 9 || !acc.SecondFactor {
			t.Errorf("account after one recovery code: %+v", acc)
		}
		c.t = c.t.Add(5 * time.Minute)
		_, err := s.LoginTOTP(ctx, in.Pending, codes[4])
		if e, ok := err.(*apperr.Error); !ok || e.Key != "auth.login_expired" {
			t.Errorf("a pending sign-in after 5 minutes: %v, want auth.login_expired", err)
		}
		// Enrolling anew ends the old recovery codes.
		c.t = c.t.Add(time.Minute)
		e, _ := s.BeginTOTP(ctx, p.UserID, true)
		code, _ := auth.TOTPCode(e.Secret, c.t)
		if _, err := s.ConfirmTOTP(ctx, p.UserID, "123"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a malformed confirming code: %v", err)
		}
		if _, err := s.ConfirmTOTP(ctx, p.UserID, code); err != nil {
			t.Fatal(err)
		}
		in, _ = s.Login(ctx, "wu", pw)
		if _, err := s.LoginTOTP(ctx, in.Pending, codes[5]); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("a recovery code of the earlier enrolment: %v", err)
		}
	})
}

func TestUser_DisabledCannotSignInAndLosesItsSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, _ := signedUp(t, s, "zheng", auth.RoleGrid, orgtest.Grid)
		in, _ := s.Login(ctx, "zheng", pw)
		tok, _ := s.NewAPIToken(ctx, "zheng")
		_, wrong := s.Login(ctx, "zheng", "wrong")
		if err := s.SetDisabled(ctx, "zheng", true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, in.Session); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("session of a disabled user: %v", err)
		}
		if _, err := s.Token(ctx, tok); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("API token of a disabled user: %v", err)
		}
		if _, err := s.Login(ctx, "zheng", pw); err == nil || err.Error() != wrong.Error() {
			t.Errorf("a disabled user signing in: %v, want the answer of a wrong password", err)
		}
		if err := s.SetDisabled(ctx, "zheng", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Login(ctx, "zheng", pw); err != nil {
			t.Errorf("enabled again: %v", err)
		}
		if err := s.SetDisabled(ctx, "ghost", true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("disabling an unknown user: %v", err)
		}
	})
}

func TestAccount_ShowsThePreviousSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		first := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
		c := &clock{first}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, p := signedUp(t, s, "feng", auth.RoleGrid, orgtest.Grid)
		_, _ = s.Login(ctx, "feng", pw)
		c.t = first.Add(time.Hour)
		_, _ = s.Login(ctx, "feng", pw)
		acc, err := s.Account(ctx, p.UserID)
		if err != nil || !acc.PreviousLoginAt.Equal(first) || !acc.LastLoginAt.Equal(c.t) {
			t.Errorf("account %+v %v, want the previous sign-in at %v", acc, err, first)
		}
		users, _ := s.Users(ctx)
		if len(users) != 1 || !users[0].LastLoginAt.Equal(c.t) {
			t.Errorf("user list %+v", users)
		}
	})
}

// TestPermissions_SeparateTheThreeAdministrators: 三员分立 — no role may both manage
// users, manage security and read the audit trail (any two of them), and no
// administrator reads the register.
func TestPermissions_SeparateTheThreeAdministrators(t *testing.T) {
	duties := []auth.Action{auth.ManageUsers, auth.ManageSecurity, auth.ReadAudit}
	for _, r := range auth.Roles {
		p := auth.Principal{UserID: "u", Role: r}
		held := 0
		for _, a := range duties {
			if p.Can(a) {
				held++
			}
		}
		if held > 1 {
			t.Errorf("%s holds %d of the three administrators' duties", r, held)
		}
	}
	for _, r := range []auth.Role{auth.RoleSysAdmin, auth.RoleSecAdmin, auth.RoleAuditAdmin} {
		p := auth.Principal{UserID: "u", Role: r}
		if p.Can(auth.ReadRegister) || p.Can(auth.RevealRegister) || p.Can(auth.ExportFull) {
			t.Errorf("administrator %s reads the register", r)
		}
		if held := len(auth.Permissions(r)); held != 1 {
			t.Errorf("administrator %s has %d actions, want its one duty", r, held)
		}
	}
}
