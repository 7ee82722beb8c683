package planner

import (
	"math"
	"sort"
)

// sums are what a community's share of the objective is computed from. They add and
// subtract, so a move updates a community in constant time.
type sums struct {
	households int64
	weighted   int64   // Σ households × target
	tolWeight  float64 // Σ households × tolerance
	units      int64
	targets    int64   // Σ target, for a community without households
	tols       float64 // Σ tolerance, likewise
	share      float64 // Σ households / target: how many communities these would fill
}

func unitSums(u *Unit) sums {
	h := int64(u.Households)
	return sums{
		households: h,
		weighted:   h * int64(u.Target),
		tolWeight:  float64(h) * u.Tolerance,
		units:      1,
		targets:    int64(u.Target),
		tols:       u.Tolerance,
		share:      float64(h) / float64(u.Target),
	}
}

func (s sums) plus(o sums) sums {
	return sums{s.households + o.households, s.weighted + o.weighted, s.tolWeight + o.tolWeight,
		s.units + o.units, s.targets + o.targets, s.tols + o.tols, s.share + o.share}
}

func (s sums) minus(o sums) sums {
	return sums{s.households - o.households, s.weighted - o.weighted, s.tolWeight - o.tolWeight,
		s.units - o.units, s.targets - o.targets, s.tols - o.tols, s.share - o.share}
}

// target is the community's target and tolerance: the household-weighted means of its
// units' (a community of old town and new estate grids aims between the two, closer to
// where most of its households live), or the plain means when it has no households.
func (s sums) target() (float64, float64) {
	if s.households > 0 {
		h := float64(s.households)
		return float64(s.weighted) / h, s.tolWeight / h
	}
	if s.units == 0 {
		return 1, 0
	}
	n := float64(s.units)
	return float64(s.targets) / n, s.tols / n
}

// deviation is the community's relative deviation from its target.
func (s sums) deviation() float64 {
	t, _ := s.target()
	return (float64(s.households) - t) / t
}

// cost is the community's share of Excess and Deviation.
func (s sums) cost() (excess, deviation float64) {
	t, tol := s.target()
	d := (float64(s.households) - t) / t
	e := math.Abs(d) - tol
	if e < 0 {
		e = 0
	}
	return e * e, d * d
}

func (s sums) withinTolerance() bool {
	_, tol := s.target()
	return math.Abs(s.deviation()) <= tol+eps
}

// eps is the difference below which two sums of squares count as equal: they are
// added in different orders by different searches, and a plan must not depend on it.
const eps = 1e-9

func floatCmp(a, b float64) int {
	scale := math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
	switch {
	case a == b:
		return 0
	case math.IsInf(scale, 1):
		if a < b {
			return -1
		}
		return 1
	case a < b-eps*scale:
		return -1
	case a > b+eps*scale:
		return 1
	}
	return 0
}

// StabilityUnit is the number of households whose move costs Stability in the second
// term of Compare: with Stability 0.01, moving 1,000 households must bring Deviation
// down by 0.01 (one community from 10% off its target to on it) to be worth it.
const StabilityUnit = 1000

// Compare orders two objectives: negative when a is the better plan. The order is
// lexicographic: Excess (within tolerance wherever it can be), then Deviation plus
// stability × MovedHouseholds / StabilityUnit (close to the target, trading balance
// for fewer moves at the rate the city chooses; with stability 0, Deviation alone),
// then CutEdges (compact), then MovedHouseholds. Sums of squares equal to 1e-9
// relative are equal.
func Compare(a, b Objective, stability float64) int {
	if c := floatCmp(a.Excess, b.Excess); c != 0 {
		return c
	}
	if c := floatCmp(a.balance(stability), b.balance(stability)); c != 0 {
		return c
	}
	if a.CutEdges != b.CutEdges {
		if a.CutEdges < b.CutEdges {
			return -1
		}
		return 1
	}
	switch {
	case a.MovedHouseholds < b.MovedHouseholds:
		return -1
	case a.MovedHouseholds > b.MovedHouseholds:
		return 1
	}
	return 0
}

// balance is Compare's second term.
func (o Objective) balance(stability float64) float64 {
	if stability <= 0 {
		return o.Deviation
	}
	return o.Deviation + stability*float64(o.MovedHouseholds)/StabilityUnit
}

// Evaluate returns the objective of any assignment (unit -> community index, any
// non-negative numbers; len(assignment) == len(g.Units)). Edges are counted once
// whatever their orientation or repetition; self-loops and edges out of range are
// not counted. Contiguity and borders are not checked here: see Plan.
func Evaluate(g Graph, assignment []int) Objective {
	if len(assignment) != len(g.Units) {
		panic("planner: Evaluate: assignment and units differ in length")
	}
	index := make(map[int]int)
	local := make([]int, len(assignment))
	for i, a := range assignment {
		c, ok := index[a]
		if !ok {
			c = len(index)
			index[a] = c
		}
		local[i] = c
	}
	var o Objective
	comm := make([]sums, len(index))
	for i := range g.Units {
		comm[local[i]] = comm[local[i]].plus(unitSums(&g.Units[i]))
	}
	for _, s := range comm {
		e, d := s.cost()
		o.Excess += e
		o.Deviation += d
	}
	for _, e := range dedupEdges(g) {
		if local[e[0]] != local[e[1]] {
			o.CutEdges++
		}
	}
	units := make([]int, len(g.Units))
	for i := range units {
		units[i] = i
	}
	_, o.MovedHouseholds = matchCodes(g, units, local, len(index))
	return o
}

// dedupEdges returns the graph's edges with the smaller index first, sorted, each
// once, without self-loops or indices out of range.
func dedupEdges(g Graph) [][2]int32 {
	n := int32(len(g.Units))
	out := make([][2]int32, 0, len(g.Edges))
	for _, e := range g.Edges {
		a, b := e[0], e[1]
		if a == b || a < 0 || b < 0 || a >= n || b >= n {
			continue
		}
		if a > b {
			a, b = b, a
		}
		out = append(out, [2]int32{a, b})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	k := 0
	for i, e := range out {
		if i == 0 || e != out[k-1] {
			out[k] = e
			k++
		}
	}
	return out[:k]
}

// matchCodes gives each proposed community the code of today's community it shares
// most households with (then most grids), each code kept at most once, greedily from
// the largest overlap down; ties go to the smaller code, then to the community holding
// the smaller unit index, so the answer never depends on how communities are numbered.
// units are indices into g.Units and assign their communities (0..n-1). It returns the
// codes ("" for a new community) and the households whose grid leaves its community
// today (grids with no community today move no one).
func matchCodes(g Graph, units []int, assign []int, n int) ([]string, int) {
	type key struct {
		comm int
		code string
	}
	type overlap struct {
		households, grids int
	}
	first := make([]int, n)
	for i := range first {
		first[i] = math.MaxInt
	}
	over := make(map[key]overlap)
	for i, u := range units {
		c := assign[i]
		if u < first[c] {
			first[c] = u
		}
		code := g.Units[u].Community
		if code == "" {
			continue
		}
		k := key{c, code}
		v := over[k]
		v.households += g.Units[u].Households
		v.grids++
		over[k] = v
	}
	type pair struct {
		key
		overlap
	}
	pairs := make([]pair, 0, len(over))
	for k, v := range over {
		pairs = append(pairs, pair{k, v})
	}
	sort.Slice(pairs, func(i, j int) bool {
		a, b := pairs[i], pairs[j]
		if a.households != b.households {
			return a.households > b.households
		}
		if a.grids != b.grids {
			return a.grids > b.grids
		}
		if a.code != b.code {
			return a.code < b.code
		}
		return first[a.comm] < first[b.comm]
	})
	codes := make([]string, n)
	used := make(map[string]bool)
	for _, p := range pairs {
		if codes[p.comm] != "" || used[p.code] {
			continue
		}
		codes[p.comm] = p.code
		used[p.code] = true
	}
	moved := 0
	for i, u := range units {
		code := g.Units[u].Community
		if code != "" && codes[assign[i]] != code {
			moved += g.Units[u].Households
		}
	}
	return codes, moved
}
