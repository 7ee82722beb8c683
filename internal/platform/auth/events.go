package auth

import (
	"context"
	"database/sql"

	"shequ/internal/platform/db"
)

// Event is a security event for the audit trail (安全审计): a sign-in, a failed one,
// a sign-out, a change to an account or to the security policy.
type Event struct {
	Action    string    // auth.login, auth.login_failed, auth.logout, user.add, …
	Principal Principal // who acted: the user signing in, or the administrator
	Subject   string    // the account acted on, by name
	Outcome   string    // ok or failed
	Reason    string    // how or why: "password", "totp", "unknown_user", a role …
}

// Auditor records an event in q, the transaction of the change the event is about,
// so that the two are written together or not at all; an error fails the change.
// Package audit provides it: auth cannot import audit, which depends on auth, so
// the server hands it in as Service.Audit.
type Auditor func(ctx context.Context, q db.Querier, e Event) error

// The events auth records.
const (
	EventLogin           = "auth.login"
	EventLoginFailed     = "auth.login_failed"
	EventLogout          = "auth.logout"
	EventPasswordChanged = "auth.password_changed"
	EventTOTPEnrolled    = "auth.totp_enrolled"
	EventUserAdded       = "user.add"
	EventPasswordReset   = "user.reset_password"
	EventChangeWaived    = "user.waive_password_change"
	EventUserDisabled    = "user.disable"
	EventUserEnabled     = "user.enable"
	EventTOTPReset       = "user.reset_totp"
	EventUserUnlocked    = "user.unlock"
	EventTokenIssued     = "user.token"
	EventTokensRevoked   = "user.revoke_tokens"
	EventUserReassigned  = "user.reassign"
	EventPolicyChanged   = "security.password_max_age"
)

// record writes e in q when an auditor is set.
func (s *Service) record(ctx context.Context, q db.Querier, e Event) error {
	if s.Audit == nil {
		return nil
	}
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	return s.Audit(ctx, q, e)
}

// recordAlone records an event that changes nothing else, in a transaction of its
// own: a refused sign-in.
func (s *Service) recordAlone(ctx context.Context, e Event) error {
	if s.Audit == nil {
		return nil
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error { return s.record(ctx, tx, e) })
}

// actor is who is acting on accounts: the signed-in user of the request, or the
// administrator at the command line.
func actor(ctx context.Context) Principal {
	if p, ok := PrincipalFrom(ctx); ok {
		return p
	}
	return System()
}

// principalOf reads the principal of a user by id, for events of users acting on
// their own account.
func principalOf(ctx context.Context, q db.Querier, userID string) (Principal, error) {
	p := Principal{UserID: userID}
	err := q.QueryRowContext(ctx, `SELECT name, role, org_code FROM users WHERE id = $1`, userID).Scan(&p.Name, &p.Role, &p.OrgCode)
	return p, err
}
