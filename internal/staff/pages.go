package staff

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
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
	now    func() time.Time
}

// RegisterPages adds the workforce's pages to mux.
func RegisterPages(mux web.Router, svc *Service, orgs *org.Service, render *web.Renderer, now func() time.Time) {
	p := &Pages{svc: svc, org: orgs, render: render, now: now}
	mux.HandleFunc("GET /staff", p.list)
}

// link is a unit as the page links it; URL is empty for a unit the user cannot open.
type link struct {
	Name, URL string
}

// workerRow is a worker as the roster shows them: masked, with names for codes.
type workerRow struct {
	Worker
	Age       int
	Community string
	Grids     []link
}

// summary counts the roster the way the report does.
type summary struct {
	Total, Female, Male         int
	Under35, From35To50, Over50 int
	CollegeOrAbove              int
	// Posts is the authorised posts of the communities in view and Vacant those not
	// filled; HasPosts is false for a grid, which has no posts of its own.
	Posts, Vacant int
	HasPosts      bool
}

type listPage struct {
	Unit     org.Unit
	Crumbs   []web.Crumb
	Children []link
	Workers  []workerRow
	Summary  summary
}

func staffURL(code string) string { return "/staff?scope=" + url.QueryEscape(code) }

// list is the roster of the workers under ?scope= (default the user's unit), by
// community then name.
func (p *Pages) list(w http.ResponseWriter, r *http.Request) {
	ctx, pr := r.Context(), auth.From(r)
	code := r.URL.Query().Get("scope")
	if code == "" {
		code = pr.OrgCode
	}
	unit, err := p.org.Unit(ctx, pr, code)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	workers, err := p.svc.Workers(ctx, pr, unit.Code)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := listPage{Unit: unit}
	if page.Crumbs, err = p.crumbs(ctx, pr, unit.Code); err != nil {
		p.render.Error(w, r, err)
		return
	}
	if unit.Level != scope.Grid {
		children, err := p.org.Children(ctx, pr, unit.Code)
		if err != nil {
			p.render.Error(w, r, err)
			return
		}
		for _, c := range children {
			page.Children = append(page.Children, link{Name: c.Name, URL: staffURL(c.Code)})
		}
	}
	names, posts, err := p.names(ctx, pr, unit, workers)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	today := p.now()
	for _, wk := range workers {
		row := workerRow{Worker: wk.Masked(), Age: ageOn(wk.BirthDate, today), Community: names[wk.CommunityCode]}
		if row.Community == "" {
			row.Community = wk.CommunityCode
		}
		for _, g := range wk.GridCodes {
			l := link{Name: names[g]}
			if l.Name == "" {
				l.Name = g
			}
			if pr.Scope().Contains(g) {
				l.URL = "/org/" + g
			}
			row.Grids = append(row.Grids, l)
		}
		page.Workers = append(page.Workers, row)
	}
	page.Summary = summarize(page.Workers, posts)
	p.render.Page(w, r, http.StatusOK, "staff_list", page)
}

// crumbs is the path to the unit, each step in scope linking to its own roster.
func (p *Pages) crumbs(ctx context.Context, pr auth.Principal, code string) ([]web.Crumb, error) {
	path, err := p.org.Path(ctx, pr, code)
	if err != nil {
		return nil, err
	}
	out := make([]web.Crumb, len(path))
	for i, u := range path {
		out[i] = web.Crumb{Label: u.Name}
		if i < len(path)-1 && pr.Scope().Contains(u.Code) {
			out[i].URL = staffURL(u.Code)
		}
	}
	return out, nil
}

// names returns the names of the communities and grids the workers belong to, and
// the authorised posts (编制) of the communities under unit; posts is -1 when the
// user cannot see them all (a grid worker sees a team, not a community).
func (p *Pages) names(ctx context.Context, pr auth.Principal, unit org.Unit, workers []Worker) (map[string]string, int, error) {
	names := map[string]string{}
	path, err := p.org.Path(ctx, pr, unit.Code)
	if err != nil {
		return nil, 0, err
	}
	for _, u := range path {
		names[u.Code] = u.Name
	}
	communities, err := p.org.Communities(ctx, pr)
	if err != nil {
		return nil, 0, err
	}
	posts := 0
	for _, c := range communities {
		names[c.Code] = c.Name
		if scope.Of(unit.Code).Contains(c.Code) {
			posts += c.AuthorizedPosts
		}
	}
	if unit.Level == scope.Grid {
		posts = -1
	}
	seen := map[string]bool{}
	for _, wk := range workers {
		c := wk.CommunityCode
		if seen[c] || !pr.Scope().Contains(c) {
			continue
		}
		seen[c] = true
		grids, err := p.org.Children(ctx, pr, c)
		if err != nil {
			return nil, 0, err
		}
		for _, g := range grids {
			names[g.Code] = g.Name
		}
	}
	return names, posts, nil
}

func summarize(rows []workerRow, posts int) summary {
	s := summary{Total: len(rows), Posts: posts, HasPosts: posts >= 0}
	for _, r := range rows {
		switch r.Sex {
		case "F":
			s.Female++
		case "M":
			s.Male++
		}
		switch {
		case r.Age < 35:
			s.Under35++
		case r.Age <= 50:
			s.From35To50++
		default:
			s.Over50++
		}
		switch r.Education {
		case "junior_college", "bachelor", "postgraduate":
			s.CollegeOrAbove++
		}
	}
	if s.HasPosts && posts > s.Total {
		s.Vacant = posts - s.Total
	}
	return s
}

// ageOn returns the age in whole years on day of someone born on birth (YYYY-MM-DD).
func ageOn(birth string, day time.Time) int {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return 0
	}
	age := day.Year() - b.Year()
	if day.Month() < b.Month() || (day.Month() == b.Month() && day.Day() < b.Day()) {
		age--
	}
	return age
}
