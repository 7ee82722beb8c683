package registry

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// PerPage is the length of a page of the register's lists: on a phone, where each
// row is a card, more is a long way to scroll.
const PerPage = 30

// offset is how many rows come before the page the request asks for.
func offset(r *http.Request) int { return (web.PageNumber(r) - 1) * PerPage }

// householdSorting is the household list's orders: the keys a user may ask for,
// the stairwell's order by default.
var householdSorting = web.Sorting{Columns: web.SortColumns(householdOrders), Default: OrderAddress}

// unitHead is the head of a list of a unit: the unit and where it sits.
type unitHead struct {
	Unit   org.Unit
	Crumbs []web.Crumb
}

// unitHeadOf reads the unit of the path, in p's scope, and its breadcrumbs, for
// a user who may read the register.
func (p *Pages) unitHeadOf(ctx context.Context, pr auth.Principal, code string) (unitHead, error) {
	if err := pr.Require(auth.ReadRegister); err != nil {
		return unitHead{}, err
	}
	u, err := p.org.Unit(ctx, pr, code)
	if err != nil {
		return unitHead{}, err
	}
	path, err := p.org.Path(ctx, pr, code)
	if err != nil {
		return unitHead{}, err
	}
	h := unitHead{Unit: u}
	for _, a := range path {
		c := web.Crumb{Label: a.Name}
		if pr.Scope().Contains(a.Code) {
			c.URL = "/org/" + a.Code
		}
		h.Crumbs = append(h.Crumbs, c)
	}
	return h, nil
}

// householdsPage is a unit's household list: its filters, a page of households in
// the order asked for, and how many there are. Total is 0 when none match, and
// then the page shows only its empty state.
type householdsPage struct {
	unitHead
	Filter      HouseholdFilter
	Grids       []option
	Buildings   []option
	TagChoices  []option
	PopChoices  []option
	Statuses    []option
	AddressOnly bool // above a community: only an address search lists households
	Filtered    bool // a filter is set: the empty state says none match
	Error       string
	Field       string
	Items       []Household
	Total       int
	Pager       web.Pager
	Sort        web.Sort
	CanWrite    bool
	Contacts    []contactCard // a grid's contacts
}

// contactCard is a grid contact as a list shows them: the phone in full to a
// colleague (auth.Principal.SeesWorkContactsOf), masked to anyone else.
type contactCard struct {
	Contact
	Full bool
}

// households lists a unit's households, filtered, sorted and paged: a community's
// or a grid's, or above them the households whose address holds what was typed.
func (p *Pages) households(w http.ResponseWriter, r *http.Request) {
	ctx, pr, q := r.Context(), auth.From(r), r.URL.Query()
	head, err := p.unitHeadOf(ctx, pr, r.PathValue("code"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := householdsPage{unitHead: head, Sort: householdSorting.Read(r), CanWrite: pr.Can(auth.WriteRegister)}
	page.Filter = HouseholdFilter{Unit: head.Unit.Code, Grid: q.Get("grid"), Building: q.Get("building"), Tag: q.Get("tag"),
		PopulationType: q.Get("pop"), ResidenceStatus: q.Get("status"), Address: strings.TrimSpace(q.Get("address"))}
	level := head.Unit.Level
	page.AddressOnly = level != scope.Community && level != scope.Grid
	page.Filtered = page.Filter.Grid+page.Filter.Building+page.Filter.Tag+page.Filter.PopulationType+page.Filter.ResidenceStatus+page.Filter.Address != ""
	if err := p.householdChoices(r, &page); err != nil {
		p.render.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if !page.AddressOnly || page.Filter.Address != "" {
		order := HouseholdOrder{Key: page.Sort.Key, Desc: page.Sort.Desc}
		list, err := p.svc.FindHouseholds(ctx, pr, page.Filter, order, PerPage, offset(r))
		var invalid *apperr.Error
		switch {
		case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
			page.Error, page.Field, status = p.render.Message(r, invalid), invalid.Field, http.StatusBadRequest
		case err != nil:
			p.render.Error(w, r, err)
			return
		default:
			page.Pager, page.Items, page.Total = web.TotalPager(r, list.Total, PerPage), list.Items, list.Total
			if p.sentToLast(w, r, page.Pager) {
				return
			}
		}
	}
	if level == scope.Grid {
		if page.Contacts, err = p.contactCards(ctx, pr, head.Unit.Code); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	p.render.Page(w, r, status, "registry_households", page)
}

// householdChoices fills the choices of the list's filters.
func (p *Pages) householdChoices(r *http.Request, page *householdsPage) error {
	ctx, pr, lang, f := r.Context(), auth.From(r), web.Lang(r), page.Filter
	if page.AddressOnly {
		return nil
	}
	if page.Unit.Level == scope.Community {
		grids, err := p.org.Children(ctx, pr, page.Unit.Code)
		if err != nil {
			return err
		}
		for _, g := range grids {
			page.Grids = append(page.Grids, option{Value: g.Code, Label: g.Name, Selected: g.Code == f.Grid})
		}
	}
	unit := page.Unit.Code
	if f.Grid != "" && scope.Of(unit).Contains(f.Grid) {
		unit = f.Grid
	}
	names, err := p.svc.Buildings(ctx, pr, unit)
	if err != nil {
		return err
	}
	for _, n := range names {
		page.Buildings = append(page.Buildings, option{Value: n, Label: n, Selected: n == f.Building})
	}
	for _, t := range Tags {
		page.TagChoices = append(page.TagChoices, option{Value: t, Key: "tag." + t, Selected: t == f.Tag})
	}
	for _, t := range PopulationTypes {
		page.PopChoices = append(page.PopChoices, option{Value: t, Key: "pop." + t, Selected: t == f.PopulationType})
	}
	for _, o := range codeOptions(codes.ResidenceStatus(), lang, "") {
		o.Selected = o.Value == f.ResidenceStatus
		page.Statuses = append(page.Statuses, o)
	}
	return nil
}

// contactCards are a grid's contacts as p may see them.
func (p *Pages) contactCards(ctx context.Context, pr auth.Principal, grid string) ([]contactCard, error) {
	cs, err := p.svc.Contacts(ctx, pr, grid)
	if err != nil {
		return nil, err
	}
	full := pr.SeesWorkContactsOf(grid)
	out := make([]contactCard, len(cs))
	for i, c := range cs {
		if !full {
			c = c.Masked()
		}
		out[i] = contactCard{Contact: c, Full: full && c.Phone != ""}
	}
	return out, nil
}

// gridResidentsPage is the roll of a grid's current residents, by name, narrowed to
// a surname: one character is enough within a grid.
type gridResidentsPage struct {
	unitHead
	Grids   []option // a community's grids, to choose one
	Surname string
	Error   string
	Items   []residentRow
	Total   int
	Pager   web.Pager
}

func (p *Pages) gridResidents(w http.ResponseWriter, r *http.Request) {
	ctx, pr := r.Context(), auth.From(r)
	head, err := p.unitHeadOf(ctx, pr, r.PathValue("code"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := gridResidentsPage{unitHead: head, Surname: strings.TrimSpace(r.URL.Query().Get("surname"))}
	status := http.StatusOK
	if head.Unit.Level != scope.Grid {
		kids, err := p.org.Children(ctx, pr, head.Unit.Code)
		if err != nil {
			p.render.Error(w, r, err)
			return
		}
		for _, k := range kids {
			page.Grids = append(page.Grids, option{Value: k.Code, Label: k.Name})
		}
		p.render.Page(w, r, status, "registry_roll", page)
		return
	}
	list, err := p.svc.GridResidents(ctx, pr, head.Unit.Code, page.Surname, PerPage, offset(r))
	var invalid *apperr.Error
	switch {
	case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
		page.Error, status = p.render.Message(r, invalid), http.StatusBadRequest
	case err != nil:
		p.render.Error(w, r, err)
		return
	default:
		page.Pager, page.Total, page.Items = web.TotalPager(r, list.Total, PerPage), list.Total, p.rows(list.Items, web.Lang(r))
		if p.sentToLast(w, r, page.Pager) {
			return
		}
	}
	p.render.Page(w, r, status, "registry_roll", page)
}

// sentToLast sends a request for a page past the end of a list to its last page,
// and reports whether the request has been answered.
func (p *Pages) sentToLast(w http.ResponseWriter, r *http.Request, pg web.Pager) bool {
	sent, err := pg.SentToLast(w, r)
	if err != nil {
		p.render.Error(w, r, err)
		return true
	}
	return sent
}

// permitsPage lists the floating residents whose residence permits expire within
// PermitDays days, by grid.
type permitsPage struct {
	unitHead
	Days  int
	Items []permitRow
	Total int
	Pager web.Pager
}

// permitRow is a resident on the permits list, with their grid's name and how many
// days are left.
type permitRow struct {
	residentRow
	GridName string
	DaysLeft int
}

func (p *Pages) permits(w http.ResponseWriter, r *http.Request) {
	ctx, pr := r.Context(), auth.From(r)
	head, err := p.unitHeadOf(ctx, pr, r.PathValue("code"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := permitsPage{unitHead: head, Days: PermitDays}
	list, err := p.svc.ExpiringPermits(ctx, pr, head.Unit.Code, PerPage, offset(r))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page.Pager, page.Total = web.TotalPager(r, list.Total, PerPage), list.Total
	if p.sentToLast(w, r, page.Pager) {
		return
	}
	names := map[string]string{}
	today := p.svc.today()
	for _, res := range list.Items {
		if _, ok := names[res.GridCode]; !ok {
			u, err := p.org.Unit(ctx, pr, res.GridCode)
			if err != nil {
				p.render.Error(w, r, err)
				return
			}
			names[res.GridCode] = u.Name
		}
		row := permitRow{residentRow: p.row(res, web.Lang(r)), GridName: names[res.GridCode]}
		if d, err := time.Parse(time.DateOnly, res.PermitExpiresOn); err == nil {
			row.DaysLeft = int(d.Sub(today).Hours() / 24)
		}
		page.Items = append(page.Items, row)
	}
	p.render.Page(w, r, http.StatusOK, "registry_permits", page)
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
			page.Results, page.Limited = p.rows(found, web.Lang(r)), len(found) >= SearchLimit
		}
	}
	p.render.Page(w, r, status, "registry_search", page)
}
