package registry

import (
	"context"
	"net/http"
	"net/url"

	"shequ/internal/org"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// The notices a page shows after a write sent the browser there (?done=…), each
// the message "done.<notice>".
var notices = []string{"household_created", "household_saved", "resident_created", "resident_saved", "moved",
	"deregistered", "registered", "split", "merged", "erased", "entry_added", "entry_renamed", "entry_retired", "building_saved"}

// notice is the request's ?done= when it is one of notices, else "".
func notice(r *http.Request) string {
	n := r.URL.Query().Get("done")
	for _, v := range notices {
		if v == n {
			return n
		}
	}
	return ""
}

type householdPage struct {
	place
	Household Household
	Members   []residentRow
	Former    []residentRow // deregistered: shown with their status, apart
	CanWrite  bool
	Done      string // the notice of the write that led here
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
	page := householdPage{place: pl, Household: h, CanWrite: pr.Can(auth.WriteRegister) && h.Dissolved == "", Done: notice(r)}
	lang := web.Lang(r)
	for _, m := range members {
		if m.Current() {
			page.Members = append(page.Members, p.row(m, lang))
		} else {
			page.Former = append(page.Former, p.row(m, lang))
		}
	}
	p.render.Page(w, r, http.StatusOK, "registry_household", page)
}

// householdForm is the form that creates or changes a household. Grids are the
// grids it may be in, when the user's unit has a few; otherwise the grid's code is
// typed.
type householdForm struct {
	place
	Household Household // the household changed; empty for a new one
	Back      string    // where cancelling goes
	Unit      string    // the unit a new household's form was opened for: its grids are offered
	Fields    map[string]field
	problems
}

// householdFields are the fields of the household form, from values.
func householdFields(f form, grids []option, isNew bool) map[string]field {
	fs := map[string]field{
		"household_no": f.text("household_no", "field.household_no").req().max(32).hint("household.no_hint"),
		"street":       f.text("street", "field.street").max(60).hint("household.street_hint"),
		"door_no":      f.text("door_no", "field.door_no").max(20),
		"building":     f.text("building", "field.building").max(60),
		"unit_no":      f.text("unit_no", "field.unit_no").max(10),
		"floor_no":     f.text("floor_no", "field.floor_no").max(10),
		"room_no":      f.text("room_no", "field.room_no").max(20),
		"address":      f.text("address", "household.address_whole").max(200).hint("household.address_hint"),
	}
	grid := f.text("grid_code", "household.grid").req()
	if len(grids) > 0 {
		grid = grid.among("form.choose", grids)
	} else {
		grid = grid.mode("numeric").max(15).hint("household.grid_hint")
	}
	fs["grid_code"] = grid
	if isNew {
		fs["established_on"] = f.text("established_on", "field.established_on").date()
	}
	return fs
}

// householdInput reads the household form.
func householdInput(v url.Values) HouseholdInput {
	return HouseholdInput{No: v.Get("household_no"), GridCode: v.Get("grid_code"), Address: v.Get("address"), Street: v.Get("street"),
		DoorNo: v.Get("door_no"), Building: v.Get("building"), UnitNo: v.Get("unit_no"), FloorNo: v.Get("floor_no"),
		RoomNo: v.Get("room_no"), Established: v.Get("established_on")}
}

// householdValues are a household's fields as the form holds them.
func householdValues(h Household) url.Values {
	return url.Values{"household_no": {h.No}, "grid_code": {h.GridCode}, "street": {h.Street}, "door_no": {h.DoorNo},
		"building": {h.Building}, "unit_no": {h.UnitNo}, "floor_no": {h.FloorNo}, "room_no": {h.RoomNo}, "address": {h.Address}}
}

// gridChoices are the grids of the community of unit (the unit itself when it is
// a community), for a form's select: all of them for a user whose scope holds the
// community, the user's own for a grid's worker; none above a community, where
// there are too many to choose from and the code is typed.
func (p *Pages) gridChoices(ctx context.Context, pr auth.Principal, unit string) ([]option, error) {
	n := scope.Community.CodeLength()
	var grids []org.Unit
	switch {
	case len(unit) >= n && pr.Scope().Contains(unit[:n]):
		var err error
		if grids, err = p.org.Children(ctx, pr, unit[:n]); err != nil {
			return nil, err
		}
	case scope.LevelOf(pr.OrgCode) == scope.Grid:
		u, err := p.org.Unit(ctx, pr, pr.OrgCode)
		if err != nil {
			return nil, err
		}
		grids = []org.Unit{u}
	}
	out := make([]option, 0, len(grids))
	for _, g := range grids {
		out = append(out, option{Value: g.Code, Label: g.Name})
	}
	return out, nil
}

// newHousehold is the empty household form, in the grid ?unit= names (or the first
// grid of the community it names, or of the user's own unit).
func (p *Pages) newHousehold(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	if err := pr.Require(auth.WriteRegister); err != nil {
		p.render.Error(w, r, err)
		return
	}
	unit := r.URL.Query().Get("unit")
	if unit == "" {
		unit = pr.OrgCode
	}
	if _, err := p.org.Unit(r.Context(), pr, unit); err != nil {
		p.render.Error(w, r, err)
		return
	}
	v := url.Values{"established_on": {p.svc.Today()}, "unit": {unit}}
	if scope.LevelOf(unit) == scope.Grid {
		v.Set("grid_code", unit)
	}
	p.householdFormWith(w, r, http.StatusOK, unit, Household{}, form{values: v})
}

func (p *Pages) createHousehold(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	if err := r.ParseForm(); err != nil {
		p.render.Error(w, r, err)
		return
	}
	in := householdInput(r.PostForm)
	check := in
	pb := p.checked(r, check.Check(p.svc.today()))
	if !pb.Has() {
		h, err := p.svc.CreateHousehold(r.Context(), pr, in)
		if err == nil {
			saved(w, r, "/households/"+h.ID, "household_created")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	unit := r.PostForm.Get("unit")
	if unit == "" {
		unit = in.GridCode
	}
	p.householdFormWith(w, r, http.StatusBadRequest, unit, Household{}, form{values: r.PostForm, pb: pb})
}

func (p *Pages) editHousehold(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	p.householdFormWith(w, r, http.StatusOK, h.GridCode, h, form{values: householdValues(h)})
}

func (p *Pages) updateHousehold(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	in := householdInput(r.PostForm)
	check := in
	check.Established = h.Established
	pb := p.checked(r, check.Check(p.svc.today()))
	if !pb.Has() {
		_, err := p.svc.UpdateHousehold(r.Context(), auth.From(r), h.ID, in)
		if err == nil {
			saved(w, r, "/households/"+h.ID, "household_saved")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	p.householdFormWith(w, r, http.StatusBadRequest, h.GridCode, h, form{values: r.PostForm, pb: pb})
}

// writableHousehold returns the household of the path for a user who may change
// it, after parsing the form of a POST; it answers the request itself otherwise.
func (p *Pages) writableHousehold(w http.ResponseWriter, r *http.Request) (Household, bool) {
	pr := auth.From(r)
	if err := r.ParseForm(); err != nil {
		p.render.Error(w, r, err)
		return Household{}, false
	}
	if err := pr.Require(auth.WriteRegister); err != nil {
		p.render.Error(w, r, err)
		return Household{}, false
	}
	h, _, err := p.svc.Household(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return Household{}, false
	}
	return h, true
}

func (p *Pages) householdFormWith(w http.ResponseWriter, r *http.Request, status int, unit string, h Household, f form) {
	pr := auth.From(r)
	grids, err := p.gridChoices(r.Context(), pr, unit)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := householdForm{Household: h, Fields: householdFields(f, grids, h.ID == ""), problems: f.pb, Back: "/org/" + unit + "/households", Unit: unit}
	if h.ID != "" {
		page.Back = "/households/" + h.ID
		if page.place, err = p.placeOf(r.Context(), pr, h.GridCode); err != nil {
			p.render.Error(w, r, err)
			return
		}
		page.Crumbs = append(page.Crumbs, web.Crumb{Label: h.No, URL: "/households/" + h.ID})
	}
	p.render.Page(w, r, status, "registry_household_form", page)
}
