package registry

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// DictInflowReason is the local dictionary of 流入原因: the reasons floating
// residents give for coming, which differ by region (cn-standards §3.4), so an
// administrator keeps them rather than the binary.
const DictInflowReason = "inflow_reason"

// KeptDictionaries are the local dictionaries kept in the browser: 流入原因, and the
// purposes of a grid worker's visit (fieldwork's visit_purpose, decision 35).
var KeptDictionaries = []string{DictInflowReason, "visit_purpose"}

// The audit actions of keeping a local dictionary; the object is
// "dictionary:<dictionary>:<code>".
const (
	ActDictionaryAdd    = "dictionary.create"
	ActDictionaryRename = "dictionary.update"
	ActDictionaryRetire = "dictionary.retire"
)

// DictionaryEntry is one code of a local dictionary. A retired entry (Retired, the
// day it was retired) is kept for the records that hold its code, and shown by its
// name there, but no form offers it for a new one.
type DictionaryEntry struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	NameEN  string `json:"name_en,omitempty"`
	Retired string `json:"retired_on,omitempty"`
}

// Label is the entry's name in lang: the English one where it has one, the Chinese
// name otherwise, as the national tables do (codes.Entry.Label).
func (e DictionaryEntry) Label(lang string) string {
	if lang == "en" && e.NameEN != "" {
		return e.NameEN
	}
	return e.Name
}

// Offered returns the entries a form offers: those not retired, and held, the
// code the record has now, whatever it is.
func Offered(entries []DictionaryEntry, held string) []DictionaryEntry {
	var out []DictionaryEntry
	for _, e := range entries {
		if e.Retired == "" || e.Code == held {
			out = append(out, e)
		}
	}
	return out
}

// Dictionary returns a local dictionary's entries in their order, retired ones
// included: a record keeps a retired code, and an import or an export reads it.
func Dictionary(ctx context.Context, q db.Querier, dictionary string) ([]DictionaryEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, name_en, COALESCE(retired_on, '') FROM dictionary_entries
		WHERE dictionary = $1 ORDER BY position, code`, dictionary)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DictionaryEntry{}
	for rows.Next() {
		var e DictionaryEntry
		if err := rows.Scan(&e.Code, &e.Name, &e.NameEN, &e.Retired); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DictionaryHas reports whether a local dictionary holds a code, retired or not: a
// record may keep the code it has, and a file exported before the entry was
// retired imports back.
func DictionaryHas(ctx context.Context, q db.Querier, dictionary, code string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_entries WHERE dictionary = $1 AND code = $2`, dictionary, code).Scan(&n)
	return n > 0, err
}

// DictionaryInput is what an administrator types for an entry: its code (only when
// adding it: a code is what records hold, so it never changes), its Chinese name
// and, optionally, its English one. The errors name the fields code, entry_name
// and entry_name_en, the names of the form's inputs.
type DictionaryInput struct {
	Code   string
	Name   string
	NameEN string
}

// Check trims the fields and returns every problem with them, naming the field:
// a code of one to ten letters and digits (when withCode), a Chinese name of at
// most 30 characters and an English one of at most 60.
func (in *DictionaryInput) Check(withCode bool) []*apperr.Error {
	in.Code, in.Name, in.NameEN = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEN)
	var errs []*apperr.Error
	if withCode {
		switch {
		case in.Code == "":
			errs = append(errs, apperr.Invalidf("code", "required"))
		case len(in.Code) > 10 || strings.IndexFunc(in.Code, func(r rune) bool {
			return (r < '0' || r > '9') && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z')
		}) >= 0:
			errs = append(errs, apperr.Invalidf("code", "dictionary.code"))
		}
	}
	switch {
	case in.Name == "":
		errs = append(errs, apperr.Invalidf("entry_name", "required"))
	case utf8.RuneCountInString(in.Name) > 30:
		errs = append(errs, apperr.Invalidf("entry_name", "too_long").With("max", 30))
	}
	if utf8.RuneCountInString(in.NameEN) > 60 {
		errs = append(errs, apperr.Invalidf("entry_name_en", "too_long").With("max", 60))
	}
	return errs
}

// MayKeepDictionaries reports whether p keeps the local dictionaries: a city or
// district user, who holds auth.WriteOrg. A dictionary is one for the whole
// deployment, not a unit's, so the street offices, which hold WriteOrg for their
// own communities, do not change what every other street's records mean; the
// district and city civil-affairs offices, which decide what their region's
// floating residents are asked, do.
func MayKeepDictionaries(p auth.Principal) bool {
	if !p.Can(auth.WriteOrg) {
		return false
	}
	l := scope.LevelOf(p.OrgCode)
	return l == scope.City || l == scope.District || p.UserID == auth.System().UserID
}

// keeper returns a forbidden error unless p keeps the local dictionaries, and a
// not-found one for a dictionary that is not kept in the browser.
func keeper(p auth.Principal, dictionary string) error {
	if !MayKeepDictionaries(p) {
		return apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	if !slices.Contains(KeptDictionaries, dictionary) {
		return apperr.New(apperr.NotFound, "dictionary.not_found", "dictionary")
	}
	return nil
}

// DictionaryEntries returns a local dictionary's entries, retired ones included,
// for the page that keeps it.
//
// Errors: forbidden unless p keeps the dictionaries; not found for a dictionary
// not kept in the browser.
func (s *Service) DictionaryEntries(ctx context.Context, p auth.Principal, dictionary string) ([]DictionaryEntry, error) {
	if err := keeper(p, dictionary); err != nil {
		return nil, err
	}
	return Dictionary(ctx, s.db.Read(), dictionary)
}

// AddDictionaryEntry adds an entry to a local dictionary. It is shown after the
// entries before it: at the place its code says when the code is a number (the
// dictionary's entries 01–05 stand at 1–5 and 99 其他 at 99, so 06 comes before
// 其他), after the last entry otherwise.
//
// Errors: forbidden unless p keeps the dictionaries; invalid, naming the field
// (DictionaryInput.Check); conflict on code or name when another entry, retired
// or not, has it (an import reads an entry by either).
func (s *Service) AddDictionaryEntry(ctx context.Context, p auth.Principal, dictionary string, in DictionaryInput) (DictionaryEntry, error) {
	object := "dictionary:" + dictionary + ":" + strings.TrimSpace(in.Code)
	if err := keeper(p, dictionary); err != nil {
		return DictionaryEntry{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActDictionaryAdd, object), err)
	}
	if errs := in.Check(true); len(errs) > 0 {
		return DictionaryEntry{}, errs[0]
	}
	e := DictionaryEntry{Code: in.Code, Name: in.Name, NameEN: in.NameEN}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := unusedDictionaryName(ctx, tx, dictionary, "", in.Name); err != nil {
			return err
		}
		position, err := strconv.Atoi(in.Code)
		if err != nil || position < 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM dictionary_entries WHERE dictionary = $1`,
				dictionary).Scan(&position); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO dictionary_entries (dictionary, code, name, name_en, position) VALUES ($1, $2, $3, $4, $5)`,
			dictionary, e.Code, e.Name, e.NameEN, position)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "dictionary.code_taken", "code")
		}
		if err != nil {
			return err
		}
		a := audit.Of(p, s.now(), ActDictionaryAdd, "dictionary:"+dictionary+":"+e.Code)
		a.Reason = "name:" + e.Name
		return audit.Record(ctx, tx, a)
	})
	return e, err
}

// RenameDictionaryEntry changes the names of an entry; its code, which records
// hold, stays. Every record that holds the code shows the new name.
//
// Errors: forbidden unless p keeps the dictionaries; not found for a code the
// dictionary does not hold; invalid, naming the field; conflict on name when
// another entry has it.
func (s *Service) RenameDictionaryEntry(ctx context.Context, p auth.Principal, dictionary, code string, in DictionaryInput) (DictionaryEntry, error) {
	object := "dictionary:" + dictionary + ":" + code
	if err := keeper(p, dictionary); err != nil {
		return DictionaryEntry{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActDictionaryRename, object), err)
	}
	if errs := in.Check(false); len(errs) > 0 {
		return DictionaryEntry{}, errs[0]
	}
	var e DictionaryEntry
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if e, err = dictionaryEntry(ctx, tx, dictionary, code); err != nil {
			return err
		}
		if err := unusedDictionaryName(ctx, tx, dictionary, code, in.Name); err != nil {
			return err
		}
		a := audit.Of(p, s.now(), ActDictionaryRename, object)
		a.Reason = "name:" + e.Name + " → " + in.Name
		e.Name, e.NameEN = in.Name, in.NameEN
		if _, err := tx.ExecContext(ctx, `UPDATE dictionary_entries SET name = $3, name_en = $4 WHERE dictionary = $1 AND code = $2`,
			dictionary, code, e.Name, e.NameEN); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a)
	})
	return e, err
}

// RetireDictionaryEntry retires an entry today: the records that hold its code keep
// it and show its name, and no form offers it again.
//
// Errors: forbidden unless p keeps the dictionaries; not found for a code the
// dictionary does not hold; invalid on code for an entry retired already.
func (s *Service) RetireDictionaryEntry(ctx context.Context, p auth.Principal, dictionary, code string) (DictionaryEntry, error) {
	object := "dictionary:" + dictionary + ":" + code
	if err := keeper(p, dictionary); err != nil {
		return DictionaryEntry{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActDictionaryRetire, object), err)
	}
	var e DictionaryEntry
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if e, err = dictionaryEntry(ctx, tx, dictionary, code); err != nil {
			return err
		}
		if e.Retired != "" {
			return apperr.Invalidf("code", "dictionary.retired").With("date", e.Retired)
		}
		e.Retired = s.day()
		if _, err := tx.ExecContext(ctx, `UPDATE dictionary_entries SET retired_on = $3 WHERE dictionary = $1 AND code = $2`,
			dictionary, code, e.Retired); err != nil {
			return err
		}
		a := audit.Of(p, s.now(), ActDictionaryRetire, object)
		a.Reason = "name:" + e.Name
		return audit.Record(ctx, tx, a)
	})
	return e, err
}

// DictionaryEntry returns one entry of a local dictionary, for the pages that
// rename and retire it.
func (s *Service) DictionaryEntry(ctx context.Context, p auth.Principal, dictionary, code string) (DictionaryEntry, error) {
	if err := keeper(p, dictionary); err != nil {
		return DictionaryEntry{}, err
	}
	return dictionaryEntry(ctx, s.db.Read(), dictionary, code)
}

func dictionaryEntry(ctx context.Context, q db.Querier, dictionary, code string) (DictionaryEntry, error) {
	e := DictionaryEntry{Code: code}
	err := q.QueryRowContext(ctx, `SELECT name, name_en, COALESCE(retired_on, '') FROM dictionary_entries WHERE dictionary = $1 AND code = $2`,
		dictionary, code).Scan(&e.Name, &e.NameEN, &e.Retired)
	if errors.Is(err, sql.ErrNoRows) {
		return DictionaryEntry{}, apperr.New(apperr.NotFound, "dictionary.entry_not_found", "code")
	}
	return e, err
}

// unusedDictionaryName answers a conflict on name when an entry other than except
// has the name: an import reads an entry by its name as well as by its code.
func unusedDictionaryName(ctx context.Context, q db.Querier, dictionary, except, name string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_entries WHERE dictionary = $1 AND code <> $2 AND name = $3`,
		dictionary, except, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.Conflict, "dictionary.name_taken", "entry_name")
	}
	return nil
}
