package registry

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"strings"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// Templates are the register's pages: a household, a resident, the search.
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
// the handlers mask before the templates see a record.
type Pages struct {
	svc    *Service
	org    *org.Service
	render *web.Renderer
	now    func() time.Time
}

// RegisterPages adds the register's pages to mux.
func RegisterPages(mux web.Router, svc *Service, orgs *org.Service, render *web.Renderer, now func() time.Time) {
	p := &Pages{svc: svc, org: orgs, render: render, now: now}
	mux.HandleFunc("GET /households/{id}", p.household)
	mux.HandleFunc("GET /residents/{id}", p.resident)
	mux.HandleFunc("POST /residents/{id}/reveal", p.reveal)
	mux.HandleFunc("GET /residents/{id}/erase", p.eraseForm)
	mux.HandleFunc("POST /residents/{id}/erase", p.erase)
	mux.HandleFunc("GET /search", p.search)
}

// residentRow is a masked resident with their age today.
type residentRow struct {
	Resident
	Age int
}

func (p *Pages) rows(rs []Resident) []residentRow {
	today := p.now()
	out := make([]residentRow, len(rs))
	for i, r := range rs {
		out[i] = residentRow{Resident: r.Masked(), Age: r.Age(today)}
	}
	return out
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

type householdPage struct {
	place
	Household Household
	Members   []residentRow
	Erased    bool // a member was just erased: say it was done and recorded
}

func (p *Pages) household(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	h, members, err := p.svc.Household(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl, err := p.placeOf(r.Context(), pr, h.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: h.No})
	p.render.Page(w, r, http.StatusOK, "registry_household", householdPage{place: pl, Household: h, Members: p.rows(members),
		Erased: r.URL.Query().Get("erased") == "1"})
}

type residentPage struct {
	place
	Resident Resident
	Age      int
	Moves    []Move
	// CanReveal offers the form that shows one full number with a reason;
	// Revealed names the field shown in full after it, RevealError what was wrong.
	CanReveal   bool
	CanErase    bool // offers the way to the erasure form
	Revealed    string
	RevealError string
	Reason      string // the reason typed, kept when the form comes back
	value       string // the number revealed
}

func (p *Pages) resident(w http.ResponseWriter, r *http.Request) {
	p.residentWith(w, r, http.StatusOK, residentPage{})
}

// reveal shows the resident's page with one number in full, once, after the
// service has recorded who asked and why; a missing reason is said on the form.
func (p *Pages) reveal(w http.ResponseWriter, r *http.Request) {
	field, reason := r.PostFormValue("field"), r.PostFormValue("reason")
	v, err := p.svc.Reveal(r.Context(), auth.From(r), r.PathValue("id"), RevealInput{Field: field, Reason: reason})
	var invalid *apperr.Error
	switch {
	case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
		p.residentWith(w, r, http.StatusBadRequest, residentPage{RevealError: p.render.Message(r, invalid.InField("")), Reason: reason})
	case err != nil:
		p.render.Error(w, r, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		p.residentWith(w, r, http.StatusOK, residentPage{Revealed: field, value: v})
	}
}

func (p *Pages) residentWith(w http.ResponseWriter, r *http.Request, status int, page residentPage) {
	pr := auth.From(r)
	res, moves, err := p.svc.Resident(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl, err := p.placeOf(r.Context(), pr, res.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: res.HouseholdNo, URL: "/households/" + res.HouseholdID}, web.Crumb{Label: res.Name})
	page.place, page.Resident, page.Age, page.Moves = pl, res.Masked(), res.Age(p.now()), moves
	page.CanReveal, page.CanErase = pr.Can(auth.RevealRegister), pr.Can(auth.EraseRegister)
	switch page.Revealed {
	case "id_number":
		page.Resident.IDNumber = page.value
	case "phone":
		page.Resident.Phone = page.value
	}
	p.render.Page(w, r, status, "registry_resident", page)
}

// erasePage is the form that erases a resident's record: whose, on what ground,
// why, and the last four characters of the ID number typed to confirm. Error
// (translated) and Field say what was wrong with what the form held.
type erasePage struct {
	place
	Resident Resident // masked
	Grounds  []string
	Input    EraseInput
	Error    string
	Field    string
}

// eraseForm asks to confirm erasing a resident, for a user who may.
func (p *Pages) eraseForm(w http.ResponseWriter, r *http.Request) {
	res, err := p.svc.Erasable(r.Context(), auth.From(r), r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.eraseWith(w, r, http.StatusOK, res, erasePage{})
}

// erase erases the resident once the form holds a ground, a reason and the right
// last four characters, and goes to the household, which stays; what is missing
// or wrong is said on the form.
func (p *Pages) erase(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	res, err := p.svc.Erasable(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	in := EraseInput{Ground: r.PostFormValue("ground"), Reason: r.PostFormValue("reason")}
	err = in.Validate()
	if err == nil {
		err = res.ConfirmErasure(r.PostFormValue("confirm"))
	}
	var done Erasure
	if err == nil {
		done, err = p.svc.Erase(r.Context(), pr, res.ID, in)
	}
	var invalid *apperr.Error
	switch {
	case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
		p.eraseWith(w, r, http.StatusBadRequest, res, erasePage{Input: in, Error: p.render.Message(r, invalid), Field: invalid.Field})
	case err != nil:
		p.render.Error(w, r, err)
	default:
		http.Redirect(w, r, "/households/"+done.HouseholdID+"?erased=1", http.StatusSeeOther)
	}
}

func (p *Pages) eraseWith(w http.ResponseWriter, r *http.Request, status int, res Resident, page erasePage) {
	pl, err := p.placeOf(r.Context(), auth.From(r), res.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: res.HouseholdNo, URL: "/households/" + res.HouseholdID},
		web.Crumb{Label: res.Name, URL: "/residents/" + res.ID})
	page.place, page.Resident, page.Grounds = pl, res.Masked(), Grounds
	p.render.Page(w, r, status, "registry_erase", page)
}

type searchPage struct {
	Query    string
	Searched bool
	Error    string
	Results  []residentRow
	Limited  bool
}

// search answers a query the register cannot use (too short) on the form itself,
// not with an error page: the user's next step is to type more.
func (p *Pages) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := searchPage{Query: q, Searched: q != ""}
	status := http.StatusOK
	if page.Searched {
		found, err := p.svc.Search(r.Context(), auth.From(r), q, SearchLimit)
		var invalid *apperr.Error
		switch {
		case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
			// Shown under the search box, the message needs no field name before it.
			page.Error = p.render.Message(r, invalid.InField(""))
			status = http.StatusBadRequest
		case err != nil:
			p.render.Error(w, r, err)
			return
		default:
			page.Results, page.Limited = p.rows(found), len(found) >= SearchLimit
		}
	}
	p.render.Page(w, r, status, "registry_search", page)
}
