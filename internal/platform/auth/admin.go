package auth

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// AccountAction is something an administrator does to someone's account.
type AccountAction string

// The account actions, in the order the users page offers them.
const (
	AccountAdd           AccountAction = "add"
	AccountReassign      AccountAction = "reassign" // change role and unit
	AccountResetPassword AccountAction = "reset-password"
	AccountDisable       AccountAction = "disable"
	AccountEnable        AccountAction = "enable"
	AccountResetTOTP     AccountAction = "reset-totp"
	AccountUnlock        AccountAction = "unlock"
)

// accountDuties is 三员分立 for accounts: the administrator's permission each action
// needs. The system administrator keeps the accounts (who has one, with which role
// at which unit, and their password); the security administrator the second factor
// and the lock. Neither alone can take over an account guarded by a second factor:
// that needs a new password and a new second factor (decision 16).
var accountDuties = map[AccountAction]Action{
	AccountAdd:           ManageUsers,
	AccountReassign:      ManageUsers,
	AccountResetPassword: ManageUsers,
	AccountDisable:       ManageUsers,
	AccountEnable:        ManageUsers,
	AccountResetTOTP:     ManageSecurity,
	AccountUnlock:        ManageSecurity,
}

// AccountDuty returns the permission an account action needs.
func AccountDuty(a AccountAction) Action { return accountDuties[a] }

// MayListUsers reports whether p sees the users page: the system and the security
// administrator.
func (p Principal) MayListUsers() bool { return p.Can(ManageUsers) || p.Can(ManageSecurity) }

// MayManage reports whether p may take action a on an account of role target (for
// AccountAdd and AccountReassign, also the role it is to have). The accounts of
// the three administrators are kept at the command line only, by the operator who
// holds the database: an administrator who could make, reset or re-role another
// administrator's account in the browser could read the audit trail of their own
// work, or become the other administrator.
func (p Principal) MayManage(a AccountAction, target Role) bool {
	need, ok := accountDuties[a]
	return ok && p.Can(need) && target.Valid() && !target.Administrator()
}

// allow checks, inside the transaction of an account change, that the principal
// of the request may take action a on the account name, of the role it has now
// and, for a new role or unit, of the role to and unit orgCode it is to have. An
// account outside the administrator's scope is not found, as if it did not exist;
// their own account is refused, as is one of an administrator. Without a
// principal in ctx the operator acts at the command line, and may do anything.
func (s *Service) allow(ctx context.Context, q db.Querier, a AccountAction, name string, to Role, orgCode string) error {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return nil
	}
	refused := apperr.New(apperr.Forbidden, "user.not_yours", "")
	if a != AccountAdd {
		var role Role
		var org string
		err := q.QueryRowContext(ctx, `SELECT role, org_code FROM users WHERE name = $1`, name).Scan(&role, &org)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Scope().Contains(org)) {
			return apperr.New(apperr.NotFound, "user.not_found", "name")
		}
		if err != nil {
			return err
		}
		if !p.MayManage(a, role) || name == p.Name {
			return refused
		}
	}
	if to != "" && !p.MayManage(a, to) {
		return refused
	}
	if orgCode != "" && !p.Scope().Contains(orgCode) {
		return apperr.Invalidf("org", "org.not_found")
	}
	return nil
}

// refused records, for an administrator refused an account action, the attempt as
// denied: the trail shows who tried to step outside their duties.
func (s *Service) refused(ctx context.Context, event, name string, err error) error {
	p, ok := PrincipalFrom(ctx)
	if !ok || !apperr.Is(err, apperr.Forbidden) {
		return err
	}
	if rerr := s.recordAlone(ctx, Event{Action: event, Principal: p, Subject: name, Outcome: "denied"}); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// Unlock lifts the lock that failed sign-ins put on the named account, and starts
// their count again, before the lock would end by itself.
func (s *Service) Unlock(ctx context.Context, name string) error {
	return s.updateUser(ctx, AccountUnlock, EventUserUnlocked, name, false, `UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = $1`, name)
}

// UserQuery selects and orders the users page.
type UserQuery struct {
	Name string // a part of the user name; "" any
	Role Role   // "" any
	Unit string // a unit's code: the users of its subtree; "" the whole scope
	// Sort orders the page, from UserSorting: only its whitelist reaches the SQL.
	Sort          web.Sort
	Limit, Offset int
}

// UserSorting is the users page's whitelist of orders.
var UserSorting = web.Sorting{Columns: web.SortColumns{
	"name":       {"u.name"},
	"role":       {"u.role", "u.name"},
	"unit":       {"u.org_code", "u.name"},
	"last_login": {"u.last_login_at"},
}, Default: "name"}

// UserPage is one page of users and how many the query selects in all.
type UserPage struct {
	Users []User
	Total int
}

// userColumns are read by scanUser, from users u joined to their unit o.
const userColumns = `u.id, u.name, u.role, u.org_code, COALESCE(o.name, ''), u.disabled, u.last_login_at, u.totp_enabled_at,
	u.must_change_password, u.locked_until`

func (s *Service) scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var disabled, mustChange int
	var last, totp, locked int64
	if err := sc.Scan(&u.ID, &u.Name, &u.Role, &u.OrgCode, &u.OrgName, &disabled, &last, &totp, &mustChange, &locked); err != nil {
		return User{}, err
	}
	u.Disabled, u.SecondFactor, u.MustChangePassword = disabled != 0, totp > 0, mustChange != 0
	u.LastLoginAt = instant(last)
	if locked > s.now().UnixMilli() {
		u.LockedUntil = instant(locked)
	}
	return u, nil
}

// ListUsers returns a page of the accounts in p's scope that q selects, for the
// system and the security administrator.
func (s *Service) ListUsers(ctx context.Context, p Principal, q UserQuery) (UserPage, error) {
	if !p.MayListUsers() {
		return UserPage{}, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	where, args := p.Scope().Where("u.org_code", 1)
	conds := []string{where}
	if q.Unit != "" {
		if !p.Scope().Contains(q.Unit) {
			return UserPage{}, nil
		}
		w, a := scope.Of(q.Unit).Where("u.org_code", len(args)+1)
		conds, args = append(conds, w), append(args, a...)
	}
	if name := strings.TrimSpace(q.Name); name != "" {
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(name))+"%")
		conds = append(conds, `LOWER(u.name) LIKE $`+strconv.Itoa(len(args))+` ESCAPE '\'`)
	}
	if q.Role != "" {
		args = append(args, string(q.Role))
		conds = append(conds, `u.role = $`+strconv.Itoa(len(args)))
	}
	cond := strings.Join(conds, " AND ")
	var page UserPage
	err := s.db.ReadTx(ctx, func(tx db.Querier) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE `+cond, args...).Scan(&page.Total); err != nil {
			return err
		}
		n := len(args)
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users u LEFT JOIN org_units o ON o.code = u.org_code
			WHERE `+cond+` ORDER BY `+q.Sort.OrderBy("u.id")+` LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
			append(args, q.Limit, q.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := s.scanUser(rows)
			if err != nil {
				return err
			}
			page.Users = append(page.Users, u)
		}
		return rows.Err()
	})
	return page, err
}

// UserByID returns the account with this id in p's scope, for the administrators'
// page of one user; outside the scope it is not found.
func (s *Service) UserByID(ctx context.Context, p Principal, id string) (User, error) {
	return s.userWhere(ctx, p, "u.id", id)
}

// UserNamed returns the account of this name in p's scope, as UserByID.
func (s *Service) UserNamed(ctx context.Context, p Principal, name string) (User, error) {
	return s.userWhere(ctx, p, "u.name", name)
}

// userWhere reads the account whose column (a constant of this file) is value.
func (s *Service) userWhere(ctx context.Context, p Principal, column, value string) (User, error) {
	if !p.MayListUsers() {
		return User{}, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	u, err := s.scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u
		LEFT JOIN org_units o ON o.code = u.org_code WHERE `+column+` = $1`, value))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Scope().Contains(u.OrgCode)) {
		return User{}, apperr.New(apperr.NotFound, "user.not_found", "")
	}
	return u, err
}

// likeEscaper escapes LIKE's wildcards in a name searched for.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
