package proposals

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/web"
)

// API serves proposals under /api/v1.
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds the proposals' JSON routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("GET /api/v1/proposals", a.mine)
	mux.HandleFunc("POST /api/v1/proposals", a.submit)
	mux.HandleFunc("GET /api/v1/proposals/review", a.queue)
	mux.HandleFunc("GET /api/v1/proposals/trust", a.trusts)
	mux.HandleFunc("POST /api/v1/proposals/trust", a.setTrust)
	mux.HandleFunc("GET /api/v1/proposals/{id}", a.detail)
	mux.HandleFunc("POST /api/v1/proposals/{id}/approve", a.approve)
	mux.HandleFunc("POST /api/v1/proposals/{id}/reject", a.reject)
}

// List is a page of proposals, with how many there are in all.
type List struct {
	Items  []Proposal `json:"items"`
	Total  int        `json:"total"`
	Limit  int        `json:"limit"`
	Offset int        `json:"offset"`
}

// paging reads limit (1–200, default 50) and offset from the query.
func paging(r *http.Request) (limit, offset int) {
	limit = 50
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 {
		limit = min(v, 200)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && v > 0 {
		offset = v
	}
	return limit, offset
}

func masked(ps []Proposal) []Proposal {
	for i := range ps {
		ps[i] = ps[i].Masked()
	}
	return ps
}

func (a *API) mine(w http.ResponseWriter, r *http.Request) {
	limit, offset := paging(r)
	ps, n, err := a.svc.Mine(r.Context(), auth.From(r), r.URL.Query().Get("state"), limit, offset)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, List{Items: masked(ps), Total: n, Limit: limit, Offset: offset})
}

func (a *API) queue(w http.ResponseWriter, r *http.Request) {
	limit, offset := paging(r)
	ps, n, err := a.svc.Queue(r.Context(), auth.From(r), r.URL.Query().Get("unit"), limit, offset)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, List{Items: masked(ps), Total: n, Limit: limit, Offset: offset})
}

// submit takes a proposal in, as JSON (an Input) or as the form with a photo
// (multipart, as the offline form sends it). A client that may send it again
// names it with an Idempotency-Key: the same key and body give the first
// proposal again, with 201 as the first time; the key with another body is 422.
func (a *API) submit(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	var in Input
	var photo *files.Prepared
	var key *idem.Request
	var err error
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/form-data") || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		in, photo, key, err = readForm(w, r, p)
	} else {
		in, key, err = readJSON(w, r, p)
	}
	if err == nil {
		var pr Proposal
		if pr, err = a.svc.Submit(r.Context(), p, in, photo, key); err == nil {
			w.Header().Set("Location", "/api/v1/proposals/"+pr.ID)
			web.WriteJSON(w, http.StatusCreated, pr.Masked())
			return
		}
	}
	a.render.Error(w, r, err)
}

// readJSON reads a proposal sent as JSON, and its Idempotency-Key over the body.
func readJSON(w http.ResponseWriter, r *http.Request, p auth.Principal) (Input, *idem.Request, error) {
	var in Input
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBodyBytes))
	if err != nil {
		return in, nil, apperr.Invalidf("body", "json.too_large")
	}
	key, err := idem.New(p.UserID, r.Header.Get("Idempotency-Key"), body)
	if err != nil {
		return in, nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return in, key, web.DecodeJSON(w, r, &in)
}

func (a *API) detail(w http.ResponseWriter, r *http.Request) {
	pr, err := a.svc.Get(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr.Masked())
}

func (a *API) approve(w http.ResponseWriter, r *http.Request) {
	pr, err := a.svc.Approve(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr.Masked())
}

// RejectInput is a rejection's reason, which the worker sees.
type RejectInput struct {
	Reason string `json:"reason"`
}

func (a *API) reject(w http.ResponseWriter, r *http.Request) {
	var in RejectInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	pr, err := a.svc.Reject(r.Context(), auth.From(r), r.PathValue("id"), in.Reason)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr.Masked())
}

// Trusts is a community's trusted workers and the workers it may trust.
type Trusts struct {
	Trusts  []Trust  `json:"trusts"`
	Workers []Worker `json:"workers"`
}

func (a *API) trusts(w http.ResponseWriter, r *http.Request) {
	ts, ws, err := a.svc.Trusts(r.Context(), auth.From(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, Trusts{Trusts: ts, Workers: ws})
}

// TrustInput lets a worker's proposals of a kind apply directly (On), or not.
type TrustInput struct {
	UserID string `json:"user_id"`
	Kind   Kind   `json:"kind"`
	On     bool   `json:"on"`
}

func (a *API) setTrust(w http.ResponseWriter, r *http.Request) {
	var in TrustInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	if err := a.svc.SetTrust(r.Context(), auth.From(r), in.UserID, in.Kind, in.On); err != nil {
		a.render.Error(w, r, err)
		return
	}
	a.trusts(w, r)
}

// canonical is the body an Idempotency-Key is checked against for a proposal
// sent as a form: the input and the photo's hash, so that a phone that builds its
// form again for a retry (with a new multipart boundary) sends the same request.
func canonical(in Input, photoHash string) []byte {
	b, _ := json.Marshal(struct {
		In    Input  `json:"in"`
		Photo string `json:"photo"`
	}{in, photoHash})
	return b
}
