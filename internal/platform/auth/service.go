package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"shequ/internal/platform/apperr"
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
	// MaxFailures wrong passwords in a row lock an account for LockFor.
	MaxFailures int
	LockFor     time.Duration
}

// NewService returns a Service with 30-minute idle and 12-hour absolute session
// limits, and a 15-minute lock after 5 wrong passwords in a row.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: now, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, MaxFailures: 5, LockFor: 15 * time.Minute}
}

// User is an account.
type User struct {
	ID          string
	Name        string
	Role        Role
	OrgCode     string
	Disabled    bool
	LastLoginAt time.Time
}

// AddUser creates a user bound to orgCode with a generated password, which it returns
// once; only its hash is kept. The unit's level must fit the role.
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
	password := GeneratePassword()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
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
		_, err = tx.ExecContext(ctx, `INSERT INTO users (id, name, role, org_code, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			db.NewID(), name, string(role), orgCode, HashPassword(password), s.now().UnixMilli())
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "user.name_taken", "name")
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return password, nil
}

// ResetPassword gives an existing user a new generated password and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, name string) (string, error) {
	password := GeneratePassword()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE name = $2`, HashPassword(password), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "user.not_found", "name")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)`, name)
		return err
	})
	return password, err
}

// Users lists all accounts, for administrators at the command line.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, name, role, org_code, disabled, last_login_at FROM users ORDER BY org_code, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var disabled int
		var last int64
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.OrgCode, &disabled, &last); err != nil {
			return nil, err
		}
		u.Disabled = disabled != 0
		if last > 0 {
			u.LastLoginAt = time.UnixMilli(last).UTC()
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Login checks a name and password and opens a session, returning its token. An
// unknown user and a wrong password get the same answer, so names cannot be probed.
func (s *Service) Login(ctx context.Context, name, password string) (string, Principal, error) {
	var p Principal
	var hash string
	var disabled int
	var lockedUntil int64
	refused := apperr.New(apperr.Unauthorized, "auth.bad_credentials", "")
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, name, role, org_code, password_hash, disabled, locked_until FROM users WHERE name = $1`,
		strings.TrimSpace(name)).Scan(&p.UserID, &p.Name, &p.Role, &p.OrgCode, &hash, &disabled, &lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as a real check.
		CheckPassword(dummyHash(), password)
		return "", Principal{}, refused
	}
	if err != nil {
		return "", Principal{}, err
	}
	now := s.now().UnixMilli()
	// A locked account refuses even the right password, with the same answer as a
	// wrong one, so guessing cannot go on and a lock tells nothing about the name.
	ok := CheckPassword(hash, password)
	if now < lockedUntil || !ok || disabled != 0 {
		if !ok && now >= lockedUntil {
			if err := s.recordFailure(ctx, p.UserID, now); err != nil {
				return "", Principal{}, err
			}
		}
		return "", Principal{}, refused
	}
	token := NewToken()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
			hashToken(token), p.UserID, now, now+s.SessionMax.Milliseconds()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1, failed_logins = 0 WHERE id = $2`, now, p.UserID)
		return err
	})
	if err != nil {
		return "", Principal{}, err
	}
	return token, p, nil
}

// recordFailure counts a wrong password; the MaxFailures-th in a row locks the
// account for LockFor and starts the count again.
func (s *Service) recordFailure(ctx context.Context, userID string, now int64) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var failed int
		if err := tx.QueryRowContext(ctx, `SELECT failed_logins FROM users WHERE id = $1`, userID).Scan(&failed); err != nil {
			return err
		}
		if failed+1 >= s.MaxFailures {
			_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2`, now+s.LockFor.Milliseconds(), userID)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = $1 WHERE id = $2`, failed+1, userID)
		return err
	})
}

// dummyHash is checked against when the user is unknown, so that answer takes as
// long as a wrong password. Computed once, on first need.
var dummyHash = sync.OnceValue(func() string { return HashPassword("shequ-timing-equaliser") })

// Session returns the principal of a live session token and records its use. An
// expired, idle or unknown session is unauthorized.
func (s *Service) Session(ctx context.Context, token string) (Principal, error) {
	now := s.now().UnixMilli()
	var p Principal
	var lastSeen, expires int64
	var disabled int
	err := s.db.Read().QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.org_code, u.disabled, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hashToken(token)).
		Scan(&p.UserID, &p.Name, &p.Role, &p.OrgCode, &disabled, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (now >= expires || now-lastSeen >= s.SessionIdle.Milliseconds() || disabled != 0)) {
		return Principal{}, apperr.New(apperr.Unauthorized, "auth.required", "")
	}
	if err != nil {
		return Principal{}, err
	}
	// Touch at most once a minute: a page load fetches several resources.
	if now-lastSeen > time.Minute.Milliseconds() {
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, hashToken(token))
			return err
		})
		if err != nil {
			return Principal{}, err
		}
	}
	return p, nil
}

// Logout ends the session with this token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
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
		return nil
	})
	return token, err
}

// Token returns the principal of a bearer token.
func (s *Service) Token(ctx context.Context, token string) (Principal, error) {
	var p Principal
	var disabled int
	err := s.db.Read().QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.org_code, u.disabled
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hashToken(token)).
		Scan(&p.UserID, &p.Name, &p.Role, &p.OrgCode, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled != 0) {
		return Principal{}, apperr.New(apperr.Unauthorized, "auth.required", "")
	}
	return p, err
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
