package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
)

// Account is what a user's own account page shows of them.
type Account struct {
	User
	// PreviousLoginAt is the sign-in before the current one: a user who does not
	// remember it learns that someone else signed in.
	PreviousLoginAt   time.Time
	PasswordChangedAt time.Time
	// PasswordExpiresAt is zero when passwords do not expire.
	PasswordExpiresAt time.Time
	SecondFactorSince time.Time
	RecoveryCodesLeft int
	// EnrollingSecondFactor is set while a new authenticator waits for its first code.
	EnrollingSecondFactor bool
}

// Account returns the account of the user with this id.
func (s *Service) Account(ctx context.Context, userID string) (Account, error) {
	var a Account
	var disabled, mustChange int
	var last, previous, changed, totp int64
	var maxAge sql.NullString
	var pending []byte
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, name, role, org_code, disabled, must_change_password, last_login_at,
		previous_login_at, password_changed_at, totp_enabled_at, totp_pending_sealed,
		(SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = users.id),
		(SELECT value FROM settings WHERE key = 'password_max_age_days')
		FROM users WHERE id = $1`, userID).Scan(&a.ID, &a.Name, &a.Role, &a.OrgCode, &disabled, &mustChange, &last,
		&previous, &changed, &totp, &pending, &a.RecoveryCodesLeft, &maxAge)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, apperr.New(apperr.NotFound, "user.not_found", "")
	}
	if err != nil {
		return Account{}, err
	}
	a.Disabled, a.MustChangePassword, a.SecondFactor, a.EnrollingSecondFactor = disabled != 0, mustChange != 0, totp > 0, len(pending) > 0
	a.LastLoginAt, a.PreviousLoginAt, a.PasswordChangedAt, a.SecondFactorSince = instant(last), instant(previous), instant(changed), instant(totp)
	if d := maxAgeOf(maxAge); d > 0 {
		a.PasswordExpiresAt = a.PasswordChangedAt.Add(d)
	}
	return a, nil
}

// ChangePassword sets the user's own password after checking the current one. The
// new one must meet the policy and differ from the current one. A wrong current
// password counts towards the lock as a failed sign-in would. Every other session
// of the user ends; the one with token keepSession stays.
func (s *Service) ChangePassword(ctx context.Context, userID, keepSession, current, next string) error {
	var name, hash string
	var lockedUntil int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT name, password_hash, locked_until FROM users WHERE id = $1`, userID).
		Scan(&name, &hash, &lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "user.not_found", "")
	}
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	if now < lockedUntil || !CheckPassword(hash, current) {
		if now >= lockedUntil {
			p, err := principalOf(ctx, s.db.Read(), userID)
			if err != nil {
				return err
			}
			if err := s.recordFailure(ctx, p, "bad_current_password", now); err != nil {
				return err
			}
		}
		return apperr.Invalidf("current_password", "password.wrong_current")
	}
	if next == current {
		return apperr.Invalidf("password", "password.same")
	}
	if err := CheckPasswordPolicy(name, next); err != nil {
		return err
	}
	return s.changeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = 0,
			failed_logins = 0 WHERE id = $3`, HashPassword(next), now, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, hashToken(keepSession)); err != nil {
			return err
		}
		p, err := principalOf(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Action: EventPasswordChanged, Principal: p, Subject: p.Name})
	})
}

// Enrolment is a TOTP secret waiting for its first code.
type Enrolment struct {
	Secret string // base32
	URI    string // otpauth://
}

// BeginTOTP returns the secret the user is enrolling: the one begun before, unless
// renew, so that reloading the page does not change a secret already scanned; else
// a new one, kept sealed. The enrolled secret, if any, stays in force until
// ConfirmTOTP. A secret begun before that cannot be opened is an error (see
// openTOTP); renewing replaces it.
func (s *Service) BeginTOTP(ctx context.Context, userID string, renew bool) (Enrolment, error) {
	var name string
	var sealed []byte
	err := s.db.Read().QueryRowContext(ctx, `SELECT name, totp_pending_sealed FROM users WHERE id = $1`, userID).Scan(&name, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Enrolment{}, apperr.New(apperr.NotFound, "user.not_found", "")
	}
	if err != nil {
		return Enrolment{}, err
	}
	if len(sealed) > 0 && !renew {
		pending, err := s.openTOTP(name, sealed)
		if err != nil {
			return Enrolment{}, err
		}
		return Enrolment{Secret: pending, URI: TOTPURI(name, pending)}, nil
	}
	pending := NewTOTPSecret()
	if sealed, err = s.db.Keys().Seal(crypt.TOTPSecret, pending); err != nil {
		return Enrolment{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET totp_pending_sealed = $1 WHERE id = $2`, sealed, userID)
		return err
	})
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: pending, URI: TOTPURI(name, pending)}, nil
}

// openTOTP opens a user's sealed TOTP secret. One that does not open — sealed under
// another key, or changed in the database — is not the user's mistake and cannot be
// mended by them: the error, which the server logs, names the user and the way out,
// and whatever needed the secret is refused.
func (s *Service) openTOTP(userName string, sealed []byte) (string, error) {
	secret, err := s.db.Keys().Open(crypt.TOTPSecret, sealed)
	if err != nil {
		return "", fmt.Errorf("auth: the TOTP secret of user %q cannot be opened with the database's key; "+
			"`shequ user reset-totp --name %s` lets them enrol again: %w", userName, userName, err)
	}
	return secret, nil
}

// ConfirmTOTP enrols the secret begun with BeginTOTP once the user gives its
// current code, and returns RecoveryCodes new single-use recovery codes, shown
// this once and kept only hashed; the codes of an earlier enrolment stop working.
// The confirming code cannot be used again to sign in.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) ([]string, error) {
	var name string
	var sealed []byte
	err := s.db.Read().QueryRowContext(ctx, `SELECT name, totp_pending_sealed FROM users WHERE id = $1`, userID).Scan(&name, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "user.not_found", "")
	}
	if err != nil {
		return nil, err
	}
	if len(sealed) == 0 {
		return nil, apperr.Invalidf("totp_code", "totp.not_begun")
	}
	pending, err := s.openTOTP(name, sealed)
	if err != nil {
		return nil, err
	}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	now := s.now()
	step, ok := matchTOTP(pending, code, now, 0)
	if !ok {
		return nil, apperr.Invalidf("totp_code", "totp.bad_code")
	}
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	err = s.changeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL,
			totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3 AND totp_pending_sealed = $4`, now.UnixMilli(), step, userID, sealed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.Invalidf("totp_code", "totp.not_begun") // renewed meanwhile, in another tab
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, hashRecoveryCode(userID, c)); err != nil {
				return err
			}
		}
		p, err := principalOf(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Action: EventTOTPEnrolled, Principal: p, Subject: p.Name})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}
