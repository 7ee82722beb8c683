package registry

import (
	"net/http"
	"strconv"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// API serves the register under /api/v1. ID numbers and phones leave it masked.
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds the register's JSON routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("GET /api/v1/org/{code}/households", a.listHouseholds)
	mux.HandleFunc("GET /api/v1/org/{code}/contacts", a.contacts)
	mux.HandleFunc("GET /api/v1/households/{id}", a.household)
	mux.HandleFunc("POST /api/v1/households", a.createHousehold)
	mux.HandleFunc("PUT /api/v1/households/{id}", a.updateHousehold)
	mux.HandleFunc("GET /api/v1/residents", a.search)
	mux.HandleFunc("GET /api/v1/residents/{id}", a.resident)
	mux.HandleFunc("POST /api/v1/residents", a.createResident)
	mux.HandleFunc("PUT /api/v1/residents/{id}", a.updateResident)
	mux.HandleFunc("POST /api/v1/residents/{id}/reveal", a.reveal)
	mux.HandleFunc("POST /api/v1/residents/{id}/erase", a.erase)
	mux.HandleFunc("POST /api/v1/residents/{id}/move", a.move)
	mux.HandleFunc("POST /api/v1/residents/{id}/deregister", a.deregister)
	mux.HandleFunc("POST /api/v1/residents/{id}/register", a.register)
	mux.HandleFunc("GET /api/v1/residents/{id}/events", a.events)
	mux.HandleFunc("POST /api/v1/households/{id}/split", a.split)
	mux.HandleFunc("POST /api/v1/households/{id}/merge", a.merge)
}

func maskAll(rs []Resident) []Resident {
	out := make([]Resident, len(rs))
	for i, r := range rs {
		out[i] = r.Masked()
	}
	return out
}

// Page is a page of a longer list. Next, when set, is the key to pass as after=
// for the page that follows.
type Page[T any] struct {
	Items []T    `json:"items"`
	Limit int    `json:"limit"`
	Next  string `json:"next,omitempty"`
}

// paging reads limit (1–500, default 50) and after (the key the page starts after)
// from the query.
func paging(r *http.Request) (limit int, k PageKeys) {
	limit = 50
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 {
		limit = min(v, 500)
	}
	return limit, PageKeys{After: r.URL.Query().Get("after")}
}

func (a *API) listHouseholds(w http.ResponseWriter, r *http.Request) {
	limit, k := paging(r)
	pg, err := a.svc.Households(r.Context(), auth.From(r), r.PathValue("code"), limit, k)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, Page[Household]{Items: pg.Items, Limit: limit, Next: pg.Next})
}

// contacts lists a grid's contacts, their phones in full to the workers of the
// grid's community (auth.Principal.SeesWorkContactsOf) and masked to anyone else.
func (a *API) contacts(w http.ResponseWriter, r *http.Request) {
	p, grid := auth.From(r), r.PathValue("code")
	cs, err := a.svc.Contacts(r.Context(), p, grid)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	if !p.SeesWorkContactsOf(grid) {
		for i := range cs {
			cs[i] = cs[i].Masked()
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": cs})
}

type householdView struct {
	Household
	Residents []Resident `json:"residents"`
}

func (a *API) household(w http.ResponseWriter, r *http.Request) {
	h, members, err := a.svc.Household(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, householdView{Household: h, Residents: maskAll(members)})
}

func (a *API) createHousehold(w http.ResponseWriter, r *http.Request) {
	var in HouseholdInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	h, err := a.svc.CreateHousehold(r.Context(), auth.From(r), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, h)
}

func (a *API) updateHousehold(w http.ResponseWriter, r *http.Request) {
	var in HouseholdInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	h, err := a.svc.UpdateHousehold(r.Context(), auth.From(r), r.PathValue("id"), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, h)
}

func (a *API) search(w http.ResponseWriter, r *http.Request) {
	limit, _ := paging(r)
	rs, err := a.svc.Search(r.Context(), auth.From(r), r.URL.Query().Get("q"), limit)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": maskAll(rs)})
}

type residentView struct {
	Resident
	Moves []Move `json:"moves"`
}

func (a *API) resident(w http.ResponseWriter, r *http.Request) {
	res, moves, err := a.svc.Resident(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, residentView{Resident: res.Masked(), Moves: moves})
}

// revealRequest asks for one resident's full ID number or phone, saying why.
type revealView struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// reveal answers the one value asked for, in full; the service audits it.
func (a *API) reveal(w http.ResponseWriter, r *http.Request) {
	var in RevealInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	v, err := a.svc.Reveal(r.Context(), auth.From(r), r.PathValue("id"), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusOK, revealView{Field: in.Field, Value: v})
}

// erase deletes a resident's record on a legal ground, with a reason; the service
// checks both and audits the erasure. A POST to …/erase rather than a DELETE with a
// body, which OpenAPI 3.0 advises against and some proxies drop: like reveal, it is
// an act that must say why.
func (a *API) erase(w http.ResponseWriter, r *http.Request) {
	var in EraseInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	done, err := a.svc.Erase(r.Context(), auth.From(r), r.PathValue("id"), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, done)
}

func (a *API) createResident(w http.ResponseWriter, r *http.Request) {
	var in ResidentInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	res, err := a.svc.CreateResident(r.Context(), auth.From(r), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, res.Masked())
}

func (a *API) updateResident(w http.ResponseWriter, r *http.Request) {
	var in ResidentInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	res, err := a.svc.UpdateResident(r.Context(), auth.From(r), r.PathValue("id"), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res.Masked())
}

// decodeThen decodes a JSON body into in and, if it is well-formed, answers with
// what write returns for it, masked by the caller, with status.
func decodeThen[In, Out any](a *API, w http.ResponseWriter, r *http.Request, status int, write func(In) (Out, error)) {
	var in In
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	out, err := write(in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, status, out)
}

// move moves a resident to another household on a day, with a reason.
func (a *API) move(w http.ResponseWriter, r *http.Request) {
	decodeThen(a, w, r, http.StatusOK, func(in MoveInput) (Resident, error) {
		res, err := a.svc.MoveResident(r.Context(), auth.From(r), r.PathValue("id"), in)
		return res.Masked(), err
	})
}

// deregister takes a resident off the register (注销); the record stays.
func (a *API) deregister(w http.ResponseWriter, r *http.Request) {
	decodeThen(a, w, r, http.StatusOK, func(in DeregisterInput) (Resident, error) {
		res, err := a.svc.Deregister(r.Context(), auth.From(r), r.PathValue("id"), in)
		return res.Masked(), err
	})
}

// register puts a deregistered resident back on the register (登记).
func (a *API) register(w http.ResponseWriter, r *http.Request) {
	decodeThen(a, w, r, http.StatusOK, func(in RegisterInput) (Resident, error) {
		res, err := a.svc.Register(r.Context(), auth.From(r), r.PathValue("id"), in)
		return res.Masked(), err
	})
}

// events lists a resident's registrations and deregistrations, oldest first; the
// moves come with the resident.
func (a *API) events(w http.ResponseWriter, r *http.Request) {
	es, err := a.svc.Events(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": es})
}

// split splits a household (分户) and answers the new one.
func (a *API) split(w http.ResponseWriter, r *http.Request) {
	decodeThen(a, w, r, http.StatusCreated, func(in SplitInput) (Household, error) {
		return a.svc.Split(r.Context(), auth.From(r), r.PathValue("id"), in)
	})
}

// merge merges another household into this one (合户) and answers this one.
func (a *API) merge(w http.ResponseWriter, r *http.Request) {
	decodeThen(a, w, r, http.StatusOK, func(in MergeInput) (Household, error) {
		return a.svc.Merge(r.Context(), auth.From(r), r.PathValue("id"), in)
	})
}
