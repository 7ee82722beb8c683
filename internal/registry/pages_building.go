package registry

import (
	"net/http"
	"net/url"
	"strconv"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// buildingPage is a building (楼栋): its 层数, 单元数 and 建筑面积, how many households
// live in it with the way to their list, and, for a user who may change the
// register, the way to the form that edits them.
type buildingPage struct {
	place
	Building Building
	// Floors and Units are the building's counts as text, "" when not recorded.
	Floors, Units string
	HouseholdsURL string
	CanWrite      bool
	Done          string
}

// buildingFormPage edits a building's attributes.
type buildingFormPage struct {
	place
	Building Building
	Fields   map[string]field
	problems
}

// building shows a building in the user's scope, linked from its households.
func (p *Pages) building(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	b, err := p.svc.Building(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl, err := p.placeOf(r.Context(), pr, b.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: b.Name})
	v := buildingValues(b)
	page := buildingPage{place: pl, Building: b, Floors: v.Get("floors"), Units: v.Get("units"), CanWrite: pr.Can(auth.WriteRegister),
		Done: notice(r), HouseholdsURL: "/org/" + b.GridCode + "/households?" + url.Values{"building": {b.Name}}.Encode()}
	p.render.Page(w, r, http.StatusOK, "registry_building", page)
}

// buildingValues are a building's attributes as its form holds them.
func buildingValues(b Building) url.Values {
	v := url.Values{}
	if b.Floors != nil {
		v.Set("floors", strconv.Itoa(*b.Floors))
	}
	if b.Units != nil {
		v.Set("units", strconv.Itoa(*b.Units))
	}
	if b.FloorArea != 0 {
		v.Set("floor_area", b.FloorArea.String())
	}
	return v
}

// buildingFields are the fields of the building form.
func buildingFields(f form) map[string]field {
	return map[string]field{
		"floors":     f.text("floors", "field.floors").max(3).mode("numeric").hint("building.floors_hint"),
		"units":      f.text("units", "field.units").max(2).mode("numeric").hint("building.units_hint"),
		"floor_area": f.text("floor_area", "field.floor_area").max(20).mode("decimal").hint("building.floor_area_hint"),
	}
}

// buildingForm is the form that edits a building's attributes, for a user who may
// change the register in its grid.
func (p *Pages) buildingForm(w http.ResponseWriter, r *http.Request) {
	b, ok := p.writableBuilding(w, r)
	if !ok {
		return
	}
	p.buildingFormWith(w, r, http.StatusOK, b, form{values: buildingValues(b)})
}

// updateBuilding saves a building's attributes and goes back to its page; what is
// wrong is said beside its field, with what was typed.
func (p *Pages) updateBuilding(w http.ResponseWriter, r *http.Request) {
	b, ok := p.writableBuilding(w, r)
	if !ok {
		return
	}
	in := BuildingInput{Floors: r.PostForm.Get("floors"), Units: r.PostForm.Get("units"), FloorArea: r.PostForm.Get("floor_area")}
	_, _, _, errs := in.Check()
	pb := p.checked(r, errs)
	if !pb.Has() {
		_, err := p.svc.UpdateBuilding(r.Context(), auth.From(r), b.ID, in)
		if err == nil {
			saved(w, r, "/buildings/"+b.ID, "building_saved")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	p.buildingFormWith(w, r, http.StatusBadRequest, b, form{values: r.PostForm, pb: pb})
}

// writableBuilding returns the building of the path for a user who may change the
// register, after parsing the form of a POST; it answers the request itself
// otherwise.
func (p *Pages) writableBuilding(w http.ResponseWriter, r *http.Request) (Building, bool) {
	pr := auth.From(r)
	if err := r.ParseForm(); err != nil {
		p.render.Error(w, r, err)
		return Building{}, false
	}
	if err := pr.Require(auth.WriteRegister); err != nil {
		p.render.Error(w, r, err)
		return Building{}, false
	}
	b, err := p.svc.Building(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return Building{}, false
	}
	return b, true
}

func (p *Pages) buildingFormWith(w http.ResponseWriter, r *http.Request, status int, b Building, f form) {
	pl, err := p.placeOf(r.Context(), auth.From(r), b.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: b.Name, URL: "/buildings/" + b.ID})
	p.render.Page(w, r, status, "registry_building_form", buildingFormPage{place: pl, Building: b, Fields: buildingFields(f), problems: f.pb})
}
