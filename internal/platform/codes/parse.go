package codes

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// parse reads one table file: first "# key: value" lines naming the standard, its
// title and the source (and notes for the reader), then CSV with a header. Columns
// are code and name, and optionally en, letter, status ("", legacy, local, or variant)
// and maps_to. A row with maps_to is not an entry but another spelling of the entry
// it names — a legacy code or name, or a variant name — which Lookup accepts.
func parse(sp spec, data []byte) (Table, error) {
	t := Table{ID: sp.id, byCode: map[string]int{}, byInput: map[string]int{}}
	meta := map[string]*string{"standard": &t.Standard, "title": &t.Title, "source": &t.Source}
	rest := data
	for bytes.HasPrefix(rest, []byte("#")) {
		line, after, _ := bytes.Cut(rest, []byte("\n"))
		rest = after
		key, value, ok := strings.Cut(strings.TrimPrefix(string(line), "#"), ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch field := meta[key]; {
		case !ok || value == "" || key != "note" && field == nil:
			return Table{}, fmt.Errorf("line %q is not # standard|title|source|note: text", line)
		case field != nil && *field != "":
			return Table{}, fmt.Errorf("%s named twice", key)
		case field != nil:
			*field = value
		}
	}
	for key, field := range meta {
		if *field == "" {
			return Table{}, fmt.Errorf("no # %s: line before the rows", key)
		}
	}

	r := csv.NewReader(bytes.NewReader(rest))
	rows, err := r.ReadAll()
	if err != nil {
		return Table{}, err
	}
	if len(rows) < 2 {
		return Table{}, errors.New("no rows")
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		if !slices.Contains([]string{"code", "name", "en", "letter", "status", "maps_to"}, name) {
			return Table{}, fmt.Errorf("unknown column %q", name)
		}
		col[name] = i
	}
	if _, ok := col["code"]; !ok {
		return Table{}, errors.New("no code column")
	}
	if _, ok := col["name"]; !ok {
		return Table{}, errors.New("no name column")
	}
	field := func(row []string, name string) string {
		if i, ok := col[name]; ok {
			return row[i]
		}
		return ""
	}

	var aliases [][]string
	for _, row := range rows[1:] {
		if field(row, "maps_to") != "" {
			aliases = append(aliases, row)
			continue
		}
		e := Entry{Code: field(row, "code"), Name: field(row, "name"), NameEN: field(row, "en"), Letter: field(row, "letter")}
		switch field(row, "status") {
		case "":
		case "legacy":
			e.Legacy = true
		case "local":
			e.Local = true
		default:
			return Table{}, fmt.Errorf("%s: status %q of an entry is not legacy or local", e.Code, field(row, "status"))
		}
		if e.Code == "" || e.Name == "" {
			return Table{}, fmt.Errorf("row %q has no code or no name", row)
		}
		if _, dup := t.byCode[e.Code]; dup {
			return Table{}, fmt.Errorf("code %s twice", e.Code)
		}
		t.byCode[e.Code] = len(t.entries)
		t.entries = append(t.entries, e)
		keys := []string{e.Code, e.Name, e.Letter}
		if sp.dropZero && len(e.Code) == 2 && e.Code[0] == '0' {
			keys = append(keys, e.Code[1:])
		}
		if err := t.accept(sp, len(t.entries)-1, keys); err != nil {
			return Table{}, err
		}
	}
	for _, row := range aliases {
		target, ok := t.byCode[field(row, "maps_to")]
		if !ok {
			return Table{}, fmt.Errorf("%s maps to %s, not a code of the table", field(row, "name"), field(row, "maps_to"))
		}
		if s := field(row, "status"); s != "legacy" && s != "variant" {
			return Table{}, fmt.Errorf("%s: status %q of another spelling is not legacy or variant", field(row, "name"), s)
		}
		if err := t.accept(sp, target, []string{field(row, "code"), field(row, "name")}); err != nil {
			return Table{}, err
		}
	}
	return t, nil
}

// accept makes Lookup read each non-empty key, and its name without sp.dropSuffix, as
// entry i, refusing a key that already reads as another entry.
func (t *Table) accept(sp spec, i int, keys []string) error {
	if sp.dropSuffix != "" {
		for _, k := range keys {
			if short, ok := strings.CutSuffix(k, sp.dropSuffix); ok && short != "" {
				keys = append(keys, short)
			}
		}
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		n := normalize(k)
		if j, taken := t.byInput[n]; taken && j != i {
			return fmt.Errorf("%q reads as both %s and %s", k, t.entries[j].Code, t.entries[i].Code)
		}
		t.byInput[n] = i
	}
	return nil
}
