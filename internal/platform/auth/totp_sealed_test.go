package auth_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// assertSecretNotStored fails if any column of any user holds secret, as text or
// bytes: a copy of the database must not yield the second factor.
func assertSecretNotStored(t *testing.T, d *db.DB, secret string) {
	t.Helper()
	dbtest.EachCell(t, d, "users", func(column string, value []byte) {
		if bytes.Contains(value, []byte(secret)) {
			t.Errorf("users.%s holds the TOTP secret in the clear", column)
		}
	})
}

// sealedSecret reads a user's totp_secret_sealed as stored.
func sealedSecret(t *testing.T, d *db.DB, userID string) []byte {
	t.Helper()
	var sealed []byte
	if err := d.Read().QueryRowContext(context.Background(), `SELECT totp_secret_sealed FROM users WHERE id = $1`, userID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	return sealed
}

func TestTOTP_TheSecretIsStoredSealedAndSignInStillWorks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 10, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		ctx := context.Background()
		pw, p := signedUp(t, s, "zheng", auth.RoleDistrict, orgtest.District)

		begun, err := s.BeginTOTP(ctx, p.UserID, false)
		if err != nil {
			t.Fatal(err)
		}
		assertSecretNotStored(t, d, begun.Secret)
		if again, err := s.BeginTOTP(ctx, p.UserID, false); err != nil || again.Secret != begun.Secret {
			t.Errorf("reloading the enrolment: %q %v, want the secret begun", again.Secret, err)
		}
		if acc, _ := s.Account(ctx, p.UserID); !acc.EnrollingSecondFactor || acc.SecondFactor {
			t.Errorf("account while enrolling: %+v", acc)
		}
		code, _ := auth.TOTPCode(begun.Secret, c.t)
		if _, err := s.ConfirmTOTP(ctx, p.UserID, code); err != nil {
			t.Fatal(err)
		}
		assertSecretNotStored(t, d, begun.Secret)
		sealed := sealedSecret(t, d, p.UserID)
		if got, err := d.Keys().Open(crypt.TOTPSecret, sealed); err != nil || got != begun.Secret {
			t.Errorf("the stored secret opens to %q %v", got, err)
		}
		if _, err := crypttest.New(t).Open(crypt.TOTPSecret, sealed); !errors.Is(err, crypt.ErrSealed) {
			t.Errorf("another key opened the stored secret: %v", err)
		}
		if acc, _ := s.Account(ctx, p.UserID); acc.EnrollingSecondFactor || !acc.SecondFactor {
			t.Errorf("account after enrolling: %+v", acc)
		}

		c.t = c.t.Add(30 * time.Second)
		in, err := s.Login(ctx, "zheng", pw)
		if err != nil || in.Pending == "" {
			t.Fatalf("password: %+v %v", in, err)
		}
		code, _ = auth.TOTPCode(begun.Secret, c.t)
		if out, err := s.LoginTOTP(ctx, in.Pending, code); err != nil || out.Session == "" {
			t.Errorf("sign-in with a code of the enrolled secret: %+v %v", out, err)
		}

		if err := s.ResetSecondFactor(ctx, "zheng"); err != nil {
			t.Fatal(err)
		}
		var secret, pending []byte
		if err := d.Read().QueryRowContext(ctx, `SELECT totp_secret_sealed, totp_pending_sealed FROM users WHERE id = $1`, p.UserID).
			Scan(&secret, &pending); err != nil || secret != nil || pending != nil {
			t.Errorf("after a reset: %x %x %v, want both NULL", secret, pending, err)
		}
	})
}

// TestLoginTOTP_ASecretThatDoesNotOpenRefusesTheCodeWithAnErrorForTheLog: a secret
// sealed under another key — a row copied from another database, or changed — is
// no fault of the user's. The code is refused with an error the server logs as a
// 500, naming the user and the way out; it is audited but does not count towards
// the lock, and a recovery code still lets the user in.
func TestLoginTOTP_ASecretThatDoesNotOpenRefusesTheCodeWithAnErrorForTheLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		c := &clock{time.Date(2026, 1, 1, 8, 0, 10, 0, time.UTC)}
		s := auth.NewService(d, c.now)
		var events []auth.Event
		s.Audit = func(_ context.Context, _ db.Querier, e auth.Event) error { events = append(events, e); return nil }
		ctx := context.Background()
		pw, p := signedUp(t, s, "feng", auth.RoleCity, orgtest.City)
		secret, codes := enrol(t, s, c, p.UserID)

		foreign, err := crypttest.New(t).Seal(crypt.TOTPSecret, secret)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `UPDATE users SET totp_secret_sealed = $1 WHERE id = $2`, foreign, p.UserID); err != nil {
			t.Fatal(err)
		}
		for range s.MaxFailures + 1 {
			c.t = c.t.Add(30 * time.Second)
			in, err := s.Login(ctx, "feng", pw)
			if err != nil {
				t.Fatalf("password: %v", err)
			}
			code, _ := auth.TOTPCode(secret, c.t)
			out, err := s.LoginTOTP(ctx, in.Pending, code)
			if err == nil || out.Session != "" {
				t.Fatalf("a code of a secret that does not open: %+v, want it refused", out)
			}
			if apperr.CodeOf(err) != apperr.Internal || !errors.Is(err, crypt.ErrSealed) ||
				!strings.Contains(err.Error(), `"feng"`) || !strings.Contains(err.Error(), "reset-totp") {
				t.Fatalf("error %v: want an internal error naming the user and the way out", err)
			}
		}
		last := events[len(events)-1]
		if last.Action != auth.EventLoginFailed || last.Reason != "totp_secret_unreadable" || last.Subject != "feng" {
			t.Errorf("audited %+v", last)
		}
		in, _ := s.Login(ctx, "feng", pw)
		if out, err := s.LoginTOTP(ctx, in.Pending, codes[0]); err != nil || out.Session == "" {
			t.Errorf("a recovery code, after more refusals than lock an account: %+v %v", out, err)
		}

		// An enrolment whose secret does not open: reloading is refused, renewing
		// starts afresh.
		if _, err := d.Write().ExecContext(ctx, `UPDATE users SET totp_pending_sealed = $1 WHERE id = $2`, foreign, p.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BeginTOTP(ctx, p.UserID, false); !errors.Is(err, crypt.ErrSealed) {
			t.Errorf("reloading an enrolment that does not open: %v", err)
		}
		if _, err := s.ConfirmTOTP(ctx, p.UserID, "123456"); !errors.Is(err, crypt.ErrSealed) {
			t.Errorf("confirming an enrolment that does not open: %v", err)
		}
		renewed, err := s.BeginTOTP(ctx, p.UserID, true)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(renewed.Secret, c.t)
		if _, err := s.ConfirmTOTP(ctx, p.UserID, code); err != nil {
			t.Errorf("confirming a renewed enrolment: %v", err)
		}
	})
}
