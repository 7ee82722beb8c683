package planner

// Searcher exposes one component's search to the benchmarks of package planner_test,
// which build their graphs with package synth (itself built on this package).
type Searcher struct {
	st *state
}

// NewSearcher starts the search of g's first component as Plan would.
func NewSearcher(g Graph, seed int64, stability float64) Searcher {
	c := components(g)[0]
	var total sums
	for _, u := range c.units {
		total = total.plus(unitSums(&g.Units[u]))
	}
	st := newState(g, c, Params{Seed: seed, Stability: stability}, 0, true)
	st.start(chooseCount(total, len(c.units)))
	return Searcher{st}
}

// borderEdge draws edges until one joins two communities.
func (s Searcher) borderEdge() (int32, int32) {
	edges := s.st.c.edges
	for {
		e := edges[s.st.rng.IntN(len(edges))]
		if s.st.assign[e[0]] != s.st.assign[e[1]] {
			return e[0], e[1]
		}
	}
}

// ReCom makes one ReCom move at a border drawn at random.
func (s Searcher) ReCom() {
	u, v := s.borderEdge()
	s.st.recom(s.st.assign[u], s.st.assign[v])
}

// BoundaryMove tries one single-grid move at a border drawn at random.
func (s Searcher) BoundaryMove() {
	u, v := s.borderEdge()
	s.st.moveUnit(u, s.st.assign[v])
}

// Communities is the number of communities under search.
func (s Searcher) Communities() int { return len(s.st.comm) }

// Consistent tells whether the objective the search keeps up move by move is the
// one computed afresh from its assignment with its own codes.
func (s Searcher) Consistent() bool {
	st := s.st
	var o Objective
	for _, c := range st.comm {
		e, d := c.cost()
		o.Excess += e
		o.Deviation += d
	}
	for _, e := range st.c.edges {
		if st.assign[e[0]] != st.assign[e[1]] {
			o.CutEdges++
		}
	}
	for l, a := range st.assign {
		if c := st.code[l]; c >= 0 && c != st.home[a] {
			o.MovedHouseholds += int(st.unit[l].households)
		}
	}
	return floatCmp(o.Excess, st.obj.Excess) == 0 && floatCmp(o.Deviation, st.obj.Deviation) == 0 &&
		o.CutEdges == st.obj.CutEdges && o.MovedHouseholds == st.obj.MovedHouseholds
}
