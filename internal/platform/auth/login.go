package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"shequ/internal/platform/apperr"
)

// Obligation is what a signed-in user must do before the application opens to them.
type Obligation string

// The obligations, in the order they are met.
const (
	// Free: nothing is due.
	Free Obligation = ""
	// MustChangePassword: the password is older than the maximum age, or an
	// administrator chose it.
	MustChangePassword Obligation = "password"
	// MustEnrolTOTP: the role requires a second factor and none is enrolled.
	MustEnrolTOTP Obligation = "totp"
)

// obligation is what a user with these facts owes at now (Unix ms).
func obligation(role Role, mustChange bool, changedAt int64, totpOn bool, maxAge time.Duration, now int64) Obligation {
	if mustChange || (maxAge > 0 && now-changedAt >= maxAge.Milliseconds()) {
		return MustChangePassword
	}
	if role.RequiresSecondFactor() && !totpOn {
		return MustEnrolTOTP
	}
	return Free
}

// SignIn is where a correct password leads: a session, or for a user with a
// second factor a pending sign-in that LoginTOTP completes.
type SignIn struct {
	Principal Principal
	// Session is the new session's token, "" while a second factor is due.
	Session string
	// Pending is the pending sign-in's token when a TOTP code is due.
	Pending string
	// Must is what the new session owes before anything else.
	Must Obligation
}

// userFacts are the columns of a user that signing in looks at.
type userFacts struct {
	p                       Principal
	hash                    string
	disabled, mustChange    int
	lockedUntil, changedAt  int64
	totpEnabledAt, totpLast int64
	maxAge                  sql.NullString
}

// factsColumns are read with scanFacts, from users u.
const factsColumns = `u.id, u.name, u.role, u.org_code, u.password_hash, u.disabled, u.must_change_password, u.locked_until,
	u.password_changed_at, u.totp_enabled_at, u.totp_last_step,
	(SELECT value FROM settings WHERE key = 'password_max_age_days')`

func (f *userFacts) dest(more ...any) []any {
	return append([]any{&f.p.UserID, &f.p.Name, &f.p.Role, &f.p.OrgCode, &f.hash, &f.disabled, &f.mustChange, &f.lockedUntil,
		&f.changedAt, &f.totpEnabledAt, &f.totpLast, &f.maxAge}, more...)
}

func (f *userFacts) owes(now int64) Obligation {
	return obligation(f.p.Role, f.mustChange != 0, f.changedAt, f.totpEnabledAt > 0, maxAgeOf(f.maxAge), now)
}

// Login checks a name and password. Without a second factor it opens a session;
// with one it opens a pending sign-in, good for PendingFor, that LoginTOTP turns
// into a session. An unknown user, a wrong password, a disabled and a locked
// account all get the same answer, so names cannot be probed.
func (s *Service) Login(ctx context.Context, name, password string) (SignIn, error) {
	var f userFacts
	refused := apperr.New(apperr.Unauthorized, "auth.bad_credentials", "")
	err := s.db.Read().QueryRowContext(ctx, `SELECT `+factsColumns+` FROM users u WHERE u.name = $1`,
		strings.TrimSpace(name)).Scan(f.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as a real check.
		CheckPassword(dummyHash(), password)
		if err := s.recordAlone(ctx, Event{Action: EventLoginFailed, Subject: strings.TrimSpace(name), Outcome: "failed", Reason: "unknown_user"}); err != nil {
			return SignIn{}, err
		}
		return SignIn{}, refused
	}
	if err != nil {
		return SignIn{}, err
	}
	now := s.now().UnixMilli()
	// A locked account refuses even the right password, with the same answer as a
	// wrong one, so guessing cannot go on and a lock tells nothing about the name.
	ok := CheckPassword(f.hash, password)
	if now < f.lockedUntil || !ok || f.disabled != 0 {
		var err error
		switch {
		case now < f.lockedUntil:
			err = s.recordAlone(ctx, Event{Action: EventLoginFailed, Principal: f.p, Subject: f.p.Name, Outcome: "failed", Reason: "locked"})
		case !ok:
			err = s.recordFailure(ctx, f.p, "bad_password", now)
		default:
			err = s.recordAlone(ctx, Event{Action: EventLoginFailed, Principal: f.p, Subject: f.p.Name, Outcome: "failed", Reason: "disabled"})
		}
		if err != nil {
			return SignIn{}, err
		}
		return SignIn{}, refused
	}
	if f.totpEnabledAt > 0 {
		// The failure count stays until the code is right too: a password alone
		// must not buy more guesses at the code.
		pending := NewToken()
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM pending_logins WHERE user_id = $1`, f.p.UserID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO pending_logins (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
				hashToken(pending), f.p.UserID, now+s.PendingFor.Milliseconds())
			return err
		})
		if err != nil {
			return SignIn{}, err
		}
		return SignIn{Principal: f.p, Pending: pending}, nil
	}
	var token string
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		token, err = s.openSession(ctx, tx, f.p, "password", now)
		return err
	})
	if err != nil {
		return SignIn{}, err
	}
	return SignIn{Principal: f.p, Session: token, Must: f.owes(now)}, nil
}

// LoginTOTP completes a pending sign-in with a TOTP code or a recovery code and
// opens the session. A code is good once: a code of a time step at or before the
// last one accepted is refused, as is a recovery code used before. A wrong code
// counts as a failed sign-in towards the lock, and a locked account refuses even
// the right code. A pending sign-in that is unknown or older than PendingFor is
// auth.login_expired: the user starts again with the password. A TOTP secret that
// cannot be opened refuses a TOTP code with an error for the log, recorded as a
// failed sign-in that does not count towards the lock; a recovery code still works.
func (s *Service) LoginTOTP(ctx context.Context, pending, code string) (SignIn, error) {
	var f userFacts
	var sealed []byte
	var expires int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT `+factsColumns+`, u.totp_secret_sealed, l.expires_at
		FROM pending_logins l JOIN users u ON u.id = l.user_id WHERE l.token_hash = $1`, hashToken(pending)).Scan(f.dest(&sealed, &expires)...)
	now := s.now().UnixMilli()
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (now >= expires || f.disabled != 0 || f.totpEnabledAt == 0)) {
		return SignIn{}, apperr.New(apperr.Unauthorized, "auth.login_expired", "")
	}
	if err != nil {
		return SignIn{}, err
	}
	refused := apperr.New(apperr.Unauthorized, "auth.bad_code", "totp_code")
	if now < f.lockedUntil {
		if err := s.recordAlone(ctx, Event{Action: EventLoginFailed, Principal: f.p, Subject: f.p.Name, Outcome: "failed", Reason: "locked"}); err != nil {
			return SignIn{}, err
		}
		return SignIn{}, refused
	}
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	method, secret := "recovery_code", ""
	if isTOTPCode(code) {
		method = "totp"
		if secret, err = s.openTOTP(f.p.Name, sealed); err != nil {
			if rerr := s.recordAlone(ctx, Event{Action: EventLoginFailed, Principal: f.p, Subject: f.p.Name, Outcome: "failed",
				Reason: "totp_secret_unreadable"}); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return SignIn{}, err
		}
	}
	var token string
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		if method == "totp" {
			step, ok := matchTOTP(secret, code, time.UnixMilli(now), f.totpLast)
			if !ok {
				return refused
			}
			// Conditional, so that two requests racing with one code cannot both pass.
			res, err = tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, f.p.UserID)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2`,
				f.p.UserID, hashRecoveryCode(f.p.UserID, code))
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refused
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_logins WHERE user_id = $1`, f.p.UserID); err != nil {
			return err
		}
		token, err = s.openSession(ctx, tx, f.p, method, now)
		return err
	})
	if errors.Is(err, refused) {
		if err := s.recordFailure(ctx, f.p, "bad_"+method, now); err != nil {
			return SignIn{}, err
		}
		return SignIn{}, refused
	}
	if err != nil {
		return SignIn{}, err
	}
	return SignIn{Principal: f.p, Session: token, Must: f.owes(now)}, nil
}

// openSession creates a session for the user, records the sign-in (method is how
// they proved who they are) and clears the failure count. It also drops the user's
// sessions that have ended, which nothing else removes.
func (s *Service) openSession(ctx context.Context, tx *sql.Tx, p Principal, method string, now int64) (string, error) {
	userID := p.UserID
	token := NewToken()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)`,
		userID, now, now-s.SessionIdle.Milliseconds()); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
		hashToken(token), userID, now, now+s.SessionMax.Milliseconds()); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET previous_login_at = last_login_at, last_login_at = $1, failed_logins = 0 WHERE id = $2`, now, userID); err != nil {
		return "", err
	}
	return token, s.record(ctx, tx, Event{Action: EventLogin, Principal: p, Subject: p.Name, Reason: method})
}

// recordFailure counts a wrong password or code (reason says which) and records it;
// the MaxFailures-th in a row locks the account for LockFor and starts the count
// again.
func (s *Service) recordFailure(ctx context.Context, p Principal, reason string, now int64) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var failed int
		if err := tx.QueryRowContext(ctx, `SELECT failed_logins FROM users WHERE id = $1`, p.UserID).Scan(&failed); err != nil {
			return err
		}
		var err error
		if failed+1 >= s.MaxFailures {
			reason += "; locked"
			_, err = tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2`, now+s.LockFor.Milliseconds(), p.UserID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE users SET failed_logins = $1 WHERE id = $2`, failed+1, p.UserID)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Action: EventLoginFailed, Principal: p, Subject: p.Name, Outcome: "failed", Reason: reason})
	})
}

// dummyHash is checked against when the user is unknown, so that answer takes as
// long as a wrong password. Computed once, on first need.
var dummyHash = sync.OnceValue(func() string { return HashPassword("shequ-timing-equaliser") })

// Session returns the principal of a live session token, and what the user must do
// before anything else, and records the session's use. An expired, idle or unknown
// session, or one of a disabled user, is unauthorized. A session checked before is
// answered from memory until something about it changes (see held).
func (s *Service) Session(ctx context.Context, token string) (Principal, Obligation, error) {
	now := s.now().UnixMilli()
	hash := hashToken(token)
	key := "session " + hash
	c, gen, ok, err := s.held.get(ctx, key)
	if err != nil {
		return Principal{}, Free, err
	}
	if !ok || !s.live(c, now) {
		// Not held, or ended as far as this process knows: another process may have
		// recorded a later use, so the database has the last word.
		if c, ok, err = s.readSession(ctx, hash); err != nil {
			return Principal{}, Free, err
		}
		if !ok || !s.live(c, now) || c.facts.disabled != 0 {
			s.held.drop(key)
			return Principal{}, Free, apperr.New(apperr.Unauthorized, "auth.required", "")
		}
		s.held.put(gen, key, c)
	}
	// Touch at most once a minute: a page load fetches several resources, and the
	// idle limit needs no finer clock.
	if now-c.lastSeen > time.Minute.Milliseconds() {
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, hash)
			return err
		})
		if err != nil {
			return Principal{}, Free, err
		}
		c.lastSeen = now
		s.held.put(gen, key, c)
	}
	return c.facts.p, c.facts.owes(now), nil
}

// live reports whether a session is neither past its end nor idle too long at now.
func (s *Service) live(c credential, now int64) bool {
	return now < c.expires && now-c.lastSeen < s.SessionIdle.Milliseconds()
}

// readSession reads a session and its user's facts from the database.
func (s *Service) readSession(ctx context.Context, hash string) (credential, bool, error) {
	var c credential
	err := s.db.Read().QueryRowContext(ctx, `SELECT `+factsColumns+`, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hash).
		Scan(c.facts.dest(&c.lastSeen, &c.expires)...)
	if errors.Is(err, sql.ErrNoRows) {
		return credential{}, false, nil
	}
	return c, err == nil, err
}

// Logout ends the session with this token and records who signed out.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.changeTx(ctx, func(tx *sql.Tx) error {
		var p Principal
		err := tx.QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.org_code FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.token_hash = $1`, hashToken(token)).Scan(&p.UserID, &p.Name, &p.Role, &p.OrgCode)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already ended
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token)); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Action: EventLogout, Principal: p, Subject: p.Name})
	})
}
