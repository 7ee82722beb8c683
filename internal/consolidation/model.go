// Package consolidation is the data side of the consolidation planner (社区整合,
// issue 13): the grids as a graph (which grids border which, their boundaries and
// area types), the dated rules a plan is measured by (households per community by
// area type, households per worker), the plans made and their comparison, the
// command line's and the pages' way in, and the map. The algorithm lives in
// planner, which knows nothing of the database; applying a plan to the tree is
// apply*.go. It depends on platform, org and audit.
package consolidation

import (
	"math"
	"time"

	"shequ/internal/platform/apperr"
)

// AreaType is the kind of place a grid is, which sets the households its community
// should have: 新建小区, 老城区 or 城乡结合部.
type AreaType string

// The area types. A grid with none recorded is old town.
const (
	NewEstate        AreaType = "new_estate"
	OldTown          AreaType = "old_town"
	UrbanRuralFringe AreaType = "urban_rural_fringe"
)

// AreaTypes lists the area types in the order pages show them.
var AreaTypes = []AreaType{OldTown, NewEstate, UrbanRuralFringe}

// ParseAreaType reads an area type by its code or its Chinese name.
func ParseAreaType(s string) (AreaType, bool) {
	switch s {
	case "new_estate", "新建小区":
		return NewEstate, true
	case "old_town", "老城区":
		return OldTown, true
	case "urban_rural_fringe", "城乡结合部":
		return UrbanRuralFringe, true
	}
	return "", false
}

// Within is the border no proposed community may cross.
type Within string

// The borders a plan keeps.
const (
	WithinDistrict Within = "district"
	WithinStreet   Within = "street"
)

// Params are what a plan is asked. TargetHouseholds and Tolerance are zero when
// the plan takes them, grid by grid, from the size rules of the grid's area type
// on the day; set, they hold for every grid.
type Params struct {
	Scope            string  `json:"scope"`
	TargetHouseholds int     `json:"target_households"`
	Tolerance        float64 `json:"tolerance"`
	Within           Within  `json:"within"`
	Stability        float64 `json:"stability"`
	Seed             int64   `json:"seed"`
	// AsOf is the register's day the households and residents are counted on,
	// YYYY-MM-DD in the city's zone; "" is today.
	AsOf string `json:"as_of"`
}

// Validate names the first parameter out of range.
func (p Params) Validate() error {
	switch {
	case p.Scope == "":
		return apperr.Invalidf("scope", "plan.scope_required")
	case p.TargetHouseholds < 0:
		return apperr.Invalidf("target_households", "plan.target_positive")
	case p.Tolerance < 0 || p.Tolerance >= 1:
		return apperr.Invalidf("tolerance", "plan.tolerance_range")
	case p.Within != WithinDistrict && p.Within != WithinStreet:
		return apperr.Invalidf("within", "plan.within")
	case p.Stability < 0:
		return apperr.Invalidf("stability", "plan.stability")
	}
	if p.AsOf != "" {
		if _, err := time.Parse(time.DateOnly, p.AsOf); err != nil {
			return apperr.Invalidf("as_of", "plan.as_of").With("value", p.AsOf)
		}
	}
	return nil
}

// Plan is a stored consolidation plan: what it was asked, the register it was made
// on, and what it proposes.
//
// Generation is the sum of the register generations (decision 12) of the districts
// under Scope when the plan was made: applying the plan when the sum differs means
// the register changed under it, and the plan must be made again.
type Plan struct {
	ID          string
	Params      Params
	ScopeName   string
	Generation  int64
	Communities []Community
	// Grids are every grid the plan counted, in code order.
	Grids      []Grid
	Objective  Objective
	Infeasible []Infeasible
	Took       time.Duration
	CreatedBy  string
	CreatedAt  time.Time
}

// Community is a proposed community. Code is today's community that the proposal
// keeps (the one most of its households are in now), "" for a new one.
type Community struct {
	Code       string   `json:"code"`
	New        bool     `json:"new"`
	District   string   `json:"district"`
	Grids      []string `json:"grids"`
	Households int      `json:"households"`
	Residents  int      `json:"residents"`
	Contiguous bool     `json:"contiguous"`
	// Target and Tolerance are the size this community is measured by: the
	// plan's, or the size rule of the area type most of its households live in.
	Target    int     `json:"-"`
	Tolerance float64 `json:"-"`
}

// Within reports whether the community's households lie within its tolerance.
func (c Community) Within() bool { return withinTolerance(c.Households, c.Target, c.Tolerance) }

func withinTolerance(households, target int, tolerance float64) bool {
	if target <= 0 {
		return true
	}
	d := float64(households-target) / float64(target)
	return d >= -tolerance-1e-9 && d <= tolerance+1e-9
}

// Grid is one grid as a plan counted it. To is the index in Plan.Communities of
// the community it goes to, -1 when it is in none.
type Grid struct {
	Code       string
	From       string // the community it is in today
	Area       AreaType
	To         int
	Households int
	Residents  int
}

// Objective is what a plan scores, in the planner's order: the sum of squared
// relative deviations from the targets, the edges cut between communities, and
// the households moved away from their community.
type Objective struct {
	Deviation       float64 `json:"deviation"`
	CutEdges        int     `json:"cut_edges"`
	MovedHouseholds int     `json:"moved_households"`
}

// Infeasible is a set of grids no community within tolerance can be made of, and
// why: an island grid, a component too small or too large. The grids are still in
// the plan's communities, planned as well as they can be. Reason is the planner's
// key: island, too_small, too_large, no_fit, unbalanced.
type Infeasible struct {
	Grids  []string `json:"grids"`
	Reason string   `json:"reason"`
}

// Percent is the tolerance in whole percent.
func (c Community) Percent() int { return int(math.Round(c.Tolerance * 100)) }
