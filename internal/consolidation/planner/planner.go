// Package planner proposes how to regroup grids (网格) into communities (社区) of about
// a target number of households: contiguous, each inside one region (a district, or a
// street), close to the target, compact, and moving few households. It is the pure
// algorithm of the consolidation planner (issue 13, decision 0032): no database, no HTTP,
// no clock. The data side builds a Graph from the register and stores the Result.
package planner

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
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
	// Stability is the weight of moved households against Deviation (see Compare and
	// StabilityUnit); 0 lets them only break ties.
	Stability float64
	// Seed makes a plan reproducible: the same graph, parameters and seed give the
	// same plan, whatever the number of workers.
	Seed int64
	// Steps is the search budget of a component larger than ExactLimit, in moves
	// per proposed community (0: 400). The budget, never the clock, ends a search.
	Steps int
	// ExactLimit is the largest component searched exhaustively (0: 14, at most 16).
	ExactLimit int
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
	// Target and Tolerance are the community's: the household-weighted means of its
	// grids' (the plain means when it has no households), as the objective uses them.
	Target    float64
	Tolerance float64
}

// Objective measures a plan. Plans are compared lexicographically by Compare: Excess,
// then Deviation (plus moved households weighted by Params.Stability), then CutEdges,
// then MovedHouseholds.
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

// InputError says what is wrong with a graph and where.
type InputError struct {
	Unit   int    // index into Graph.Units, or -1
	Edge   int    // index into Graph.Edges, or -1
	Field  string // "households", "residents", "target", "tolerance", "region", "id", "edge"
	Reason string // a stable key: "negative", "not_positive", "out_of_range", "empty", "duplicate", "self_loop"
}

func (e *InputError) Error() string {
	if e.Edge >= 0 {
		return fmt.Sprintf("planner: edge %d: %s: %s", e.Edge, e.Field, e.Reason)
	}
	return fmt.Sprintf("planner: unit %d: %s: %s", e.Unit, e.Field, e.Reason)
}

// Validate checks a graph before planning: households and residents not negative, a
// positive target, a tolerance in (0, 1), a region and a distinct ID for every unit,
// and edges between two different existing units. Edges between regions are allowed
// and ignored (grids do touch across a district border; a community may not), and an
// edge given twice, in either direction, counts once.
func Validate(g Graph) error {
	ids := make(map[string]int, len(g.Units))
	for i, u := range g.Units {
		bad := func(field, reason string) error {
			return &InputError{Unit: i, Edge: -1, Field: field, Reason: reason}
		}
		switch {
		case u.ID == "":
			return bad("id", "empty")
		case u.Region == "":
			return bad("region", "empty")
		case u.Households < 0:
			return bad("households", "negative")
		case u.Residents < 0:
			return bad("residents", "negative")
		case u.Target <= 0:
			return bad("target", "not_positive")
		case !(u.Tolerance > 0 && u.Tolerance < 1):
			return bad("tolerance", "out_of_range")
		}
		if _, dup := ids[u.ID]; dup {
			return bad("id", "duplicate")
		}
		ids[u.ID] = i
	}
	n := int32(len(g.Units))
	for i, e := range g.Edges {
		switch {
		case e[0] < 0 || e[1] < 0 || e[0] >= n || e[1] >= n:
			return &InputError{Unit: -1, Edge: i, Field: "edge", Reason: "out_of_range"}
		case e[0] == e[1]:
			return &InputError{Unit: -1, Edge: i, Field: "edge", Reason: "self_loop"}
		}
	}
	return nil
}

// Plan proposes communities for the graph: each contiguous and inside one region,
// compared by Compare. Regions and their connected components are planned apart, in
// parallel, each with its own random stream drawn from the seed and the component's
// first unit, so the plan depends on the seed alone. What cannot be within tolerance
// is planned as well as it can be and listed in Infeasible.
func Plan(ctx context.Context, g Graph, p Params) (Result, error) {
	if err := Validate(g); err != nil {
		return Result{}, err
	}
	if p.Steps <= 0 {
		p.Steps = 400
	}
	if p.ExactLimit <= 0 {
		p.ExactLimit = 14
	}
	p.ExactLimit = min(p.ExactLimit, 16)
	if p.Workers <= 0 {
		p.Workers = runtime.GOMAXPROCS(0)
	}
	comps := components(g)
	sols := make([]solution, len(comps))
	errs := make([]error, len(comps))
	// Largest first, so that one big district does not start last.
	order := make([]int, len(comps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(comps[order[a]].units) > len(comps[order[b]].units) })
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range p.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				sols[c], errs[c] = solve(ctx, g, comps[c], p)
			}
		}()
	}
	for _, c := range order {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	return assemble(g, comps, sols), nil
}

// assemble turns the components' solutions into the plan: communities ordered by
// their first unit, today's codes matched, the objective evaluated afresh.
func assemble(g Graph, comps []*component, sols []solution) Result {
	var parts [][]int
	var res Result
	for c, s := range sols {
		for _, part := range s.parts {
			units := make([]int, len(part))
			for i, l := range part {
				units[i] = comps[c].units[l]
			}
			sort.Ints(units)
			parts = append(parts, units)
		}
		res.Infeasible = append(res.Infeasible, s.infeasible...)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i][0] < parts[j][0] })
	assign := make([]int, len(g.Units))
	for c, part := range parts {
		for _, u := range part {
			assign[u] = c
		}
	}
	all := make([]int, len(g.Units))
	for i := range all {
		all[i] = i
	}
	codes, _ := matchCodes(g, all, assign, len(parts))
	whole := contiguity(g, assign, parts)
	for c, part := range parts {
		var s sums
		residents := 0
		for _, u := range part {
			s = s.plus(unitSums(&g.Units[u]))
			residents += g.Units[u].Residents
		}
		target, tol := s.target()
		res.Communities = append(res.Communities, Community{
			Code:       codes[c],
			New:        codes[c] == "",
			District:   g.Units[part[0]].District,
			Units:      part,
			Households: int(s.households),
			Residents:  residents,
			Contiguous: whole[c],
			Target:     target,
			Tolerance:  tol,
		})
	}
	sort.Slice(res.Infeasible, func(i, j int) bool { return res.Infeasible[i].Units[0] < res.Infeasible[j].Units[0] })
	res.Objective = Evaluate(g, assign)
	return res
}

// contiguity tells for each community of the assignment whether its units are
// connected by edges inside one region.
func contiguity(g Graph, assign []int, parts [][]int) []bool {
	n := len(g.Units)
	adj := make([][]int32, n)
	for _, e := range g.Edges {
		a, b := e[0], e[1]
		if assign[a] == assign[b] && g.Units[a].Region == g.Units[b].Region {
			adj[a] = append(adj[a], b)
			adj[b] = append(adj[b], a)
		}
	}
	seen := make([]bool, n)
	out := make([]bool, len(parts))
	var stack []int32
	for c, part := range parts {
		seen[part[0]] = true
		stack = append(stack[:0], int32(part[0]))
		reached := 1
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, v := range adj[u] {
				if !seen[v] {
					seen[v] = true
					reached++
					stack = append(stack, v)
				}
			}
		}
		out[c] = reached == len(part)
	}
	return out
}

// component is a connected part of one region: the unit of planning.
type component struct {
	units []int   // indices into Graph.Units, sorted
	off   []int32 // local adjacency (CSR): the neighbours of l are nb[off[l]:off[l+1]]
	nb    []int32
	edges [][2]int32 // local, each once
}

func (c *component) neighbours(l int) []int32 { return c.nb[c.off[l]:c.off[l+1]] }

// components splits the graph by region and connectivity inside the region, ordered
// by first unit.
func components(g Graph) []*component {
	n := len(g.Units)
	var inner [][2]int32
	for _, e := range dedupEdges(g) {
		if g.Units[e[0]].Region == g.Units[e[1]].Region {
			inner = append(inner, e)
		}
	}
	deg := make([]int32, n+1)
	for _, e := range inner {
		deg[e[0]+1]++
		deg[e[1]+1]++
	}
	for i := 1; i <= n; i++ {
		deg[i] += deg[i-1]
	}
	adj := make([]int32, 2*len(inner))
	fill := append([]int32(nil), deg[:n]...)
	for _, e := range inner {
		adj[fill[e[0]]] = e[1]
		fill[e[0]]++
		adj[fill[e[1]]] = e[0]
		fill[e[1]]++
	}
	comp := make([]int, n)
	for i := range comp {
		comp[i] = -1
	}
	var out []*component
	local := make([]int32, n)
	for s := 0; s < n; s++ {
		if comp[s] >= 0 {
			continue
		}
		id := len(out)
		c := &component{}
		comp[s] = id
		stack := []int{s}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c.units = append(c.units, u)
			for _, v := range adj[deg[u]:deg[u+1]] {
				if comp[v] < 0 {
					comp[v] = id
					stack = append(stack, int(v))
				}
			}
		}
		sort.Ints(c.units)
		for l, u := range c.units {
			local[u] = int32(l)
		}
		c.off = make([]int32, len(c.units)+1)
		for l, u := range c.units {
			for _, v := range adj[deg[u]:deg[u+1]] {
				c.nb = append(c.nb, local[v])
				if int(local[v]) > l {
					c.edges = append(c.edges, [2]int32{int32(l), local[v]})
				}
			}
			c.off[l+1] = int32(len(c.nb))
		}
		out = append(out, c)
	}
	return out
}

// solution is a component's plan: its communities as local unit indices.
type solution struct {
	parts      [][]int
	infeasible []Infeasible
}

// solve plans one component and says what in it cannot be within tolerance.
func solve(ctx context.Context, g Graph, c *component, p Params) (solution, error) {
	var sol solution
	n := len(c.units)
	var total sums
	// A community's target lies between the least and the largest of its grids', its
	// tolerance is at most the largest: bounds no plan can beat.
	minTarget, maxTarget, maxTol := math.Inf(1), 0.0, 0.0
	for _, u := range c.units {
		total = total.plus(unitSums(&g.Units[u]))
		minTarget = math.Min(minTarget, float64(g.Units[u].Target))
		maxTarget = math.Max(maxTarget, float64(g.Units[u].Target))
		maxTol = math.Max(maxTol, g.Units[u].Tolerance)
	}
	limit := maxTarget * (1 + maxTol)
	var assign []int
	var k int
	var err error
	if n <= p.ExactLimit {
		assign, k, err = exact(ctx, g, c, p)
	} else {
		assign, k, err = search(ctx, g, c, p, total)
	}
	if err != nil {
		return sol, err
	}
	sol.parts = make([][]int, k)
	for l, a := range assign {
		sol.parts[a] = append(sol.parts[a], l)
	}
	global := func(ls []int) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			out[i] = c.units[l]
		}
		return out
	}
	// The reasons, from the plainest: a grid alone, a component that cannot hold one
	// community in tolerance, one no number of communities divides, single grids
	// bigger than any community may be; then what the search did not bring in.
	h := float64(total.households)
	floor := minTarget * (1 - maxTol)
	lo, hi := math.Ceil(h/limit-eps), math.Floor(h/floor+eps)
	switch {
	case n == 1:
		sol.infeasible = append(sol.infeasible, Infeasible{Units: global([]int{0}), Reason: "island"})
		return sol, nil
	case h < floor-eps:
		sol.infeasible = append(sol.infeasible, Infeasible{Units: global(allLocal(n)), Reason: "too_small"})
		return sol, nil
	case lo > hi:
		sol.infeasible = append(sol.infeasible, Infeasible{Units: global(allLocal(n)), Reason: "no_fit"})
		return sol, nil
	}
	large := make([]bool, k)
	for l, u := range c.units {
		if float64(g.Units[u].Households) > limit+eps {
			large[assign[l]] = true
			sol.infeasible = append(sol.infeasible, Infeasible{Units: []int{u}, Reason: "too_large"})
		}
	}
	var off []int
	for a, part := range sol.parts {
		var s sums
		for _, l := range part {
			s = s.plus(unitSums(&g.Units[c.units[l]]))
		}
		if !large[a] && !s.withinTolerance() {
			off = append(off, part...)
		}
	}
	if len(off) > 0 {
		sort.Ints(off)
		sol.infeasible = append(sol.infeasible, Infeasible{Units: global(off), Reason: "unbalanced"})
	}
	return sol, nil
}

func allLocal(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
