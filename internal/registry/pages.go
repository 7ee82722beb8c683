package registry

import (
	"context"
	"embed"
	"errors"
	"net/http"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// Templates are the register's pages: households and residents, the forms that
// keep them, the lists and the search.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the strings of the register's pages.
//
//go:embed locales/*.json
var Locales embed.FS

// SearchLimit is the most residents one search shows; past it the user is asked to
// narrow the query rather than page through the register.
const SearchLimit = 50

// Pages serves the register's pages. Every ID number and phone leaves it masked:
// the handlers mask before the templates see a record. Every form is checked by the
// service, which writes with its audit record in one transaction; a form that
// comes back shows what the user typed, with each problem next to its field.
type Pages struct {
	svc    *Service
	org    *org.Service
	render *web.Renderer
}

// RegisterPages adds the register's pages to mux.
func RegisterPages(mux web.Router, svc *Service, orgs *org.Service, render *web.Renderer) {
	p := &Pages{svc: svc, org: orgs, render: render}
	mux.HandleFunc("GET /households/new", p.newHousehold)
	mux.HandleFunc("POST /households/new", p.createHousehold)
	mux.HandleFunc("GET /households/{id}", p.household)
	mux.HandleFunc("GET /households/{id}/edit", p.editHousehold)
	mux.HandleFunc("POST /households/{id}/edit", p.updateHousehold)
	mux.HandleFunc("GET /households/{id}/residents/new", p.newResident)
	mux.HandleFunc("POST /households/{id}/residents/new", p.createResident)
	mux.HandleFunc("GET /households/{id}/split", p.splitForm)
	mux.HandleFunc("POST /households/{id}/split", p.split)
	mux.HandleFunc("GET /households/{id}/merge", p.mergeForm)
	mux.HandleFunc("POST /households/{id}/merge", p.merge)
	mux.HandleFunc("GET /residents/{id}", p.resident)
	mux.HandleFunc("GET /residents/{id}/edit", p.editResident)
	mux.HandleFunc("POST /residents/{id}/edit", p.updateResident)
	mux.HandleFunc("GET /residents/{id}/move", p.moveForm)
	mux.HandleFunc("POST /residents/{id}/move", p.move)
	mux.HandleFunc("GET /residents/{id}/deregister", p.deregisterForm)
	mux.HandleFunc("POST /residents/{id}/deregister", p.deregister)
	mux.HandleFunc("GET /residents/{id}/register", p.registerForm)
	mux.HandleFunc("POST /residents/{id}/register", p.register)
	mux.HandleFunc("POST /residents/{id}/reveal", p.reveal)
	mux.HandleFunc("GET /residents/{id}/erase", p.eraseForm)
	mux.HandleFunc("POST /residents/{id}/erase", p.erase)
	mux.HandleFunc("GET /org/{code}/households", p.households)
	mux.HandleFunc("GET /org/{code}/residents", p.gridResidents)
	mux.HandleFunc("GET /org/{code}/permits", p.permits)
	mux.HandleFunc("GET /search", p.search)
	mux.HandleFunc("GET /dictionaries/{name}", p.dictionary)
	mux.HandleFunc("POST /dictionaries/{name}", p.addDictionaryEntry)
	mux.HandleFunc("GET /dictionaries/{name}/{code}/edit", p.dictionaryEntryForm)
	mux.HandleFunc("POST /dictionaries/{name}/{code}/edit", p.renameDictionaryEntry)
	mux.HandleFunc("GET /dictionaries/{name}/{code}/retire", p.retireDictionaryEntryForm)
	mux.HandleFunc("POST /dictionaries/{name}/{code}/retire", p.retireDictionaryEntry)
	mux.HandleFunc("GET /buildings/{id}", p.building)
	mux.HandleFunc("GET /buildings/{id}/edit", p.buildingForm)
	mux.HandleFunc("POST /buildings/{id}/edit", p.updateBuilding)
}

// place is where a household sits: the breadcrumbs down to its grid, and the grid.
type place struct {
	Crumbs   []web.Crumb
	GridName string
	GridURL  string
}

// placeOf builds the breadcrumbs of a grid for p; units above p's scope show as
// plain text, as p cannot open them.
func (p *Pages) placeOf(ctx context.Context, pr auth.Principal, grid string) (place, error) {
	path, err := p.org.Path(ctx, pr, grid)
	if err != nil {
		return place{}, err
	}
	var pl place
	for _, u := range path {
		c := web.Crumb{Label: u.Name}
		if pr.Scope().Contains(u.Code) {
			c.URL = "/org/" + u.Code
		}
		pl.Crumbs = append(pl.Crumbs, c)
	}
	if n := len(pl.Crumbs); n > 0 {
		pl.GridName, pl.GridURL = pl.Crumbs[n-1].Label, pl.Crumbs[n-1].URL
	}
	return pl, nil
}

// problems is what was wrong with a form: each field's message, without the
// field's name (the form shows it beside the field), and the first of them with
// the name, for the alert above the form. Field is the field of that first one.
type problems struct {
	ByField map[string]string
	Summary string
	Field   string
}

// Has reports whether the form had a problem: it comes back rather than goes on.
func (pb problems) Has() bool { return pb.Summary != "" }

// problemsOf turns the errors of a form's check into problems. Errors other than
// a domain error of invalid input are not the form's: the caller answers them
// with the error page.
func (p *Pages) problemsOf(r *http.Request, errs ...error) (problems, error) {
	pb := problems{ByField: map[string]string{}}
	for _, err := range errs {
		var invalid *apperr.Error
		if !errors.As(err, &invalid) || (invalid.Code != apperr.Invalid && invalid.Code != apperr.Conflict) {
			return pb, err
		}
		if pb.Summary == "" {
			pb.Summary, pb.Field = p.render.Message(r, invalid), invalid.Field
		}
		if _, seen := pb.ByField[invalid.Field]; !seen {
			pb.ByField[invalid.Field] = p.render.Message(r, invalid.InField(""))
		}
	}
	return pb, nil
}

// checked turns a list of a check's errors into problems.
func (p *Pages) checked(r *http.Request, errs []*apperr.Error) problems {
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	pb, _ := p.problemsOf(r, list...)
	return pb
}

// saved sends the browser to target after a write, with a notice to show there:
// a form is never sent twice by reloading the page it led to.
func saved(w http.ResponseWriter, r *http.Request, target, notice string) {
	http.Redirect(w, r, target+"?done="+notice, http.StatusSeeOther)
}
