package transfer

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
	"shequ/internal/stats"
)

// unknownListed is how many unknown columns the warning on them names.
const unknownListed = 20

// Service imports and exports registers for a principal, within their scope.
type Service struct {
	db     *db.DB
	bundle *i18n.Bundle
	now    func() time.Time
	zone   *time.Location
	limits sheet.Limits
	timer  Timer
}

// NewService returns the import and export service. The bundle gives the labels an
// enumerated cell may hold (户籍 for registered) and the help text of templates.
// It reads files within sheet.DefaultLimits, and dates what it imports by the days
// of the city's zone as the request carries it (web.Zone), unless WithZone says.
func NewService(d *db.DB, b *i18n.Bundle, now func() time.Time) *Service {
	return &Service{db: d, bundle: b, now: now, limits: sheet.DefaultLimits()}
}

// WithZone returns the service dating what it imports by the days of zone: the day
// an import runs is the registration day of the residents and the establishment
// day of the households that do not give one, and no date may lie after it.
func (s *Service) WithZone(zone *time.Location) *Service {
	c := *s
	c.zone = zone
	return &c
}

// today is the city's date at t, as midnight UTC, the form registry.ResidentInput
// and pii check dates against: in the service's zone, or the request's.
func (s *Service) today(ctx context.Context, t time.Time) time.Time {
	zone := s.zone
	if zone == nil {
		zone = web.Zone(ctx)
	}
	return web.DayIn(t, zone)
}

// WithLimits returns the service reading uploaded files within lim, its zero fields
// taking their defaults, and listing lim.Problems problems of each kind.
func (s *Service) WithLimits(lim sheet.Limits) *Service {
	c := *s
	c.limits = lim.OrDefault()
	return &c
}

// Limits returns what the service reads files within, for a caller opening one.
func (s *Service) Limits() sheet.Limits { return s.limits }

// Options steer one import.
type Options struct {
	// DryRun checks every row and reports what would change, then writes nothing.
	DryRun bool
	// Map names the field of a header the file spells differently: 户号 → household_no.
	Map map[string]string
	// Progress, if set, is called every few thousand rows and once at the end.
	Progress func(Progress)
	// Source names where the rows came from, a file name, for the audit trail.
	Source string
}

// Progress is how far an import has got.
type Progress struct {
	Rows    int           // data rows read so far
	Done    float64       // fraction of the file read, 0..1 (0 when unknown)
	Elapsed time.Duration // since the import started
}

// RowsPerSecond is the import's rate so far.
func (p Progress) RowsPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Rows) / p.Elapsed.Seconds()
}

// Remaining estimates the time left from the fraction done, or 0 when unknown.
func (p Progress) Remaining() time.Duration {
	if p.Done <= 0 || p.Done >= 1 {
		return 0
	}
	return time.Duration(float64(p.Elapsed) * (1 - p.Done) / p.Done)
}

// Problem is one thing wrong with an input file: a row (1 is the header row), the
// column as the file names it, the value found and why it is refused. Message is
// filled by Describe in the reader's language.
type Problem struct {
	Row     int            `json:"row"`
	Column  string         `json:"column,omitempty"`
	Value   string         `json:"value,omitempty"`
	Key     string         `json:"key"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message"`
}

// ColumnMatch says what a column of the file was read as.
type ColumnMatch struct {
	Header string `json:"header"`
	Field  string `json:"field,omitempty"` // empty: ignored
}

// Result is what an import did, or — in a dry run or when the file has problems —
// what it would have done.
type Result struct {
	Kind      Kind          `json:"kind"`
	DryRun    bool          `json:"dry_run"`
	Committed bool          `json:"committed"`
	Encoding  string        `json:"encoding,omitempty"`
	Columns   []ColumnMatch `json:"columns"`
	Warnings  []Problem     `json:"warnings"`
	Rows      int           `json:"rows"`
	Inserted  int           `json:"inserted"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Problems  []Problem     `json:"problems"`
	// ProblemCount counts every problem; Problems holds the first of each kind, up
	// to sheet.Limits.Problems of a kind: a file with thousands of rows wrong the
	// same way has one fault, and listing them all would only make the report too
	// big to open.
	ProblemCount int `json:"problem_count"`
	// Omitted counts, by key, the problems of each kind Problems leaves out.
	Omitted map[string]int `json:"omitted,omitempty"`
	Elapsed time.Duration  `json:"elapsed_ns"`
}

// OK reports whether the file had no problems.
func (r *Result) OK() bool { return r.ProblemCount == 0 }

// Describe fills in the message of every problem and warning in lang.
func (s *Service) Describe(r *Result, lang string) {
	for _, ps := range [][]Problem{r.Problems, r.Warnings} {
		for i := range ps {
			ps[i].Message = s.bundle.Tm(lang, "err."+ps[i].Key, ps[i].Args)
		}
	}
}

// errRollback ends an import's transaction without writing: the file had problems
// or the import was a dry run.
var errRollback = errors.New("roll back")

// Import reads every row of r as a register of kind and writes it for p: all rows
// or, if any row has a problem, none. The returned error is for failures of the
// system (the database, the disk); problems with the file are in the Result.
func (s *Service) Import(ctx context.Context, p auth.Principal, kind Kind, r sheet.Reader, opt Options) (*Result, error) {
	began := time.Now()
	res, err := s.importRows(ctx, p, kind, r, opt)
	s.timed("import", kind, importOutcome(res, err), began)
	return res, err
}

func (s *Service) importRows(ctx context.Context, p auth.Principal, kind Kind, r sheet.Reader, opt Options) (*Result, error) {
	if err := p.Require(kind.writeAction()); err != nil {
		return nil, audit.Refused(ctx, s.db, importEntry(p, s.now(), kind, opt, nil), err)
	}
	start, began := s.now(), time.Now()
	res := &Result{Kind: kind, DryRun: opt.DryRun, Encoding: string(r.Encoding()), Warnings: []Problem{}, Problems: []Problem{}}
	run := &run{res: res, cols: kind.columns(), bundle: s.bundle, principal: p, now: start, today: s.today(ctx, start),
		maxProblems: s.limits.Problems, kindCount: map[string]int{}}
	run.pos = make(map[string]int, len(run.cols))
	for i, c := range run.cols {
		run.pos[c.Field] = i
	}
	run.matchHeaders(r.Header(), opt.Map)
	if !res.OK() {
		if err := s.refusedImport(ctx, p, kind, opt, res); err != nil {
			return nil, err
		}
		return res, nil
	}
	progress := func() {
		if opt.Progress != nil {
			opt.Progress(Progress{Rows: res.Rows, Done: r.Progress(), Elapsed: time.Since(began)})
		}
	}
	err := s.db.BulkTx(ctx, func(b *db.Bulk) error {
		run.tx, run.read, run.bulk, run.dialect, run.keys = b.Tx, s.db.Read(), b, s.db.Dialect, s.db.Keys()
		h, err := newHandler(ctx, run, kind)
		if err != nil {
			return err
		}
		defer h.close()
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var ae *apperr.Error
			if errors.As(err, &ae) {
				run.fileProblem(ae)
				if ae.Key == "sheet.mixed_encoding" || ae.Key == "sheet.invalid_gb18030" {
					// The reader goes on past a row in another encoding, so that
					// every such row is listed.
					res.Rows++
					continue
				}
				// A stray quote, after which nothing can be read reliably, or a
				// limit broken.
				break
			}
			if err != nil {
				return err
			}
			res.Rows++
			rec := run.record(row)
			// A row of the org tree or of workers with an empty required cell is not
			// checked further: its other problems would mostly follow from the gap. A
			// register row still has its household and ID number looked up, so that
			// one report lists every problem of the file.
			if !rec.complete() && kind != Households && kind != Residents {
				continue
			}
			if err := h.row(ctx, rec); err != nil {
				return err
			}
			if res.Rows%5000 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				progress()
			}
		}
		if err := h.finish(ctx); err != nil {
			return err
		}
		if res.Rows == 0 && res.OK() {
			run.problem(1, "", "", apperr.New(apperr.Invalid, "transfer.no_rows", ""))
		}
		if !res.OK() || opt.DryRun {
			return errRollback
		}
		if err := run.rebuildIndexes(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, b.Tx, importEntry(p, s.now(), kind, opt, res))
	})
	err = run.lookups.Done(ctx, s.db, err)
	res.Committed = err == nil
	if errors.Is(err, errRollback) {
		if err := s.refusedImport(ctx, p, kind, opt, res); err != nil {
			return nil, err
		}
	}
	// The kinds that look rows up in batches find some problems after later rows'.
	slices.SortStableFunc(res.Problems, func(a, b Problem) int { return a.Row - b.Row })
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	res.Elapsed = time.Since(began)
	progress()
	return res, nil
}

// importEntry is the audit entry of an import: what was imported, from where and,
// once it has run, its figures.
func importEntry(p auth.Principal, at time.Time, kind Kind, opt Options, res *Result) audit.Entry {
	e := audit.Of(p, at, audit.ActImport, "import:"+string(kind))
	var parts []string
	if opt.Source != "" {
		parts = append(parts, "file="+opt.Source)
	}
	if res != nil {
		parts = append(parts, "rows="+strconv.Itoa(res.Rows), "inserted="+strconv.Itoa(res.Inserted),
			"updated="+strconv.Itoa(res.Updated), "unchanged="+strconv.Itoa(res.Unchanged))
		if res.ProblemCount > 0 {
			parts = append(parts, "problems="+strconv.Itoa(res.ProblemCount))
		}
	}
	e.Reason = strings.Join(parts, " ")
	return e
}

// refusedImport records a file refused for its problems as a failed attempt to
// write; a dry run wrote nothing and meant to.
func (s *Service) refusedImport(ctx context.Context, p auth.Principal, kind Kind, opt Options, res *Result) error {
	if opt.DryRun {
		return nil
	}
	e := importEntry(p, s.now(), kind, opt, res)
	e.Outcome = audit.Failed
	return audit.RecordAlone(ctx, s.db, e)
}

// run is the state of one import that the kinds share: the columns found, the
// problems so far, the transaction.
type run struct {
	res       *Result
	cols      []Column
	index     []int    // index[i] is the file column of cols[i], or -1
	headers   []string // the file's own headers, by file column
	bundle    *i18n.Bundle
	principal auth.Principal
	now       time.Time
	today     time.Time      // the city's date when the import began, at midnight UTC
	pos       map[string]int // the index in cols of each field
	tx        *sql.Tx
	read      db.Querier // the read pool, for lookups of what was committed (queryIn)
	bulk      *db.Bulk
	dialect   db.Dialect
	keys      crypt.Keyring               // seals ID numbers and phones
	lookups   *registry.IDLookups         // ID numbers met outside the principal's scope
	rebuild   func(context.Context) error // set once indexes are deferred
	// maxProblems is how many problems of one kind are listed; kindCount counts
	// those of each kind so far.
	maxProblems int
	kindCount   map[string]int
}

// normalHeader folds a header for matching: no spaces, no required-marks, any case.
func normalHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.NewReplacer(" ", "", "\u3000", "", "*", "", "＊", "").Replace(h)
	return h
}

// matchHeaders finds each column of the kind in the header row, by Chinese or
// English header, or through the user's map.
func (r *run) matchHeaders(headers []string, userMap map[string]string) {
	r.headers = headers
	r.index = make([]int, len(r.cols))
	for i := range r.index {
		r.index[i] = -1
	}
	mapped := map[string]string{}
	for h, f := range userMap {
		mapped[normalHeader(h)] = normalHeader(f)
	}
	r.res.Columns = make([]ColumnMatch, len(headers))
	var unknown []string
	for fi, h := range headers {
		r.res.Columns[fi].Header = h
		key := normalHeader(h)
		if key == "" {
			continue
		}
		if to, ok := mapped[key]; ok {
			key = to
		}
		ci := slices.IndexFunc(r.cols, func(c Column) bool { return c.matches(key) })
		if ci < 0 {
			unknown = append(unknown, h)
			continue
		}
		if r.index[ci] >= 0 {
			r.problem(1, h, "", apperr.New(apperr.Invalid, "transfer.duplicate_column", "").With("column", h))
			continue
		}
		r.index[ci] = fi
		r.res.Columns[fi].Field = r.cols[ci].Field
	}
	if len(unknown) > 0 {
		// One warning for them all: a sheet with a hundred columns of its own is
		// read for the few it shares, not reported a hundred times.
		listed := strings.Join(unknown[:min(len(unknown), unknownListed)], "、")
		if len(unknown) > unknownListed {
			listed += "…"
		}
		r.res.Warnings = append(r.res.Warnings, Problem{Row: 1, Key: "transfer.unknown_columns",
			Args: map[string]any{"columns": listed, "n": len(unknown)}})
	}
	for i, c := range r.cols {
		if c.Required && r.index[i] < 0 && !r.has(c.Unless) {
			r.problem(1, c.Header, "", apperr.New(apperr.Invalid, "transfer.missing_column", "").
				With("column", c.Header).With("field", c.Field))
		}
	}
}

// has reports whether the file has the column of field.
func (r *run) has(field string) bool {
	i, ok := r.pos[field]
	return ok && r.index[i] >= 0
}

// problem records one problem; past maxProblems of its kind it only counts.
func (r *run) problem(row int, column, value string, e *apperr.Error) {
	r.res.ProblemCount++
	if r.kindCount[e.Key]++; r.kindCount[e.Key] > r.maxProblems {
		if r.res.Omitted == nil {
			r.res.Omitted = map[string]int{}
		}
		r.res.Omitted[e.Key]++
		return
	}
	r.res.Problems = append(r.res.Problems, Problem{Row: row, Column: column, Value: value, Key: e.Key, Args: e.Args})
}

// fileProblem records a fault of the file itself, at the row the reader names, and
// under the header of the column it names by letter, so that the problem list shows
// it in its column like every other.
func (r *run) fileProblem(e *apperr.Error) {
	row, _ := e.Args["row"].(int)
	header := ""
	if letter, ok := e.Args["column"].(string); ok {
		if i, err := excelize.ColumnNameToNumber(letter); err == nil && i <= len(r.res.Columns) {
			header = r.res.Columns[i-1].Header
		}
	}
	r.problem(row, header, "", e)
}

// record is one data row, its cells by the kind's columns.
type record struct {
	run      *run
	line     int
	vals     []string        // by kind column
	reported map[string]bool // fields with a problem recorded
}

func (r *run) record(row sheet.Row) *record {
	rec := &record{run: r, line: row.Line, vals: make([]string, len(r.cols))}
	for i, fi := range r.index {
		if fi >= 0 && fi < len(row.Cells) {
			rec.vals[i] = strings.TrimSpace(row.Cells[fi])
		}
	}
	return rec
}

func (rec *record) col(field string) int {
	if i, ok := rec.run.pos[field]; ok {
		return i
	}
	return -1
}

// get returns the cell of a field.
func (rec *record) get(field string) string {
	if i := rec.col(field); i >= 0 {
		return rec.vals[i]
	}
	return ""
}

// complete records a "required" problem for each empty required cell, and reports
// whether there was none. A cell the file may leave empty because it has the column
// named by Unless is required only when that one is empty too.
func (rec *record) complete() bool {
	ok := true
	for i, c := range rec.run.cols {
		if c.Required && rec.vals[i] == "" && (c.Unless == "" || rec.get(c.Unless) == "") {
			rec.bad(apperr.Invalidf(c.Field, "required"))
			ok = false
		}
	}
	return ok
}

// bad records a problem with a field of this row; an error that names no field, or
// a field that is not a column, is put on the row as a whole.
func (rec *record) bad(err *apperr.Error) {
	column, value := "", ""
	if i := rec.col(err.Field); i >= 0 {
		column, value = rec.header(err.Field), maskValid(err.Field, rec.vals[i], rec.run.today)
	}
	if rec.reported == nil {
		rec.reported = map[string]bool{}
	}
	rec.reported[err.Field] = true
	rec.run.problem(rec.line, column, value, err)
}

// maskValid hides an ID number or a phone as every page does, when it is one: a
// problem's value goes to the console, the page and the API, and a valid number
// is someone's. What a file holds in those columns that is not a valid number is
// shown as it is — it is nobody's number, and the user must see what to correct.
func maskValid(field, value string, today time.Time) string {
	switch field {
	case "id_number":
		if id, err := pii.ParseIDNumber(strings.TrimSpace(value), today); err == nil {
			return pii.MaskIDNumber(id.Value)
		}
	case "phone":
		if p, err := pii.NormalizePhone(value); err == nil && p != "" {
			return pii.MaskPhone(p)
		}
	}
	return value
}

// report records the problems of a row's own checks, leaving out fields whose
// problem is recorded already (an enumerated value not in its list), and reports
// whether there were none.
func (rec *record) report(errs []*apperr.Error, ok ...bool) bool {
	for _, e := range errs {
		if rec.reported[e.Field] {
			continue
		}
		rec.bad(e)
	}
	for _, o := range ok {
		if !o {
			return false
		}
	}
	return len(errs) == 0
}

// check records err if it is a domain error and reports whether there was none;
// any other error is returned for the import to stop on.
func (rec *record) check(err error) (ok bool, fatal error) {
	if err == nil {
		return true, nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		rec.bad(ae)
		return false, nil
	}
	return false, err
}

// enum reads an enumerated field; a value not in the list is a problem, "" is
// returned for an empty cell.
func (rec *record) enum(field, key string) (string, bool) {
	c := rec.run.cols[rec.col(field)]
	cell := rec.get(field)
	if cell == "" {
		return "", true
	}
	v, ok := c.valueOf(rec.run.bundle, cell)
	if !ok {
		rec.bad(apperr.Invalidf(field, key))
	}
	return v, ok
}

// date reads a cell of days as YYYY-MM-DD, in any way sheet.ParseDate reads one;
// "" for an empty cell.
func (rec *record) date(field string) (string, bool) {
	cell := rec.get(field)
	if cell == "" {
		return "", true
	}
	d, err := sheet.ParseDate(cell)
	if err != nil {
		rec.bad(apperr.Invalidf(field, "sheet.date").With("value", cell))
		return "", false
	}
	return d.Format(time.DateOnly), true
}

// coded reads the code of a coded field from its column, through read, and from the
// code column beside it, either of which may be empty or missing: "" when neither
// is given. Given both, they must agree. A problem with either is recorded against
// field as well, so that the row's own checks do not report the field again.
func (rec *record) coded(field string, read func(Column, string) (string, bool)) (string, bool) {
	c := rec.run.cols[rec.col(field)]
	codeField := field + "_code"
	name, code := rec.get(field), rec.get(codeField)
	unknown := func(f string) (string, bool) {
		rec.bad(apperr.Invalidf(f, "code.unknown").With("table", c.Table().Standard))
		rec.reported[field] = true
		return "", false
	}
	var byName, byCode string
	var ok bool
	if name != "" {
		if byName, ok = read(c, name); !ok {
			return unknown(field)
		}
	}
	if code != "" {
		if byCode, ok = c.codeOf(code); !ok {
			return unknown(codeField)
		}
	}
	if byName != "" && byCode != "" && byName != byCode {
		rec.bad(apperr.Invalidf(codeField, "transfer.code_mismatch").With("column", rec.header(field)).With("value", name))
		rec.reported[field] = true
		return "", false
	}
	return cmp.Or(byCode, byName), true
}

// header is the header of a field's column as the file spells it.
func (rec *record) header(field string) string {
	i := rec.col(field)
	if fi := rec.run.index[i]; fi >= 0 {
		return rec.run.headers[fi]
	}
	return rec.run.cols[i].Header
}

// handler imports the rows of one kind.
type handler interface {
	// row checks one row and writes it, or records its problems.
	row(ctx context.Context, rec *record) error
	// finish writes what the handler holds back.
	finish(ctx context.Context) error
	close()
}

func newHandler(ctx context.Context, r *run, k Kind) (handler, error) {
	switch k {
	case Org:
		return &orgImport{run: r}, nil
	case Households:
		return newHouseholdImport(ctx, r)
	case Residents:
		return newResidentImport(ctx, r)
	}
	return &staffImport{run: r, seen: seenKeys{}}, nil
}

// seenKeys remembers the natural keys a file has had so far, to catch one given
// twice. It keeps a 64-bit hash of each key and its row — about 40 bytes a row, so
// a city's 458k residents take some 18 MB — rather than the keys themselves; two
// keys sharing a hash, which would be reported as a repeat, have a chance of about
// one in 30 million in a file of a million rows.
type seenKeys map[uint64]int32

// before records key at line and returns the line it was first seen at, or 0.
func (s seenKeys) before(key string, line int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64()
	if first, ok := s[sum]; ok {
		return int(first)
	}
	s[sum] = int32(line)
	return 0
}

// ParseMap reads a --map value: 'header=field,header=field'.
func ParseMap(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' }) {
		h, f, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(h) == "" || strings.TrimSpace(f) == "" {
			return nil, apperr.Invalidf("map", "transfer.map").With("pair", pair)
		}
		out[strings.TrimSpace(h)] = strings.TrimSpace(f)
	}
	return out, nil
}

// batchRows is how many checked rows the register kinds gather before looking
// them all up with one query per table: one round trip per row would make a
// PostgreSQL import wait on the network most of the time.
const batchRows = 500

// queryIn runs query for keys, replacing its "@keys" with a list of placeholders,
// in chunks small enough for either engine, and hands each row to scan.
//
// It reads on a connection of the read pool, not in the import's transaction: what
// was committed before the import is all a lookup needs, as the rows of a file are
// checked against each other (seenKeys), and so the lookups run while the
// transaction writes the rows before them (background) instead of waiting for it.
func (r *run) queryIn(ctx context.Context, query string, keys []string, scan func(*sql.Rows) error) error {
	chunk := 100 // modernc's SQLite binds parameters in time quadratic in their number
	if r.dialect != db.SQLite {
		chunk = 1000
		// A plan PostgreSQL made once — the generic plan of a prepared statement —
		// for the tables of a city's first import, empty, would scan the whole of
		// them for every batch of the next: one import of the city took twelve
		// minutes instead of one. Each batch is planned for the tables as they stand.
		ctx = db.PlanEachTime(ctx)
	}
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		marks := make([]string, n)
		args := make([]any, n)
		for i := range n {
			marks[i] = "$" + strconv.Itoa(i+1)
			args[i] = keys[i]
		}
		rows, err := r.read.QueryContext(ctx, strings.Replace(query, "@keys", strings.Join(marks, ", "), 1), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// background runs one bulk write at a time beside the import, so that the next
// rows are read, checked and sealed while the database writes the last ones: the
// import's work and the database's overlap instead of taking turns. The
// transaction has one connection, so whatever else uses it waits for the write
// first.
type background struct{ done chan error }

// start waits for the write before, then begins fn.
func (b *background) start(fn func() error) error {
	if err := b.wait(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	b.done = done
	return nil
}

// wait returns once no write runs, with the error of the last one.
func (b *background) wait() error {
	if b.done == nil {
		return nil
	}
	err := <-b.done
	b.done = nil
	return err
}

// bulkRows is the number of new rows past which an import on SQLite stops keeping
// the read-only indexes of the tables it fills and builds them again at the end
// (db.DeferIndexes), and sets their triggers aside (db.DeferTriggers). Below it,
// keeping them is cheaper than rebuilding them over a whole city's table.
const bulkRows = 20000

// deferIndexes switches the import to bulk mode once it has bulkRows new rows. The
// generation triggers of the statistics' cache, which SQLite runs once a row — two
// a resident, with their period — are restored at the end, and every district's
// generation moved once, as the demo's load does.
func (r *run) deferIndexes(ctx context.Context, tables ...string) error {
	if r.rebuild != nil || r.res.Inserted < bulkRows {
		return nil
	}
	rebuild, err := db.DeferIndexes(ctx, r.tx, r.dialect, tables...)
	if err != nil {
		return err
	}
	restore, err := db.DeferTriggers(ctx, r.tx, r.dialect, tables...)
	if err != nil {
		return err
	}
	r.rebuild = func(ctx context.Context) error {
		if err := rebuild(ctx); err != nil {
			return err
		}
		if err := restore(ctx); err != nil {
			return err
		}
		return stats.TouchAll(ctx, r.tx)
	}
	return nil
}

// rebuildIndexes builds again the indexes deferIndexes dropped, and restores the
// triggers.
func (r *run) rebuildIndexes(ctx context.Context) error {
	if r.rebuild == nil {
		return nil
	}
	return r.rebuild(ctx)
}
