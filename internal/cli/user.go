package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"shequ/internal/platform/auth"
)

// user manages accounts from the command line: the administrator's path, before any
// user exists who could do it in the browser.
func (e *env) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{"want one of: add, list, token, reset"}
	}
	fs := e.flags("user " + args[0])
	dsn := dbFlag(fs)
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "role: city, district, street, community, grid or auditor")
	orgCode := fs.String("org", "", "code of the unit the user belongs to")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	s := auth.NewService(d, e.now)
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
	case "reset":
		if *name == "" {
			return usageError{"reset needs --name"}
		}
		pw, err := s.ResetPassword(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new password for %s: %s\n", *name, pw)
	case "token":
		if *name == "" {
			return usageError{"token needs --name"}
		}
		tok, err := s.NewAPIToken(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "API token for %s (send as \"Authorization: Bearer …\"; shown once):\n%s\n", *name, tok)
	case "list":
		users, err := s.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tUNIT\tLAST LOGIN")
		for _, u := range users {
			last := "-"
			if !u.LastLoginAt.IsZero() {
				last = u.LastLoginAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, u.OrgCode, last)
		}
		return tw.Flush()
	default:
		return usageError{"unknown user command " + args[0] + "; want add, list, token or reset"}
	}
	return nil
}
