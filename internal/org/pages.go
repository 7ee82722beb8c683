package org

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// Templates are the tree's pages: changing a unit, adding a grid to a community.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the strings of the tree's pages.
//
//go:embed locales/*.json
var Locales embed.FS

// Pages serves the forms that keep the tree, for users who hold org.write. The
// unit's own page, with its figures, is the server's.
type Pages struct {
	svc    *Service
	render *web.Renderer
}

// RegisterPages adds the tree's forms to mux.
func RegisterPages(mux web.Router, svc *Service, render *web.Renderer) {
	p := &Pages{svc: svc, render: render}
	mux.HandleFunc("GET /org/{code}/edit", p.editForm)
	mux.HandleFunc("POST /org/{code}/edit", p.edit)
	mux.HandleFunc("GET /org/{code}/grids/new", p.gridForm)
	mux.HandleFunc("POST /org/{code}/grids/new", p.addGrid)
}

// Crumbs returns the breadcrumbs of a unit in scope, top down: each unit links to
// its page where the principal may open it, the unit itself only if linkSelf.
func (s *Service) Crumbs(ctx context.Context, p auth.Principal, code string, linkSelf bool) ([]web.Crumb, error) {
	path, err := s.Path(ctx, p, code)
	if err != nil {
		return nil, err
	}
	crumbs := make([]web.Crumb, len(path))
	for i, u := range path {
		crumbs[i] = web.Crumb{Label: u.Name}
		if (linkSelf || i < len(path)-1) && p.Scope().Contains(u.Code) {
			crumbs[i].URL = "/org/" + u.Code
		}
	}
	return crumbs, nil
}

// unitForm is what a form holds, as typed: it comes back unchanged when refused.
type unitForm struct {
	Name, FoundedYear, OfficeArea, AuthorizedPosts string
	// Code is a new grid's three digits after its community's code.
	Code string
}

// value returns what the form holds for field.
func (f unitForm) value(field string) string {
	switch field {
	case "name":
		return f.Name
	case "founded_year":
		return f.FoundedYear
	case "office_area_m2":
		return f.OfficeArea
	case "authorized_posts":
		return f.AuthorizedPosts
	case "code":
		return f.Code
	}
	return ""
}

// formPage is the form to change a unit or add a grid. Refused says it comes
// back with errors: each under its input, and Alert for one that names no input.
type formPage struct {
	Unit    Unit // the unit changed, or the community a grid is added to
	Crumbs  []web.Crumb
	Action  string // where the form goes
	Submit  string // the message key of its button
	Inputs  []input
	Refused bool
	Alert   string
}

// input is one field of a form: its name, what it holds, what is wrong with it
// (translated, shown after the input's own label), and how it is labelled and
// typed. Label and Hint are message keys.
type input struct {
	Name, Value, Error string
	Label, Hint        string
	Mode               string // the inputmode a phone's keyboard follows
	Max                int    // maxlength
	Required           bool
	Focus              bool   // the first input refused
	Prefix, Suffix     string // shown before and after the input: a code's fixed part, a unit
}

// inputs are the forms' fields, in the order they show them.
var inputs = []input{
	{Name: "code", Label: "org.grid_code", Hint: "org.hint.grid_code", Mode: "numeric", Max: 3, Required: true},
	{Name: "name", Label: "org.name", Max: 60, Required: true},
	{Name: "founded_year", Label: "field.founded_year", Hint: "org.hint.founded_year", Mode: "numeric", Max: 4},
	{Name: "office_area_m2", Label: "org.office_area", Hint: "org.hint.office_area", Mode: "decimal", Max: 16, Suffix: "㎡"},
	{Name: "authorized_posts", Label: "field.authorized_posts", Hint: "org.hint.authorized_posts", Mode: "numeric", Max: 4},
}

// fieldsOf returns the fields a form shows: a new grid's code and name, or a
// unit's name and, for a community, its facts.
func fieldsOf(u Unit, newGrid bool) []string {
	switch {
	case newGrid:
		return []string{"code", "name"}
	case u.Level == scope.Community:
		return []string{"name", "founded_year", "office_area_m2", "authorized_posts"}
	}
	return []string{"name"}
}

// formOf writes a unit as its form shows it.
func formOf(u Unit) unitForm {
	f := unitForm{Name: u.Name}
	if u.FoundedYear != 0 {
		f.FoundedYear = strconv.Itoa(u.FoundedYear)
	}
	if u.OfficeArea != 0 {
		f.OfficeArea = u.OfficeArea.String()
	}
	if u.Level == scope.Community {
		f.AuthorizedPosts = strconv.Itoa(u.AuthorizedPosts)
	}
	return f
}

// formErrors collects what is wrong with what a form holds, field by field.
type formErrors map[string]*apperr.Error

// add takes err if it is about what the form holds (invalid, or in conflict with
// another unit), the first for each field, and reports whether it did; any other
// error is the page's.
func (fe formErrors) add(err error) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict) {
		return false
	}
	if fe[ae.Field] == nil {
		fe[ae.Field] = ae
	}
	return true
}

// wholeNumber reads a form's whole number, full-width digits too; "" is 0. What is
// not one is refused with key on field.
func wholeNumber(s, field, key string) (int, error) {
	s = strings.TrimSpace(width.Narrow.String(s))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, apperr.Invalidf(field, key)
	}
	return n, nil
}

// read turns a form into a unit: the fields of u that the form changes, all of a
// community's facts for a community. Every field it cannot read is in the errors.
func (f unitForm) read(u Unit) (Unit, formErrors) {
	fe := formErrors{}
	u.Name = strings.TrimSpace(f.Name)
	if u.Level != scope.Community {
		return u, fe
	}
	var err error
	if u.FoundedYear, err = wholeNumber(f.FoundedYear, "founded_year", "org.founded_year"); err != nil {
		fe.add(err)
	}
	if u.OfficeArea, err = area.Parse("office_area_m2", f.OfficeArea); err != nil {
		fe.add(err)
	}
	if u.AuthorizedPosts, err = wholeNumber(f.AuthorizedPosts, "authorized_posts", "org.posts"); err != nil {
		fe.add(err)
	}
	return u, fe
}

func formFrom(r *http.Request) unitForm {
	return unitForm{Name: r.PostFormValue("name"), FoundedYear: r.PostFormValue("founded_year"),
		OfficeArea: r.PostFormValue("office_area_m2"), AuthorizedPosts: r.PostFormValue("authorized_posts"),
		Code: r.PostFormValue("code")}
}

// editForm shows the form to change a unit: its name, and a community's founding
// year, office space and authorised posts.
func (p *Pages) editForm(w http.ResponseWriter, r *http.Request) {
	u, err := p.svc.Editable(r.Context(), auth.From(r), r.PathValue("code"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.show(w, r, http.StatusOK, "org_edit", u, formOf(u), nil)
}

// edit saves a unit and goes back to its page; what is refused comes back on the
// form as typed, each problem under its field.
func (p *Pages) edit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	pr := auth.From(r)
	u, err := p.svc.Editable(r.Context(), pr, r.PathValue("code"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	form := formFrom(r)
	changed, fe := form.read(u)
	if len(fe) == 0 {
		if _, err := p.svc.Update(r.Context(), pr, changed); err != nil && !fe.add(err) {
			p.render.Error(w, r, err)
			return
		}
	}
	if len(fe) > 0 {
		p.show(w, r, http.StatusBadRequest, "org_edit", u, form, fe)
		return
	}
	http.Redirect(w, r, "/org/"+u.Code+"?saved=1", http.StatusSeeOther)
}

// community returns the community a grid is to be added to, for a user who may.
func (p *Pages) community(r *http.Request) (Unit, error) {
	u, err := p.svc.Editable(r.Context(), auth.From(r), r.PathValue("code"))
	if err == nil && u.Level != scope.Community {
		err = notFound()
	}
	return u, err
}

// gridForm shows the form to add a grid under a community, its code suggested.
func (p *Pages) gridForm(w http.ResponseWriter, r *http.Request) {
	u, err := p.community(r)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	next, err := p.svc.NextGridCode(r.Context(), auth.From(r), u.Code)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.show(w, r, http.StatusOK, "org_grid_new", u, unitForm{Code: strings.TrimPrefix(next, u.Code)}, nil)
}

// addGrid adds a grid (网格) under a community and goes back to the community's
// page, which lists it.
func (p *Pages) addGrid(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	pr := auth.From(r)
	u, err := p.community(r)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	form := formFrom(r)
	fe := formErrors{}
	suffix := strings.TrimSpace(width.Narrow.String(form.Code))
	if len(suffix) != 3 || strings.Trim(suffix, "0123456789") != "" || suffix == "000" {
		fe.add(apperr.Invalidf("code", "org.grid_code"))
	}
	if len(fe) == 0 {
		grid := Unit{Code: u.Code + suffix, Name: form.Name, Level: scope.Grid, ParentCode: u.Code}
		if _, err := p.svc.Create(r.Context(), pr, grid); err != nil && !fe.add(err) {
			p.render.Error(w, r, err)
			return
		}
	}
	if len(fe) > 0 {
		p.show(w, r, http.StatusBadRequest, "org_grid_new", u, form, fe)
		return
	}
	http.Redirect(w, r, "/org/"+u.Code+"?added="+url.QueryEscape(u.Code+suffix), http.StatusSeeOther)
}

// show renders a form page for u, holding form, with the errors translated under
// their inputs.
func (p *Pages) show(w http.ResponseWriter, r *http.Request, status int, name string, u Unit, form unitForm, fe formErrors) {
	crumbs, err := p.svc.Crumbs(r.Context(), auth.From(r), u.Code, true)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := formPage{Unit: u, Crumbs: crumbs, Refused: len(fe) > 0, Action: "/org/" + u.Code + "/edit", Submit: "org.form.save"}
	newGrid := name == "org_grid_new"
	if newGrid {
		page.Action, page.Submit = "/org/"+u.Code+"/grids/new", "org.grid_new.submit"
	}
	fields := fieldsOf(u, newGrid)
	focused := false
	for _, in := range inputs {
		if !slices.Contains(fields, in.Name) {
			continue
		}
		in.Value = form.value(in.Name)
		if err := fe[in.Name]; err != nil {
			in.Error = p.render.Message(r, err.InField(""))
			in.Focus = !focused
			focused = true
		}
		if in.Name == "code" {
			in.Prefix = u.Code
		}
		page.Inputs = append(page.Inputs, in)
	}
	for field, err := range fe {
		if !slices.Contains(fields, field) {
			page.Alert = p.render.Message(r, err)
		}
	}
	p.render.Page(w, r, status, name, page)
}
