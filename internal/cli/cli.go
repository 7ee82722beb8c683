// Package cli is the shequ command: subcommands parsed with the standard flag
// package. Main takes the arguments and the output streams, so tests run the real
// program, server included, in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the city's zone on a machine without zoneinfo

	"shequ/internal/keys"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
)

// Version is the program's version, printed by `shequ version`.
const Version = "0.1.0"

const usage = `shequ — 社区治理平台 / software a city runs its urban communities on

Usage:
  shequ serve   [--db DB] [--addr 127.0.0.1:8080] [--demo] [--tls-cert FILE --tls-key FILE]   serve the web UI and the API
                [--tz Asia/Shanghai] [--trusted-proxy IP|CIDR,…] [--witness-every 15m --witness-key FILE (--witness-file F | --witness-syslog)]
  shequ demo    [--db DB]                                   load the demo city into an empty database
  shequ migrate [--db DB]                                   bring the database schema up to date
  shequ keys    rotate --new-key-file FILE [--db DB]        re-seal ID numbers, phones and TOTP secrets under a new key
  shequ stats   [--db DB] [--scope CODE] [--as-of YYYY-MM-DD] [--tz ZONE] [--json]
  shequ org     add --code CODE --name NAME [--parent CODE] [--founded YEAR] [--area M2] [--posts N]
  shequ import   KIND FILE [--dry-run] [--encoding auto|utf-8|gb18030] [--sheet NAME] [--map 'header=field,…'] [--as USER] [--json]
  shequ export   KIND [--scope CODE] [--format csv|xlsx] [--out FILE] [--as USER] [--lang zh-CN|en]
  shequ template KIND [--format xlsx|csv] [--out FILE]
  shequ user    add --name N --role R --org CODE | list | token --name N | reset --name N
                | reset-totp --name N | disable --name N | enable --name N | policy [--password-max-age DAYS]
  shequ open311 key add --name APP --org CODE | key list | key revoke ID-OR-PREFIX   keys of the Open311 endpoint's client apps
  shequ audit   verify | export [--since D] [--until D] [--user U] [--action A] [--outcome O] [--format csv|xlsx] [--out F]
                | retention [--days N] | purge | grants --role R [--schema S]
                | verify --witness FILE --witness-pub KEY.pub | witness --key FILE [--out F] | witness-key --out FILE
  shequ calendar list [--db DB] [--year YEAR] | import --year YEAR FILE [--db DB]   the working-day calendar's years; add a year's notice
  shequ plan    consolidation --scope CODE [--target-households N] [--tolerance T] [--within district|street]
                [--stability W] [--seed N] [--as-of YYYY-MM-DD] [--json]   propose communities of about the target size
  shequ plan    apply --plan ID [--community N …] [--name N=NAME …] --on YYYY-MM-DD [--staff FILE]   make a plan a dated change of the tree
  shequ import   grid_adjacency FILE | grid_boundaries FILE.geojson [--min-shared-m 20]   the planner's map of grids
  shequ version

KIND is org, households, residents or staff; FILE is .csv (UTF-8 or GB18030) or .xlsx.
DB is a SQLite file (default shequ.db, or $SHEQU_DB) or a postgres:// URL.
ID numbers and phones are sealed with a key: --key-file FILE on any command that opens
DB, else $SHEQU_KEY_FILE, else $SHEQU_KEY (base64); on SQLite, by default DB.key beside
the database, created on first use. PostgreSQL needs one of them.
ZONE is the city's time zone, in which times are shown and "today" begins: --tz, else
$SHEQU_TZ, else Asia/Shanghai.
serve and import bound what reading an import file may cost with --max-columns, --max-cell-bytes,
--max-rows, --max-unzip-mb, --max-xml-mb, --max-shared-strings and --max-problems (defaults: shequ import -h).
`

// Main runs the program with args (without the program name) and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr)
}

// Run is Main with a context that ends the program when cancelled.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	env := &env{stdout: stdout, stderr: stderr, now: time.Now}
	var err error
	switch args[0] {
	case "serve":
		err = env.serve(ctx, args[1:])
	case "demo":
		err = env.demo(ctx, args[1:])
	case "migrate":
		err = env.migrate(ctx, args[1:])
	case "keys":
		err = env.keysCmd(ctx, args[1:])
	case "stats":
		err = env.stats(ctx, args[1:])
	case "user":
		err = env.user(ctx, args[1:])
	case "org":
		err = env.orgCmd(ctx, args[1:])
	case "import":
		err = env.importCmd(ctx, args[1:])
	case "export":
		err = env.exportCmd(ctx, args[1:])
	case "template":
		err = env.templateCmd(ctx, args[1:])
	case "audit":
		err = env.auditCmd(ctx, args[1:])
	case "calendar":
		err = env.calendarCmd(ctx, args[1:])
	case "open311":
		err = env.open311Cmd(ctx, args[1:])
	case "plan":
		err = env.planCmd(ctx, args[1:])
	case "version":
		fmt.Fprintln(stdout, "shequ", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "shequ: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if errors.As(err, new(problemsError)) {
		return 1 // the problems are printed already
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "shequ %s: %s\n", args[0], ue.msg)
		return 2
	}
	fmt.Fprintf(stderr, "shequ %s: %s\n", args[0], env.describe(err))
	return 1
}

// env is what every subcommand needs: the output streams and a clock, and the
// --key-file flag of the commands that open a database.
type env struct {
	stdout, stderr io.Writer
	now            func() time.Time
	bundle         *i18n.Bundle
	keyFile        string
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// describe turns a domain error into a message in the terminal's language.
func (e *env) describe(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	if e.bundle == nil {
		b, lerr := loadBundle()
		if lerr != nil {
			return err.Error()
		}
		e.bundle = b
	}
	return e.bundle.Error(terminalLang(), ae)
}

// terminalLang is en when LANG or SHEQU_LANG says English, zh-CN otherwise.
func terminalLang() string {
	for _, v := range []string{os.Getenv("SHEQU_LANG"), os.Getenv("LC_ALL"), os.Getenv("LANG")} {
		if v == "" {
			continue
		}
		if len(v) >= 2 && v[:2] == "en" {
			return "en"
		}
		return "zh-CN"
	}
	return "zh-CN"
}

// dbFlag adds the --db flag with its default from SHEQU_DB, and --key-file, the key
// that open unlocks the database with.
func (e *env) dbFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("SHEQU_DB")
	if def == "" {
		def = "shequ.db"
	}
	fs.StringVar(&e.keyFile, "key-file", "", "file holding the key of the database's ID numbers and phones (default $SHEQU_KEY_FILE, $SHEQU_KEY, or on SQLite DB.key)")
	return fs.String("db", def, "SQLite file or postgres:// URL (default from $SHEQU_DB, else shequ.db)")
}

func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("shequ "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// open opens and migrates the database and unlocks it with its key (decision 6).
func (e *env) open(ctx context.Context, dsn string) (*db.DB, error) {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := keys.Unlock(ctx, d, dsn, keys.FromEnv(e.keyFile), e.stderr); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (e *env) migrate(ctx context.Context, args []string) error {
	fs := e.flags("migrate")
	dsn := e.dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintln(e.stdout, "schema up to date")
	return nil
}
