package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/sheet"
	"shequ/internal/transfer"
)

// importCmd imports a register file: every row checked, all written or none.
func (e *env) importCmd(ctx context.Context, args []string) error {
	if graphImport(args) {
		return e.importGraph(ctx, args)
	}
	fs := e.flags("import")
	dsn := e.dbFlag(fs)
	dryRun := fs.Bool("dry-run", false, "check every row and report, write nothing")
	encoding := fs.String("encoding", "auto", "CSV encoding: auto, utf-8 or gb18030")
	sheetName := fs.String("sheet", "", "XLSX sheet to read (default: the first)")
	mapping := fs.String("map", "", "headers the file spells differently: 'header=field,…'")
	as := fs.String("as", "", "import as this user, within their scope (default: the administrator, everywhere)")
	asJSON := fs.Bool("json", false, "print the result as JSON (the shape of POST /api/v1/imports)")
	tz := zoneFlag(fs)
	limits := limitFlags(fs)
	kind, file, err := kindAndFile(fs, args, true)
	if err != nil {
		return err
	}
	zone, err := loadZone(*tz)
	if err != nil {
		return err
	}
	enc, err := sheet.ParseEncoding(*encoding)
	if err != nil {
		return err
	}
	m, err := transfer.ParseMap(*mapping)
	if err != nil {
		return err
	}
	format, err := sheet.FormatOf(file)
	if err != nil {
		return err
	}
	d, svc, p, err := e.transferService(ctx, *dsn, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	// The day of the import, in the city's zone, dates the households and residents
	// the file does not date.
	svc = svc.WithLimits(limits()).WithZone(zone)
	r, err := sheet.Open(file, format, sheet.Options{Encoding: enc, Sheet: *sheetName, Limits: svc.Limits()})
	if err != nil {
		return err
	}
	defer r.Close()
	bar := newProgressBar(e.stderr, isTerminal(e.stderr), e.bundle, terminalLang(), e.now)
	res, err := svc.Import(ctx, p, kind, r, transfer.Options{DryRun: *dryRun, Map: m, Source: filepath.Base(file), Progress: bar.update})
	bar.done()
	if err != nil {
		return err
	}
	lang := terminalLang()
	svc.Describe(res, lang)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		e.printResult(res, lang)
	}
	if !res.OK() {
		return problemsError{n: res.ProblemCount}
	}
	return nil
}

// limitFlags adds to serve and import alike the flags that bound what reading an
// import file may cost, each defaulting to sheet.DefaultLimits; it returns the
// limits once the flags are parsed.
func limitFlags(fs *flag.FlagSet) func() sheet.Limits {
	d := sheet.DefaultLimits()
	columns := fs.Int("max-columns", d.Columns, "import files: the most columns a row may have")
	cell := fs.Int("max-cell-bytes", d.CellBytes, "import files: the longest a cell may be, in bytes of UTF-8")
	rows := fs.Int("max-rows", d.Rows, "import files: the most rows a file may have")
	unzip := fs.Int64("max-unzip-mb", d.UnzipBytes>>20, "import files: the most an .xlsx may unpack to, in MiB")
	xml := fs.Int64("max-xml-mb", d.XMLBytes>>20, "import files: the most the parts of an .xlsx held in memory (shared strings, styles) may unpack to, in MiB")
	shared := fs.Int("max-shared-strings", d.SharedStrings, "import files: the most entries an .xlsx's shared-string table may have")
	problems := fs.Int("max-problems", d.Problems, "import files: how many problems of each kind are listed; the rest are counted")
	return func() sheet.Limits {
		return sheet.Limits{Columns: *columns, CellBytes: *cell, Rows: *rows, UnzipBytes: *unzip << 20,
			XMLBytes: *xml << 20, SharedStrings: *shared, Problems: *problems}
	}
}

// problemsError ends an import whose file had problems with a non-zero exit.
type problemsError struct{ n int }

func (p problemsError) Error() string { return fmt.Sprintf("%d problems, nothing imported", p.n) }

func (e *env) printResult(res *transfer.Result, lang string) {
	t := func(key string, args ...any) string { return e.bundle.T(lang, key, args...) }
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stdout, t("import.warning", "message", w.Message))
	}
	for _, p := range res.Problems {
		where := t("import.at_row", "row", p.Row)
		if strings.HasPrefix(p.Key, "sheet.") {
			where = "" // a fault of the file itself names its row in its message
		} else if p.Column != "" {
			where = t("import.at_cell", "row", p.Row, "column", p.Column, "value", p.Value)
		}
		fmt.Fprintln(e.stdout, where+p.Message)
	}
	for _, key := range slices.Sorted(maps.Keys(res.Omitted)) {
		i := slices.IndexFunc(res.Problems, func(p transfer.Problem) bool { return p.Key == key })
		fmt.Fprintln(e.stdout, t("import.more_of_kind", "n", res.Omitted[key], "example", res.Problems[i].Message))
	}
	secs := res.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(res.Rows) / secs
	}
	key := "import.done"
	switch {
	case !res.OK():
		key = "import.refused"
	case res.DryRun:
		key = "import.dry_run"
	}
	fmt.Fprintln(e.stdout, t(key, "rows", res.Rows, "inserted", res.Inserted, "updated", res.Updated, "unchanged", res.Unchanged,
		"problems", res.ProblemCount, "seconds", fmt.Sprintf("%.1f", secs), "rate", fmt.Sprintf("%.0f", rate)))
	if res.OK() && res.Inserted == 0 && res.Updated == 0 {
		fmt.Fprintln(e.stdout, t("import.nothing_changed"))
	}
}

// exportCmd writes a register as CSV or XLSX.
func (e *env) exportCmd(ctx context.Context, args []string) error {
	fs := e.flags("export")
	dsn := e.dbFlag(fs)
	code := fs.String("scope", "", "code of the unit to export (default: the city, or the --as user's unit)")
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("out", "", "file to write (default: standard output)")
	as := fs.String("as", "", "export as this user: their scope, and masked ID numbers and phones unless their role may see them")
	lang := fs.String("lang", "zh-CN", "headers and values in zh-CN or en")
	kind, _, err := kindAndFile(fs, args, false)
	if err != nil {
		return err
	}
	f, err := sheet.FormatOf("x." + *format)
	if err != nil {
		return err
	}
	d, svc, p, err := e.transferService(ctx, *dsn, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	return e.writeOut(*out, func(w io.Writer) error {
		n, err := transfer.WriteExport(ctx, svc, p, kind, *code, *lang, f, w)
		if err == nil {
			fmt.Fprintln(e.stderr, e.bundle.T(terminalLang(), "export.done", "rows", n))
		}
		return err
	})
}

// templateCmd writes an empty register file with its headers and help.
func (e *env) templateCmd(_ context.Context, args []string) error {
	fs := e.flags("template")
	format := fs.String("format", "xlsx", "xlsx or csv")
	out := fs.String("out", "", "file to write (default: standard output)")
	kind, _, err := kindAndFile(fs, args, false)
	if err != nil {
		return err
	}
	f, err := sheet.FormatOf("x." + *format)
	if err != nil {
		return err
	}
	b, err := loadBundle()
	if err != nil {
		return err
	}
	svc := transfer.NewService(nil, b, e.now)
	return e.writeOut(*out, func(w io.Writer) error { return svc.Template(kind, f, w) })
}

// kindAndFile parses flags given before or after the positional KIND [FILE].
func kindAndFile(fs interface {
	Parse([]string) error
	Args() []string
}, args []string, wantFile bool) (transfer.Kind, string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", "", err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	want := 1
	if wantFile {
		want = 2
	}
	if len(pos) != want {
		if wantFile {
			return "", "", usageError{"want KIND FILE, where KIND is org, households, residents or staff"}
		}
		return "", "", usageError{"want KIND: org, households, residents or staff"}
	}
	kind, err := transfer.ParseKind(pos[0])
	if err != nil {
		return "", "", usageError{fmt.Sprintf("unknown KIND %q: want org, households, residents or staff", pos[0])}
	}
	if wantFile {
		return kind, pos[1], nil
	}
	return kind, "", nil
}

// transferService opens the database and finds who is acting: the named user, or
// the administrator with the whole city.
func (e *env) transferService(ctx context.Context, dsn, as string) (*db.DB, *transfer.Service, auth.Principal, error) {
	b, err := loadBundle()
	if err != nil {
		return nil, nil, auth.Principal{}, err
	}
	e.bundle = b
	d, err := e.open(ctx, dsn)
	if err != nil {
		return nil, nil, auth.Principal{}, err
	}
	p := auth.System()
	if as != "" {
		if p, err = auth.NewService(d, e.now).Principal(ctx, as); err != nil {
			d.Close()
			return nil, nil, auth.Principal{}, err
		}
	}
	return d, transfer.NewService(d, b, e.now), p, nil
}

// writeOut runs write on the named file, or standard output. A file that fails
// half-way is removed, so no truncated export is left looking complete.
func (e *env) writeOut(name string, write func(io.Writer) error) error {
	if name == "" {
		return write(e.stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	return f.Close()
}

// progressBar shows an import's progress: a bar redrawn in place on a terminal,
// a plain line every few seconds otherwise (a log, a pipe). Nothing is shown
// before the first interval has passed, so a quick import prints only its result.
type progressBar struct {
	w        io.Writer
	tty      bool
	t        func(key string, args ...any) string
	now      func() time.Time
	last     time.Time
	drawn    bool
	interval time.Duration
}

func newProgressBar(w io.Writer, tty bool, b interface {
	T(lang, key string, args ...any) string
}, lang string, now func() time.Time) *progressBar {
	interval := 5 * time.Second
	if tty {
		interval = 200 * time.Millisecond
	}
	return &progressBar{w: w, tty: tty, t: func(key string, args ...any) string { return b.T(lang, key, args...) },
		now: now, last: now(), interval: interval}
}

// isTerminal reports whether w is a terminal, where a bar can be redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progressBar) update(pr transfer.Progress) {
	now := p.now()
	if now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	left := "?"
	if r := pr.Remaining(); r > 0 {
		left = r.Round(time.Second).String()
	}
	msg := p.t("import.progress", "rows", pr.Rows, "rate", fmt.Sprintf("%.0f", pr.RowsPerSecond()), "left", left)
	if !p.tty {
		fmt.Fprintf(p.w, "%3.0f%% %s\n", pr.Done*100, msg)
		return
	}
	const width = 30
	n := int(pr.Done * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %s\033[K", strings.Repeat("#", n), strings.Repeat("-", width-n), pr.Done*100, msg)
	p.drawn = true
}

func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
