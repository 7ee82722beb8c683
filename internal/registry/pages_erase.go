package registry

import (
	"errors"
	"net/http"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

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
		saved(w, r, "/households/"+done.HouseholdID, "erased")
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
