package server

import (
	_ "embed"
	"net/http"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
	"shequ/internal/stats"
)

// openAPI describes every route under /api/v1; a test holds it to the route table.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}

type meView struct {
	Name        string        `json:"name"`
	Role        auth.Role     `json:"role"`
	OrgCode     string        `json:"org_code"`
	OrgName     string        `json:"org_name"`
	Permissions []auth.Action `json:"permissions"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	v, _ := web.ViewerFrom(r.Context())
	web.WriteJSON(w, http.StatusOK, meView{Name: p.Name, Role: p.Role, OrgCode: p.OrgCode, OrgName: v.OrgName, Permissions: auth.Permissions(p.Role)})
}

// statsFor reads ?scope= (default the caller's unit) and ?as_of= (default today)
// and gives the statistics within the caller's scope, computed once for everyone
// until the register under the unit changes.
func (s *Server) statsFor(r *http.Request) (stats.Stats, error) {
	p := auth.From(r)
	if err := p.Require(auth.ReadRegister); err != nil {
		return stats.Stats{}, err
	}
	code := r.URL.Query().Get("scope")
	if code == "" {
		code = p.OrgCode
	}
	day := web.Today(r.Context(), s.cfg.Now())
	if v := r.URL.Query().Get("as_of"); v != "" {
		var err error
		if day, err = time.Parse(time.DateOnly, v); err != nil {
			return stats.Stats{}, apperr.Invalidf("as_of", "date")
		}
	}
	return s.stats.Get(r.Context(), p.Scope(), code, day)
}

func (s *Server) statsAPI(w http.ResponseWriter, r *http.Request) {
	st, err := s.statsFor(r)
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}
