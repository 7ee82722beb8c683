package cases

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/web"
	"shequ/internal/platform/workflow"
)

// API serves cases under /api/v1.
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds the cases' JSON routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("GET /api/v1/case-categories", a.categories)
	mux.HandleFunc("GET /api/v1/cases", a.list)
	mux.HandleFunc("POST /api/v1/cases", a.report)
	mux.HandleFunc("GET /api/v1/cases/board", a.board)
	mux.HandleFunc("GET /api/v1/cases/dashboard", a.dashboard)
	mux.HandleFunc("GET /api/v1/cases/{id}", a.detail)
	mux.HandleFunc("POST /api/v1/cases/{id}/transitions", a.take)
	mux.HandleFunc("POST /api/v1/cases/dispatch", a.dispatch)
}

// List is a page of cases with the number of all the filter selects.
type List struct {
	Items  []Case `json:"items"`
	Total  int    `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
}

func (a *API) categories(w http.ResponseWriter, r *http.Request) {
	if err := auth.From(r).Require(auth.ReadRegister); err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a.svc.Catalogue().All())
}

// filterOf reads the list's filter from the query: unit, category, state, mine,
// limit (1–200, default 50) and offset.
func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	f := Filter{Unit: q.Get("unit"), Category: q.Get("category"), State: q.Get("state"), Mine: q.Get("mine") == "1" || q.Get("mine") == "true", Limit: 50}
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		f.Limit = min(v, 200)
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v > 0 {
		f.Offset = v
	}
	return f
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r)
	cs, n, err := a.svc.List(r.Context(), auth.From(r), f, web.Lang(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, List{Items: cs, Total: n, Limit: f.Limit, Offset: f.Offset})
}

// report takes a case in, as JSON or as a form with photos (multipart). A client
// that may send it again (an offline phone) names it with an Idempotency-Key
// header: the same key and body give the first case again, with 201 as the first
// time; the key with another body is refused with 422.
func (a *API) report(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/form-data") || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		in, photos, key, err := readReport(w, r, p)
		if err != nil {
			a.render.Error(w, r, err)
			return
		}
		a.created(w, r, p, in, photos, key)
		return
	}
	var in ReportInput
	key, err := idem.DecodeJSON(w, r, p.UserID, &in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	a.created(w, r, p, in, nil, key)
}

// created reports the case and answers with it.
func (a *API) created(w http.ResponseWriter, r *http.Request, p auth.Principal, in ReportInput, photos []files.Prepared, key *idem.Request) {
	c, err := a.svc.Report(r.Context(), p, in, photos, key)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	w.Header().Set("ETag", workflow.ETag(c.Instance.Version))
	web.WriteJSON(w, http.StatusCreated, c)
}

func (a *API) detail(w http.ResponseWriter, r *http.Request) {
	d, err := a.svc.Detail(r.Context(), auth.From(r), r.PathValue("id"), web.Lang(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", workflow.ETag(d.Case.Instance.Version))
	web.WriteJSON(w, http.StatusOK, d)
}

// take takes a step on a case. The request must name, in If-Match, the ETag of the
// case as the user saw it: without one it is refused with 428, with an old one with
// 412, so that two workers never undo each other's step unseen.
func (a *API) take(w http.ResponseWriter, r *http.Request) {
	var in TakeInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	c, err := a.svc.Take(r.Context(), auth.From(r), r.PathValue("id"), workflow.IfMatch(r.Header.Get("If-Match")), in, nil)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", workflow.ETag(c.Instance.Version))
	web.WriteJSON(w, http.StatusOK, c)
}

// Board is a page of the supervision board.
type Board struct {
	Items  []Case          `json:"items"`
	Counts workflow.Counts `json:"counts"`
	Next   string          `json:"next,omitempty"`
}

func (a *API) board(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 200)
	}
	cs, counts, next, err := a.svc.Board(r.Context(), auth.From(r), q.Get("unit"), workflow.Flag(q.Get("show")), q.Get("after"), limit, web.Lang(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, Board{Items: cs, Counts: counts, Next: next})
}

// canonical is the body an idempotency key is checked against for a report sent
// as a form: its fields in a fixed order and the photos' hashes, so that a phone
// that builds its form again for a retry (with a new multipart boundary) sends
// the same request.
func canonical(in ReportInput, photoHashes []string) []byte {
	b, _ := json.Marshal(struct {
		In     ReportInput `json:"in"`
		Photos []string    `json:"photos"`
	}{in, photoHashes})
	return b
}

// DispatchInput is several cases dispatched to one handling unit at once.
type DispatchInput struct {
	HandlerID string      `json:"handler_id"`
	Cases     []Versioned `json:"cases"`
}

// dispatch dispatches several cases at once, all or none; each names the version
// the user saw, as a single step's If-Match does.
func (a *API) dispatch(w http.ResponseWriter, r *http.Request) {
	var in DispatchInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	cs, err := a.svc.DispatchMany(r.Context(), auth.From(r), in.Cases, in.HandlerID)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, cs)
}
