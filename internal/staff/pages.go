package staff

import (
	"context"
	"embed"
	"net/url"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// Templates are the workforce's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the strings of the workforce's pages.
//
//go:embed locales/*.json
var Locales embed.FS

// Pages serves the workforce's pages.
type Pages struct {
	svc    *Service
	org    *org.Service
	render *web.Renderer
}

// RegisterPages adds the workforce's pages to mux.
func RegisterPages(mux web.Router, svc *Service, orgs *org.Service, render *web.Renderer) {
	p := &Pages{svc: svc, org: orgs, render: render}
	mux.HandleFunc("GET /staff", p.roster)
	mux.HandleFunc("GET /staff/{id}", p.worker)
	mux.HandleFunc("POST /staff/{id}/assignments", p.assign)
	mux.HandleFunc("POST /staff/{id}/assignments/{grid}/end", p.end)
}

// link is a unit as the page links it; URL is empty for a unit the user cannot open.
type link struct {
	Name, URL string
}

// workerRow is a worker as the pages show them: as the user may see them
// (Worker.ShownTo), with names for codes.
type workerRow struct {
	Worker
	Age       int
	Community string
	Grids     []link
}

func staffURL(code string) string { return "/staff?scope=" + url.QueryEscape(code) }

// crumbs is the path to the unit, each step in scope linking to its own roster;
// the last links too when linkLast.
func (p *Pages) crumbs(ctx context.Context, pr auth.Principal, code string, linkLast bool) ([]web.Crumb, error) {
	path, err := p.org.Path(ctx, pr, code)
	if err != nil {
		return nil, err
	}
	out := make([]web.Crumb, len(path))
	for i, u := range path {
		out[i] = web.Crumb{Label: u.Name}
		if (linkLast || i < len(path)-1) && pr.Scope().Contains(u.Code) {
			out[i].URL = staffURL(u.Code)
		}
	}
	return out, nil
}

// names returns the names of the units on the path to unit, of the communities in
// the user's scope, and of the grids of the communities given that are in scope.
func (p *Pages) names(ctx context.Context, pr auth.Principal, unit string, communities ...string) (map[string]string, error) {
	names := map[string]string{}
	path, err := p.org.Path(ctx, pr, unit)
	if err != nil {
		return nil, err
	}
	for _, u := range path {
		names[u.Code] = u.Name
	}
	all, err := p.org.Communities(ctx, pr)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		names[c.Code] = c.Name
	}
	seen := map[string]bool{}
	for _, c := range communities {
		if seen[c] || !pr.Scope().Contains(c) {
			continue
		}
		seen[c] = true
		grids, err := p.org.Children(ctx, pr, c)
		if err != nil {
			return nil, err
		}
		for _, g := range grids {
			names[g.Code] = g.Name
		}
	}
	return names, nil
}

// row is a worker as the pages show them to pr, of their age on day, with names
// from names.
func row(pr auth.Principal, wk Worker, names map[string]string, day string) workerRow {
	r := workerRow{Worker: wk.ShownTo(pr), Age: ageOn(wk.BirthDate, day), Community: nameOr(names, wk.CommunityCode)}
	for _, g := range wk.GridCodes {
		l := link{Name: nameOr(names, g)}
		if pr.Scope().Contains(g) {
			l.URL = "/org/" + g
		}
		r.Grids = append(r.Grids, l)
	}
	return r
}

func nameOr(names map[string]string, code string) string {
	if n := names[code]; n != "" {
		return n
	}
	return code
}

// ageOn returns the age in whole years on day of someone born on birth, both
// YYYY-MM-DD.
func ageOn(birth, day string) int {
	b, err1 := time.Parse(time.DateOnly, birth)
	d, err2 := time.Parse(time.DateOnly, day)
	if err1 != nil || err2 != nil {
		return 0
	}
	age := d.Year() - b.Year()
	if d.Month() < b.Month() || (d.Month() == b.Month() && d.Day() < b.Day()) {
		age--
	}
	return age
}
