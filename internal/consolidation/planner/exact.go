package planner

import (
	"context"
	"math"
	"math/bits"
)

// exact finds the best partition of a small component into contiguous communities by
// enumerating them all, with branch and bound: the communities closed so far give a
// lower bound on Excess and Deviation (the rest adds squares) and on the cut edges
// (every edge leaving them is cut). Each partition is built once: the community of
// the lowest unit left is grown as a connected set, every frontier unit either taken
// or excluded for good, then the rest is partitioned the same way.
func exact(ctx context.Context, g Graph, c *component, p Params) ([]int, int, error) {
	n := len(c.units)
	unit := make([]sums, n)
	nbm := make([]uint32, n)
	for l, u := range c.units {
		unit[l] = unitSums(&g.Units[u])
		for _, v := range c.neighbours(l) {
			nbm[l] |= 1 << v
		}
	}
	edges := len(c.edges)
	innerEdges := func(r uint32) int {
		k := 0
		for m := r; m != 0; m &= m - 1 {
			k += bits.OnesCount32(nbm[bits.TrailingZeros32(m)] & r)
		}
		return k / 2
	}
	e := &enumeration{ctx: ctx, nbm: nbm, unit: unit}
	e.best = Objective{Excess: math.Inf(1), Deviation: math.Inf(1), CutEdges: math.MaxInt, MovedHouseholds: math.MaxInt}
	// A leaf is compared without its moved households first, as a lower bound: the
	// matching of today's codes is the dearest part and most leaves lose before it.
	e.leaf = func(parts []uint32, o Objective) {
		if Compare(o, e.best, p.Stability) >= 0 {
			return
		}
		_, o.MovedHouseholds = matchCodes(g, c.units, masksToAssign(parts, n), len(parts))
		if Compare(o, e.best, p.Stability) >= 0 {
			return
		}
		e.best = o
		e.bestParts = append(e.bestParts[:0], parts...)
	}
	e.bound = func(r uint32, o Objective) bool {
		o.CutEdges = edges - o.CutEdges - innerEdges(r)
		return Compare(o, e.best, p.Stability) >= 0
	}
	e.edges = edges
	e.partition(uint32(1)<<n-1, Objective{}, nil)
	if e.err != nil {
		return nil, 0, e.err
	}
	return masksToAssign(e.bestParts, n), len(e.bestParts), nil
}

// enumeration is the state of one exhaustive search. Objective.CutEdges holds the
// edges inside the communities closed so far until a partition is complete.
type enumeration struct {
	ctx       context.Context
	nbm       []uint32
	unit      []sums
	edges     int
	best      Objective
	bestParts []uint32
	leaf      func([]uint32, Objective)
	bound     func(uint32, Objective) bool
	visits    int
	err       error
}

func (e *enumeration) partition(rest uint32, o Objective, parts []uint32) {
	if e.err != nil {
		return
	}
	if e.visits++; e.visits&0xffff == 0 {
		if e.err = e.ctx.Err(); e.err != nil {
			return
		}
	}
	if rest == 0 {
		o.CutEdges = e.edges - o.CutEdges
		e.leaf(parts, o)
		return
	}
	if e.bound(rest, o) {
		return
	}
	v := bits.TrailingZeros32(rest)
	e.grow(rest, uint32(1)<<v, e.nbm[v]&rest, 0, e.unit[v], 0, o, parts)
}

// grow visits every connected set containing set, inside rest, that adds units of
// frontier and none of forbidden, and partitions what each leaves.
func (e *enumeration) grow(rest, set, frontier, forbidden uint32, s sums, inner int, o Objective, parts []uint32) {
	ex, dev := s.cost()
	next := o
	next.Excess += ex
	next.Deviation += dev
	next.CutEdges += inner
	e.partition(rest&^set, next, append(parts, set))
	for frontier != 0 {
		u := bits.TrailingZeros32(frontier)
		bit := uint32(1) << u
		frontier &^= bit
		grown := set | bit
		e.grow(rest, grown, (frontier|e.nbm[u]&rest)&^grown&^forbidden, forbidden,
			s.plus(e.unit[u]), inner+bits.OnesCount32(e.nbm[u]&set), o, parts)
		forbidden |= bit
	}
}

func masksToAssign(parts []uint32, n int) []int {
	assign := make([]int, n)
	for c, m := range parts {
		for ; m != 0; m &= m - 1 {
			assign[bits.TrailingZeros32(m)] = c
		}
	}
	return assign
}
