// Package planner proposes how to regroup grids (网格) into communities (社区) of about
// a target number of households: contiguous, each inside one region (a district, or a
// street), close to the target, compact, and moving few households. It is the pure
// algorithm of the consolidation planner (issue 13, decision 0032): no database, no HTTP,
// no clock. The data side builds a Graph from the register and stores the Result.
package planner

import (
	"context"
	"errors"
)

// Unit is a grid: the atom of a plan.
type Unit struct {
	ID         string // grid code
	Region     string // the hard border it may not cross: district code (or street code with --within street)
	District   string // district code (for the JSON)
	Community  string // its community today
	Households int
	Residents  int
	Target     int     // target households for the community it lands in (from its area type)
	Tolerance  float64 // relative, in (0,1)
}

// Graph is the units and their adjacency.
type Graph struct {
	Units []Unit
	Edges [][2]int32 // undirected adjacency, indices into Units
}

// Params steer a plan. The zero value of every field is a sensible default.
type Params struct {
	// Stability is the weight of moved households in the objective's last term; 0
	// leaves them out of the comparison.
	Stability float64
	// Seed makes a plan reproducible: the same graph, parameters and seed give the
	// same plan, whatever the number of workers.
	Seed int64
	// Steps is the search budget per proposed community of a component (0: 400).
	Steps int
	// Workers is the number of components planned at once (0: GOMAXPROCS).
	Workers int
}

// Community is one proposed community.
type Community struct {
	Code       string // today's community code it keeps, or "" when new
	New        bool
	District   string
	Units      []int // indices into Graph.Units, sorted
	Households int
	Residents  int
	Contiguous bool
}

// Objective measures a plan. Plans are compared lexicographically by Compare: Excess,
// then Deviation, then CutEdges, then Stability × MovedHouseholds.
type Objective struct {
	// Excess is the sum over communities of the squared relative deviation beyond
	// the community's tolerance: zero exactly when every community is within it.
	Excess float64
	// Deviation is the sum over communities of ((households − target) / target)².
	Deviation float64
	// CutEdges counts the adjacencies between grids of different communities.
	CutEdges int
	// MovedHouseholds counts the households whose grid leaves its current community.
	MovedHouseholds int
}

// Infeasible is a part of the graph that cannot be planned within tolerance. It is
// still planned as well as possible; this says why its communities are off.
type Infeasible struct {
	Units  []int
	Reason string // a stable key: "island", "too_small", "too_large", "no_fit", "unbalanced"
}

// Result is a plan.
type Result struct {
	Communities []Community
	Objective   Objective
	Infeasible  []Infeasible
}

// ErrNotImplemented is returned by Plan until the search lands.
var ErrNotImplemented = errors.New("planner: not implemented yet")

// Plan proposes communities for the graph.
func Plan(ctx context.Context, g Graph, p Params) (Result, error) {
	if err := Validate(g); err != nil {
		return Result{}, err
	}
	return Result{}, ErrNotImplemented
}

// Evaluate returns the objective of any assignment (unit -> community index).
func Evaluate(g Graph, assignment []int) Objective {
	return Objective{}
}

// Validate checks a graph before planning.
func Validate(g Graph) error {
	return nil
}
