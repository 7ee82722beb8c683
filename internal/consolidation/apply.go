package consolidation

import (
	"context"
	"slices"
	"strconv"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/registry"
	"shequ/internal/reorg"
)

// The kinds of a plan's proposed community, easiest first: the order in which a
// city applies a plan community by community (issue 13: easy cases first).
const (
	StepUnchanged = "unchanged" // today's community with today's grids: nothing moves
	StepAbsorb    = "absorb"    // today's community kept whole, taking other communities whole
	StepMergeNew  = "merge_new" // a new community made of whole communities of today
	StepReshape   = "reshape"   // anything else: communities split
)

var stepOrder = []string{StepUnchanged, StepAbsorb, StepMergeNew, StepReshape}

// Step is one proposed community of a plan, as it would be applied.
type Step struct {
	No   int    `json:"no"` // 1 for the plan's first community
	Kind string `json:"kind"`
	// Moved counts the households of the grids that change community.
	Moved   int    `json:"moved_households"`
	Applied string `json:"applied_as,omitempty"` // the community code, once applied
}

// Steps returns the plan's communities easiest first (by kind, then by households
// moved, then in the plan's order). applied gives the code each applied one took.
func Steps(plan Plan, applied map[int]string) []Step {
	whole := map[string][]string{} // community today → its grids
	households := map[string]int{}
	from := map[string]string{}
	for _, g := range plan.Grids {
		whole[g.From] = append(whole[g.From], g.Code)
		households[g.Code] = g.Households
		from[g.Code] = g.From
	}
	out := make([]Step, len(plan.Communities))
	for i, c := range plan.Communities {
		s := Step{No: i + 1, Applied: applied[i+1]}
		sources := map[string]bool{}
		for _, g := range c.Grids {
			if from[g] != c.Code {
				s.Moved += households[g]
			}
			sources[from[g]] = true
		}
		wholeSources := true
		for f := range sources {
			for _, g := range whole[f] {
				if !slices.Contains(c.Grids, g) {
					wholeSources = false
				}
			}
		}
		switch {
		case !c.New && len(sources) == 1 && sources[c.Code] && wholeSources:
			s.Kind = StepUnchanged
		case !c.New && sources[c.Code] && wholeSources:
			s.Kind = StepAbsorb
		case c.New && wholeSources:
			s.Kind = StepMergeNew
		default:
			s.Kind = StepReshape
		}
		out[i] = s
	}
	slices.SortStableFunc(out, func(a, b Step) int {
		if d := slices.Index(stepOrder, a.Kind) - slices.Index(stepOrder, b.Kind); d != 0 {
			return d
		}
		return a.Moved - b.Moved
	})
	return out
}

// Steps returns the stored plan id's proposals easiest first, with those applied.
func (a *Applier) Steps(ctx context.Context, p auth.Principal, id string) ([]Step, error) {
	if !CanRead(p) {
		return nil, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	plan, err := a.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.Scope().Contains(plan.Params.Scope) {
		return nil, planNotFound()
	}
	applied, err := reorg.Applied(ctx, a.db.Read(), plan.ID)
	if err != nil {
		return nil, err
	}
	return Steps(plan, applied), nil
}

// ApplyInput chooses what of a stored plan to apply, and how.
type ApplyInput struct {
	Plan string
	// Communities are the numbers (1 for the first) of the proposals to apply; none
	// means every one not applied yet. They are applied easiest first (Steps).
	Communities []int
	On          string
	// Names are the new communities' names, by number: a residents' committee's
	// name is the city's decision, never made up.
	Names map[int]string
	// Staff is the reviewed staff list; its communities are codes or numbers of
	// the plan.
	Staff []reorg.Posting
}

// Applier turns stored plans into dated changes of the tree (reorg).
type Applier struct {
	db    *db.DB
	store *Store
	tree  *reorg.Service
}

// NewApplier returns the applier on d; days are the city's, in zone.
func NewApplier(d *db.DB, now func() time.Time, zone *time.Location) *Applier {
	if zone == nil {
		zone = time.UTC
	}
	return &Applier{db: d, store: NewStore(d), tree: reorg.NewService(d, now, zone)}
}

// Apply applies the chosen proposals of a plan on in.On, in one transaction (see
// reorg.Service.Apply for the rules of the change itself). It refuses — "re-plan" —
// when the register changed under the plan since the day it counted, for any grid
// the chosen proposals hold: a grid ended or now in another community, a dated
// change in it after that day, or another number of households in it. A proposal
// applied already is a conflict.
func (a *Applier) Apply(ctx context.Context, p auth.Principal, in ApplyInput) (reorg.Result, error) {
	if !CanPlan(p) {
		return reorg.Result{}, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	plan, err := a.store.Get(ctx, in.Plan)
	if err != nil {
		return reorg.Result{}, err
	}
	if !p.Scope().Contains(plan.Params.Scope) {
		return reorg.Result{}, planNotFound()
	}
	if in.On < plan.Params.AsOf {
		return reorg.Result{}, apperr.Invalidf("on", "reorg.before_plan").With("as_of", plan.Params.AsOf)
	}
	applied, err := reorg.Applied(ctx, a.db.Read(), plan.ID)
	if err != nil {
		return reorg.Result{}, err
	}
	chosen := map[int]bool{}
	for _, n := range in.Communities {
		if n < 1 || n > len(plan.Communities) {
			return reorg.Result{}, apperr.Invalidf("community", "reorg.plan_community").With("no", n).With("n", len(plan.Communities))
		}
		chosen[n] = true
	}
	ch := reorg.Change{On: in.On, Staff: in.Staff}
	var grids []Grid
	for _, s := range Steps(plan, applied) {
		if len(chosen) > 0 && !chosen[s.No] || len(chosen) == 0 && s.Applied != "" {
			continue
		}
		c := plan.Communities[s.No-1]
		rc := reorg.Community{Key: strconv.Itoa(s.No), Code: c.Code, Grids: c.Grids, Plan: plan.ID, PlanNo: s.No}
		if c.New {
			rc.Name, rc.Street = in.Names[s.No], streetOf(plan, c)
		}
		ch.Communities = append(ch.Communities, rc)
		for _, g := range plan.Grids {
			if slices.Contains(c.Grids, g.Code) {
				grids = append(grids, g)
			}
		}
	}
	if len(ch.Communities) == 0 {
		return reorg.Result{}, apperr.New(apperr.Conflict, "reorg.plan_done", "plan").With("plan", plan.ID)
	}
	ch.Check = func(ctx context.Context, q db.Querier) error { return unchanged(ctx, q, plan, grids) }
	return a.tree.Apply(ctx, p, ch)
}

// streetOf is the street a new community is set up in: the one most of its
// households are in today (the first in code order of a tie).
func streetOf(plan Plan, c Community) string {
	by := map[string]int{}
	for _, g := range plan.Grids {
		if slices.Contains(c.Grids, g.Code) && len(g.From) >= 9 {
			by[g.From[:9]] += g.Households
		}
	}
	best := ""
	for s, n := range by {
		if best == "" || n > by[best] || n == by[best] && s < best {
			best = s
		}
	}
	return best
}

// unchanged refuses when the register under grids is no longer what the plan
// counted. An unchanged generation of the plan's scope settles it at once;
// otherwise each grid is looked at, so that applying one proposal of a plan —
// which moves the generation — leaves the others applicable.
func unchanged(ctx context.Context, q db.Querier, plan Plan, grids []Grid) error {
	gen, err := Generation(ctx, q, plan.Params.Scope)
	if err != nil || gen == plan.Generation {
		return err
	}
	replan := func(key, code string) error {
		return apperr.Invalidf("plan", key).With("as_of", plan.Params.AsOf).With("code", code)
	}
	for _, g := range grids {
		u, err := org.Lookup(ctx, q, g.Code)
		if err != nil {
			return err
		}
		if u == nil || u.DissolvedOn != "" || u.ParentCode != g.From {
			return replan("reorg.replan_moved", g.Code)
		}
		last, err := registry.GridLastChange(ctx, q, g.Code)
		if err != nil {
			return err
		}
		if last > plan.Params.AsOf {
			return replan("reorg.replan_changed", g.Code)
		}
		n, err := registry.StandingHouseholds(ctx, q, g.Code)
		if err != nil {
			return err
		}
		if n != g.Households {
			return replan("reorg.replan_changed", g.Code)
		}
	}
	return nil
}
