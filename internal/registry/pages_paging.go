package registry

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shequ/internal/platform/web"
)

// listPager is the pager of a list whose length is known: "page 3 of 12", the
// links beside it and a box to jump to a page, drawn by the "registry_pager"
// partial. It has the fields and methods of the platform's pager with a known
// total (web.Pager, Total and PerPage, built by web.TotalPager), which the
// register's lists take in its stead, and "pager" in that of "registry_pager",
// once the platform has it.
type listPager struct {
	Page, Total, PerPage int
	BaseURL              string // the list's URL with its filters and order
}

// totalPager is the pager of a list of total items, perPage to a page, at the
// request's ?page=.
func totalPager(r *http.Request, total, perPage int) listPager {
	return listPager{Page: web.PageNumber(r), Total: total, PerPage: perPage, BaseURL: r.URL.RequestURI()}
}

// Pages is the number of pages; an empty list has one, empty.
func (p listPager) Pages() int { return max(1, (p.Total+p.PerPage-1)/p.PerPage) }

// Offset is how many items come before the current page.
func (p listPager) Offset() int { return max(0, p.Page-1) * p.PerPage }

// PastTheEnd reports whether the page asked for lies beyond the last one: the
// handler sends the user to LastURL rather than show a count above nothing.
func (p listPager) PastTheEnd() bool { return p.Page > p.Pages() }

// HasPrev reports whether a page comes before this one.
func (p listPager) HasPrev() bool { return p.Page > 1 }

// HasNext reports whether a page follows this one.
func (p listPager) HasNext() bool { return p.Page < p.Pages() }

// PrevURL is the previous page's URL.
func (p listPager) PrevURL() (string, error) { return p.url(min(p.Page-1, p.Pages())) }

// NextURL is the next page's URL.
func (p listPager) NextURL() (string, error) { return p.url(p.Page + 1) }

// LastURL is the last page's URL.
func (p listPager) LastURL() (string, error) { return p.url(p.Pages()) }

// JumpPath is where the jump box sends its form: BaseURL's path.
func (p listPager) JumpPath() (string, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return "", err
	}
	return u.Path, nil
}

// hidden is a name and value of a form's hidden field.
type hidden struct{ Name, Value string }

// JumpFields are the hidden fields of the jump box: the list's filters and order.
func (p listPager) JumpFields() ([]hidden, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Del("page")
	var out []hidden
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			out = append(out, hidden{k, v})
		}
	}
	return out, nil
}

// url is BaseURL at page n; page 1 carries no parameter.
func (p listPager) url(n int) (string, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Del("page")
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// sortHeader is one sortable column header, for the "registry_sort_th" partial: its
// label, the link that sorts by it (ascending, or the other way round when the list
// is sorted by it already), its aria-sort, arrow and class.
type sortHeader struct {
	Label, URL, AriaSort, Arrow, Class string
}

// listSort is a list's order as the request asked for it, with the links of its
// column headers.
type listSort struct {
	HouseholdOrder
	url *url.URL
}

// readSort returns the order ?sort=&dir= asks for among keys, the first key
// ascending when it asks for none of them.
func readSort(r *http.Request, keys []string) listSort {
	q := r.URL.Query()
	o := HouseholdOrder{Key: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	if !slices.Contains(keys, o.Key) {
		o = HouseholdOrder{Key: keys[0]}
	}
	return listSort{HouseholdOrder: o, url: r.URL}
}

// Header is the header of the column sorted by key; the link keeps the filters and
// goes back to the first page.
func (s listSort) Header(key, label string, class ...string) sortHeader {
	h := sortHeader{Label: label, AriaSort: "none", Arrow: "↕", Class: strings.Join(class, " ")}
	desc := false
	if key == s.Key {
		h.AriaSort, h.Arrow, desc = "ascending", "▲", !s.Desc
		if s.Desc {
			h.AriaSort, h.Arrow = "descending", "▼"
		}
	}
	q := s.url.Query()
	q.Del("page")
	q.Set("sort", key)
	q.Set("dir", map[bool]string{false: "asc", true: "desc"}[desc])
	h.URL = s.url.Path + "?" + q.Encode()
	return h
}
