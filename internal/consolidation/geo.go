package consolidation

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
)

// Geometry is a grid's boundary: polygons, each a list of rings (the outer one
// first, then holes), each ring a closed list of [longitude, latitude] positions
// in WGS 84, as GeoJSON (RFC 7946) has them.
type Geometry [][][][2]float64

// geoFeature is a feature as a boundaries file has it.
type geoFeature struct {
	Type       string                     `json:"type"`
	Geometry   *geoGeometry               `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

type geoGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Boundary is one grid's boundary read from a file.
type Boundary struct {
	Row      int // the feature, counted from 1
	Grid     string
	Area     AreaType // "" when the file does not say
	Geometry Geometry
}

// Problem is what is wrong with one row of an import (a sheet's row, a GeoJSON
// feature counted from 1), in which column or property, as a message key.
type Problem struct {
	Row    int            `json:"row"`
	Column string         `json:"column,omitempty"`
	Value  string         `json:"value,omitempty"`
	Key    string         `json:"key"`
	Args   map[string]any `json:"args,omitempty"`
}

// gridKeys and areaKeys are the properties a feature's grid code and area type
// are found by.
var (
	gridKeys = []string{"grid", "grid_code", "code", "网格代码"}
	areaKeys = []string{"area_type", "区域类型"}
)

// ParseBoundaries reads a GeoJSON FeatureCollection of Polygon and MultiPolygon
// features, each naming its grid in its properties. Every feature is checked: a
// geometry that is not a polygon, a ring not closed or too short, a position out of
// range, a ring that crosses itself. Problems name the feature, counted from 1.
func ParseBoundaries(data []byte) ([]Boundary, []Problem) {
	var fc struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
		return nil, []Problem{{Row: 0, Key: "plan.geo_not_collection"}}
	}
	var (
		out      []Boundary
		problems []Problem
		seen     = map[string]int{}
	)
	for i, f := range fc.Features {
		row := i + 1
		b, p := parseFeature(row, f)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		if first, ok := seen[b.Grid]; ok {
			problems = append(problems, Problem{Row: row, Column: "grid", Value: b.Grid, Key: "plan.geo_duplicate", Args: map[string]any{"first": first}})
			continue
		}
		seen[b.Grid] = row
		b.Row = row
		out = append(out, b)
	}
	return out, problems
}

func parseFeature(row int, f geoFeature) (Boundary, *Problem) {
	bad := func(column, key string, value string) (Boundary, *Problem) {
		return Boundary{}, &Problem{Row: row, Column: column, Value: value, Key: key}
	}
	if f.Type != "Feature" || f.Geometry == nil {
		return bad("geometry", "plan.geo_not_polygon", f.Type)
	}
	var b Boundary
	for _, k := range gridKeys {
		if raw, ok := f.Properties[k]; ok {
			b.Grid = propertyText(raw)
			break
		}
	}
	if b.Grid == "" {
		return bad("grid", "plan.geo_no_grid", "")
	}
	for _, k := range areaKeys {
		if raw, ok := f.Properties[k]; ok {
			text := propertyText(raw)
			a, ok := ParseAreaType(text)
			if !ok {
				return bad("area_type", "plan.area_type", text)
			}
			b.Area = a
		}
	}
	switch f.Geometry.Type {
	case "Polygon":
		var poly [][][2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &poly); err != nil {
			return bad("geometry", "plan.geo_coordinates", "")
		}
		b.Geometry = Geometry{poly}
	case "MultiPolygon":
		if err := json.Unmarshal(f.Geometry.Coordinates, &b.Geometry); err != nil {
			return bad("geometry", "plan.geo_coordinates", "")
		}
	default:
		return bad("geometry", "plan.geo_not_polygon", f.Geometry.Type)
	}
	if key := checkGeometry(b.Geometry); key != "" {
		return bad("geometry", key, "")
	}
	return b, nil
}

// propertyText reads a property given as a string or a number (a code written as a
// number by a GIS).
func propertyText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// checkGeometry returns the message key of the first thing wrong with g, "" when
// nothing is.
func checkGeometry(g Geometry) string {
	if len(g) == 0 {
		return "plan.geo_empty"
	}
	for _, poly := range g {
		if len(poly) == 0 {
			return "plan.geo_empty"
		}
		for _, ring := range poly {
			if len(ring) < 4 {
				return "plan.geo_ring_short"
			}
			if ring[0] != ring[len(ring)-1] {
				return "plan.geo_ring_open"
			}
			for _, p := range ring {
				if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
					return "plan.geo_position"
				}
			}
			if selfIntersects(ring) {
				return "plan.geo_self_intersection"
			}
		}
	}
	return ""
}

// selfIntersects reports whether two edges of a closed ring that do not follow
// each other meet, or the ring's area is zero.
func selfIntersects(ring [][2]float64) bool {
	n := len(ring) - 1 // edges
	for i := range n {
		a, b := ring[i], ring[i+1]
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				continue // neighbours share a vertex
			}
			if segmentsMeet(a, b, ring[j], ring[j+1]) {
				return true
			}
		}
	}
	return ringArea(ring) == 0
}

func cross(o, a, b [2]float64) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// segmentsMeet reports whether segments pq and rs have a point in common.
func segmentsMeet(p, q, r, s [2]float64) bool {
	d1, d2 := cross(r, s, p), cross(r, s, q)
	d3, d4 := cross(p, q, r), cross(p, q, s)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(a, b, c [2]float64) bool { // c on segment ab, given collinear
		return min(a[0], b[0]) <= c[0] && c[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= c[1] && c[1] <= max(a[1], b[1])
	}
	return (d1 == 0 && on(r, s, p)) || (d2 == 0 && on(r, s, q)) || (d3 == 0 && on(p, q, r)) || (d4 == 0 && on(p, q, s))
}

func ringArea(ring [][2]float64) float64 {
	var a float64
	for i := 0; i+1 < len(ring); i++ {
		a += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return math.Abs(a) / 2
}

// plane projects longitude and latitude onto metres around a middle latitude: at a
// city's size the error is far below what a shared boundary's length needs.
type plane struct{ kx, ky float64 }

func newPlane(lat float64) plane {
	return plane{kx: 111320 * math.Cos(lat*math.Pi/180), ky: 110574}
}

func (p plane) xy(v [2]float64) [2]float64 { return [2]float64{v[0] * p.kx, v[1] * p.ky} }

// bbox returns the bounds of g.
func (g Geometry) bbox() (minLng, minLat, maxLng, maxLat float64) {
	minLng, minLat, maxLng, maxLat = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range g {
		for _, ring := range poly {
			for _, v := range ring {
				minLng, maxLng = min(minLng, v[0]), max(maxLng, v[0])
				minLat, maxLat = min(minLat, v[1]), max(maxLat, v[1])
			}
		}
	}
	return
}

// areaM2 is g's area in square metres on pl: outer rings less holes.
func (g Geometry) areaM2(pl plane) float64 {
	var a float64
	for _, poly := range g {
		for k, ring := range poly {
			pr := make([][2]float64, len(ring))
			for i, v := range ring {
				pr[i] = pl.xy(v)
			}
			if k == 0 {
				a += ringArea(pr)
			} else {
				a -= ringArea(pr)
			}
		}
	}
	return a
}

// MarshalJSON writes g as a GeoJSON geometry: a Polygon when it is one.
func (g Geometry) MarshalJSON() ([]byte, error) {
	if len(g) == 1 {
		return json.Marshal(struct {
			Type        string         `json:"type"`
			Coordinates [][][2]float64 `json:"coordinates"`
		}{"Polygon", g[0]})
	}
	return json.Marshal(struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	}{"MultiPolygon", [][][][2]float64(g)})
}

// UnmarshalGeometry reads a stored GeoJSON Polygon or MultiPolygon.
func UnmarshalGeometry(data []byte) (Geometry, error) {
	var gg geoGeometry
	if err := json.Unmarshal(data, &gg); err != nil {
		return nil, err
	}
	if gg.Type == "Polygon" {
		var poly [][][2]float64
		err := json.Unmarshal(gg.Coordinates, &poly)
		return Geometry{poly}, err
	}
	var g Geometry
	err := json.Unmarshal(gg.Coordinates, &g)
	return g, err
}

// DefaultMinSharedM is the shortest shared boundary, in metres, that makes two grids
// neighbours: shorter is a corner or a sliver of digitising, not a street between
// them that a worker walks across.
const DefaultMinSharedM = 20

// collinearM is how far, in metres, two edges may lie apart and still count as one
// boundary: the drift of two surveys of the same line.
const collinearM = 0.5

// SharedPair is two grids whose boundaries run together for Metres.
type SharedPair struct {
	A, B   string
	Metres float64
}

// SharedBoundaries returns the pairs of bs whose boundaries run together for at
// least minM metres, the lower code first, in code order.
func SharedBoundaries(bs []Boundary, minM float64) []SharedPair {
	if len(bs) == 0 {
		return nil
	}
	var latSum float64
	for _, b := range bs {
		_, lo, _, hi := b.Geometry.bbox()
		latSum += (lo + hi) / 2
	}
	pl := newPlane(latSum / float64(len(bs)))
	type shape struct {
		grid                   string
		segs                   [][2][2]float64
		minX, minY, maxX, maxY float64
	}
	shapes := make([]shape, len(bs))
	for i, b := range bs {
		s := shape{grid: b.Grid, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
		for _, poly := range b.Geometry {
			for _, ring := range poly {
				for k := 0; k+1 < len(ring); k++ {
					p, q := pl.xy(ring[k]), pl.xy(ring[k+1])
					s.segs = append(s.segs, [2][2]float64{p, q})
					s.minX, s.maxX = min(s.minX, p[0]-collinearM), max(s.maxX, p[0]+collinearM)
					s.minY, s.maxY = min(s.minY, p[1]-collinearM), max(s.maxY, p[1]+collinearM)
				}
			}
		}
		shapes[i] = s
	}
	slices.SortFunc(shapes, func(a, b shape) int {
		switch {
		case a.minX < b.minX:
			return -1
		case a.minX > b.minX:
			return 1
		}
		return 0
	})
	var out []SharedPair
	for i := range shapes {
		a := &shapes[i]
		for j := i + 1; j < len(shapes) && shapes[j].minX <= a.maxX; j++ {
			b := &shapes[j]
			if b.minY > a.maxY || b.maxY < a.minY {
				continue
			}
			var m float64
			for _, s := range a.segs {
				for _, t := range b.segs {
					m += overlap(s, t)
				}
			}
			if m >= minM {
				p := SharedPair{A: a.grid, B: b.grid, Metres: m}
				if p.B < p.A {
					p.A, p.B = p.B, p.A
				}
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(x, y SharedPair) int {
		if c := strings.Compare(x.A, y.A); c != 0 {
			return c
		}
		return strings.Compare(x.B, y.B)
	})
	return out
}

// overlap is the length along which segment t lies on segment s, within collinearM.
func overlap(s, t [2][2]float64) float64 {
	dx, dy := s[1][0]-s[0][0], s[1][1]-s[0][1]
	l := math.Hypot(dx, dy)
	if l == 0 {
		return 0
	}
	ux, uy := dx/l, dy/l
	off := func(v [2]float64) (along, across float64) {
		rx, ry := v[0]-s[0][0], v[1]-s[0][1]
		return rx*ux + ry*uy, math.Abs(rx*uy - ry*ux)
	}
	a1, c1 := off(t[0])
	a2, c2 := off(t[1])
	if c1 > collinearM || c2 > collinearM {
		return 0
	}
	lo, hi := max(0, min(a1, a2)), min(l, max(a1, a2))
	return max(0, hi-lo)
}

// roundE6 is v in millionths of a degree.
func roundE6(v float64) int64 { return int64(math.Round(v * 1e6)) }

// columnLetter is the letter Excel shows for column i, counted from 0.
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
