package cli

import (
	"context"
	"fmt"
	"shequ/internal/audit"
	"strings"
	"text/tabwriter"

	"shequ/internal/platform/auth"
)

const userCommands = "add, list, token, reset, reset-totp, disable, enable or policy"

// user manages accounts from the command line: the administrator's path, before any
// user exists who could do it in the browser.
func (e *env) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{"want one of: " + userCommands}
	}
	fs := e.flags("user " + args[0])
	dsn := e.dbFlag(fs)
	name := fs.String("name", "", "user name")
	var roles []string
	for _, r := range auth.Roles {
		roles = append(roles, string(r))
	}
	role := fs.String("role", "", "role: "+strings.Join(roles, ", "))
	orgCode := fs.String("org", "", "code of the unit the user belongs to (the city's for the administrators)")
	maxAge := fs.Int("password-max-age", -1, "policy: days a password lasts before it must be changed; 0: forever")
	tz := zoneFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *role == "auditor" {
		// Not taken as readonly: who typed it may have meant the audit administrator,
		// and a wrong guess would give someone the register to read (decision 15).
		return usageError{"the role auditor is no more: say readonly (只读查询) for a user who reads the register, " +
			"or auditadmin (审计管理员) for the administrator who reads the audit trail"}
	}
	zone, err := loadZone(*tz)
	if err != nil {
		return err
	}
	if args[0] != "add" && args[0] != "list" && args[0] != "policy" && *name == "" {
		return usageError{args[0] + " needs --name"}
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	s := auth.NewService(d, e.now)
	s.Audit = audit.RecordAuth
	switch args[0] {
	case "add":
		if *name == "" || *role == "" || *orgCode == "" {
			return usageError{"add needs --name, --role and --org"}
		}
		pw, err := s.AddUser(ctx, *name, auth.Role(*role), *orgCode)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s added (role %s, unit %s)\ninitial password: %s\n", *name, *role, *orgCode, pw)
		fmt.Fprintln(e.stdout, "the user must change it at the first sign-in")
		if auth.Role(*role).RequiresSecondFactor() {
			fmt.Fprintln(e.stdout, "and then set up an authenticator app: the role requires a second factor")
		}
	case "reset":
		pw, err := s.ResetPassword(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new password for %s: %s\nthe user must change it at the next sign-in\n", *name, pw)
	case "reset-totp":
		if err := s.ResetSecondFactor(ctx, *name); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "the authenticator and recovery codes of %s are removed; their sessions have ended\n", *name)
	case "disable", "enable":
		if err := s.SetDisabled(ctx, *name, args[0] == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s %sd\n", *name, args[0])
	case "token":
		tok, err := s.NewAPIToken(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "API token for %s (send as \"Authorization: Bearer …\"; shown once):\n%s\n", *name, tok)
	case "policy":
		if *maxAge >= 0 {
			if err := s.SetPasswordMaxAge(ctx, *maxAge); err != nil {
				return err
			}
		}
		age, err := s.PasswordMaxAge(ctx)
		if err != nil {
			return err
		}
		lasts := "forever"
		if age > 0 {
			lasts = fmt.Sprintf("%d days", int(age.Hours()/24))
		}
		fmt.Fprintf(e.stdout, "passwords last %s; at least %d characters, three kinds of character, not the user name, not a common password\n",
			lasts, auth.MinPasswordLength)
	case "list":
		users, err := s.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tUNIT\tSTATUS\t2FA\tLAST LOGIN")
		for _, u := range users {
			last := "-"
			if !u.LastLoginAt.IsZero() {
				last = u.LastLoginAt.In(zone).Format("2006-01-02 15:04 MST")
			}
			status := "active"
			switch {
			case u.Disabled:
				status = "disabled"
			case !u.LockedUntil.IsZero():
				status = "locked"
			case u.MustChangePassword:
				status = "must-change"
			}
			factor := "-"
			if u.SecondFactor {
				factor = "totp"
			} else if u.Role.RequiresSecondFactor() {
				factor = "required"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.OrgCode, status, factor, last)
		}
		return tw.Flush()
	default:
		return usageError{"unknown user command " + args[0] + "; want " + userCommands}
	}
	return nil
}
