package planner

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
)

// search plans a component too large for exact: it fixes the number of communities
// from the households, starts from today's communities cut to that number (merging the
// smallest into a neighbour, splitting the largest along a random spanning tree), and
// improves by two kinds of move, keeping a move only when Compare prefers the result:
// ReCom (merge two neighbouring communities, draw a uniform spanning tree of the union
// with Wilson's algorithm, cut the edge that balances best) and single grids crossing
// a border, with a contiguity check on the community they leave. The budget is
// p.Steps moves per community, drawn from a stream seeded by p.Seed and the
// component's first unit.
func search(ctx context.Context, g Graph, c *component, p Params, total sums) ([]int, int, error) {
	st := newState(g, c, p)
	k := chooseCount(total, len(c.units))
	st.start(k)
	if k > 1 && len(c.edges) > 0 {
		steps := p.Steps * k
		for i := 0; i < steps; i++ {
			if i&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, 0, err
				}
			}
			st.step()
		}
	}
	assign := make([]int, len(st.assign))
	for l, a := range st.assign {
		assign[l] = int(a)
	}
	return assign, len(st.comm), nil
}

// chooseCount is the number of communities that would fit the component best if
// households could be split at will.
func chooseCount(total sums, n int) int {
	t, tol := total.target()
	h := float64(total.households)
	if h <= 0 {
		return 1
	}
	best, bestE, bestD := 1, math.Inf(1), math.Inf(1)
	lo := max(1, int(h/(t*(1+tol)))-1)
	hi := min(n, int(math.Ceil(h/(t*(1-tol))))+1)
	for k := lo; k <= hi; k++ {
		d := (h/float64(k) - t) / t
		e := math.Max(0, math.Abs(d)-tol)
		ek, dk := float64(k)*e*e, float64(k)*d*d
		if c := floatCmp(ek, bestE); c < 0 || (c == 0 && floatCmp(dk, bestD) < 0) {
			best, bestE, bestD = k, ek, dk
		}
	}
	return best
}

// state is a component's partition under search.
type state struct {
	c      *component
	rng    *rand.Rand
	unit   []sums
	assign []int32
	comm   []sums
	member [][]int32 // units of each community
	pos    []int32   // a unit's place in its community's member list
	obj    Objective // Excess, Deviation, CutEdges of the component

	// scratch, stamped so that nothing is cleared between moves
	stamp  int32
	mark   []int32
	side   []bool
	next   []int32
	depth  []int32
	sub    []sums
	order  []int32
	queue  []int32
	picked []int32
}

func newState(g Graph, c *component, p Params) *state {
	n := len(c.units)
	st := &state{
		c:      c,
		rng:    rand.New(rand.NewPCG(uint64(p.Seed), uint64(c.units[0]))),
		unit:   make([]sums, n),
		assign: make([]int32, n),
		pos:    make([]int32, n),
		mark:   make([]int32, n),
		side:   make([]bool, n),
		next:   make([]int32, n),
		depth:  make([]int32, n),
		sub:    make([]sums, n),
	}
	for l, u := range c.units {
		st.unit[l] = unitSums(&g.Units[u])
	}
	// Today's communities, cut into connected pieces: grids without one today form
	// pieces of their own, by connectivity too.
	code := make([]string, n)
	for l, u := range c.units {
		code[l] = g.Units[u].Community
	}
	for l := range st.assign {
		st.assign[l] = -1
	}
	for s := range n {
		if st.assign[s] >= 0 {
			continue
		}
		id := int32(len(st.member))
		st.member = append(st.member, nil)
		st.comm = append(st.comm, sums{})
		st.assign[s] = id
		queue := []int32{int32(s)}
		for len(queue) > 0 {
			u := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			st.add(u, id)
			for _, v := range c.neighbours(int(u)) {
				if st.assign[v] < 0 && code[v] == code[s] {
					st.assign[v] = id
					queue = append(queue, v)
				}
			}
		}
	}
	return st
}

// add puts unit u into community a (its assign already says so).
func (st *state) add(u, a int32) {
	st.pos[u] = int32(len(st.member[a]))
	st.member[a] = append(st.member[a], u)
	st.comm[a] = st.comm[a].plus(st.unit[u])
}

// remove takes unit u out of community a's members and sums.
func (st *state) remove(u, a int32) {
	m := st.member[a]
	last := m[len(m)-1]
	m[st.pos[u]] = last
	st.pos[last] = st.pos[u]
	st.member[a] = m[:len(m)-1]
	st.comm[a] = st.comm[a].minus(st.unit[u])
}

// start brings the pieces to k communities and computes the objective.
func (st *state) start(k int) {
	for len(st.comm) > k {
		st.mergeSmallest()
	}
	for len(st.comm) < k {
		if !st.splitLargest() {
			break
		}
	}
	st.obj = Objective{}
	for _, s := range st.comm {
		e, d := s.cost()
		st.obj.Excess += e
		st.obj.Deviation += d
	}
	for _, e := range st.c.edges {
		if st.assign[e[0]] != st.assign[e[1]] {
			st.obj.CutEdges++
		}
	}
}

// mergeSmallest merges the community with fewest households into its smallest
// neighbour (the lowest numbers on ties).
func (st *state) mergeSmallest() {
	a := int32(0)
	for i := range st.comm {
		if st.comm[i].households < st.comm[a].households {
			a = int32(i)
		}
	}
	b := int32(-1)
	for _, u := range st.member[a] {
		for _, v := range st.c.neighbours(int(u)) {
			o := st.assign[v]
			if o != a && (b < 0 || st.comm[o].households < st.comm[b].households ||
				st.comm[o].households == st.comm[b].households && o < b) {
				b = o
			}
		}
	}
	for _, u := range st.member[a] {
		st.assign[u] = b
		st.add(u, b)
	}
	// The last community takes a's number.
	last := int32(len(st.comm) - 1)
	if a != last {
		st.member[a], st.comm[a] = st.member[last], st.comm[last]
		for _, u := range st.member[a] {
			st.assign[u] = a
		}
	}
	st.member = st.member[:last]
	st.comm = st.comm[:last]
}

// splitLargest cuts a piece off the community with most households (of those with
// more than one grid) along a random spanning tree, the piece as close as the tree
// allows to the community's households over the number of communities it should be.
func (st *state) splitLargest() bool {
	a := int32(-1)
	for i := range st.comm {
		if len(st.member[i]) > 1 && (a < 0 || st.comm[i].households > st.comm[a].households) {
			a = int32(i)
		}
	}
	if a < 0 {
		return false
	}
	s := st.comm[a]
	t, _ := s.target()
	parts := math.Max(2, math.Round(float64(s.households)/t))
	want := float64(s.households) / parts
	members := append([]int32(nil), st.member[a]...)
	st.tree(members)
	best, bestGap := int32(-1), math.Inf(1)
	for _, x := range st.order[1:] {
		h := float64(st.sub[x].households)
		gap := math.Min(math.Abs(h-want), math.Abs(float64(s.households)-h-want))
		if gap < bestGap {
			best, bestGap = x, gap
		}
	}
	st.markSide(best)
	b := int32(len(st.comm))
	st.comm = append(st.comm, sums{})
	st.member = append(st.member, nil)
	for _, u := range members {
		if st.side[u] {
			st.remove(u, a)
			st.assign[u] = b
			st.add(u, b)
		}
	}
	return true
}

// tree draws a uniform spanning tree of the members (connected) with Wilson's
// algorithm: st.next holds each unit's parent, st.order the units root first, parents
// before children, st.sub each unit's subtree sums.
func (st *state) tree(members []int32) {
	st.stamp += 2
	in, done := st.stamp, st.stamp+1
	for _, u := range members {
		st.mark[u] = in
	}
	root := members[st.rng.IntN(len(members))]
	st.mark[root] = done
	st.depth[root] = 0
	for _, s := range members {
		u := s
		for st.mark[u] != done {
			nb := st.c.neighbours(int(u))
			k := 0
			for _, v := range nb {
				if st.mark[v] >= in {
					k++
				}
			}
			pick := st.rng.IntN(k)
			for _, v := range nb {
				if st.mark[v] >= in {
					if pick == 0 {
						st.next[u] = v
						break
					}
					pick--
				}
			}
			u = st.next[u]
		}
		for u = s; st.mark[u] != done; u = st.next[u] {
			st.mark[u] = done
		}
	}
	// Depths, then an order by depth: children after parents.
	st.order = st.order[:0]
	for _, s := range members {
		st.queue = st.queue[:0]
		u := s
		for st.mark[u] == done && u != root {
			st.queue = append(st.queue, u)
			st.mark[u] = done + 1 // depth not known yet
			u = st.next[u]
		}
		d := st.depth[u]
		for i := len(st.queue) - 1; i >= 0; i-- {
			d++
			st.depth[st.queue[i]] = d
		}
	}
	st.stamp++
	st.order = append(st.order, members...)
	sort.Slice(st.order, func(i, j int) bool {
		a, b := st.order[i], st.order[j]
		if st.depth[a] != st.depth[b] {
			return st.depth[a] < st.depth[b]
		}
		return a < b
	})
	for _, u := range st.order {
		st.sub[u] = st.unit[u]
	}
	for i := len(st.order) - 1; i > 0; i-- {
		u := st.order[i]
		p := st.next[u]
		st.sub[p] = st.sub[p].plus(st.sub[u])
	}
}

// markSide sets st.side for the units of the subtree of x (st.order from tree).
func (st *state) markSide(x int32) {
	for _, u := range st.order {
		st.side[u] = u == x || (u != st.order[0] && st.side[st.next[u]])
	}
}

// step makes one move at a border chosen at random.
func (st *state) step() {
	edges := st.c.edges
	var e [2]int32
	found := false
	for range 32 {
		e = edges[st.rng.IntN(len(edges))]
		if st.assign[e[0]] != st.assign[e[1]] {
			found = true
			break
		}
	}
	if !found {
		return
	}
	switch r := st.rng.IntN(4); r {
	case 0:
		st.recom(st.assign[e[0]], st.assign[e[1]])
	default:
		u, to := e[r&1], st.assign[e[1-r&1]]
		st.moveUnit(u, to)
	}
}

// recom merges communities a and b, draws a spanning tree of the union and cuts the
// edge that balances the two sides best, keeping the result if it is better.
func (st *state) recom(a, b int32) bool {
	members := append(st.picked[:0], st.member[a]...)
	members = append(members, st.member[b]...)
	st.picked = members
	st.tree(members)
	total := st.comm[a].plus(st.comm[b])
	best, bestE, bestD := int32(-1), math.Inf(1), math.Inf(1)
	for _, x := range st.order[1:] {
		s1 := st.sub[x]
		e1, d1 := s1.cost()
		e2, d2 := total.minus(s1).cost()
		if c := floatCmp(e1+e2, bestE); c < 0 || (c == 0 && floatCmp(d1+d2, bestD) < 0) {
			best, bestE, bestD = x, e1+e2, d1+d2
		}
	}
	ea, da := st.comm[a].cost()
	eb, db := st.comm[b].cost()
	cand := st.obj
	cand.Excess += bestE - ea - eb
	cand.Deviation += bestD - da - db
	if floatCmp(cand.Excess, st.obj.Excess) > 0 ||
		floatCmp(cand.Excess, st.obj.Excess) == 0 && floatCmp(cand.Deviation, st.obj.Deviation) > 0 {
		return false
	}
	st.markSide(best)
	oldCut, newCut := 0, 0
	for _, u := range members {
		for _, v := range st.c.neighbours(int(u)) {
			if v < u {
				continue
			}
			av := st.assign[v]
			if av != a && av != b {
				continue
			}
			if st.assign[u] != av {
				oldCut++
			}
			if st.side[u] != st.side[v] {
				newCut++
			}
		}
	}
	cand.CutEdges += newCut - oldCut
	if Compare(cand, st.obj, 0) >= 0 {
		return false
	}
	st.obj = cand
	st.member[a] = st.member[a][:0]
	st.member[b] = st.member[b][:0]
	st.comm[a], st.comm[b] = sums{}, sums{}
	for _, u := range members {
		to := b
		if st.side[u] {
			to = a
		}
		st.assign[u] = to
		st.add(u, to)
	}
	return true
}

// moveUnit moves unit u into community to if that is better and leaves u's
// community contiguous and not empty.
func (st *state) moveUnit(u, to int32) bool {
	from := st.assign[u]
	if len(st.member[from]) == 1 {
		return false
	}
	sf, stt := st.comm[from].minus(st.unit[u]), st.comm[to].plus(st.unit[u])
	ef0, df0 := st.comm[from].cost()
	et0, dt0 := st.comm[to].cost()
	ef, df := sf.cost()
	et, dt := stt.cost()
	cand := st.obj
	cand.Excess += ef + et - ef0 - et0
	cand.Deviation += df + dt - df0 - dt0
	var start int32 = -1
	for _, v := range st.c.neighbours(int(u)) {
		switch st.assign[v] {
		case from:
			cand.CutEdges++
			start = v
		case to:
			cand.CutEdges--
		}
	}
	if Compare(cand, st.obj, 0) >= 0 || !st.connectedWithout(from, u, start) {
		return false
	}
	st.obj = cand
	st.remove(u, from)
	st.assign[u] = to
	st.add(u, to)
	return true
}

// connectedWithout tells whether community a stays connected without unit u, by a
// search from start, one of u's neighbours in a.
func (st *state) connectedWithout(a, u, start int32) bool {
	if start < 0 {
		return false
	}
	st.stamp++
	seen := st.stamp
	st.mark[u] = seen
	st.mark[start] = seen
	st.queue = append(st.queue[:0], start)
	reached := 1
	for len(st.queue) > 0 {
		x := st.queue[len(st.queue)-1]
		st.queue = st.queue[:len(st.queue)-1]
		for _, v := range st.c.neighbours(int(x)) {
			if st.assign[v] == a && st.mark[v] != seen {
				st.mark[v] = seen
				reached++
				st.queue = append(st.queue, v)
			}
		}
	}
	return reached == len(st.member[a])-1
}
