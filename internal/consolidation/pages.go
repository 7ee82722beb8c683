package consolidation

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"strconv"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// Templates are the plans' pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the plans' messages.
//
//go:embed locales/*.json
var Locales embed.FS

// Pages are the plans' pages: the list with the form that makes one, and a plan
// beside today (and beside another plan) with its map.
type Pages struct {
	svc     *Service
	applier *Applier
	render  *web.Renderer
}

// RegisterPages mounts the plans' pages on mux.
func RegisterPages(mux web.Router, svc *Service, render *web.Renderer) {
	pg := &Pages{svc: svc, applier: NewApplier(svc.db, svc.now, svc.zone), render: render}
	mux.HandleFunc("GET /plans", pg.list)
	mux.HandleFunc("POST /plans", pg.make)
	mux.HandleFunc("GET /plans/{id}", pg.show)
	mux.HandleFunc("GET /plans/{id}/apply", pg.applyForm)
	mux.HandleFunc("POST /plans/{id}/apply", pg.apply)
}

// unitOption is a unit a plan may cover, offered in the form.
type unitOption struct {
	Code, Name, Level string
}

// listPage is the plans of the user's area and the form that makes one.
type listPage struct {
	Plans   []PlanSummary
	CanPlan bool
	Units   []unitOption
	Form    Params
	Problem string
	Field   string
	Rules   []SizeRule
	Today   string
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	page, err := pg.listPage(r.Context(), p, Params{Within: WithinDistrict, Stability: 1, Seed: 1, Scope: p.OrgCode})
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	pg.render.Page(w, r, http.StatusOK, "plans_list", page)
}

func (pg *Pages) listPage(ctx context.Context, p auth.Principal, form Params) (listPage, error) {
	plans, err := pg.svc.List(ctx, p)
	if err != nil {
		return listPage{}, err
	}
	page := listPage{Plans: plans, CanPlan: CanPlan(p), Form: form, Today: pg.svc.Today()}
	if page.CanPlan {
		if page.Units, err = pg.svc.store.units(ctx, p.Scope()); err != nil {
			return listPage{}, err
		}
	}
	rules, _, err := pg.svc.Rules(ctx, page.Today)
	if err != nil {
		return listPage{}, err
	}
	for _, a := range AreaTypes {
		page.Rules = append(page.Rules, rules[a])
	}
	return page, nil
}

// make runs the planner on the form's parameters and shows the plan; a parameter
// out of range shows the form again with what is wrong.
func (pg *Pages) make(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	if !CanPlan(p) {
		pg.render.Error(w, r, apperr.New(apperr.Forbidden, "auth.forbidden", ""))
		return
	}
	in, err := formParams(r)
	if err == nil {
		var plan Plan
		if plan, err = pg.svc.Make(r.Context(), p, in); err == nil {
			http.Redirect(w, r, "/plans/"+plan.ID, http.StatusSeeOther)
			return
		}
	}
	// A unit outside the user's area is a field that names nothing, as an
	// unknown one is.
	if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.NotFound) {
		pg.render.Error(w, r, err)
		return
	}
	page, lerr := pg.listPage(r.Context(), p, in)
	if lerr != nil {
		pg.render.Error(w, r, lerr)
		return
	}
	page.Problem = pg.render.Message(r, err)
	pg.render.Page(w, r, http.StatusUnprocessableEntity, "plans_list", page)
}

// formParams reads the plan form; an empty number is the default.
func formParams(r *http.Request) (Params, error) {
	in := Params{Scope: r.FormValue("scope"), Within: Within(r.FormValue("within")), AsOf: r.FormValue("as_of"), Stability: 1, Seed: 1}
	if v := r.FormValue("target_households"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return in, apperr.Invalidf("target_households", "plan.target_positive")
		}
		in.TargetHouseholds = n
	}
	floats := []struct {
		name, key string
		dst       *float64
	}{{"tolerance", "plan.tolerance_range", &in.Tolerance}, {"stability", "plan.stability", &in.Stability}}
	for _, f := range floats {
		if v := r.FormValue(f.name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || (f.name == "tolerance" && (x <= 0 || x >= 1)) {
				return in, apperr.Invalidf(f.name, f.key)
			}
			*f.dst = x
		}
	}
	if v := r.FormValue("seed"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, apperr.Invalidf("seed", "plan.seed")
		}
		in.Seed = n
	}
	return in, nil
}

// showPage is a plan beside today, and beside another plan when one is chosen.
type showPage struct {
	Plan       Plan
	Other      *Plan
	Others     []PlanSummary
	Cmp        Comparison
	Names      map[string]string
	BinLabels  []string
	Bins       [][]int
	Map        template.HTML
	MapMissing int
	MapLayout  bool
	Outside    []Community
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), auth.From(r)
	plan, err := pg.svc.Get(ctx, p, r.PathValue("id"))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := showPage{Plan: plan}
	plans := []Plan{plan}
	if with := r.URL.Query().Get("with"); with != "" && with != plan.ID {
		other, err := pg.svc.Get(ctx, p, with)
		if err != nil {
			pg.render.Error(w, r, err)
			return
		}
		page.Other = &other
		plans = append(plans, other)
	}
	if page.Cmp, err = pg.svc.Compare(ctx, plans...); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	all, err := pg.svc.List(ctx, p)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	for _, s := range all {
		if s.ID != plan.ID {
			page.Others = append(page.Others, s)
		}
	}
	if page.Names, err = pg.svc.store.names(ctx, plan.Params.Scope); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page.BinLabels, page.Bins = histogram(page.Cmp.Sides)
	for _, c := range plan.Communities {
		if !c.Within() {
			page.Outside = append(page.Outside, c)
		}
	}
	m, err := pg.svc.Map(ctx, plan, web.Lang(r))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page.Map, page.MapMissing, page.MapLayout = m.SVG, m.Missing, m.Layout
	pg.render.Page(w, r, http.StatusOK, "plans_show", page)
}

// binWidth is the width, in households, of a bar of the distribution chart.
const binWidth = 500

// histogram counts the communities of each side in bins of binWidth households.
func histogram(sides []Side) ([]string, [][]int) {
	top := 0
	for _, s := range sides {
		for _, h := range s.Households {
			top = max(top, h)
		}
	}
	n := top/binWidth + 1
	labels := make([]string, n)
	for i := range labels {
		labels[i] = strconv.Itoa(i*binWidth) + "–" + strconv.Itoa((i+1)*binWidth-1)
	}
	bins := make([][]int, len(sides))
	for i, s := range sides {
		bins[i] = make([]int, n)
		for _, h := range s.Households {
			bins[i][h/binWidth]++
		}
	}
	return labels, bins
}
