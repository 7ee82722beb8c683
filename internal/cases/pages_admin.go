package cases

import (
	"errors"
	"net/http"
	"net/url"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// The pages that keep the catalogue (the city's) and the routing tables (each
// district's): who handles what, and in how long.

// cataloguePage is the catalogue with a form a row for those who may change it.
type cataloguePage struct {
	Categories []Category
	May        bool
	Problem    string
	Field      string
	Failed     string // the code of the row whose form the problem belongs to
	Saved      string
	Lang       string
}

func (pg *Pages) catalogue(w http.ResponseWriter, r *http.Request) {
	pg.cataloguePage(w, r, http.StatusOK, cataloguePage{Saved: r.URL.Query().Get("saved")})
}

func (pg *Pages) cataloguePage(w http.ResponseWriter, r *http.Request, status int, page cataloguePage) {
	p := auth.From(r)
	if err := p.Require(auth.ReadRegister); err != nil && !MayKeepCatalogue(p) {
		pg.render.Error(w, r, err)
		return
	}
	page.Categories, page.May, page.Lang = pg.svc.Catalogue().All(), MayKeepCatalogue(p), web.Lang(r)
	pg.render.Page(w, r, status, "cases_catalogue", page)
}

func (pg *Pages) saveCategory(w http.ResponseWriter, r *http.Request) {
	in := CategoryInput{Code: r.PostFormValue("code"), NameZh: r.PostFormValue("name_zh"), NameEn: r.PostFormValue("name_en"),
		AcceptLimit: r.PostFormValue("accept_limit"), HandleLimit: r.PostFormValue("handle_limit"), Retired: r.PostFormValue("retired") == "1"}
	if err := pg.svc.SaveCategory(r.Context(), auth.From(r), in); err != nil {
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid {
			pg.render.Error(w, r, err)
			return
		}
		pg.cataloguePage(w, r, http.StatusBadRequest, cataloguePage{Problem: pg.render.Message(r, err), Field: e.Field, Failed: in.Code})
		return
	}
	http.Redirect(w, r, "/cases/catalogue?saved="+url.QueryEscape(in.Code)+"#c-"+in.Code, http.StatusSeeOther)
}

// routesPage is a district's routing table, its handling units, and forms to
// change them for those who may.
type routesPage struct {
	District  string
	Districts []string
	Classes   []Category
	Routes    map[string]string // category → handler ID
	Handlers  []Handler
	May       bool
	Problem   string
	Lang      string
}

// districtOf is the district a user keeps routes for: the one asked (in scope),
// else the user's own, else the first in the city.
func (pg *Pages) districtOf(r *http.Request, p auth.Principal) (string, []string) {
	var districts []string
	if scope.LevelOf(p.OrgCode) == scope.City {
		if kids, err := pg.orgs.Children(r.Context(), p, p.OrgCode); err == nil {
			for _, k := range kids {
				districts = append(districts, k.Code)
			}
		}
	} else if len(p.OrgCode) >= 6 {
		districts = []string{p.OrgCode[:6]}
	}
	want := r.FormValue("district")
	for _, d := range districts {
		if d == want {
			return d, districts
		}
	}
	if len(districts) > 0 {
		return districts[0], districts
	}
	return "", nil
}

func (pg *Pages) routes(w http.ResponseWriter, r *http.Request) {
	pg.routesPage(w, r, http.StatusOK, "")
}

func (pg *Pages) routesPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	p := auth.From(r)
	district, districts := pg.districtOf(r, p)
	routes, hs, err := pg.svc.Routing(r.Context(), p, district, web.Lang(r))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := routesPage{District: district, Districts: districts, Routes: map[string]string{}, Handlers: hs, May: MayRoute(p), Problem: problem, Lang: web.Lang(r)}
	for _, rt := range routes {
		page.Routes[rt.Category] = rt.Handler
	}
	for _, c := range pg.svc.Catalogue().All() {
		if !c.Retired {
			page.Classes = append(page.Classes, c)
		}
	}
	pg.render.Page(w, r, status, "cases_routes", page)
}

// saveRoutes sets one route, or adds a handling unit, as the form says.
func (pg *Pages) saveRoutes(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	district, _ := pg.districtOf(r, p)
	var err error
	if r.PostFormValue("action") == "handler" {
		_, err = pg.svc.AddHandler(r.Context(), p, HandlerInput{OrgCode: r.PostFormValue("org_code"), NameZh: r.PostFormValue("name_zh"),
			NameEn: r.PostFormValue("name_en"), Kind: r.PostFormValue("kind")})
	} else {
		err = pg.svc.SetRoute(r.Context(), p, district, r.PostFormValue("category"), r.PostFormValue("handler_id"))
	}
	if err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			pg.render.Error(w, r, err)
			return
		}
		pg.routesPage(w, r, http.StatusBadRequest, pg.render.Message(r, err))
		return
	}
	http.Redirect(w, r, "/cases/routes?district="+url.QueryEscape(district), http.StatusSeeOther)
}
