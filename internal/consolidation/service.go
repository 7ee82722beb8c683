package consolidation

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"shequ/internal/audit"
	"shequ/internal/consolidation/planner"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// ActPlan is the audit action of making a plan.
const ActPlan = "consolidation.plan"

// Service holds the rules of planning: who may plan where, what a plan counts, and
// how the planner's answer is kept.
type Service struct {
	db    *db.DB
	store *Store
	now   func() time.Time
	zone  *time.Location
}

// NewService returns the planning service on d; now's day in zone is "today".
func NewService(d *db.DB, now func() time.Time, zone *time.Location) *Service {
	if zone == nil {
		zone = time.UTC
	}
	return &Service{db: d, store: NewStore(d), now: now, zone: zone}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

// CanPlan reports whether p may make plans: the city's and the districts' offices,
// who decide what communities there are (a street proposes, it does not plan its
// neighbours' grids).
func CanPlan(p auth.Principal) bool {
	return p.Can(auth.WriteOrg) && (p.Role == auth.RoleCity || p.Role == auth.RoleDistrict)
}

// CanRead reports whether p may read plans: those who may make them, and the
// read-only users bound to the city or a district.
func CanRead(p auth.Principal) bool {
	if CanPlan(p) {
		return true
	}
	l := scope.LevelOf(p.OrgCode)
	return p.Can(auth.ReadRegister) && p.Role == auth.RoleReadOnly && (l == scope.City || l == scope.District)
}

// Today is the day in the city's zone.
func (s *Service) Today() string { return s.now().In(s.zone).Format(time.DateOnly) }

// Make counts the grids of in.Scope on in.AsOf (today when ""), runs the planner on
// them and keeps its plan, with an audit record, in one transaction. A scope
// outside p's is not found; a scope below a street, or with no grids, is invalid.
func (s *Service) Make(ctx context.Context, p auth.Principal, in Params) (Plan, error) {
	if !CanPlan(p) {
		return Plan{}, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	if in.Within == "" {
		in.Within = WithinDistrict
	}
	if in.AsOf == "" {
		in.AsOf = s.Today()
	}
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	if !p.Scope().Contains(in.Scope) {
		return Plan{}, apperr.New(apperr.NotFound, "org.not_found", "scope")
	}
	start := time.Now()
	plan := Plan{ID: db.NewID(), Params: in, CreatedBy: p.Name}
	var (
		g     graphData
		rules map[AreaType]SizeRule
	)
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var level string
		err := q.QueryRowContext(ctx, `SELECT name, level FROM org_units WHERE code = $1`, in.Scope).Scan(&plan.ScopeName, &level)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "org.not_found", "scope")
		}
		if err != nil {
			return err
		}
		if l := scope.Level(level); l != scope.City && l != scope.District && l != scope.Street {
			return apperr.Invalidf("scope", "plan.scope_level")
		}
		if plan.Generation, err = Generation(ctx, q, in.Scope); err != nil {
			return err
		}
		if g, err = readGraph(ctx, q, in.Scope, in.AsOf); err != nil {
			return err
		}
		rules, err = sizeRules(ctx, q, in.AsOf)
		return err
	})
	if err != nil {
		return Plan{}, err
	}
	if len(g.grids) == 0 {
		return Plan{}, apperr.Invalidf("scope", "plan.no_grids")
	}
	pg := plannerGraph(g, in, rules)
	res, err := planner.Plan(ctx, pg, planner.Params{Stability: in.Stability, Seed: in.Seed})
	if err != nil {
		return Plan{}, err
	}
	assemble(&plan, g, pg, res, in, rules)
	plan.Took = time.Since(start)
	plan.CreatedAt = s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := insertPlan(ctx, tx, plan); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, plan.CreatedAt, ActPlan, "consolidation_plan:"+plan.ID))
	})
	if err != nil {
		return Plan{}, err
	}
	return plan, nil
}

// plannerGraph turns the grids into the planner's units: each bounded by its
// district (or street), measured by the plan's size or its area type's.
func plannerGraph(g graphData, in Params, rules map[AreaType]SizeRule) planner.Graph {
	pg := planner.Graph{Units: make([]planner.Unit, len(g.grids)), Edges: g.edges}
	for i, r := range g.grids {
		target, tol := sizeOf(in, rules, r.area)
		region := r.street
		if in.Within == WithinDistrict {
			region = r.code[:6]
		}
		pg.Units[i] = planner.Unit{ID: r.code, Region: region, District: r.code[:6], Community: r.community,
			Households: r.households, Residents: r.residents, Target: target, Tolerance: tol}
	}
	return pg
}

// sizeOf is the size a grid of area a is measured by under in: the plan's when it
// sets one, else its area type's rule.
func sizeOf(in Params, rules map[AreaType]SizeRule, a AreaType) (int, float64) {
	target, tol := rules[a].Target, rules[a].Tolerance
	if in.TargetHouseholds > 0 {
		target = in.TargetHouseholds
	}
	if in.Tolerance > 0 {
		tol = in.Tolerance
	}
	return target, tol
}

// assemble fills plan from the planner's result.
func assemble(plan *Plan, g graphData, pg planner.Graph, res planner.Result, in Params, rules map[AreaType]SizeRule) {
	plan.Grids = make([]Grid, len(g.grids))
	for i, r := range g.grids {
		plan.Grids[i] = Grid{Code: r.code, From: r.community, Area: r.area, To: -1, Households: r.households, Residents: r.residents}
	}
	for ci, c := range res.Communities {
		pc := Community{Code: c.Code, New: c.Code == "", District: c.District, Households: c.Households,
			Residents: c.Residents, Contiguous: c.Contiguous, Grids: make([]string, 0, len(c.Units))}
		byArea := map[AreaType]int{}
		units := slices.Clone(c.Units)
		slices.Sort(units)
		for _, u := range units {
			pc.Grids = append(pc.Grids, pg.Units[u].ID)
			plan.Grids[u].To = ci
			byArea[g.grids[u].area] += g.grids[u].households
		}
		main := OldTown
		for _, a := range AreaTypes {
			if byArea[a] > byArea[main] {
				main = a
			}
		}
		pc.Target, pc.Tolerance = sizeOf(in, rules, main)
		plan.Communities = append(plan.Communities, pc)
	}
	plan.Objective = Objective{Deviation: res.Objective.Deviation, CutEdges: res.Objective.CutEdges,
		MovedHouseholds: res.Objective.MovedHouseholds}
	for _, f := range res.Infeasible {
		inf := Infeasible{Reason: f.Reason, Grids: make([]string, 0, len(f.Units))}
		for _, u := range f.Units {
			inf.Grids = append(inf.Grids, pg.Units[u].ID)
		}
		slices.Sort(inf.Grids)
		plan.Infeasible = append(plan.Infeasible, inf)
	}
}

// Get returns plan id if p may read it.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Plan, error) {
	if !CanRead(p) {
		return Plan{}, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	plan, err := s.store.Get(ctx, id)
	if err != nil {
		return Plan{}, err
	}
	if !p.Scope().Contains(plan.Params.Scope) {
		return Plan{}, planNotFound()
	}
	return plan, nil
}

// List returns the plans within p's scope, newest first.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]PlanSummary, error) {
	if !CanRead(p) {
		return nil, apperr.New(apperr.Forbidden, "auth.forbidden", "")
	}
	return s.store.List(ctx, p.Scope(), 200)
}

// Rules returns the size rules and the staffing rule in force on day.
func (s *Service) Rules(ctx context.Context, day string) (map[AreaType]SizeRule, StaffingRule, error) {
	var (
		sizes map[AreaType]SizeRule
		staff StaffingRule
	)
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		if sizes, err = sizeRules(ctx, q, day); err != nil {
			return err
		}
		staff, err = staffingRule(ctx, q, day)
		return err
	})
	return sizes, staff, err
}
