package consolidation

import (
	"net/http"
	"strconv"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/reorg"
)

// applyPage is the form that applies a plan's proposals, easiest first, and what
// the last application did.
type applyPage struct {
	Plan    Plan
	Steps   []ApplyStep
	On      string
	Staff   string
	Problem string
	Done    *reorg.Result
}

// ApplyStep is a step of the form: the proposal, whether it is ticked, and a new
// community's name.
type ApplyStep struct {
	Step
	Community Community
	Checked   bool
	Name      string
}

// applyForm shows the plan's proposals with the day, the names and the staff list
// to give.
func (pg *Pages) applyForm(w http.ResponseWriter, r *http.Request) {
	page, err := pg.applyPage(r, applyPage{On: pg.svc.Today()})
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	pg.render.Page(w, r, http.StatusOK, "plans_apply", page)
}

func (pg *Pages) applyPage(r *http.Request, page applyPage) (applyPage, error) {
	p := auth.From(r)
	if !CanPlan(p) {
		return page, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	plan, err := pg.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return page, err
	}
	steps, err := pg.applier.Steps(r.Context(), p, plan.ID)
	if err != nil {
		return page, err
	}
	page.Plan, page.Steps = plan, make([]ApplyStep, len(steps))
	for i, s := range steps {
		no := strconv.Itoa(s.No)
		page.Steps[i] = ApplyStep{Step: s, Community: plan.Communities[s.No-1], Checked: r.PostFormValue("c"+no) != "",
			Name: strings.TrimSpace(r.PostFormValue("name" + no))}
	}
	return page, nil
}

// apply applies the ticked proposals on the day given, with the staff list pasted
// as CSV; a refusal shows the form again with what is wrong.
func (pg *Pages) apply(w http.ResponseWriter, r *http.Request) {
	page, err := pg.applyPage(r, applyPage{On: strings.TrimSpace(r.PostFormValue("on")), Staff: r.PostFormValue("staff")})
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	in := ApplyInput{Plan: page.Plan.ID, On: page.On, Names: map[int]string{}}
	for _, s := range page.Steps {
		if s.Checked {
			in.Communities = append(in.Communities, s.No)
			in.Names[s.No] = s.Name
		}
	}
	switch {
	case len(in.Communities) == 0:
		err = apperr.Invalidf("community", "required")
	case r.PostFormValue("confirm") == "":
		err = apperr.Invalidf("confirm", "plan.apply.confirm_required")
	case strings.TrimSpace(page.Staff) != "":
		in.Staff, err = reorg.ReadStaffList(strings.NewReader(page.Staff))
	}
	if err == nil {
		var res reorg.Result
		if res, err = pg.applier.Apply(r.Context(), auth.From(r), in); err == nil {
			page, err = pg.applyPage(r, applyPage{On: page.On})
			if err != nil {
				pg.render.Error(w, r, err)
				return
			}
			page.Done = &res
			pg.render.Page(w, r, http.StatusOK, "plans_apply", page)
			return
		}
	}
	if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.Conflict) {
		pg.render.Error(w, r, err)
		return
	}
	page.Problem = pg.render.Message(r, err)
	pg.render.Page(w, r, http.StatusUnprocessableEntity, "plans_apply", page)
}
