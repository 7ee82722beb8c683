package staff

import (
	"errors"
	"net/http"
	"slices"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// assignmentRow is an assignment as the worker's page shows it.
type assignmentRow struct {
	Assignment
	Grid link
}

// workerPage is one worker: who they are, the grids they serve and have served,
// and, for a user who may change the workforce, the forms to assign them a grid
// and to end an assignment.
type workerPage struct {
	Crumbs   []web.Crumb
	Worker   workerRow
	Current  []assignmentRow
	History  []assignmentRow // newest first
	CanWrite bool
	Grids    []option // the community's grids the worker does not serve now
	Today    string
	// Done is "assigned" or "ended" after a form's success.
	Done string
	// What a form held, and what was wrong with it: Form is "assign" or the grid
	// of the end form, Error is translated and Field names the input.
	Assign  AssignInput
	EndedOn string
	Form    string
	Error   string
	Field   string
	// Alert is set when the form at fault is no longer on the page (an assignment
	// ended meanwhile): the Error shows above everything.
	Alert bool
}

// worker shows one worker in the user's scope.
func (p *Pages) worker(w http.ResponseWriter, r *http.Request) {
	page := workerPage{Done: r.URL.Query().Get("done")}
	if page.Done != "assigned" && page.Done != "ended" {
		page.Done = ""
	}
	p.workerWith(w, r, http.StatusOK, page)
}

// assign assigns the worker a grid from the day the form gives, and goes back to
// the worker's page; what is wrong is said on the form.
func (p *Pages) assign(w http.ResponseWriter, r *http.Request) {
	in := AssignInput{GridCode: r.PostFormValue("grid_code"), AssignedOn: r.PostFormValue("assigned_on")}
	_, err := p.svc.Assign(r.Context(), auth.From(r), r.PathValue("id"), in)
	p.answer(w, r, err, "assigned", workerPage{Assign: in, Form: "assign"})
}

// end ends the worker's assignment to a grid on the day the form gives.
func (p *Pages) end(w http.ResponseWriter, r *http.Request) {
	grid, in := r.PathValue("grid"), EndInput{EndedOn: r.PostFormValue("ended_on")}
	_, err := p.svc.EndAssignment(r.Context(), auth.From(r), r.PathValue("id"), grid, in)
	p.answer(w, r, err, "ended", workerPage{EndedOn: in.EndedOn, Form: grid})
}

// answer goes back to the worker's page after a form: with done on success, or
// with the form as the user filled it and what was wrong with it.
func (p *Pages) answer(w http.ResponseWriter, r *http.Request, err error, done string, page workerPage) {
	var invalid *apperr.Error
	switch {
	case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
		page.Error, page.Field = p.render.Message(r, invalid), invalid.Field
		p.workerWith(w, r, http.StatusBadRequest, page)
	case err != nil:
		p.render.Error(w, r, err)
	default:
		http.Redirect(w, r, "/staff/"+r.PathValue("id")+"?done="+done, http.StatusSeeOther)
	}
}

func (p *Pages) workerWith(w http.ResponseWriter, r *http.Request, status int, page workerPage) {
	ctx, pr, id := r.Context(), auth.From(r), r.PathValue("id")
	wk, err := p.svc.Worker(ctx, pr, id)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	history, err := p.svc.Assignments(ctx, pr, id)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	unit := pr.OrgCode
	if pr.Scope().Contains(wk.CommunityCode) {
		unit = wk.CommunityCode
	}
	if page.Crumbs, err = p.crumbs(ctx, pr, unit, true); err != nil {
		p.render.Error(w, r, err)
		return
	}
	page.Crumbs = append(page.Crumbs, web.Crumb{Label: wk.Name})
	names, err := p.names(ctx, pr, unit, wk.CommunityCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page.Today = p.svc.Today()
	page.Worker = row(pr, wk, names, page.Today)
	for i := len(history) - 1; i >= 0; i-- {
		a := history[i]
		ar := assignmentRow{Assignment: a, Grid: link{Name: nameOr(names, a.GridCode)}}
		if pr.Scope().Contains(a.GridCode) {
			ar.Grid.URL = "/org/" + a.GridCode
		}
		if a.Current() {
			page.Current = append([]assignmentRow{ar}, page.Current...)
		}
		page.History = append(page.History, ar)
	}
	page.Alert = page.Error != "" && page.Form != "assign" &&
		!slices.ContainsFunc(page.Current, func(a assignmentRow) bool { return a.GridCode == page.Form })
	page.CanWrite = pr.Can(auth.WriteStaff) && pr.Scope().Contains(wk.CommunityCode)
	if page.CanWrite {
		grids, err := p.org.Children(ctx, pr, wk.CommunityCode)
		if err != nil {
			p.render.Error(w, r, err)
			return
		}
		for _, g := range grids {
			if !slices.Contains(wk.GridCodes, g.Code) {
				page.Grids = append(page.Grids, option{Value: g.Code, Label: g.Name, Selected: g.Code == page.Assign.GridCode})
			}
		}
	}
	if page.Assign.AssignedOn == "" {
		page.Assign.AssignedOn = page.Today
	}
	p.render.Page(w, r, status, "staff_worker", page)
}
