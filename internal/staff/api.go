package staff

import (
	"net/http"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// API serves the workforce under /api/v1.
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds the workforce's JSON routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("GET /api/v1/staff", a.list)
	mux.HandleFunc("GET /api/v1/staff/{id}", a.get)
	mux.HandleFunc("GET /api/v1/staff/{id}/assignments", a.assignments)
	mux.HandleFunc("POST /api/v1/staff/{id}/assignments", a.assign)
	mux.HandleFunc("POST /api/v1/staff/{id}/assignments/{grid}/end", a.end)
	mux.HandleFunc("GET /api/v1/org/{code}/workers", a.gridTeam)
}

// filterOf reads a roster's filter from a request's query: as_of, q (a piece of
// the name), position, education, sex, and the order, sort and dir, of
// RosterSorting.
func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{AsOf: q.Get("as_of"), Name: q.Get("q"), Position: q.Get("position"), Education: q.Get("education"),
		Sex: q.Get("sex"), Sort: RosterSorting.Read(r)}
}

// shown returns the workers as p may see them (Worker.ShownTo).
func shown(ws []Worker, p auth.Principal) []Worker {
	for i := range ws {
		ws[i] = ws[i].ShownTo(p)
	}
	return ws
}

// list returns the roster under ?scope= (default: the caller's unit), narrowed and
// ordered by the query (filterOf).
func (a *API) list(w http.ResponseWriter, r *http.Request) {
	p, q := auth.From(r), r.URL.Query()
	code := q.Get("scope")
	if code == "" {
		code = p.OrgCode
	}
	ws, err := a.svc.Workers(r.Context(), p, code, filterOf(r))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": shown(ws, p)})
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	wk, err := a.svc.Worker(r.Context(), p, r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, wk.ShownTo(p))
}

// assignments returns a worker's assignments to grids, past and present.
func (a *API) assignments(w http.ResponseWriter, r *http.Request) {
	as, err := a.svc.Assignments(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": as})
}

func (a *API) assign(w http.ResponseWriter, r *http.Request) {
	var in AssignInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	done, err := a.svc.Assign(r.Context(), auth.From(r), r.PathValue("id"), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, done)
}

// end ends an assignment: a POST to …/end, like the register's other acts, rather
// than a DELETE, as the assignment stays in the worker's history.
func (a *API) end(w http.ResponseWriter, r *http.Request) {
	var in EndInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		a.render.Error(w, r, err)
		return
	}
	done, err := a.svc.EndAssignment(r.Context(), auth.From(r), r.PathValue("id"), r.PathValue("grid"), in)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, done)
}

// gridTeam returns who serves a grid, or who served it on ?as_of=.
func (a *API) gridTeam(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	ws, err := a.svc.GridWorkers(r.Context(), p, r.PathValue("code"), r.URL.Query().Get("as_of"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": shown(ws, p)})
}
