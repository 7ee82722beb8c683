package planner_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"shequ/internal/consolidation/planner"
	"shequ/internal/consolidation/planner/synth"
)

// randomGraph is a small city for properties and for the exhaustive comparison: grids
// on a lattice with random gaps and diagonals, one to three regions in vertical bands,
// mixed area types, and today's communities grown as connected pieces of one region.
func randomGraph(rng *rand.Rand, n int) planner.Graph {
	w := 1 + rng.IntN(5)
	regions := 1
	if rng.IntN(2) == 0 {
		regions += rng.IntN(3)
	}
	var g planner.Graph
	pos := map[[2]int]int32{}
	var cells [][2]int
	for x := 0; len(cells) < n; x++ {
		for y := range w {
			if len(cells) < n && rng.IntN(6) > 0 {
				cells = append(cells, [2]int{x, y})
			}
		}
	}
	width := cells[len(cells)-1][0] + 1
	targets := []int{600, 900, 1200}
	tols := []float64{0.1, 0.2, 0.3}
	for i, c := range cells {
		pos[c] = int32(i)
		r := fmt.Sprintf("R%d", c[0]*regions/width)
		g.Units = append(g.Units, planner.Unit{
			ID: fmt.Sprintf("G%02d", i), Region: r, District: r,
			Households: rng.IntN(450), Residents: rng.IntN(1500),
			Target: targets[rng.IntN(3)], Tolerance: tols[rng.IntN(3)],
		})
	}
	for i, c := range cells {
		for _, d := range [][2]int{{1, 0}, {0, 1}, {1, 1}, {1, -1}} {
			if j, ok := pos[[2]int{c[0] + d[0], c[1] + d[1]}]; ok && (d[0] == 0 || d[1] == 0 || rng.IntN(3) == 0) {
				if rng.IntN(8) > 0 {
					g.Edges = append(g.Edges, [2]int32{int32(i), j})
				}
			}
		}
	}
	adj := make([][]int, n)
	for _, e := range g.Edges {
		a, b := int(e[0]), int(e[1])
		if g.Units[a].Region == g.Units[b].Region {
			adj[a] = append(adj[a], b)
			adj[b] = append(adj[b], a)
		}
	}
	next := 0
	for _, s := range rng.Perm(n) {
		if g.Units[s].Community != "" {
			continue
		}
		if rng.IntN(8) == 0 {
			continue // a grid with no community today
		}
		code := fmt.Sprintf("C%02d", next)
		next++
		size := 1 + rng.IntN(5)
		queue := []int{s}
		g.Units[s].Community = code
		for len(queue) > 0 && size > 1 {
			u := queue[0]
			queue = queue[1:]
			for _, v := range adj[u] {
				if g.Units[v].Community == "" && size > 1 {
					g.Units[v].Community = code
					size--
					queue = append(queue, v)
				}
			}
		}
	}
	return g
}

// optimum enumerates every partition of the graph into connected parts of one region
// each and returns the best objective by planner.Compare: the specification the
// planner's plans are held to.
func optimum(g planner.Graph, stability float64) (planner.Objective, int) {
	n := len(g.Units)
	nb := make([]uint32, n)
	for _, e := range g.Edges {
		if g.Units[e[0]].Region == g.Units[e[1]].Region {
			nb[e[0]] |= 1 << e[1]
			nb[e[1]] |= 1 << e[0]
		}
	}
	connected := func(m uint32) bool {
		seen := m & -m
		for {
			grown := seen
			for r := seen; r != 0; r &= r - 1 {
				grown |= nb[bits.TrailingZeros32(r)] & m
			}
			if grown == seen {
				return seen == m
			}
			seen = grown
		}
	}
	// Blocks by their lowest unit.
	blocks := make([][]uint32, n)
	for m := uint32(1); m < 1<<n; m++ {
		if connected(m) {
			low := bits.TrailingZeros32(m)
			blocks[low] = append(blocks[low], m)
		}
	}
	best := planner.Objective{Excess: math.Inf(1)}
	count := 0
	assign := make([]int, n)
	var rec func(rest uint32, k int)
	rec = func(rest uint32, k int) {
		if rest == 0 {
			count++
			o := planner.Evaluate(g, assign)
			if planner.Compare(o, best, stability) < 0 {
				best = o
			}
			return
		}
		for _, b := range blocks[bits.TrailingZeros32(rest)] {
			if b&^rest != 0 {
				continue
			}
			for r := b; r != 0; r &= r - 1 {
				assign[bits.TrailingZeros32(r)] = k
			}
			rec(rest&^b, k+1)
		}
	}
	rec(1<<n-1, 0)
	return best, count
}

func TestPlan_EqualsTheExhaustiveOptimumUpTo14Grids(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for i := range 60 {
		n := 1 + i%14
		if i >= 42 {
			n = 12 + i%3
		}
		g := randomGraph(rng, n)
		stability := []float64{0, 1}[i%2]
		res, err := planner.Plan(context.Background(), g, planner.Params{Seed: int64(i), Stability: stability})
		if err != nil {
			t.Fatal(err)
		}
		want, count := optimum(g, stability)
		t.Logf("instance %d: %d grids, %d partitions", i, n, count)
		if planner.Compare(res.Objective, want, stability) != 0 {
			t.Errorf("instance %d (%d grids, %d partitions, stability %v): plan %+v, optimum %+v", i, n, count, stability, res.Objective, want)
		}
	}
}

// checkPlan holds a plan to the hard constraints and to its own figures.
func checkPlan(t *testing.T, g planner.Graph, res planner.Result) {
	t.Helper()
	seen := make([]int, len(g.Units))
	for i := range seen {
		seen[i] = -1
	}
	adj := map[[2]int]bool{}
	for _, e := range g.Edges {
		adj[[2]int{int(e[0]), int(e[1])}] = true
		adj[[2]int{int(e[1]), int(e[0])}] = true
	}
	assign := make([]int, len(g.Units))
	codes := map[string]bool{}
	for c, com := range res.Communities {
		if !slices.IsSorted(com.Units) || len(com.Units) == 0 {
			t.Fatalf("community %d: units %v not sorted or empty", c, com.Units)
		}
		h, r := 0, 0
		for _, u := range com.Units {
			if seen[u] >= 0 {
				t.Fatalf("unit %d in communities %d and %d", u, seen[u], c)
			}
			seen[u] = c
			assign[u] = c
			h += g.Units[u].Households
			r += g.Units[u].Residents
			if g.Units[u].Region != g.Units[com.Units[0]].Region {
				t.Fatalf("community %d crosses regions", c)
			}
		}
		var weighted, tol float64
		for _, u := range com.Units {
			weighted += float64(g.Units[u].Households * g.Units[u].Target)
			tol += float64(g.Units[u].Households) * g.Units[u].Tolerance
		}
		if h > 0 && (math.Abs(com.Target-weighted/float64(h)) > 1e-9 || math.Abs(com.Tolerance-tol/float64(h)) > 1e-9) {
			t.Fatalf("community %d: target %v, tolerance %v", c, com.Target, com.Tolerance)
		}
		if h != com.Households || r != com.Residents || com.District != g.Units[com.Units[0]].District {
			t.Fatalf("community %d: figures %+v", c, com)
		}
		// Contiguity by a search of our own.
		in := map[int]bool{}
		for _, u := range com.Units {
			in[u] = true
		}
		reached := map[int]bool{com.Units[0]: true}
		stack := []int{com.Units[0]}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for v := range in {
				if !reached[v] && adj[[2]int{u, v}] {
					reached[v] = true
					stack = append(stack, v)
				}
			}
		}
		if len(reached) != len(in) || !com.Contiguous {
			t.Fatalf("community %d not contiguous (flag %v)", c, com.Contiguous)
		}
		if com.New != (com.Code == "") || (com.Code != "" && codes[com.Code]) {
			t.Fatalf("community %d: code %q new %v (kept twice?)", c, com.Code, com.New)
		}
		codes[com.Code] = com.Code != ""
	}
	for u, c := range seen {
		if c < 0 {
			t.Fatalf("unit %d in no community", u)
		}
	}
	if got := planner.Evaluate(g, assign); got != res.Objective {
		t.Fatalf("objective %+v, evaluated %+v", res.Objective, got)
	}
}

func TestPlan_CommunitiesAreContiguousAndInsideOneRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		g := randomGraph(rng, 15+rng.IntN(300))
		// Small targets make many communities per component.
		for u := range g.Units {
			g.Units[u].Target /= 1 + i%3
		}
		res, err := planner.Plan(context.Background(), g, planner.Params{Seed: int64(i), Steps: 50})
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, g, res)
	}
	g := synth.Wuzhou(3)
	res, err := planner.Plan(context.Background(), g, planner.Params{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, g, res)
}

func TestPlan_BringsEveryFeasibleCommunityOfWuzhouWithinTolerance(t *testing.T) {
	g := synth.Wuzhou(1)
	res, err := planner.Plan(context.Background(), g, planner.Params{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, inf := range res.Infeasible {
		if inf.Reason != "island" {
			t.Errorf("infeasible %s: %d grids", inf.Reason, len(inf.Units))
		}
	}
	if len(res.Infeasible) != 3 {
		t.Errorf("infeasible %+v, want the three island grids", res.Infeasible)
	}
}

// line is a path of grids in one region with the given households, target 1000 and
// tolerance 0.1, each in a community of its own today.
func line(households ...int) planner.Graph {
	var g planner.Graph
	for i, h := range households {
		g.Units = append(g.Units, planner.Unit{ID: fmt.Sprint("G", i), Region: "R", District: "R",
			Community: fmt.Sprint("C", i), Households: h, Target: 1000, Tolerance: 0.1})
		if i > 0 {
			g.Edges = append(g.Edges, [2]int32{int32(i - 1), int32(i)})
		}
	}
	return g
}

func TestPlan_ReportsIslandsAndComponentsThatCannotFit(t *testing.T) {
	g := line(500, 480, 30, 200, 1000, 700, 5000, 400, 1400, 100)
	g.Units[3].Region = "S"
	g.Units[8].Region, g.Units[9].Region = "T", "T"
	g.Edges = [][2]int32{
		{0, 1},                 // 980 households: one community within 10% of 1,000
		{3, 4},                 // grid 2 has no neighbour; 3 none within its region
		{4, 5}, {5, 6}, {6, 7}, // 5,000 in grid 6: more than any community may hold
		{8, 9}, // 1,500: one community is too large, two too small
	}
	res, err := planner.Plan(context.Background(), g, planner.Params{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, g, res)
	got := map[string][]int{}
	for _, inf := range res.Infeasible {
		got[inf.Reason] = append(got[inf.Reason], inf.Units...)
	}
	want := map[string][]int{
		"island":     {2, 3},
		"too_large":  {6},
		"unbalanced": {5, 7}, // 700 and 400 alone: joining grid 6 would be worse
		"no_fit":     {8, 9},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("infeasible %v, want %v", got, want)
	}
	res, err = planner.Plan(context.Background(), line(300, 200), planner.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Infeasible) != 1 || res.Infeasible[0].Reason != "too_small" || len(res.Communities) != 1 {
		t.Errorf("two grids of 500 households: %+v", res)
	}
}

func TestPlan_SameSeedSamePlanWhateverTheWorkers(t *testing.T) {
	g := synth.Generate(synth.Config{Seed: 5, Districts: 6, Grids: 120, Islands: 1})
	first, err := planner.Plan(context.Background(), g, planner.Params{Seed: 9, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := planner.Plan(context.Background(), g, planner.Params{Seed: 9, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatal("the same seed gave two plans")
		}
	}
	other, err := planner.Plan(context.Background(), g, planner.Params{Seed: 10})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first.Communities, other.Communities) {
		t.Error("another seed gave the same plan: is the seed used?")
	}
}

func TestPlan_RefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*planner.Graph)
		want   planner.InputError
	}{
		{"target zero", func(g *planner.Graph) { g.Units[1].Target = 0 }, planner.InputError{Unit: 1, Edge: -1, Field: "target", Reason: "not_positive"}},
		{"target negative", func(g *planner.Graph) { g.Units[0].Target = -3000 }, planner.InputError{Unit: 0, Edge: -1, Field: "target", Reason: "not_positive"}},
		{"tolerance zero", func(g *planner.Graph) { g.Units[2].Tolerance = 0 }, planner.InputError{Unit: 2, Edge: -1, Field: "tolerance", Reason: "out_of_range"}},
		{"tolerance one", func(g *planner.Graph) { g.Units[2].Tolerance = 1 }, planner.InputError{Unit: 2, Edge: -1, Field: "tolerance", Reason: "out_of_range"}},
		{"tolerance NaN", func(g *planner.Graph) { g.Units[2].Tolerance = math.NaN() }, planner.InputError{Unit: 2, Edge: -1, Field: "tolerance", Reason: "out_of_range"}},
		{"households negative", func(g *planner.Graph) { g.Units[1].Households = -1 }, planner.InputError{Unit: 1, Edge: -1, Field: "households", Reason: "negative"}},
		{"residents negative", func(g *planner.Graph) { g.Units[1].Residents = -1 }, planner.InputError{Unit: 1, Edge: -1, Field: "residents", Reason: "negative"}},
		{"no region", func(g *planner.Graph) { g.Units[0].Region = "" }, planner.InputError{Unit: 0, Edge: -1, Field: "region", Reason: "empty"}},
		{"no id", func(g *planner.Graph) { g.Units[0].ID = "" }, planner.InputError{Unit: 0, Edge: -1, Field: "id", Reason: "empty"}},
		{"same id twice", func(g *planner.Graph) { g.Units[2].ID = g.Units[0].ID }, planner.InputError{Unit: 2, Edge: -1, Field: "id", Reason: "duplicate"}},
		{"edge to an unknown grid", func(g *planner.Graph) { g.Edges = append(g.Edges, [2]int32{0, 3}) }, planner.InputError{Unit: -1, Edge: 2, Field: "edge", Reason: "out_of_range"}},
		{"negative edge", func(g *planner.Graph) { g.Edges[0][0] = -1 }, planner.InputError{Unit: -1, Edge: 0, Field: "edge", Reason: "out_of_range"}},
		{"self-loop", func(g *planner.Graph) { g.Edges[1] = [2]int32{2, 2} }, planner.InputError{Unit: -1, Edge: 1, Field: "edge", Reason: "self_loop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := line(1000, 1000, 1000)
			tc.change(&g)
			_, err := planner.Plan(context.Background(), g, planner.Params{})
			var ie *planner.InputError
			if !errors.As(err, &ie) || *ie != tc.want {
				t.Fatalf("error %v, want %+v", err, tc.want)
			}
		})
	}
	// No grids, no plan, no error.
	if res, err := planner.Plan(context.Background(), planner.Graph{}, planner.Params{}); err != nil || len(res.Communities) != 0 {
		t.Fatalf("empty graph: %+v, %v", res, err)
	}
	// Edges across regions, repeated or reversed, are not errors.
	g := line(1000, 1000, 1000)
	g.Units[2].Region = "S"
	g.Edges = append(g.Edges, [2]int32{1, 0}, [2]int32{0, 1})
	if _, err := planner.Plan(context.Background(), g, planner.Params{}); err != nil {
		t.Fatal(err)
	}
}

func TestEvaluate_HandExamples(t *testing.T) {
	// 0 —— 1 —— 2 —— 3, with a chord 0 —— 2; today C0 = {0, 1}, C1 = {2, 3}.
	g := planner.Graph{
		Units: []planner.Unit{
			{ID: "a", Region: "R", Community: "C0", Households: 800, Target: 1000, Tolerance: 0.1},
			{ID: "b", Region: "R", Community: "C0", Households: 400, Target: 1000, Tolerance: 0.1},
			{ID: "c", Region: "R", Community: "C1", Households: 300, Target: 2000, Tolerance: 0.2},
			{ID: "d", Region: "R", Community: "C1", Households: 500, Target: 2000, Tolerance: 0.2},
		},
		Edges: [][2]int32{{0, 1}, {1, 2}, {2, 3}, {0, 2}, {2, 0}},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	for _, tc := range []struct {
		name   string
		assign []int
		want   planner.Objective
	}{
		{
			// C0: 1,200 of 1,000 (+20%, 10% beyond); C1: 800 of 2,000 (−60%, 40% beyond).
			name: "today", assign: []int{0, 0, 1, 1},
			want: planner.Objective{Excess: 0.01 + 0.16, Deviation: 0.04 + 0.36, CutEdges: 2},
		},
		{
			// One community of 2,000 households; its target is weighted by households:
			// (800·1000 + 400·1000 + 300·2000 + 500·2000) / 2000 = 1,400, tolerance
			// (800·0.1 + 400·0.1 + 300·0.2 + 500·0.2) / 2000 = 0.14. It keeps C0 (1,200
			// households in common against 800): grids c and d move.
			name: "all in one", assign: []int{7, 7, 7, 7},
			want: func() planner.Objective {
				d := 600.0 / 1400
				return planner.Objective{Excess: (d - 0.14) * (d - 0.14), Deviation: d * d, MovedHouseholds: 800}
			}(),
		},
		{
			// {a}, {b, c, d}: a keeps C0 (800 against 400 for the other); the other
			// keeps C1 (800 against 400 of C0's), so b (400) moves.
			name: "a alone", assign: []int{3, 5, 5, 5},
			want: func() planner.Objective {
				t := (400.0*1000 + 300*2000 + 500*2000) / 1200
				tol := (400*0.1 + 300*0.2 + 500*0.2) / 1200
				d := (1200 - t) / t
				e := math.Max(0, math.Abs(d)-tol)
				return planner.Objective{Excess: 0.01 + e*e, Deviation: 0.04 + d*d, CutEdges: 2, MovedHouseholds: 400}
			}(),
		},
	} {
		got := planner.Evaluate(g, tc.assign)
		if !near(got.Excess, tc.want.Excess) || !near(got.Deviation, tc.want.Deviation) ||
			got.CutEdges != tc.want.CutEdges || got.MovedHouseholds != tc.want.MovedHouseholds {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestCompare_IsLexicographic(t *testing.T) {
	base := planner.Objective{Excess: 0, Deviation: 0.5, CutEdges: 10, MovedHouseholds: 1000}
	for _, tc := range []struct {
		name      string
		other     planner.Objective
		stability float64
		want      int
	}{
		{"less excess beats everything", planner.Objective{Excess: -1, Deviation: 9, CutEdges: 99, MovedHouseholds: 9999}, 1, -1},
		{"less deviation beats cut and moved", planner.Objective{Deviation: 0.4, CutEdges: 99, MovedHouseholds: 9999}, 0, -1},
		{"unless stability prices the moves higher", planner.Objective{Deviation: 0.4, CutEdges: 10, MovedHouseholds: 1200}, 1, 1},
		{"or lower", planner.Objective{Deviation: 0.4, CutEdges: 10, MovedHouseholds: 1200}, 0.1, -1},
		{"deviation equal but for rounding", planner.Objective{Deviation: 0.5 + 1e-13, CutEdges: 9, MovedHouseholds: 9999}, 0, -1},
		{"fewer cut edges beat moved households", planner.Objective{Deviation: 0.5, CutEdges: 9, MovedHouseholds: 9999}, 0, -1},
		{"moved households break the last tie", planner.Objective{Deviation: 0.5, CutEdges: 10, MovedHouseholds: 999}, 0, -1},
		{"equal", base, 1, 0},
	} {
		if got := planner.Compare(tc.other, base, tc.stability); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
		if got := planner.Compare(base, tc.other, tc.stability); got != -tc.want {
			t.Errorf("%s (reversed): %d, want %d", tc.name, got, -tc.want)
		}
	}
}

func TestPlan_KeepsTodaysCodeByLargestOverlapOnce(t *testing.T) {
	// Two communities today of 1,000 households, each too small for a target of
	// 2,000: merged, the new one keeps the code of the one it shares most with.
	g := line(400, 600, 700, 300)
	for i := range g.Units {
		g.Units[i].Target, g.Units[i].Community = 2000, []string{"A", "A", "B", "B"}[i]
	}
	res, err := planner.Plan(context.Background(), g, planner.Params{Stability: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Communities) != 1 || res.Communities[0].Code != "A" || res.Communities[0].New ||
		res.Objective.MovedHouseholds != 1000 {
		t.Errorf("merge: %+v", res)
	}
	// Split: one community of 4,000 becomes two; the half with more of it keeps the
	// code, the other is new.
	g = line(900, 1000, 1100, 1000)
	for i := range g.Units {
		g.Units[i].Target, g.Units[i].Community = 2000, "A"
	}
	res, err = planner.Plan(context.Background(), g, planner.Params{Stability: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Communities) != 2 || res.Communities[0].New == res.Communities[1].New {
		t.Errorf("split: %+v", res)
	}
}

func TestPlan_StopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := planner.Plan(ctx, synth.Wuzhou(1), planner.Params{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestSearch_KeepsItsObjectiveRightMoveByMove(t *testing.T) {
	for _, stability := range []float64{0, 0.05} {
		s := planner.NewSearcher(synth.Generate(synth.Config{Seed: 2, Districts: 1, Grids: 300}), 2, stability)
		for i := range 3000 {
			if i%2 == 0 {
				s.ReCom()
			} else {
				s.BoundaryMove()
			}
			if i%100 == 0 && !s.Consistent() {
				t.Fatalf("stability %v, after %d moves: the objective kept is not the objective", stability, i)
			}
		}
	}
}

func TestPlan_KeepsTodayWhenItIsWithinToleranceAndStabilityIsHigh(t *testing.T) {
	g := synth.Wuzhou(4)
	first, err := planner.Plan(context.Background(), g, planner.Params{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Today becomes the plan: every community within tolerance but the islands.
	for c, com := range first.Communities {
		for _, u := range com.Units {
			g.Units[u].Community = fmt.Sprintf("N%03d", c)
		}
	}
	again, err := planner.Plan(context.Background(), g, planner.Params{Seed: 5, Stability: 10})
	if err != nil {
		t.Fatal(err)
	}
	if again.Objective.MovedHouseholds != 0 || len(again.Communities) != len(first.Communities) {
		t.Errorf("moved %d households, %d communities (today %d)", again.Objective.MovedHouseholds,
			len(again.Communities), len(first.Communities))
	}
	// Without stability, balance still comes first and households move.
	free, err := planner.Plan(context.Background(), g, planner.Params{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if planner.Compare(free.Objective, again.Objective, 0) >= 0 {
		t.Errorf("without stability the plan is no better balanced: %+v against %+v", free.Objective, again.Objective)
	}
}
