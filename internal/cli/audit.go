package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/sheet"
)

const auditUsage = "want: audit verify [--witness FILE --witness-pub KEY.pub,…] | export [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--format csv|xlsx] [--out FILE] | " +
	"retention [--days N] | purge | witness --key FILE [--out FILE] | witness-key --out FILE | grants --role ROLE [--schema NAME]"

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
	case "witness":
		return e.auditWitness(ctx, args[1:], t)
	case "witness-key":
		return e.auditWitnessKey(args[1:], t)
	case "grants":
		return e.auditGrants(args[1:])
	}
	return usageError{auditUsage}
}

// translate is a message in the terminal's language.
type translate func(key string, args ...any) string

// auditVerify walks the chain and says it is intact, or names the first broken
// record and exits 1. With --witness it also checks every witnessed head in the
// file, whose lines must be signed by one of the public keys --witness-pub names:
// keys the operator holds, never one the file or the database supplies.
func (e *env) auditVerify(ctx context.Context, args []string, t translate) error {
	fs := e.flags("audit verify")
	dsn := e.dbFlag(fs)
	witness := fs.String("witness", "", "a file of witness lines (shequ audit witness, serve --witness-file) to check the chain against")
	pubs := fs.String("witness-pub", "", "the SM2 public key files (PEM) the witness lines must be signed with, comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*witness == "") != (*pubs == "") {
		return usageError{"--witness and --witness-pub go together: a witness file is checked against public keys you hold"}
	}
	var ws []audit.Witness
	if *witness != "" {
		keys, err := audit.LoadWitnessKeys(strings.Split(*pubs, ",")...)
		if err != nil {
			return err
		}
		f, err := os.Open(*witness)
		if err != nil {
			return err
		}
		ws, err = audit.ReadWitnesses(f, keys)
		f.Close()
		if err != nil {
			return err
		}
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.VerifyWitnessed(ctx, d.Read(), ws, e.now())
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
	if *witness != "" {
		fmt.Fprintln(e.stdout, t("audit.verify.witnessed", "count", rep.Witnessed))
	}
	if rep.Last > 0 {
		fmt.Fprintln(e.stdout, t("audit.verify.head", "seq", rep.Last, "hash", rep.Head))
	}
	return nil
}

// auditWitness verifies the chain and writes a witness line of its head, signed
// with the SM2 key in --key: appended to --out, or printed for a pipe (mail,
// logger) to carry away. A broken chain is not witnessed.
func (e *env) auditWitness(ctx context.Context, args []string, t translate) error {
	fs := e.flags("audit witness")
	dsn := e.dbFlag(fs)
	keyFile := fs.String("key", "", "the SM2 private key file (shequ audit witness-key), kept apart from the database")
	out := fs.String("out", "", "append the line to this file (default: print it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile == "" {
		return usageError{"want: audit witness --key FILE [--out FILE]"}
	}
	signer, err := audit.LoadWitnessSigner(*keyFile)
	if err != nil {
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
	if rep.Broken != nil {
		fmt.Fprintln(e.stdout, t("audit.verify."+string(rep.Broken.Problem), "seq", rep.Broken.Seq))
		return problemsError{n: 1}
	}
	if rep.Count == 0 {
		fmt.Fprintln(e.stdout, t("audit.witness.empty"))
		return nil
	}
	line, err := signer.Sign(rep, e.now())
	if err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(e.stdout, line)
		return nil
	}
	if err := audit.AppendWitness(*out, line); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, t("audit.witness.done", "seq", rep.Last, "hash", rep.Head, "file", *out))
	return nil
}

// auditWitnessKey creates the SM2 key pair that signs witness lines: the private
// key at --out (0600), the public key beside it at --out.pub. It needs no
// database, and should be run where the key will be kept.
func (e *env) auditWitnessKey(args []string, t translate) error {
	fs := e.flags("audit witness-key")
	out := fs.String("out", "", "the private key file to create; the public key goes to FILE.pub")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"want: audit witness-key --out FILE"}
	}
	fp, err := audit.GenerateWitnessKey(*out, *out+".pub")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, t("audit.witness_key.done", "key", *out, "pub", *out+".pub", "fingerprint", fp))
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

// witnessFlags are serve's options for the periodic check of the audit chain and
// the witness of its head (decision 7), off unless --witness-every is given.
type witnessFlags struct {
	key, file string
	syslog    bool
	every     time.Duration
}

func addWitnessFlags(fs *flag.FlagSet) *witnessFlags {
	w := &witnessFlags{}
	fs.StringVar(&w.key, "witness-key", "", "SM2 private key that signs the audit chain's head (shequ audit witness-key), kept apart from the database")
	fs.StringVar(&w.file, "witness-file", "", "append a signed witness line of the audit chain's head to this file at every check")
	fs.BoolVar(&w.syslog, "witness-syslog", false, "send witness lines, and the alarm of a broken audit chain, to syslog")
	fs.DurationVar(&w.every, "witness-every", 0, "verify the audit chain and witness its head this often, such as 15m (default: never)")
	return w
}

// watch returns the periodic check the flags ask for, nil for none; it reads the
// key and opens syslog at once, so that a server asked to witness never starts
// without being able to.
func (w *witnessFlags) watch(d *db.DB, logger *slog.Logger, now func() time.Time) (*audit.Watch, error) {
	if w.every <= 0 {
		if w.key != "" || w.file != "" || w.syslog {
			return nil, usageError{"--witness-key, --witness-file and --witness-syslog need --witness-every, such as 15m"}
		}
		return nil, nil
	}
	if w.key == "" || (w.file == "" && !w.syslog) {
		return nil, usageError{"--witness-every needs --witness-key, and --witness-file or --witness-syslog"}
	}
	signer, err := audit.LoadWitnessSigner(w.key)
	if err != nil {
		return nil, err
	}
	watch := &audit.Watch{DB: d, Every: w.every, Signer: signer, File: w.file, Logger: logger, Now: now}
	if w.syslog {
		s, err := syslog.New(syslog.LOG_AUTHPRIV|syslog.LOG_INFO, "shequ-witness")
		if err != nil {
			return nil, fmt.Errorf("--witness-syslog: %w", err)
		}
		watch.Syslog = s
	}
	return watch, nil
}
