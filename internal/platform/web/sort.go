package web

import (
	"net/http"
	"net/url"
	"strings"
)

// SortColumns is a list's whitelist of orders: each key a user may ask for with
// ?sort=key maps to the fixed SQL expressions it stands for, most significant
// first ({"unit": {"u.org_code", "u.name"}}). What the user typed never reaches
// SQL: a key not in the map is not an order, and only the map's text is.
type SortColumns map[string][]string

// Sorting is a list's whitelist with its default order.
type Sorting struct {
	Columns     SortColumns
	Default     string // the key used when ?sort= is absent or not in Columns
	DefaultDesc bool
}

// Read returns the order the request asks for with ?sort=key&dir=asc|desc, the
// default when it asks for none or for one not in the whitelist.
func (s Sorting) Read(r *http.Request) Sort {
	q := r.URL.Query()
	key, desc := q.Get("sort"), q.Get("dir") == "desc"
	if _, ok := s.Columns[key]; !ok {
		key, desc = s.Default, s.DefaultDesc
	}
	return Sort{Key: key, Desc: desc, exprs: s.Columns[key], url: r.URL}
}

// Sort is the order of one list as a request asked for it: a key of the list's
// Sorting and its direction. OrderBy gives the SQL; Header the column headers'
// links, for the "sort_th" partial.
type Sort struct {
	Key   string
	Desc  bool
	exprs []string
	url   *url.URL
}

// OrderBy is the ORDER BY text of the order, without the keywords: each expression
// of the key with the direction, then tiebreak (a unique column, so that pages
// neither repeat nor skip rows), ascending.
func (s Sort) OrderBy(tiebreak string) string {
	dir := " ASC"
	if s.Desc {
		dir = " DESC"
	}
	parts := make([]string, 0, len(s.exprs)+1)
	for _, e := range s.exprs {
		parts = append(parts, e+dir)
	}
	return strings.Join(append(parts, tiebreak+" ASC"), ", ")
}

// SortHeader is one sortable column header, for the "sort_th" partial: its label,
// the link that sorts by it (ascending, or the other way round when the list is
// sorted by it already), the value of its aria-sort attribute, its arrow and the
// th's class.
type SortHeader struct {
	Label, URL, AriaSort, Arrow, Class string
}

// Header is the header of the column sorted by key: {{template "sort_th"
// (.Sort.Header "name" (t "users.name"))}}, and a class for the th, such as "num",
// as a third argument. The link keeps the request's other parameters (the filters)
// and goes back to the first page, since a new order makes the page numbers mean
// other rows.
func (s Sort) Header(key, label string, class ...string) SortHeader {
	h := SortHeader{Label: label, AriaSort: "none", Arrow: "↕", Class: strings.Join(class, " ")}
	desc := false
	if key == s.Key {
		h.AriaSort, h.Arrow, desc = "ascending", "▲", !s.Desc
		if s.Desc {
			h.AriaSort, h.Arrow = "descending", "▼"
		}
	}
	q := url.Values{}
	if s.url != nil {
		q = s.url.Query()
	}
	dropPaging(q)
	q.Set("sort", key)
	q.Set("dir", map[bool]string{false: "asc", true: "desc"}[desc])
	path := ""
	if s.url != nil {
		path = s.url.Path
	}
	h.URL = path + "?" + q.Encode()
	return h
}
