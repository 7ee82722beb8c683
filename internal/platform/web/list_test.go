package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPager_WithATotalShowsThePagesAndAJumpBoxKeepingTheFilters(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/users?role=grid&sort=name&dir=desc&page=3", nil)
	p := TotalPager(req, 239, 50)
	if p.Page != 3 || p.Pages() != 5 || !p.HasNext || !p.HasPrev() || p.Offset() != 100 || p.PastTheEnd() {
		t.Fatalf("pager %+v: pages %d, offset %d", p, p.Pages(), p.Offset())
	}
	if got, _ := p.NextURL(); got != "/users?dir=desc&page=4&role=grid&sort=name" {
		t.Errorf("NextURL = %q", got)
	}
	if got, _ := p.LastURL(); got != "/users?dir=desc&page=5&role=grid&sort=name" {
		t.Errorf("LastURL = %q", got)
	}
	last := TotalPager(httptest.NewRequest(http.MethodGet, "/users?page=5", nil), 239, 50)
	if last.HasNext || last.PastTheEnd() {
		t.Errorf("the last page: %+v", last)
	}
	past := TotalPager(httptest.NewRequest(http.MethodGet, "/users?page=9", nil), 239, 50)
	if !past.PastTheEnd() {
		t.Error("page 9 of 5 is not past the end")
	}
	if got, _ := past.PrevURL(); got != "/users?page=5" {
		t.Errorf("PrevURL past the end = %q, want the last page", got)
	}
	rec := httptest.NewRecorder()
	if sent, err := past.SentToLast(rec, httptest.NewRequest(http.MethodGet, "/users?page=9", nil)); !sent || err != nil ||
		rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/users?page=5" {
		t.Errorf("past the end: sent %v %v, %d to %q", sent, err, rec.Code, rec.Header().Get("Location"))
	}
	if sent, _ := last.SentToLast(httptest.NewRecorder(), nil); sent {
		t.Error("the last page sent elsewhere")
	}
	if empty := TotalPager(httptest.NewRequest(http.MethodGet, "/users", nil), 0, 50); empty.Pages() != 1 || empty.HasNext || empty.PastTheEnd() {
		t.Errorf("an empty list: %+v", empty)
	}
	if (Pager{Page: 4, HasNext: true}).Pages() != 0 {
		t.Error("a pager by 'has next' knows its pages")
	}

	r, err := NewRenderer(bundle(t), mapFS(map[string]string{"list.html": `{{define "content"}}{{template "pager" .Data}}{{end}}`}))
	if err != nil {
		t.Fatal(err)
	}
	body := get(pageHandler(r, "list", p, nil), "/users").Body.String()
	mustContain(t, body, "第 3 页，共 5 页", `<form class="pager-jump" method="get" action="/users">`,
		`<input type="hidden" name="dir" value="desc">`, `<input type="hidden" name="role" value="grid">`,
		`<input type="hidden" name="sort" value="name">`, `name="page" min="1" max="5" value="3"`)
	mustNotContain(t, body, `name="page" value="3"`)
	keyset := get(pageHandler(r, "list", Pager{Page: 2, HasNext: true, After: "H9", BaseURL: "/org/1?page=2"}, nil), "/").Body.String()
	mustContain(t, keyset, "第 2 页", `href="/org/1?after=H9&amp;page=3"`)
	mustNotContain(t, keyset, "pager-jump", "共")
}

var userSorts = Sorting{Columns: SortColumns{"name": {"u.name"}, "unit": {"u.org_code", "u.name"}}, Default: "name"}

func TestSort_OnlyWhitelistedKeysReachTheOrderBy(t *testing.T) {
	for _, tc := range []struct{ query, key, orderBy string }{
		{"", "name", "u.name ASC, u.id ASC"},
		{"?sort=unit&dir=desc", "unit", "u.org_code DESC, u.name DESC, u.id ASC"},
		{"?sort=u.name;DROP TABLE users&dir=desc", "name", "u.name ASC, u.id ASC"},
		{"?sort=name&dir=sideways", "name", "u.name ASC, u.id ASC"},
	} {
		s := userSorts.Read(httptest.NewRequest(http.MethodGet, "/users"+strings.ReplaceAll(tc.query, " ", "%20"), nil))
		if s.Key != tc.key || s.OrderBy("u.id") != tc.orderBy {
			t.Errorf("%s: key %q, ORDER BY %q; want %q, %q", tc.query, s.Key, s.OrderBy("u.id"), tc.key, tc.orderBy)
		}
	}
}

func TestSort_HeadersToggleKeepTheFiltersAndSayTheOrder(t *testing.T) {
	s := userSorts.Read(httptest.NewRequest(http.MethodGet, "/users?role=grid&sort=unit&dir=asc&page=4", nil))
	unit, name := s.Header("unit", "单位"), s.Header("name", "用户名", "num")
	if unit.AriaSort != "ascending" || unit.Arrow != "▲" || unit.URL != "/users?dir=desc&role=grid&sort=unit" {
		t.Errorf("the sorted column: %+v", unit)
	}
	if name.AriaSort != "none" || name.URL != "/users?dir=asc&role=grid&sort=name" || name.Class != "num" {
		t.Errorf("another column: %+v", name)
	}
	desc := userSorts.Read(httptest.NewRequest(http.MethodGet, "/users?sort=unit&dir=desc", nil)).Header("unit", "单位")
	if desc.AriaSort != "descending" || desc.Arrow != "▼" || desc.URL != "/users?dir=asc&sort=unit" {
		t.Errorf("sorted descending: %+v", desc)
	}

	r, err := NewRenderer(bundle(t), mapFS(map[string]string{"list.html": `{{define "content"}}<table><tr>{{template "sort_th" (.Data.Header "unit" "单位")}}</tr></table>{{end}}`}))
	if err != nil {
		t.Fatal(err)
	}
	body := get(pageHandler(r, "list", s, nil), "/users").Body.String()
	mustContain(t, body, `<th scope="col" aria-sort="ascending"><a class="sort" href="/users?dir=desc&amp;role=grid&amp;sort=unit">单位<span class="sort-arrow" aria-hidden="true">▲</span></a></th>`)
}
