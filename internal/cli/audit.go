package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"shequ/internal/audit"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/sheet"
)

const auditUsage = "want: audit verify | export [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--format csv|xlsx] [--out FILE] | " +
	"retention [--days N] | purge | grants --role ROLE [--schema NAME]"

// auditCmd checks, exports and trims the audit trail. Each of these is an
// administrative path: it acts as the system, and the exports, retention changes
// and purges it makes are themselves recorded, from the source "cli".
func (e *env) auditCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{auditUsage}
	}
	ctx = audit.WithSource(ctx, "cli")
	b, err := i18n.Load(audit.Locales)
	if err != nil {
		return err
	}
	lang := terminalLang()
	t := func(key string, args ...any) string { return b.T(lang, key, args...) }
	switch args[0] {
	case "verify":
		return e.auditVerify(ctx, args[1:], t)
	case "export":
		return e.auditExport(ctx, args[1:], b, t)
	case "retention":
		return e.auditRetention(ctx, args[1:], t)
	case "purge":
		return e.auditPurge(ctx, args[1:], t)
	case "grants":
		return e.auditGrants(args[1:])
	}
	return usageError{auditUsage}
}

// translate is a message in the terminal's language.
type translate func(key string, args ...any) string

// auditVerify walks the chain and says it is intact, or names the first broken
// record and exits 1.
func (e *env) auditVerify(ctx context.Context, args []string, t translate) error {
	fs := e.flags("audit verify")
	dsn := e.dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.Verify(ctx, d.Read())
	if err != nil {
		return err
	}
	if rep.Anchor > 0 {
		fmt.Fprintln(e.stdout, t("audit.verify.anchor", "seq", rep.Anchor))
	}
	if rep.Broken != nil {
		if rep.Count > 0 {
			fmt.Fprintln(e.stdout, t("audit.verify.checked", "count", rep.Count))
		}
		fmt.Fprintln(e.stdout, t("audit.verify."+string(rep.Broken.Problem), "seq", rep.Broken.Seq))
		return problemsError{n: 1}
	}
	fmt.Fprintln(e.stdout, t("audit.verify.ok", "count", rep.Count))
	if rep.Last > 0 {
		fmt.Fprintln(e.stdout, t("audit.verify.head", "seq", rep.Last, "hash", rep.Head))
	}
	return nil
}

// auditExport writes the records of a period, oldest first, as CSV or XLSX.
func (e *env) auditExport(ctx context.Context, args []string, b *i18n.Bundle, t translate) error {
	fs := e.flags("audit export")
	dsn := e.dbFlag(fs)
	since := fs.String("since", "", "first day to export, YYYY-MM-DD (default: the oldest record)")
	until := fs.String("until", "", "last day to export, YYYY-MM-DD (default: today)")
	user := fs.String("user", "", "only this user's records (name or id)")
	action := fs.String("action", "", "only this action, such as resident.update")
	outcome := fs.String("outcome", "", "only this outcome: ok, denied or failed")
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("out", "", "file to write (default: standard output)")
	lang := fs.String("lang", terminalLang(), "headers in zh-CN or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := audit.ParseFilter(*since, *until, *user, *action, *outcome)
	if err != nil {
		return err
	}
	ff, err := sheet.FormatOf("x." + *format)
	if err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	by := audit.FromPrincipal(auth.System())
	by.At = e.now()
	by.Reason = "format=" + string(ff)
	return e.writeOut(*out, func(w io.Writer) error {
		n, err := audit.WriteExport(ctx, d, by, f, ff, b, *lang, w)
		if err == nil {
			fmt.Fprintln(e.stderr, t("audit.export.done", "rows", n))
		}
		return err
	})
}

// auditRetention shows how long records are kept, or sets it with --days.
func (e *env) auditRetention(ctx context.Context, args []string, t translate) error {
	fs := e.flags("audit retention")
	dsn := e.dbFlag(fs)
	days := fs.Int("days", 0, "keep audit records this many days, at least "+strconv.Itoa(audit.MinRetentionDays))
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if *days != 0 {
		by := audit.FromPrincipal(auth.System())
		by.At = e.now()
		if err := audit.SetRetention(ctx, d, by, *days); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, t("audit.retention.set", "days", *days))
	}
	n, err := audit.RetentionDays(ctx, d.Read())
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, t("audit.retention.show", "days", n, "personal", max(n, audit.PersonalRetentionDays)))
	return nil
}

// auditPurge deletes the records past the retention period. On PostgreSQL it needs
// the owner of the audit tables: the application's own role may not delete them.
func (e *env) auditPurge(ctx context.Context, args []string, t translate) error {
	fs := e.flags("audit purge")
	dsn := e.dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	now := e.now()
	by := audit.FromPrincipal(auth.System())
	by.At = now
	p, err := audit.Purge(ctx, d, by, now)
	if err != nil {
		return err
	}
	if p.Count == 0 {
		fmt.Fprintln(e.stdout, t("audit.purge.none"))
		return nil
	}
	fmt.Fprintln(e.stdout, t("audit.purge.done", "count", p.Count, "through", p.Through))
	return nil
}

// auditGrants prints the PostgreSQL statements that let a role other than the
// owner run the application without being able to change or remove audit records
// (docs/security.md, "Audit trail"). It needs no database.
func (e *env) auditGrants(args []string) error {
	fs := e.flags("audit grants")
	role := fs.String("role", "", "the role the application connects as")
	schema := fs.String("schema", "public", "the schema of shequ's tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *role == "" {
		return usageError{"want: audit grants --role ROLE [--schema NAME]"}
	}
	for _, stmt := range audit.AppRoleGrants(*schema, *role) {
		fmt.Fprintln(e.stdout, stmt+";")
	}
	return nil
}
