package consolidation

import (
	"context"
	"slices"
)

// PlanJSON is a plan in the stable shape other tools read (issue 13).
// target_households and tolerance are the plan's, or old town's rule on the day
// when the plan measured each grid by its area type.
type PlanJSON struct {
	Scope            string       `json:"scope"`
	TargetHouseholds int          `json:"target_households"`
	Tolerance        float64      `json:"tolerance"`
	Communities      []Community  `json:"communities"`
	Objective        Objective    `json:"objective"`
	Infeasible       []Infeasible `json:"infeasible"`
}

// JSON returns plan in its stable shape.
func (s *Service) JSON(ctx context.Context, plan Plan) (PlanJSON, error) {
	out := PlanJSON{Scope: plan.Params.Scope, TargetHouseholds: plan.Params.TargetHouseholds, Tolerance: plan.Params.Tolerance,
		Communities: plan.Communities, Objective: plan.Objective, Infeasible: plan.Infeasible}
	if out.TargetHouseholds == 0 || out.Tolerance == 0 {
		rules, _, err := s.Rules(ctx, plan.Params.AsOf)
		if err != nil {
			return PlanJSON{}, err
		}
		out.TargetHouseholds, out.Tolerance = sizeOf(plan.Params, rules, OldTown)
	}
	if out.Communities == nil {
		out.Communities = []Community{}
	}
	if out.Infeasible == nil {
		out.Infeasible = []Infeasible{}
	}
	return out, nil
}

// Today returns the communities as they stood on the plan's day: its grids grouped
// by the community they were in, in code order. Their targets are unset.
func Today(plan Plan) []Community {
	var out []Community
	index := map[string]int{}
	for _, g := range plan.Grids {
		i, ok := index[g.From]
		if !ok {
			i = len(out)
			index[g.From] = i
			out = append(out, Community{Code: g.From, District: g.From[:min(6, len(g.From))], Contiguous: true})
		}
		out[i].Grids = append(out[i].Grids, g.Code)
		out[i].Households += g.Households
		out[i].Residents += g.Residents
	}
	slices.SortFunc(out, func(a, b Community) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	return out
}

// Side is one column of a comparison: today's communities, or a plan's.
type Side struct {
	Plan        *Plan // nil for today
	Communities []Community
	Outside     int // communities outside their tolerance
	Moved       int // households moved away from their community
	Posts       int // community workers the staffing rule asks for
	Households  []int
}

// Comparison sets plans beside the communities of today.
type Comparison struct {
	Day      string
	Sides    []Side // today first, then the plans
	Staffing StaffingRule
	Rules    map[AreaType]SizeRule
}

// Compare measures today (on the first plan's day) and each plan by the same
// rules: the first plan's size (or the area types' rules on its day) and the
// staffing rule of that day.
func (s *Service) Compare(ctx context.Context, plans ...Plan) (Comparison, error) {
	first := plans[0]
	rules, staff, err := s.Rules(ctx, first.Params.AsOf)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Day: first.Params.AsOf, Staffing: staff, Rules: rules}
	today := Today(first)
	area := map[string]AreaType{}
	for _, g := range first.Grids {
		area[g.Code] = g.Area
	}
	for i := range today {
		byArea := map[AreaType]int{}
		for _, g := range today[i].Grids {
			byArea[area[g]]++
		}
		main := OldTown
		for _, a := range AreaTypes {
			if byArea[a] > byArea[main] {
				main = a
			}
		}
		today[i].Target, today[i].Tolerance = sizeOf(first.Params, rules, main)
	}
	c.Sides = append(c.Sides, side(nil, today, staff))
	for i := range plans {
		sd := side(&plans[i], plans[i].Communities, staff)
		sd.Moved = plans[i].Objective.MovedHouseholds
		c.Sides = append(c.Sides, sd)
	}
	return c, nil
}

func side(p *Plan, cs []Community, staff StaffingRule) Side {
	sd := Side{Plan: p, Communities: cs}
	for _, c := range cs {
		if !c.Within() {
			sd.Outside++
		}
		sd.Posts += staff.Posts(c.Households)
		sd.Households = append(sd.Households, c.Households)
	}
	slices.Sort(sd.Households)
	return sd
}
