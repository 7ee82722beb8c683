// Package synth generates plausible graphs for the consolidation planner: districts
// of grids on a triangulated lattice, households 150–400 a grid, area types in bands,
// and today's communities grown unevenly from random seeds, from 100 to 5,000
// households as the report finds them. Tests and benchmarks of the planner and of the
// data side use it; it depends on nothing but the planner's types.
package synth

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"

	"shequ/internal/consolidation/planner"
)

// Config describes a synthetic city.
type Config struct {
	Seed        int64
	Districts   int
	Grids       int // per district
	Communities int // today's, in all (0: one per 2,500 households)
	Islands     int // per district: grids with no neighbour at all
}

// Country is a country-sized graph: 100,000 grids in 2,000 districts.
func Country(seed int64) planner.Graph {
	return Generate(Config{Seed: seed, Districts: 2000, Grids: 50, Islands: 0})
}

// Wuzhou is a graph the size of the demo city: 570 grids, 64 communities today, 3
// districts, one island grid in each.
func Wuzhou(seed int64) planner.Graph {
	return Generate(Config{Seed: seed, Districts: 3, Grids: 190, Communities: 64, Islands: 1})
}

// areaType is a grid's 区域类型 with its target households and tolerance.
type areaType struct {
	target    int
	tolerance float64
}

var areaTypes = [3]areaType{
	{3000, 0.15}, // 新建小区: new estates, larger communities
	{2500, 0.10}, // 老城区: old town
	{1500, 0.20}, // 城乡结合部: the sparse urban–rural fringe
}

// Generate builds the graph of cfg. The districts sit side by side on a square of
// lattices, and grids touching across a district border are adjacent too (the
// planner must ignore those edges).
func Generate(cfg Config) planner.Graph {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))
	w := int(math.Ceil(math.Sqrt(float64(cfg.Grids))))
	h := (cfg.Grids + w - 1) / w
	per := int(math.Ceil(math.Sqrt(float64(cfg.Districts))))
	var g planner.Graph
	// cell maps a global lattice position to its unit, -1 where there is none.
	cols, rows := per*w, ((cfg.Districts+per-1)/per)*h
	cell := make([]int32, cols*rows)
	for i := range cell {
		cell[i] = -1
	}
	for d := range cfg.Districts {
		dx, dy := (d%per)*w, (d/per)*h
		code := fmt.Sprintf("45%04d", d+1)
		// Bands of area type across the district, in a random order.
		bands := rng.Perm(3)
		for i := range cfg.Grids {
			x, y := i%w, i/w
			hh := 150 + rng.IntN(251)
			at := areaTypes[bands[min(2, y*3/h)]]
			cell[(dy+y)*cols+dx+x] = int32(len(g.Units))
			g.Units = append(g.Units, planner.Unit{
				ID:         fmt.Sprintf("%s%04d", code, i+1),
				Region:     code,
				District:   code,
				Households: hh,
				Residents:  int(float64(hh) * (2.6 + rng.Float64())),
				Target:     at.target,
				Tolerance:  at.tolerance,
			})
		}
	}
	isolated := make(map[int32]bool)
	for d := range cfg.Districts {
		for range cfg.Islands {
			isolated[int32(d*cfg.Grids+rng.IntN(cfg.Grids))] = true
		}
	}
	link := func(a, b int32) {
		if a >= 0 && b >= 0 && !isolated[a] && !isolated[b] {
			g.Edges = append(g.Edges, [2]int32{a, b})
		}
	}
	for y := range rows {
		for x := range cols {
			a := cell[y*cols+x]
			if a < 0 {
				continue
			}
			if x+1 < cols {
				link(a, cell[y*cols+x+1])
			}
			if y+1 < rows {
				link(a, cell[(y+1)*cols+x])
				// One diagonal a square, either way: a triangulation.
				if rng.IntN(2) == 0 && x+1 < cols {
					link(a, cell[(y+1)*cols+x+1])
				} else if x > 0 {
					link(a, cell[(y+1)*cols+x-1])
				}
			}
		}
	}
	communities(&g, cfg, rng)
	return g
}

// communities grows today's communities from random seeds, each at its own speed (a
// Dijkstra from all seeds at once, distances scaled per seed), so that they are
// contiguous and of very different sizes; isolated grids get one each.
func communities(g *planner.Graph, cfg Config, rng *rand.Rand) {
	n := len(g.Units)
	adj := make([][]int32, n)
	for _, e := range g.Edges {
		if g.Units[e[0]].Region == g.Units[e[1]].Region {
			adj[e[0]] = append(adj[e[0]], e[1])
			adj[e[1]] = append(adj[e[1]], e[0])
		}
	}
	total := 0
	for _, u := range g.Units {
		total += u.Households
	}
	count := cfg.Communities
	if count == 0 {
		count = max(1, total/2500)
	}
	label := make([]int, n)
	for i := range label {
		label[i] = -1
	}
	speed := make([]float64, 0, count)
	q := &queue{}
	for c := range count {
		s := rng.IntN(n)
		for label[s] >= 0 {
			s = rng.IntN(n)
		}
		label[s] = c
		speed = append(speed, 0.25+3*rng.Float64())
		heap.Push(q, item{dist: 0, unit: int32(s), label: c})
	}
	settled := make([]bool, n)
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		if settled[it.unit] {
			continue
		}
		settled[it.unit] = true
		label[it.unit] = it.label
		for _, v := range adj[it.unit] {
			if !settled[v] {
				heap.Push(q, item{dist: it.dist + speed[it.label]*(0.5+rng.Float64()), unit: v, label: it.label})
			}
		}
	}
	next := count
	code := make(map[int]string)
	perDistrict := make(map[string]int)
	for i := range g.Units {
		if label[i] < 0 {
			label[i] = next
			next++
		}
		c, ok := code[label[i]]
		if !ok {
			r := g.Units[i].Region
			perDistrict[r]++
			c = fmt.Sprintf("%s%03d", r, perDistrict[r])
			code[label[i]] = c
		}
		g.Units[i].Community = c
	}
}

type item struct {
	dist  float64
	unit  int32
	label int
}

type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].dist != q[j].dist {
		return q[i].dist < q[j].dist
	}
	return q[i].unit < q[j].unit
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
