package codes

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Local is the Standard of a table shequ defines itself, where no national code
// table was found (登记原因, 人户状态).
const Local = "local"

// Entry is one value of a code table.
type Entry struct {
	Code string // as the standard writes it, leading zeros kept: "02", "1"
	Name string // the standard's Chinese name
	// NameEN is the English label, given in the small tables. The big ones (与户主关系,
	// 民族, 学历) have none: their names are proper terms an English page shows in
	// Chinese, as an English reader of a 户口簿 would see them.
	NameEN string
	Letter string // GB/T 3304's two-letter code of an ethnicity; empty elsewhere
	// Legacy marks a code of an earlier edition kept in old data (03 小集体户户主): it
	// is accepted and shown, but a form for a new record should not offer it.
	Legacy bool
	// Local marks shequ's extension of a national table (注销类别 9 其他), which the
	// file says is not the standard's.
	Local bool
}

// Label returns the entry's name in lang ("zh-CN" or "en"): the English label where
// the table has one, the Chinese name otherwise.
func (e Entry) Label(lang string) string {
	if lang == "en" && e.NameEN != "" {
		return e.NameEN
	}
	return e.Name
}

// Table is a code table as shipped. It is a value: the accessors hand out copies, and
// its entries cannot be changed through it, so it is safe to share.
type Table struct {
	ID       string // the file's name without .csv: "relation", "ethnicity", …
	Standard string // the standard's number, "GB/T 4761-2008", or Local
	Title    string // the standard's title: 家庭关系代码
	Source   string // where the contents come from, as cn-standards.md gives it

	entries []Entry
	byCode  map[string]int // Entry.Code → index in entries
	byInput map[string]int // every accepted spelling, normalised → index in entries
}

// Entries returns the table's entries in the standard's order, legacy ones included.
func (t Table) Entries() []Entry { return slices.Clone(t.entries) }

// ByCode returns the entry whose code is exactly code, as the register stores it.
func (t Table) ByCode(code string) (Entry, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Entry{}, false
	}
	return t.entries[i], true
}

// Name returns the Chinese name of a stored code, or "" for a code not in the table.
func (t Table) Name(code string) string {
	e, _ := t.ByCode(code)
	return e.Name
}

// Label returns the name of a stored code in lang (see Entry.Label), or "" for a code
// not in the table.
func (t Table) Label(code, lang string) string {
	e, _ := t.ByCode(code)
	return e.Label(lang)
}

// Lookup reads a value typed in a form or found in an imported file: a code or a
// name of the table, a letter code (民族, either case), or a legacy or variant value
// the file lists (98 保姆 reads as 99 非亲属, 崩龙族 as 德昂族), with surrounding
// spaces and full-width letters and digits (０２) forgiven.
//
// A code must keep its leading zero, except in 民族 and 政治面貌, which have no
// one-digit codes in any edition, so that "1" can only be a spreadsheet's 01. A
// relation "2" is refused, not read as 02 户主: the same standard's one-digit code 2
// means 子. 民族 also takes a name without its 族, as an ID card prints it (汉).
// Anything else is refused.
func (t Table) Lookup(s string) (Entry, bool) {
	i, ok := t.byInput[normalize(s)]
	if !ok {
		return Entry{}, false
	}
	return t.entries[i], true
}

// normalize is the spelling Lookup compares: trimmed, full-width ASCII forms
// (U+FF01–U+FF5E) folded to ASCII, letters in upper case.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, s)
}
