package consolidation

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
)

// MapSVG is a plan's map: Layout when no grid has a boundary and the grids are
// laid out as cells instead, Missing the grids drawn without one.
type MapSVG struct {
	SVG     template.HTML
	Missing int
	Layout  bool
}

// palette are the fills of proposed communities: neighbours get different ones
// where eight suffice.
var palette = []string{"#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5", "#d9d9d9"}

// mapWidth is the width of the map's drawing in its own units.
const mapWidth = 1000.0

// Map draws plan's grids, each filled with its proposed community's colour, and
// today's community borders over them in a heavy line: from the grids' boundaries,
// or, when none is stored, as cells in rows of today's communities.
func (s *Service) Map(ctx context.Context, plan Plan, lang string) (MapSVG, error) {
	shapes, err := s.store.boundaries(ctx, plan.Params.Scope)
	if err != nil {
		return MapSVG{}, err
	}
	pairs, err := s.store.pairs(ctx, plan.Params.Scope)
	if err != nil {
		return MapSVG{}, err
	}
	colours := colour(plan, pairs)
	var out MapSVG
	for _, g := range plan.Grids {
		if _, ok := shapes[g.Code]; !ok {
			out.Missing++
		}
	}
	if out.Missing == len(plan.Grids) {
		out.Layout, out.Missing = true, 0
		out.SVG = layoutSVG(plan, colours)
		return out, nil
	}
	out.SVG = polygonSVG(plan, shapes, colours)
	return out, nil
}

// colour gives each proposed community a fill, greedily unlike its neighbours'.
func colour(plan Plan, pairs [][2]string) []string {
	to := map[string]int{}
	for _, g := range plan.Grids {
		to[g.Code] = g.To
	}
	next := make([]map[int]bool, len(plan.Communities))
	for i := range next {
		next[i] = map[int]bool{}
	}
	for _, p := range pairs {
		a, okA := to[p[0]]
		b, okB := to[p[1]]
		if okA && okB && a >= 0 && b >= 0 && a != b {
			next[a][b], next[b][a] = true, true
		}
	}
	out := make([]string, len(plan.Communities))
	for i := range plan.Communities {
		used := map[string]bool{}
		for n := range next[i] {
			used[out[n]] = true
		}
		out[i] = palette[i%len(palette)]
		for _, c := range palette {
			if !used[c] {
				out[i] = c
				break
			}
		}
	}
	return out
}

func fill(colours []string, to int) string {
	if to < 0 {
		return "#ffffff"
	}
	return colours[to]
}

// polygonSVG draws the grids from their boundaries, north up, longitudes scaled by
// the cosine of the middle latitude so that the shapes are true.
func polygonSVG(plan Plan, shapes map[string]Geometry, colours []string) template.HTML {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, g := range plan.Grids {
		if geo, ok := shapes[g.Code]; ok {
			x0, y0, x1, y1 := geo.bbox()
			minX, minY, maxX, maxY = min(minX, x0), min(minY, y0), max(maxX, x1), max(maxY, y1)
		}
	}
	kx := math.Cos((minY + maxY) / 2 * math.Pi / 180)
	scale := mapWidth / max((maxX-minX)*kx, 1e-9)
	height := (maxY - minY) * scale
	pt := func(v [2]float64) (float64, float64) { return (v[0] - minX) * kx * scale, (maxY - v[1]) * scale }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plan-map" viewBox="-4 -4 %.0f %.0f" role="img" xmlns="http://www.w3.org/2000/svg">`, mapWidth+8, height+8)
	// Today's borders: an edge that one grid alone has (the outside) or that grids
	// of two communities share.
	type edge struct{ a, b [2]int64 }
	key := func(p, q [2]float64) edge {
		a := [2]int64{roundE6(p[0]), roundE6(p[1])}
		c := [2]int64{roundE6(q[0]), roundE6(q[1])}
		if a[0] > c[0] || (a[0] == c[0] && a[1] > c[1]) {
			a, c = c, a
		}
		return edge{a, c}
	}
	owners := map[edge][]string{}
	var order []edge
	from := map[string]string{}
	for _, g := range plan.Grids {
		from[g.Code] = g.From
		geo, ok := shapes[g.Code]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, `<path d="`)
		for _, poly := range geo {
			for _, ring := range poly {
				for i, v := range ring {
					x, y := pt(v)
					if i == 0 {
						fmt.Fprintf(&b, "M%.1f %.1f", x, y)
					} else {
						fmt.Fprintf(&b, "L%.1f %.1f", x, y)
					}
					if i+1 < len(ring) {
						e := key(v, ring[i+1])
						if _, seen := owners[e]; !seen {
							order = append(order, e)
						}
						owners[e] = append(owners[e], g.Code)
					}
				}
				b.WriteString("Z")
			}
		}
		fmt.Fprintf(&b, `" fill="%s" stroke="#ffffff" stroke-width="0.8" fill-rule="evenodd"><title>%s · %s</title></path>`,
			fill(colours, g.To), template.HTMLEscapeString(g.Code), strconv.Itoa(g.Households))
	}
	b.WriteString(`<path class="plan-map-today" d="`)
	for _, e := range order {
		o := owners[e]
		if len(o) == 2 && from[o[0]] == from[o[1]] {
			continue
		}
		x0, y0 := pt([2]float64{float64(e.a[0]) / 1e6, float64(e.a[1]) / 1e6})
		x1, y1 := pt([2]float64{float64(e.b[0]) / 1e6, float64(e.b[1]) / 1e6})
		fmt.Fprintf(&b, "M%.1f %.1fL%.1f %.1f", x0, y0, x1, y1)
	}
	b.WriteString(`" fill="none" stroke="#222222" stroke-width="2.2" stroke-linecap="round"/></svg>`)
	return template.HTML(b.String())
}

// layoutSVG draws each grid as a cell, a row of cells for each of today's
// communities (wrapping), so that a plan without boundaries still shows which
// grids it moves where.
func layoutSVG(plan Plan, colours []string) template.HTML {
	today := Today(plan)
	const cell, gap, perRow = 22.0, 10.0, 40
	to := map[string]Grid{}
	for _, g := range plan.Grids {
		to[g.Code] = g
	}
	var b strings.Builder
	y := 0.0
	var body strings.Builder
	for _, c := range today {
		grids := append([]string(nil), c.Grids...)
		sort.Strings(grids)
		rows := (len(grids) + perRow - 1) / perRow
		fmt.Fprintf(&body, `<rect x="0" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#222222" stroke-width="2.2"/>`,
			y-2, float64(min(len(grids), perRow))*cell+4, float64(rows)*cell+4)
		for i, code := range grids {
			g := to[code]
			fmt.Fprintf(&body, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="%s" stroke="#ffffff"><title>%s · %d</title></rect>`,
				2+float64(i%perRow)*cell, y+float64(i/perRow)*cell, cell, cell, fill(colours, g.To), template.HTMLEscapeString(code), g.Households)
		}
		y += float64(rows)*cell + gap
	}
	fmt.Fprintf(&b, `<svg class="plan-map" viewBox="-4 -4 %.0f %.0f" role="img" xmlns="http://www.w3.org/2000/svg">`, perRow*cell+12, y+8)
	b.WriteString(body.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
