package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"shequ/internal/open311"
	"shequ/internal/platform/auth"
)

const open311Usage = "want: open311 key add --name APP --org CODE | key list | key revoke ID-OR-PREFIX"

// open311Cmd manages the keys of the client apps of the Open311 endpoint, as the
// city's administrator at the command line: a key is shown once, when it is added.
func (e *env) open311Cmd(ctx context.Context, args []string) error {
	if len(args) < 2 || args[0] != "key" {
		return usageError{open311Usage}
	}
	cmd, rest := args[1], args[2:]
	var target string
	if cmd == "revoke" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		target, rest = rest[0], rest[1:]
	}
	fs := e.flags("open311 key " + cmd)
	dsn := e.dbFlag(fs)
	name := fs.String("name", "", "add: the client app's name")
	orgCode := fs.String("org", "", "add: the code of the unit whose intake receives what the app posts, and whose subtree it reads")
	tz := zoneFlag(fs)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if target == "" {
		target = fs.Arg(0)
	}
	zone, err := loadZone(*tz)
	if err != nil {
		return err
	}
	switch {
	case cmd == "add" && (*name == "" || *orgCode == ""):
		return usageError{"key add needs --name and --org"}
	case cmd == "revoke" && target == "":
		return usageError{"key revoke needs the key's id or prefix (shequ open311 key list)"}
	case cmd != "add" && cmd != "list" && cmd != "revoke":
		return usageError{open311Usage}
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	keys := open311.NewKeyStore(d, e.now)
	switch cmd {
	case "add":
		plain, k, err := keys.Add(ctx, auth.System(), *name, *orgCode)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "key %s for %s (unit %s); the app sends it as api_key; shown once:\n%s\n", k.Prefix, k.Name, k.OrgCode, plain)
	case "revoke":
		k, err := keys.Revoke(ctx, auth.System(), target)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "key %s of %s revoked: the app's requests are refused from now on\n", k.Prefix, k.Name)
	case "list":
		list, err := keys.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PREFIX\tNAME\tUNIT\tADDED\tSTATUS\tID")
		for _, k := range list {
			status := "active"
			if k.Revoked() {
				status = "revoked " + k.RevokedAt.In(zone).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Prefix, k.Name, k.OrgCode, k.CreatedAt.In(zone).Format("2006-01-02 15:04"), status, k.ID)
		}
		return tw.Flush()
	}
	return nil
}
