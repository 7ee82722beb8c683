package audit

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
)

// Templates are the audit pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the strings of the audit pages, exports and command.
//
//go:embed locales/*.json
var Locales embed.FS

// pageSize is how many records a page of the trail shows.
const pageSize = 50

// Pages serves the audit administrator's pages.
type Pages struct {
	svc    *Service
	render *web.Renderer
}

// RegisterPages adds the audit pages to mux.
func RegisterPages(mux web.Router, svc *Service, render *web.Renderer) {
	p := &Pages{svc: svc, render: render}
	mux.HandleFunc("GET /audit", p.list)
	mux.HandleFunc("GET /audit/export", p.export)
}

// form is the filter as the user typed it, to show it back.
type form struct {
	From, To, User, Action, Outcome string
}

// listPage is the data of the audit page.
type listPage struct {
	Form     form
	Error    string // why the filter was refused, translated
	Field    string // the input at fault
	Actions  []string
	Outcomes []string
	Rows     []rowView
	Pager    web.Pager
	CSV      string
	XLSX     string
}

// rowView is a record as the page shows it.
type rowView struct {
	Row
	Time  string
	Known bool // the action has a label
}

func formOf(r *http.Request) form {
	q := r.URL.Query()
	return form{From: q.Get("from"), To: q.Get("to"), User: q.Get("user"), Action: q.Get("action"), Outcome: q.Get("outcome")}
}

// query is the form as a URL query, the empty fields left out.
func (f form) query() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"from", f.From}, {"to", f.To}, {"user", f.User}, {"action", f.Action}, {"outcome", f.Outcome}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// list is the trail, newest first, filtered by date range, user, action and
// outcome, a page at a time.
func (p *Pages) list(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	if err := p.svc.May(r.Context(), pr, ActView); err != nil {
		p.render.Error(w, r, err)
		return
	}
	fm := formOf(r)
	page := listPage{Form: fm, Actions: Actions, Outcomes: []string{OK, Denied, Failed}}
	q := fm.query()
	page.CSV = "/audit/export?" + withFormat(q, "csv")
	page.XLSX = "/audit/export?" + withFormat(q, "xlsx")
	f, err := ParseFilter(fm.From, fm.To, fm.User, fm.Action, fm.Outcome)
	if err != nil {
		var ae *apperr.Error
		errors.As(err, &ae)
		page.Error, page.Field = p.render.Message(r, err), ae.Field
		p.render.Page(w, r, http.StatusBadRequest, "audit_list", page)
		return
	}
	// Later pages keep to the records there were when the first was shown.
	f.Through, _ = strconv.ParseInt(r.URL.Query().Get("through"), 10, 64)
	n := web.PageNumber(r)
	rows, more, err := p.svc.List(r.Context(), pr, f, pageSize, (n-1)*pageSize)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	if f.Through == 0 && len(rows) > 0 {
		f.Through = rows[0].Seq
	}
	if more || n > 1 {
		q.Set("through", strconv.FormatInt(f.Through, 10))
	}
	zone := web.Zone(r.Context())
	for _, row := range rows {
		page.Rows = append(page.Rows, rowView{Row: row, Time: row.At.In(zone).Format(time.DateTime), Known: slices.Contains(Actions, row.Action)})
	}
	page.Pager = web.Pager{Page: n, HasNext: more, BaseURL: "/audit?" + q.Encode()}
	p.render.Page(w, r, http.StatusOK, "audit_list", page)
}

func withFormat(q url.Values, format string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Set("format", format)
	return c.Encode()
}

// export sends the records the filter selects as a file: /audit/export?format=csv.
func (p *Pages) export(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	if err := p.svc.May(r.Context(), pr, ActExportTrail); err != nil {
		p.render.Error(w, r, err)
		return
	}
	fm := formOf(r)
	f, err := ParseFilter(fm.From, fm.To, fm.User, fm.Action, fm.Outcome)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	format := sheet.XLSX
	switch v := r.URL.Query().Get("format"); v {
	case "", "xlsx":
	case "csv":
		format = sheet.CSV
	default:
		p.render.Error(w, r, apperr.Invalidf("format", "transfer.format").With("value", v))
		return
	}
	name := "audit-" + p.svc.now().In(web.Zone(r.Context())).Format("20060102") + "." + string(format)
	d := web.NewDownload(w, name)
	if err := p.svc.Export(r.Context(), pr, f, format, web.Lang(r), d); err != nil {
		d.Fail(r, p.render, err)
	}
}
