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
	mux.HandleFunc("GET /api/v1/org/{code}/workers", a.gridTeam)
}

func masked(ws []Worker) []Worker {
	for i := range ws {
		ws[i] = ws[i].Masked()
	}
	return ws
}

// list returns the workers under ?scope= (default: the caller's unit).
func (a *API) list(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	code := r.URL.Query().Get("scope")
	if code == "" {
		code = p.OrgCode
	}
	ws, err := a.svc.Workers(r.Context(), p, code)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": masked(ws)})
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	wk, err := a.svc.Worker(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, wk.Masked())
}

func (a *API) gridTeam(w http.ResponseWriter, r *http.Request) {
	ws, err := a.svc.GridWorkers(r.Context(), auth.From(r), r.PathValue("code"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": masked(ws)})
}
