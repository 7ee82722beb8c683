package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Service manages users, sessions and tokens.
type Service struct {
	db  *db.DB
	now func() time.Time
	// SessionIdle ends a session unused this long; SessionMax ends any session this old.
	SessionIdle time.Duration
	SessionMax  time.Duration
	// MaxFailures wrong passwords or codes in a row lock an account for LockFor.
	MaxFailures int
	LockFor     time.Duration
	// PendingFor is how long a correct password waits for its second factor.
	PendingFor time.Duration
	// Audit, when set, records every sign-in, failed sign-in, sign-out and account
	// change in the transaction of the change.
	Audit Auditor

	held *held
}

// NewService returns a Service with 30-minute idle and 12-hour absolute session
// limits, a 15-minute lock after 5 failures in a row, and 5 minutes to give the
// second factor.
// Sessions and tokens it has checked are held in memory (see held), up to
// DefaultHeldCredentials, and let go of at once after a change committed in this
// process and within changes.DefaultInterval after one committed in another.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: now, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, MaxFailures: 5,
		LockFor: 15 * time.Minute, PendingFor: 5 * time.Minute,
		held: newHeld(changes.NewWatch(d, changes.Auth, changes.DefaultInterval), DefaultHeldCredentials)}
}

// changeTx runs fn in one write transaction that also bumps the auth topic's
// version: every change to what a held credential carries (a user's role, unit,
// state or obligations, a session or token ending, the password policy) goes
// through it, so that no process keeps answering from what it held before.
func (s *Service) changeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return changes.Bump(ctx, tx, changes.Auth)
	})
}

// User is an account.
type User struct {
	ID          string
	Name        string
	Role        Role
	OrgCode     string
	OrgName     string
	Disabled    bool
	LastLoginAt time.Time
	// LockedUntil is when a lock for failed sign-ins ends, zero when there is none.
	LockedUntil time.Time
	// SecondFactor is whether a TOTP authenticator is enrolled.
	SecondFactor bool
	// MustChangePassword is set while the password is one an administrator chose.
	MustChangePassword bool
}

// AddUser creates a user bound to orgCode with a generated password, which it returns
// once; only its hash is kept. The unit's level must fit the role. The user must
// change the password at the first sign-in.
//
// A user holds one role, and names are unique, so no person can hold two of the
// three administrator roles (三员分立) through one account.
func (s *Service) AddUser(ctx context.Context, name string, role Role, orgCode string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Invalidf("name", "required")
	}
	if len(name) > 64 {
		return "", apperr.Invalidf("name", "too_long").With("max", 64)
	}
	if !role.Valid() {
		return "", apperr.Invalidf("role", "user.role")
	}
	password := GeneratePassword(name)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.allow(ctx, tx, AccountAdd, name, role, orgCode); err != nil {
			return err
		}
		if err := fits(ctx, tx, role, orgCode); err != nil {
			return err
		}
		now := s.now().UnixMilli()
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, name, role, org_code, password_hash, created_at, password_changed_at, must_change_password)
			VALUES ($1, $2, $3, $4, $5, $6, $6, 1)`,
			db.NewID(), name, string(role), orgCode, HashPassword(password), now)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "user.name_taken", "name")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Action: EventUserAdded, Principal: actor(ctx), Subject: name, Reason: string(role) + "@" + orgCode})
	})
	if err != nil {
		return "", s.refused(ctx, EventUserAdded, name, err)
	}
	return password, nil
}

// fits checks that the unit orgCode exists and is at the level role is bound to.
func fits(ctx context.Context, tx *sql.Tx, role Role, orgCode string) error {
	if !role.Valid() {
		return apperr.Invalidf("role", "user.role")
	}
	var level string
	err := tx.QueryRowContext(ctx, `SELECT level FROM org_units WHERE code = $1`, orgCode).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Invalidf("org", "org.not_found")
	}
	if err != nil {
		return err
	}
	if want := role.Level(); want != "" && scope.Level(level) != want {
		return apperr.Invalidf("org", "user.role_level").With("want", string(want))
	}
	return nil
}

// Reassign gives the named user another role, or binds them to another unit, or
// both; the unit's level must fit the role. Their sessions and tokens go on, with
// the new role's permissions and the new unit's scope from their next request, in
// every process (see held).
func (s *Service) Reassign(ctx context.Context, name string, role Role, orgCode string) error {
	err := s.changeTx(ctx, func(tx *sql.Tx) error {
		if err := s.allow(ctx, tx, AccountReassign, name, role, orgCode); err != nil {
			return err
		}
		if err := fits(ctx, tx, role, orgCode); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, org_code = $2 WHERE name = $3`, string(role), orgCode, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "user.not_found", "name")
		}
		return s.record(ctx, tx, Event{Action: EventUserReassigned, Principal: actor(ctx), Subject: name, Reason: string(role) + "@" + orgCode})
	})
	return s.refused(ctx, EventUserReassigned, name, err)
}

// RevokeTokens ends every API token of the named user and returns how many there
// were; the programs using them are refused from their next request.
func (s *Service) RevokeTokens(ctx context.Context, name string) (int, error) {
	var n int64
	err := s.changeTx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name = $1`, name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "user.not_found", "name")
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return s.record(ctx, tx, Event{Action: EventTokensRevoked, Principal: actor(ctx), Subject: name, Reason: strconv.FormatInt(n, 10)})
	})
	return int(n), err
}

// ResetPassword gives an existing user a new generated password, which they must
// change at their next sign-in, lifts a lock (the user has been in touch with an
// administrator) and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, name string) (string, error) {
	password := GeneratePassword(name)
	err := s.updateUser(ctx, AccountResetPassword, EventPasswordReset, name, true, `UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = 1,
		failed_logins = 0, locked_until = 0 WHERE name = $3`, HashPassword(password), s.now().UnixMilli(), name)
	return password, err
}

// WaivePasswordChange lets the user keep the password an administrator gave them.
// Only the demo's logins use it: their passwords are random, new at every start
// and printed once.
func (s *Service) WaivePasswordChange(ctx context.Context, name string) error {
	return s.updateUser(ctx, "", EventChangeWaived, name, false, `UPDATE users SET must_change_password = 0 WHERE name = $1`, name)
}

// SetDisabled disables or enables the named user. A disabled user cannot sign in
// or use an API token, and their sessions end at once.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	v, event, action := 0, EventUserEnabled, AccountEnable
	if disabled {
		v, event, action = 1, EventUserDisabled, AccountDisable
	}
	return s.updateUser(ctx, action, event, name, disabled, `UPDATE users SET disabled = $1 WHERE name = $2`, v, name)
}

// ResetSecondFactor removes the named user's TOTP authenticator and recovery codes,
// for a user who lost both; they enrol again at the next sign-in if their role
// requires it. Their sessions end.
func (s *Service) ResetSecondFactor(ctx context.Context, name string) error {
	return s.updateUser(ctx, AccountResetTOTP, EventTOTPReset, name, true, `UPDATE users SET totp_secret_sealed = NULL, totp_pending_sealed = NULL,
		totp_enabled_at = 0, totp_last_step = 0 WHERE name = $1`, name)
}

// updateUser runs one UPDATE of the named user, not found when there is none,
// records it as event, and with endSessions ends their sessions, pending sign-ins
// and recovery codes too when the update cleared the second factor. An
// administrator in the browser must be allowed the account action (see allow).
func (s *Service) updateUser(ctx context.Context, action AccountAction, event, name string, endSessions bool, query string, args ...any) error {
	err := s.changeTx(ctx, func(tx *sql.Tx) error {
		if err := s.allow(ctx, tx, action, name, "", ""); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "user.not_found", "name")
		}
		if endSessions {
			for _, q := range []string{
				`DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)`,
				`DELETE FROM pending_logins WHERE user_id IN (SELECT id FROM users WHERE name = $1)`,
				`DELETE FROM recovery_codes WHERE user_id IN (SELECT id FROM users WHERE name = $1 AND totp_enabled_at = 0)`,
			} {
				if _, err := tx.ExecContext(ctx, q, name); err != nil {
					return err
				}
			}
		}
		return s.record(ctx, tx, Event{Action: event, Principal: actor(ctx), Subject: name})
	})
	return s.refused(ctx, event, name, err)
}

// Users lists all accounts, for administrators at the command line.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+userColumns+` FROM users u LEFT JOIN org_units o ON o.code = u.org_code
		ORDER BY u.org_code, u.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// instant is a stored Unix-millisecond time, the zero time for 0 (never).
func instant(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// DefaultPasswordMaxAge is how long a password lasts unless set otherwise.
const DefaultPasswordMaxAge = 90 * 24 * time.Hour

// passwordMaxAgeSetting is the settings row holding the maximum age in days.
const passwordMaxAgeSetting = "password_max_age_days"

// PasswordMaxAge returns how long a password lasts before its user must change it;
// 0 means passwords do not expire.
func (s *Service) PasswordMaxAge(ctx context.Context) (time.Duration, error) {
	var v string
	err := s.db.Read().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, passwordMaxAgeSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPasswordMaxAge, nil
	}
	if err != nil {
		return 0, err
	}
	return maxAgeOf(sql.NullString{String: v, Valid: true}), nil
}

// SetPasswordMaxAge sets how many days a password lasts; 0 turns expiry off.
func (s *Service) SetPasswordMaxAge(ctx context.Context, days int) error {
	if days < 0 || days > 3650 {
		return apperr.Invalidf("password_max_age", "password.max_age")
	}
	return s.changeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, passwordMaxAgeSetting); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, passwordMaxAgeSetting, strconv.Itoa(days)); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Action: EventPolicyChanged, Principal: actor(ctx), Reason: strconv.Itoa(days) + " days"})
	})
}

// maxAgeOf reads the setting as stored; a value that is not a number of days is
// taken as unset rather than as "never expire".
func maxAgeOf(v sql.NullString) time.Duration {
	if !v.Valid {
		return DefaultPasswordMaxAge
	}
	days, err := strconv.Atoi(v.String)
	if err != nil || days < 0 {
		return DefaultPasswordMaxAge
	}
	return time.Duration(days) * 24 * time.Hour
}

// NewAPIToken creates a bearer token for the named user and returns it once.
func (s *Service) NewAPIToken(ctx context.Context, userName string) (string, error) {
	token := NewToken()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, user_id, created_at) SELECT $1, id, $2 FROM users WHERE name = $3`,
			hashToken(token), s.now().UnixMilli(), userName)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "user.not_found", "name")
		}
		return s.record(ctx, tx, Event{Action: EventTokenIssued, Principal: actor(ctx), Subject: userName})
	})
	return token, err
}

// Token returns the principal of a bearer token. A token is a credential of its
// own, made by an administrator for a program: the password's age and the second
// factor, which are about people signing in, do not apply to it. A token checked
// before is answered from memory until something about it changes (see held).
func (s *Service) Token(ctx context.Context, token string) (Principal, error) {
	hash := hashToken(token)
	key := "token " + hash
	c, gen, ok, err := s.held.get(ctx, key)
	if err != nil {
		return Principal{}, err
	}
	if !ok {
		err := s.db.Read().QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.org_code, u.disabled
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash).
			Scan(&c.facts.p.UserID, &c.facts.p.Name, &c.facts.p.Role, &c.facts.p.OrgCode, &c.facts.disabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && c.facts.disabled != 0) {
			return Principal{}, apperr.New(apperr.Unauthorized, "auth.required", "")
		}
		if err != nil {
			return Principal{}, err
		}
		s.held.put(gen, key, c)
	}
	return c.facts.p, nil
}

// Principal returns the principal of an enabled account by name, for an
// administrator at the command line acting as that user (shequ import --as), so
// that the user's scope and permissions apply as they would in a browser.
func (s *Service) Principal(ctx context.Context, name string) (Principal, error) {
	var p Principal
	var disabled int
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, name, role, org_code, disabled FROM users WHERE name = $1`, name).
		Scan(&p.UserID, &p.Name, &p.Role, &p.OrgCode, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled != 0) {
		return Principal{}, apperr.New(apperr.NotFound, "user.not_found", "user_name")
	}
	return p, err
}

// hashToken is what the database keeps of a token: a stolen database copy yields no
// usable sessions.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
