package server

import (
	"net/http"
	"strconv"

	"shequ/internal/org"
	"shequ/internal/platform/area"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
	"shequ/internal/stats"
)

// householdsPerPage is the length of a grid's household list.
const householdsPerPage = 50

// unitPage is a unit of the tree: where it sits, its figures and what lies under it;
// for a grid, its households, its worker team and its contacts.
type unitPage struct {
	Unit     org.Unit
	Crumbs   []web.Crumb
	Stats    stats.Stats
	Children []childRow
	// ChildLevel is the level of the units below, "" for a grid.
	ChildLevel string

	// CanEdit offers the forms that change the unit and add a community's grids
	// (org.write); Saved and Added say what a form just did.
	CanEdit bool
	// CanExport offers the registers' exports to those who hold registry.export:
	// not the read-only role (decision 15).
	CanExport bool
	Saved     bool
	Added     string // the name of the grid just added
	// PerHundred is a community's office space per hundred households (每百户),
	// PerHundredLow whether it falls short of org.OfficePerHundredMinimum.
	PerHundred    area.Area
	PerHundredLow bool

	Households     []registry.Household
	HouseholdTotal int
	Pager          web.Pager
	Workers        []workerCard
	Contacts       []registry.Contact
}

// workerCard is a grid team member as the grid page shows them.
type workerCard struct {
	Name, Position, Phone string
}

// unit shows one unit of the tree in the user's scope; a unit outside it is "not
// found", like one that does not exist.
func (s *Server) unit(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), auth.From(r)
	u, err := s.org.Unit(ctx, p, r.PathValue("code"))
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	page := unitPage{Unit: u, ChildLevel: string(u.Level.Child()), CanEdit: p.Can(auth.WriteOrg), CanExport: p.Can(auth.ExportRegister), Saved: r.URL.Query().Get("saved") == "1"}
	if page.Crumbs, err = s.org.Crumbs(ctx, p, u.Code, false); err != nil {
		s.render.Error(w, r, err)
		return
	}
	if page.Stats, err = s.stats.Get(ctx, p.Scope(), u.Code, web.Today(ctx, s.cfg.Now())); err != nil {
		s.render.Error(w, r, err)
		return
	}
	page.Children = childRows(page.Stats)
	for _, c := range page.Children {
		if c.Code == r.URL.Query().Get("added") {
			page.Added = c.Name
		}
	}
	if per, ok := u.OfficePerHundredHouseholds(page.Stats.Households); ok {
		page.PerHundred, page.PerHundredLow = per, per < org.OfficePerHundredMinimum
	}
	if u.Level == scope.Grid {
		if err := s.gridDetail(r, &page); err != nil {
			s.render.Error(w, r, err)
			return
		}
	}
	s.render.Page(w, r, http.StatusOK, "org_unit", page)
}

// gridDetail adds a grid's households (one page of them), team and contacts.
func (s *Server) gridDetail(r *http.Request, page *unitPage) error {
	ctx, p := r.Context(), auth.From(r)
	n, q := web.PageNumber(r), r.URL.Query()
	hp, err := s.registry.Households(ctx, p, page.Unit.Code, householdsPerPage, registry.PageKeys{After: q.Get("after"), Before: q.Get("before")})
	if err != nil {
		return err
	}
	page.Households, page.HouseholdTotal = hp.Items, page.Stats.Households
	page.Pager = web.Pager{Page: n, HasNext: hp.Next != "", After: hp.Next, Before: hp.Prev, BaseURL: r.URL.Path + "?page=" + strconv.Itoa(n)}
	team, err := s.staff.GridWorkers(ctx, p, page.Unit.Code, "")
	if err != nil {
		return err
	}
	for _, wk := range team {
		m := wk.ShownTo(p)
		page.Workers = append(page.Workers, workerCard{Name: m.Name, Position: m.Position, Phone: m.Phone})
	}
	contacts, err := s.registry.Contacts(ctx, p, page.Unit.Code)
	if err != nil {
		return err
	}
	for _, c := range contacts {
		page.Contacts = append(page.Contacts, c.Masked())
	}
	return nil
}
