package calendar

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"shequ/internal/platform/apperr"
)

// Kind says what a notice makes of a day.
type Kind string

// The kinds of day a notice names. Every other day follows the normal rule:
// Monday to Friday are worked, Saturday and Sunday are not.
const (
	// Holiday is a day off (放假) inside a holiday's span, weekday or weekend.
	Holiday Kind = "holiday"
	// Workday is a Saturday or Sunday declared worked (调休上班), to make up for
	// a weekday given off.
	Workday Kind = "workday"
)

// Day is one day a notice names.
type Day struct {
	Date time.Time // the day, as dates are kept: midnight UTC
	Kind Kind
	Name string // the festival as the notice labels it: 春节, 中秋节、国庆节
}

// Year is one year's arrangement (国务院办公厅关于YYYY年部分节假日安排的通知) and
// the notices that changed it: the days it names, in date order. A notice for
// Year may name the last days of the year before (an 元旦 span that starts on
// 30 December), from reachBackDay of December on.
type Year struct {
	Year   int
	Source string // the notices, with their numbers (文号) and dates
	Days   []Day
	// Added says who added the year in shequ and when; nil for a year shipped
	// in the binary.
	Added *Added
}

// Added is an administrator's addition of a year, which replaces a shipped year
// of the same number.
type Added struct {
	By, ByName string // the user's id and name
	At         time.Time
	// ReplacesShipped is set when the binary ships the same year, which this
	// one overrides.
	ReplacesShipped bool
}

// reachBackDay is the first day of December that a notice for the next year
// may name: 元旦 spans have begun as early as 29 December.
const reachBackDay = 25

// Limits of a year's file: a year names about sixty days.
const (
	maxFileBytes = 64 << 10
	maxNameRunes = 40
	maxSource    = 300
	maxProblems  = 20
	// The years a file may be for: a typo such as 207 or 20277 is refused.
	minYear, maxYear = 2000, 2099
)

// Problems are everything wrong with a year's file, each naming its line and
// column, at most maxProblems of them; none of the year is saved. It unwraps to
// its problems, so apperr.CodeOf reads it as invalid.
type Problems []*apperr.Error

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns the problems.
func (ps Problems) Unwrap() []error {
	out := make([]error, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// ParseYear reads the arrangement for year from r, in the format of the shipped
// files: a comment line "# source: …" naming the notice, the header
// "date,kind,name", then a row per day (2027-02-06,holiday,春节). The kinds may
// also be written 放假 and 上班; "来源" may stand for "source". The file is UTF-8
// or, as Excel saves CSV in China, GB18030. A file with problems returns them
// all as Problems.
func ParseYear(year int, r io.Reader) (Year, error) {
	text, err := readText(r)
	if err != nil {
		return Year{}, err
	}
	y, _, err := parseText(year, text)
	return y, err
}

// parseText reads the arrangement for year from the file's text, and returns
// the line of each day beside it, for problems found later against the other
// years.
func parseText(year int, text string) (Year, []int, error) {
	if year < minYear || year > maxYear {
		return Year{}, nil, apperr.Invalidf("year", "calendar.year").With("min", minYear).With("max", maxYear)
	}
	y := Year{Year: year, Source: sourceOf(text)}
	var ps problems
	if y.Source == "" {
		ps.add(apperr.Invalidf("file", "calendar.source_missing"))
	} else if utf8.RuneCountInString(y.Source) > maxSource {
		ps.add(apperr.Invalidf("file", "calendar.source_too_long").With("max", maxSource))
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first := windowStart(year)
	last := dateOf(year, time.December, 31)
	seen := map[date]int{}
	var lines []int
	header := false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.Line
			}
			ps.add(apperr.Invalidf("file", "calendar.csv").With("line", line))
			break
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if !header {
			header = true
			if len(rec) < 3 || !isHeader(rec) {
				ps.add(apperr.Invalidf("file", "calendar.header").With("line", line))
				break
			}
			continue
		}
		if d, ok := ps.row(rec, line, first, last, seen); ok {
			seen[d.date] = line
			y.Days = append(y.Days, Day{Date: d.date.time(), Kind: d.kind, Name: d.name})
			lines = append(lines, line)
		}
		if len(ps) >= maxProblems {
			break
		}
	}
	if !header {
		ps.add(apperr.Invalidf("file", "calendar.header").With("line", 1))
	} else if len(y.Days) == 0 && len(ps) == 0 {
		ps.add(apperr.Invalidf("file", "calendar.no_days"))
	}
	if len(ps) > 0 {
		return Year{}, nil, Problems(ps)
	}
	sortDays(y.Days, lines)
	return y, lines, nil
}

// readText reads the whole file as UTF-8 text without a byte-order mark.
func readText(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxFileBytes {
		return "", apperr.Invalidf("file", "calendar.too_large").With("max", maxFileBytes>>10)
	}
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	if !utf8.Valid(b) {
		u, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil || bytes.ContainsRune(u, utf8.RuneError) {
			return "", apperr.Invalidf("file", "calendar.encoding")
		}
		b = u
	}
	return string(b), nil
}

// sourceOf returns the text of the first "# source:" line: what follows the
// key, without the trailing commas a spreadsheet adds to fill the row.
func sourceOf(text string) string {
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "#")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		for _, key := range []string{"source", "Source", "来源"} {
			if v, ok := strings.CutPrefix(rest, key); ok {
				if v, ok := cutColon(strings.TrimSpace(v)); ok {
					return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(v), ","))
				}
			}
		}
	}
	return ""
}

func cutColon(s string) (string, bool) {
	if v, ok := strings.CutPrefix(s, ":"); ok {
		return v, true
	}
	return strings.CutPrefix(s, "：")
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func isHeader(rec []string) bool {
	for i, want := range []string{"date", "kind", "name"} {
		if strings.ToLower(strings.TrimSpace(rec[i])) != want {
			return false
		}
	}
	return blank(rec[3:])
}

// parsedDay is a row as read.
type parsedDay struct {
	date date
	kind Kind
	name string
}

// problems collects what is wrong with a file.
type problems Problems

func (ps *problems) add(e *apperr.Error) { *ps = append(*ps, e) }

// at adds a problem in column col (1: date, 2: kind, 3: name) of line, with
// the message's other arguments as name, value pairs.
func (ps *problems) at(line, col int, key string, args ...any) {
	e := apperr.Invalidf("file", key).With("line", line).With("column", col).With("header", [...]string{"date", "kind", "name"}[col-1])
	for i := 0; i+1 < len(args); i += 2 {
		e = e.With(args[i].(string), args[i+1])
	}
	ps.add(e)
}

// row checks one row: a date in the year's window not seen before, a known
// kind (a make-up working day only on a weekend, where it changes something),
// a name of sensible length.
func (ps *problems) row(rec []string, line int, first, last date, seen map[date]int) (parsedDay, bool) {
	n := len(*ps)
	if len(rec) < 3 || !blank(rec[3:]) {
		ps.add(apperr.Invalidf("file", "calendar.columns").With("line", line).With("count", len(rec)))
		return parsedDay{}, false
	}
	var d parsedDay
	cell := strings.TrimSpace(rec[0])
	t, err := time.Parse(time.DateOnly, cell)
	if err != nil {
		ps.at(line, 1, "calendar.date", "value", cell)
	} else {
		d.date = dateOf(t.Date())
		if prev, dup := seen[d.date]; dup {
			ps.at(line, 1, "calendar.duplicate", "value", cell, "first", prev)
		} else if d.date < first || d.date > last {
			ps.at(line, 1, "calendar.date_outside", "value", cell, "from", first.String(), "to", last.String())
		}
	}
	switch k := strings.TrimSpace(rec[1]); strings.ToLower(k) {
	case "holiday", "放假":
		d.kind = Holiday
	case "workday", "上班":
		d.kind = Workday
		if wd := t.Weekday(); err == nil && wd != time.Saturday && wd != time.Sunday {
			ps.at(line, 2, "calendar.workday_weekday", "value", cell)
		}
	default:
		ps.at(line, 2, "calendar.kind", "value", k)
	}
	d.name = strings.TrimSpace(rec[2])
	if d.name == "" {
		ps.at(line, 3, "calendar.name_required")
	} else if utf8.RuneCountInString(d.name) > maxNameRunes {
		ps.at(line, 3, "calendar.name_too_long", "max", maxNameRunes)
	}
	return d, len(*ps) == n
}
