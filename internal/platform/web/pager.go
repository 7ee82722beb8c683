package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Pager is the data of the "pager" partial, {{template "pager" .Data.Pager}}: links
// to the previous and next page of a list, and, when the list's length is known,
// the number of pages and a box to jump to one.
//
// It has two modes. A list too long to count on every page (the households of a
// city) pages by "has next": the domain sets Page, HasNext and BaseURL, and for a
// list paged by key After and Before. A list whose length the domain knows (the
// users, the staff of a community) sets Total and PerPage as well, or builds the
// Pager with TotalPager; it then shows "page 3 of 12" and the jump box.
type Pager struct {
	Page    int    // the current page, from 1
	HasNext bool   // whether a page follows
	BaseURL string // the list's URL with its filters; the links set its page parameter
	// A list paged by key rather than by offset gives the key the next page starts
	// after and the one the previous page ends before: the links carry them as
	// after= and before=, beside the page number they show.
	After, Before string
	// Total is the number of items of the whole list, and PerPage the length of a
	// page, when the list knows them; 0 in the "has next" mode.
	Total, PerPage int
}

// TotalPager is the pager of a list of total items, perPage to a page, at the
// request's ?page=; its links keep the request's other parameters (filters, order).
func TotalPager(r *http.Request, total, perPage int) Pager {
	p := Pager{Page: PageNumber(r), BaseURL: r.URL.RequestURI(), Total: total, PerPage: perPage}
	p.HasNext = p.Page < p.Pages()
	return p
}

// Pages is the number of pages, 0 when the list's length is not known. An empty
// list has one (empty) page.
func (p Pager) Pages() int {
	if p.PerPage <= 0 {
		return 0
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// Offset is how many items come before the current page, for a list read by
// OFFSET: (Page-1)×PerPage.
func (p Pager) Offset() int { return max(0, p.Page-1) * p.PerPage }

// PastTheEnd reports whether the page asked for lies beyond the last one of a list
// of known length: the handler sends the user to LastURL rather than show "12
// items" above "nothing here".
func (p Pager) PastTheEnd() bool { return p.Pages() > 0 && p.Page > p.Pages() }

// HasPrev reports whether a page comes before this one.
func (p Pager) HasPrev() bool { return p.Page > 1 }

// PrevURL is the previous page's URL.
func (p Pager) PrevURL() (string, error) {
	n := p.Page - 1
	if p.PastTheEnd() {
		n = p.Pages()
	}
	return p.url(n, "before", p.Before)
}

// NextURL is the next page's URL.
func (p Pager) NextURL() (string, error) { return p.url(p.Page+1, "after", p.After) }

// LastURL is the last page's URL, for a list of known length.
func (p Pager) LastURL() (string, error) { return p.url(p.Pages(), "", "") }

// SentToLast answers a request for a page past the end of a list of known length
// with a redirect to the last page (303), and reports whether it did; the handler
// then stops.
func (p Pager) SentToLast(w http.ResponseWriter, r *http.Request) (bool, error) {
	if !p.PastTheEnd() {
		return false, nil
	}
	last, err := p.LastURL()
	if err != nil {
		return false, err
	}
	http.Redirect(w, r, last, http.StatusSeeOther)
	return true, nil
}

// JumpPath is where the jump box sends its form: BaseURL's path.
func (p Pager) JumpPath() (string, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return "", err
	}
	return u.Path, nil
}

// Field is a name and value of a form's hidden field.
type Field struct{ Name, Value string }

// JumpFields are the hidden fields of the jump box: BaseURL's parameters but the
// page and its keys, so that jumping keeps the filters and the order.
func (p Pager) JumpFields() ([]Field, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	dropPaging(q)
	var out []Field
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			out = append(out, Field{k, v})
		}
	}
	return out, nil
}

// url returns BaseURL at page n, with the key param=key when the list is paged by
// key; page 1 carries no parameter, so the first page has one URL whether reached
// from a menu or from page 2.
func (p Pager) url(n int, param, key string) (string, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	dropPaging(q)
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
		if key != "" {
			q.Set(param, key)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// dropPaging removes the parameters that say which page of a list to show.
func dropPaging(q url.Values) {
	q.Del("page")
	q.Del("after")
	q.Del("before")
}

// PageNumber returns the request's ?page=, 1 when it is absent or not a positive
// number.
func PageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}
