package fieldwork

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/web"
)

// API serves grid work under /api/v1: what a phone reads (the day, a grid's work)
// and what it sends on its own (a visit from the outbox, a patrol's points).
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds grid work's JSON routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("GET /api/v1/day", a.day)
	mux.HandleFunc("GET /api/v1/grids/{code}/work", a.grid)
	mux.HandleFunc("POST /api/v1/visits", a.visit)
	mux.HandleFunc("POST /api/v1/patrols/{id}/points", a.points)
}

func (a *API) day(w http.ResponseWriter, r *http.Request) {
	d, err := a.svc.Day(r.Context(), auth.From(r), web.Lang(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (a *API) grid(w http.ResponseWriter, r *http.Request) {
	g, err := a.svc.Grid(r.Context(), auth.From(r), r.PathValue("code"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, g)
}

// visit records a visit sent as JSON. The phone's outbox names it with an
// Idempotency-Key: the same key and body give the first visit again, with 201.
func (a *API) visit(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/form-data") || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		in, key, err := readVisitForm(w, r, p)
		if err != nil {
			a.render.Error(w, r, err)
			return
		}
		a.created(w, r, p, in, key)
		return
	}
	var in VisitInput
	key, err := idem.DecodeJSON(w, r, p.UserID, &in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	a.created(w, r, p, in, key)
}

// created records the visit and answers 201 with it.
func (a *API) created(w http.ResponseWriter, r *http.Request, p auth.Principal, in VisitInput, key *idem.Request) {
	v, err := a.svc.RecordVisit(r.Context(), p, in, key)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/visits/"+v.ID)
	web.WriteJSON(w, http.StatusCreated, v)
}

// maxVisitForm bounds a visit sent as a form: text only.
const maxVisitForm = 64 << 10

// readVisitForm reads a visit sent as a form (the outbox sends the form's fields)
// and its Idempotency-Key, checked against the fields in a fixed order rather than
// the raw body, whose multipart boundary a retry changes.
func readVisitForm(w http.ResponseWriter, r *http.Request, p auth.Principal) (VisitInput, *idem.Request, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVisitForm)
	if err := r.ParseMultipartForm(maxVisitForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return VisitInput{}, nil, apperr.Invalidf("body", "json.too_large")
	}
	fields := url.Values{}
	for _, name := range []string{"household_id", "resident_id", "visited_on", "met", "purpose", "notes", "needs", "follow_up_on"} {
		fields.Set(name, r.FormValue(name))
	}
	key, err := idem.New(p.UserID, r.Header.Get("Idempotency-Key"), []byte(fields.Encode()))
	return visitInput(r), key, err
}

// pointsInput is what the patrol page's script sends as the phone moves.
type pointsInput struct {
	Points []Point `json:"points"`
}

func (a *API) points(w http.ResponseWriter, r *http.Request) {
	var in pointsInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	pt, err := a.svc.AddPoints(r.Context(), auth.From(r), r.PathValue("id"), in.Points)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pt)
}
