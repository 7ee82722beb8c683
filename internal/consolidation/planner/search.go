package planner

import (
	"context"
	"math"
	"math/rand/v2"
)

// search plans a component too large for exact. It fixes the number of communities
// k from the households, then runs searches of the same budget and keeps the best by
// Compare: one from today's communities brought to k (the smallest merged into a
// neighbour, the largest split along a random spanning tree), which moves few
// households when today is nearly right; one from the whole component split the same
// way, which balances better when today is far off; one from today at today's count
// when that is k ± 1; and, when none brings every community within tolerance, both
// starts at k − 1 and k + 1. Each search improves its partition by moves kept only
// when Compare prefers the result: ReCom (merge two neighbouring communities, draw a
// uniform spanning tree of the union with Wilson's algorithm, cut the edge that
// balances best) and single grids crossing a border, with a contiguity check on the
// community they leave. Every search draws from its own stream, seeded by p.Seed, the
// component's first unit and the search's number.
func search(ctx context.Context, g Graph, c *component, p Params, total sums) ([]int, int, error) {
	k := chooseCount(total, len(c.units))
	type run struct {
		count int
		today bool
	}
	runs := []run{{k, true}, {k, false}}
	tried := func(r run) bool {
		for _, o := range runs {
			if o == r {
				return true
			}
		}
		return false
	}
	var best []int
	var bestObj Objective
	var count int
	for i := 0; i < len(runs); i++ {
		st := newState(g, c, p, i, runs[i].today)
		// Today's own count, when it is next to the households' count, is tried
		// from today too: a today within tolerance is then kept as it is.
		if today := len(st.comm); i == 0 && today != k && today >= k-1 && today <= k+1 {
			runs = append(runs, run{today, true})
		}
		if err := st.run(ctx, runs[i].count, p.Steps); err != nil {
			return nil, 0, err
		}
		assign := make([]int, len(st.assign))
		for l, a := range st.assign {
			assign[l] = int(a)
		}
		o := st.obj
		_, o.MovedHouseholds = matchCodes(g, c.units, assign, len(st.comm))
		if best == nil || Compare(o, bestObj, p.Stability) < 0 {
			best, bestObj, count = assign, o, len(st.comm)
		}
		// Grids too coarse for the count the households suggest: one community
		// fewer and one more are tried too, from both starts.
		if i == 1 && bestObj.Excess > 0 {
			for _, r := range []run{{k - 1, true}, {k - 1, false}, {k + 1, true}, {k + 1, false}} {
				if r.count >= 1 && r.count <= len(c.units) && !tried(r) {
					runs = append(runs, r)
				}
			}
		}
	}
	return best, count, nil
}

// run brings the state to k communities and searches: p.Steps moves per community,
// ended early by a quarter of them without a move kept (a count of steps, so still
// the same plan for the same seed).
func (st *state) run(ctx context.Context, k, stepsPer int) error {
	st.start(k)
	if len(st.comm) < 2 || len(st.c.edges) == 0 {
		return nil
	}
	steps := stepsPer * len(st.comm)
	patience, last := max(1, steps/4), 0
	for i := 0; i < steps && i-last < patience; i++ {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			st.findOff()
		}
		if st.step() {
			last = i
		}
	}
	return nil
}

// chooseCount is the number of communities that would fit the component best if
// households could be split at will. Each grid fills households/target of a
// community, so a component of old town and fringe grids needs more communities
// than its households over its mean target would say.
func chooseCount(total sums, n int) int {
	if total.households <= 0 || total.share <= 0 {
		return 1
	}
	_, tol := total.target()
	best, bestE, bestD := 1, math.Inf(1), math.Inf(1)
	for k := max(1, int(total.share)-1); k <= min(n, int(total.share)+2); k++ {
		d := total.share/float64(k) - 1
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
	obj    Objective // of the component, moved households counted against home
	// Today's community of each unit as a number (-1 for none), and the code each
	// community is taken to keep, as matched when the search starts: a move is
	// weighed by the households it takes away from, or brings back to, their code.
	code      []int32
	home      []int32
	ids       map[string]int32
	stability float64
	g         Graph

	// scratch, stamped so that nothing is cleared between moves
	stamp  int32
	mark   []int32
	side   []bool
	next   []int32
	head   []int32 // first child in the spanning tree, -1 for none
	sib    []int32 // next child of the same parent
	sub    []sums
	order  []int32
	queue  []int32
	picked []int32
	off    []int32 // communities outside tolerance, as of the last findOff
	keptA  []int64
	keptB  []int64
}

// newState starts from today's communities, or from the whole component.
func newState(g Graph, c *component, p Params, stream int, today bool) *state {
	n := len(c.units)
	st := &state{
		c:      c,
		rng:    rand.New(rand.NewPCG(uint64(p.Seed), uint64(8*c.units[0]+stream))),
		unit:   make([]sums, n),
		assign: make([]int32, n),
		pos:    make([]int32, n),
		mark:   make([]int32, n),
		side:   make([]bool, n),
		next:   make([]int32, n),
		head:   make([]int32, n),
		sib:    make([]int32, n),
		sub:    make([]sums, n),
		keptA:  make([]int64, n),
		keptB:  make([]int64, n),
		code:   make([]int32, n),
		g:      g,
		ids:    map[string]int32{},

		stability: p.Stability,
	}
	for l, u := range c.units {
		st.unit[l] = unitSums(&g.Units[u])
		st.code[l] = -1
		if code := g.Units[u].Community; code != "" {
			id, ok := st.ids[code]
			if !ok {
				id = int32(len(st.ids))
				st.ids[code] = id
			}
			st.code[l] = id
		}
	}
	// Today's communities, cut into connected pieces (grids without one today form
	// pieces of their own, by connectivity too), or the whole component.
	piece := make([]int32, n)
	if today {
		copy(piece, st.code)
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
				if st.assign[v] < 0 && piece[v] == piece[s] {
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
	assign := make([]int, len(st.assign))
	for l, a := range st.assign {
		assign[l] = int(a)
	}
	codes, moved := matchCodes(st.g, st.c.units, assign, len(st.comm))
	st.home = make([]int32, len(st.comm))
	for a, code := range codes {
		st.home[a] = -1
		if code != "" {
			st.home[a] = st.ids[code]
		}
	}
	st.obj = Objective{MovedHouseholds: moved}
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
	parts := math.Max(2, math.Round(s.share))
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
// algorithm: st.next holds each unit's parent, st.order the units breadth first from
// the root, st.sub each unit's subtree sums.
func (st *state) tree(members []int32) {
	st.stamp += 2
	in, done := st.stamp, st.stamp+1
	for _, u := range members {
		st.mark[u] = in
		st.head[u] = -1
	}
	root := members[st.rng.IntN(len(members))]
	st.mark[root] = done
	for _, s := range members {
		// A loop-erased random walk from s to the tree: a neighbour outside the
		// members is drawn again (every member has one inside: they are connected).
		for u := s; st.mark[u] != done; u = st.next[u] {
			nb := st.c.neighbours(int(u))
			v := nb[st.rng.IntN(len(nb))]
			for st.mark[v] < in {
				v = nb[st.rng.IntN(len(nb))]
			}
			st.next[u] = v
		}
		for u := s; st.mark[u] != done; u = st.next[u] {
			st.mark[u] = done
		}
	}
	// Children lists, then the order breadth first from the root.
	for _, u := range members {
		if u != root {
			p := st.next[u]
			st.sib[u] = st.head[p]
			st.head[p] = u
		}
	}
	st.order = append(st.order[:0], root)
	for i := 0; i < len(st.order); i++ {
		for c := st.head[st.order[i]]; c >= 0; c = st.sib[c] {
			st.order = append(st.order, c)
		}
	}
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

// findOff lists the communities outside their tolerance, which half the moves start
// from while there are any.
func (st *state) findOff() {
	st.off = st.off[:0]
	for a, s := range st.comm {
		if !s.withinTolerance() {
			st.off = append(st.off, int32(a))
		}
	}
}

// border draws a border edge: half the time at a community outside its tolerance,
// otherwise anywhere.
func (st *state) border() ([2]int32, bool) {
	if len(st.off) > 0 && st.rng.IntN(2) == 0 {
		a := st.off[st.rng.IntN(len(st.off))]
		m := st.member[a]
		for range 8 {
			u := m[st.rng.IntN(len(m))]
			nb := st.c.neighbours(int(u))
			if len(nb) == 0 {
				continue
			}
			if v := nb[st.rng.IntN(len(nb))]; st.assign[v] != a {
				return [2]int32{u, v}, true
			}
		}
		return [2]int32{}, false
	}
	edges := st.c.edges
	for range 32 {
		e := edges[st.rng.IntN(len(edges))]
		if st.assign[e[0]] != st.assign[e[1]] {
			return e, true
		}
	}
	return [2]int32{}, false
}

// step tries one move at a border chosen at random and tells whether it was kept.
func (st *state) step() bool {
	e, found := st.border()
	if !found {
		return false
	}
	switch r := st.rng.IntN(4); r {
	case 0:
		return st.recom(st.assign[e[0]], st.assign[e[1]])
	default:
		u, to := e[r&1], st.assign[e[1-r&1]]
		return st.moveUnit(u, to)
	}
}

// recom merges communities a and b, draws a spanning tree of the union and cuts the
// edge that balances the two sides best, keeping the result if it is better.
func (st *state) recom(a, b int32) bool {
	members := append(st.picked[:0], st.member[a]...)
	members = append(members, st.member[b]...)
	st.picked = members
	st.tree(members)
	// The households of the union that stay if their side keeps a's code, or b's.
	ha, hb := st.keptA[:len(st.unit)], st.keptB[:len(st.unit)]
	var coded, oldMoved int64
	for _, u := range members {
		h := st.unit[u].households
		ha[u], hb[u] = 0, 0
		if c := st.code[u]; c >= 0 {
			coded += h
			if c == st.home[a] {
				ha[u] = h
			}
			if c == st.home[b] {
				hb[u] = h
			}
			if c != st.home[st.assign[u]] {
				oldMoved += h
			}
		}
	}
	for i := len(st.order) - 1; i > 0; i-- {
		u := st.order[i]
		p := st.next[u]
		ha[p] += ha[u]
		hb[p] += hb[u]
	}
	total := st.comm[a].plus(st.comm[b])
	root := st.order[0]
	best, swap := int32(-1), false
	bestE, bestB := math.Inf(1), math.Inf(1)
	var bestD float64
	var bestM int64
	for _, x := range st.order[1:] {
		s1 := st.sub[x]
		e1, d1 := s1.cost()
		e2, d2 := total.minus(s1).cost()
		// x's side keeps a's code, or b's: whichever moves fewer.
		m, sw := coded-ha[x]-(hb[root]-hb[x]), false
		if m2 := coded - hb[x] - (ha[root] - ha[x]); m2 < m {
			m, sw = m2, true
		}
		bal := d1 + d2 + st.stability*float64(m)/StabilityUnit
		if c := floatCmp(e1+e2, bestE); c < 0 || (c == 0 && floatCmp(bal, bestB) < 0) {
			best, swap, bestE, bestB, bestD, bestM = x, sw, e1+e2, bal, d1+d2, m
		}
	}
	ea, da := st.comm[a].cost()
	eb, db := st.comm[b].cost()
	cand := st.obj
	cand.Excess += bestE - ea - eb
	cand.Deviation += bestD - da - db
	cand.MovedHouseholds += int(bestM - oldMoved)
	if floatCmp(cand.Excess, st.obj.Excess) > 0 ||
		floatCmp(cand.Excess, st.obj.Excess) == 0 && floatCmp(cand.balance(st.stability), st.obj.balance(st.stability)) > 0 {
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
	if Compare(cand, st.obj, st.stability) >= 0 {
		return false
	}
	st.obj = cand
	st.member[a] = st.member[a][:0]
	st.member[b] = st.member[b][:0]
	st.comm[a], st.comm[b] = sums{}, sums{}
	for _, u := range members {
		to := b
		if st.side[u] != swap {
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
	if c := st.code[u]; c >= 0 {
		h := int(st.unit[u].households)
		if c == st.home[from] {
			cand.MovedHouseholds += h
		}
		if c == st.home[to] {
			cand.MovedHouseholds -= h
		}
	}
	var start int32 = -1
	inside := 0
	for _, v := range st.c.neighbours(int(u)) {
		switch st.assign[v] {
		case from:
			cand.CutEdges++
			start = v
			inside++
		case to:
			cand.CutEdges--
		}
	}
	// A grid with one neighbour in its community is a leaf of it: leaving cannot
	// disconnect the rest, and no search is needed.
	if Compare(cand, st.obj, st.stability) >= 0 || (inside > 1 && !st.connectedWithout(from, u, start)) {
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
