package org

import (
	"net/http"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// API serves the tree under /api/v1.
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds the tree's JSON routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("GET /api/v1/org/{code}", a.get)
	mux.HandleFunc("GET /api/v1/org/{code}/children", a.children)
}

type unitView struct {
	Unit
	Path []Unit `json:"path"`
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	u, err := a.svc.Unit(r.Context(), auth.From(r), r.PathValue("code"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	path, err := a.svc.Path(r.Context(), auth.From(r), u.Code)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, unitView{Unit: u, Path: path})
}

func (a *API) children(w http.ResponseWriter, r *http.Request) {
	us, err := a.svc.Children(r.Context(), auth.From(r), r.PathValue("code"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": us})
}
