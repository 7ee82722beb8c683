package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"time"

	"shequ/internal/consolidation"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

// The demo map: each grid a cell of about 400 m on a plane near 梧州's centre,
// its corners nudged so that the cells look surveyed and still tile exactly.
const (
	mapLng, mapLat = 111.25, 23.42
	cellM          = 400.0
	bandRows       = 4 // cells a band is high: a community is a compact run of them
)

// LoadGridMap gives the demo city's grids boundaries (and so their adjacency, from
// the shared edges) and area types, through the same import a city's own GeoJSON
// file takes, and makes one plan of the whole city on the report's day, so that the
// planner, its pages and its map work out of the box. Each district's grids are
// laid in code order along a path that snakes up and down bands of bandRows cells:
// a community's grids are a contiguous blob, a street's communities neighbours,
// and the districts stand side by side. The same rows at every load.
func LoadGridMap(ctx context.Context, d *db.DB, now func() time.Time, w io.Writer) error {
	type gridUnit struct {
		code    string
		founded int
	}
	rows, err := d.Read().QueryContext(ctx, `SELECT g.code, COALESCE(c.founded_year, 0) FROM org_units g
		JOIN org_units c ON c.code = g.parent_code WHERE g.level = 'grid' AND g.code >= $1 AND g.code < $2 ORDER BY g.code`,
		CityCode[:4], CityCode[:4]+":")
	if err != nil {
		return err
	}
	var grids []gridUnit
	for rows.Next() {
		var g gridUnit
		if err := rows.Scan(&g.code, &g.founded); err != nil {
			rows.Close()
			return err
		}
		grids = append(grids, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	type feature struct {
		Type       string                 `json:"type"`
		Properties map[string]string      `json:"properties"`
		Geometry   consolidation.Geometry `json:"geometry"`
	}
	var features []feature
	x0 := 0
	for start := 0; start < len(grids); {
		end := start
		for end < len(grids) && grids[end].code[:6] == grids[start].code[:6] {
			end++
		}
		n := end - start
		bands := max(1, int(math.Round(math.Sqrt(float64(n))/bandRows)))
		width := (n + bands*bandRows - 1) / (bands * bandRows)
		for i, g := range grids[start:end] {
			band, step := i/(width*bandRows), i%(width*bandRows)
			col, row := step/bandRows, step%bandRows
			if band%2 == 1 {
				col = width - 1 - col
			}
			if col%2 == 1 {
				row = bandRows - 1 - row
			}
			x, y := x0+col, band*bandRows+row
			area := "old_town"
			switch {
			case g.founded >= firstNewYear:
				area = "new_estate"
			case g.code[:9] == "450405003":
				area = "urban_rural_fringe"
			}
			ring := [][2]float64{corner(x, y), corner(x+1, y), corner(x+1, y+1), corner(x, y+1), corner(x, y)}
			features = append(features, feature{Type: "Feature", Properties: map[string]string{"grid": g.code, "area_type": area},
				Geometry: consolidation.Geometry{{ring}}})
		}
		x0 += width
		start = end
	}
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
	if err != nil {
		return err
	}
	svc := consolidation.NewService(d, now, time.UTC)
	rep, err := svc.ImportBoundaries(ctx, auth.System(), data, consolidation.DefaultMinSharedM)
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("demo map: %d problems, the first %s at feature %d", len(rep.Problems), rep.Problems[0].Key, rep.Problems[0].Row)
	}
	plan, err := svc.Make(ctx, auth.Principal{UserID: "system", Name: "演示", Role: auth.RoleCity},
		consolidation.Params{Scope: CityCode, Within: consolidation.WithinDistrict, Stability: 1, Seed: 1, AsOf: ReportDate})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  map: %d grid boundaries, %d neighbouring pairs; a plan of %d communities\n", rep.Boundaries, rep.Pairs, len(plan.Communities))
	return nil
}

// corner is the lattice point (x, y) as longitude and latitude, nudged by up to a
// fifth of a cell by a hash of the point, so that every cell sharing it agrees.
func corner(x, y int) [2]float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d,%d", x, y)
	v := h.Sum64()
	jx := (float64(v&0xffff)/0xffff - 0.5) * 0.4
	jy := (float64((v>>16)&0xffff)/0xffff - 0.5) * 0.4
	dLat := cellM / 110574
	dLng := cellM / (111320 * math.Cos(mapLat*math.Pi/180))
	lng := mapLng + (float64(x)+jx)*dLng
	lat := mapLat + (float64(y)+jy)*dLat
	return [2]float64{math.Round(lng*1e7) / 1e7, math.Round(lat*1e7) / 1e7}
}
