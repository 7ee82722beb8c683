package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// Pager is the data of the "pager" partial, {{template "pager" .Data.Pager}}: links
// to the previous and next page of a list. Lists page by "has next" rather than by
// a total, which would cost a count over the whole scope on every page.
type Pager struct {
	Page    int    // the current page, from 1
	HasNext bool   // whether a page follows
	BaseURL string // the list's URL with its filters; the links set its page parameter
	// A list paged by key rather than by offset gives the key the next page starts
	// after and the one the previous page ends before: the links carry them as
	// after= and before=, beside the page number they show.
	After, Before string
}

// HasPrev reports whether a page comes before this one.
func (p Pager) HasPrev() bool { return p.Page > 1 }

// PrevURL is the previous page's URL.
func (p Pager) PrevURL() (string, error) { return p.url(p.Page-1, "before", p.Before) }

// NextURL is the next page's URL.
func (p Pager) NextURL() (string, error) { return p.url(p.Page+1, "after", p.After) }

// url returns BaseURL at page n, with the key param=key when the list is paged by
// key; page 1 carries no parameter, so the first page has one URL whether reached
// from a menu or from page 2.
func (p Pager) url(n int, param, key string) (string, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Del("after")
	q.Del("before")
	if n <= 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
		if key != "" {
			q.Set(param, key)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
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
