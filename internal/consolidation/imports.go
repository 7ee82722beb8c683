package consolidation

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"math"
	"slices"
	"strings"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/sheet"
)

// The audit actions of the graph's imports.
const (
	ActImportAdjacency  = "consolidation.import_adjacency"
	ActImportBoundaries = "consolidation.import_boundaries"
)

// ImportReport says what an import of the graph did, or what is wrong with its
// file: with problems, nothing is written.
type ImportReport struct {
	Pairs      int `json:"pairs"`
	Boundaries int `json:"boundaries"`
	// Alone are the grids the import leaves with no neighbour: each stays a
	// community of its own in a plan, and the plan reports it.
	Alone    []string  `json:"alone"`
	Problems []Problem `json:"problems"`
}

// OK reports whether the file had no problems.
func (r ImportReport) OK() bool { return len(r.Problems) == 0 }

// The headers of an adjacency file's two columns.
var (
	headersA = []string{"网格代码A", "grid_a"}
	headersB = []string{"网格代码B", "grid_b"}
)

// ImportAdjacency adds the pairs of grids a sheet lists (columns 网格代码A/grid_a
// and 网格代码B/grid_b) to the adjacency, in one transaction with its audit record.
// Every row is checked first: a grid that is unknown or outside p's scope, a grid
// paired with itself, an empty cell are problems named by row and column, and a
// file with any writes nothing. Pairs already known are kept as they are.
func (s *Service) ImportAdjacency(ctx context.Context, p auth.Principal, r sheet.Reader) (ImportReport, error) {
	if err := p.Require(auth.WriteOrg); err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Alone: []string{}, Problems: []Problem{}}
	ia, ib := -1, -1
	for i, h := range r.Header() {
		switch {
		case slices.Contains(headersA, h):
			ia = i
		case slices.Contains(headersB, h):
			ib = i
		}
	}
	if ia < 0 || ib < 0 {
		rep.Problems = append(rep.Problems, Problem{Row: 1, Key: "plan.adjacency_header"})
		return rep, nil
	}
	grids, err := s.gridsIn(ctx, p)
	if err != nil {
		return ImportReport{}, err
	}
	pairs := map[[2]string]bool{}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ImportReport{}, err
		}
		cell := func(i int) string {
			if i < len(row.Cells) {
				return row.Cells[i]
			}
			return ""
		}
		a, b := cell(ia), cell(ib)
		ok := true
		for _, c := range []struct {
			i int
			v string
		}{{ia, a}, {ib, b}} {
			column := columnLetter(c.i) + " " + r.Header()[c.i]
			switch {
			case c.v == "":
				rep.Problems = append(rep.Problems, Problem{Row: row.Line, Column: column, Key: "plan.required"})
				ok = false
			case !grids[c.v]:
				rep.Problems = append(rep.Problems, Problem{Row: row.Line, Column: column, Value: c.v, Key: "plan.unknown_grid"})
				ok = false
			}
		}
		if ok && a == b {
			rep.Problems = append(rep.Problems, Problem{Row: row.Line, Column: columnLetter(ib) + " " + r.Header()[ib], Value: b, Key: "plan.adjacency_self"})
			ok = false
		}
		if ok {
			pairs[[2]string{min(a, b), max(a, b)}] = true
		}
	}
	if !rep.OK() {
		return rep, nil
	}
	t := db.NewTable("grid_adjacency", "grid_a", "grid_b", "source")
	keys := make([][2]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [2]string) int { return strings.Compare(x[0]+x[1], y[0]+y[1]) })
	for _, k := range keys {
		t.Add(k[0], k[1], "import")
	}
	rep.Pairs = len(keys)
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := insertRows(ctx, tx, " ON CONFLICT (grid_a, grid_b) DO NOTHING", t); err != nil {
			return err
		}
		if rep.Alone, err = alone(ctx, tx, p, grids); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, s.now(), ActImportAdjacency, "import:grid_adjacency"))
	})
	return rep, err
}

// ImportBoundaries keeps the grids' boundaries a GeoJSON file gives (and their
// area types, where its properties give them), and derives their adjacency: two
// grids of the file are neighbours when their boundaries run together for at least
// minM metres. The pairs the file's grids had from an earlier boundary file are
// replaced; imported pairs stay. One transaction with its audit record; a file with
// any problem writes nothing.
func (s *Service) ImportBoundaries(ctx context.Context, p auth.Principal, data []byte, minM float64) (ImportReport, error) {
	if err := p.Require(auth.WriteOrg); err != nil {
		return ImportReport{}, err
	}
	if minM <= 0 || math.IsNaN(minM) {
		return ImportReport{}, apperr.Invalidf("min_shared_m", "plan.min_shared")
	}
	rep := ImportReport{Alone: []string{}, Problems: []Problem{}}
	bs, problems := ParseBoundaries(data)
	rep.Problems = append(rep.Problems, problems...)
	grids, err := s.gridsIn(ctx, p)
	if err != nil {
		return ImportReport{}, err
	}
	for _, b := range bs {
		if !grids[b.Grid] {
			rep.Problems = append(rep.Problems, Problem{Row: b.Row, Column: "grid", Value: b.Grid, Key: "plan.unknown_grid"})
		}
	}
	if !rep.OK() {
		return rep, nil
	}
	pairs := SharedBoundaries(bs, minM)
	rep.Pairs, rep.Boundaries = len(pairs), len(bs)
	neighbours := map[string]bool{}
	for _, pr := range pairs {
		neighbours[pr.A], neighbours[pr.B] = true, true
	}
	for _, b := range bs {
		if !neighbours[b.Grid] {
			rep.Alone = append(rep.Alone, b.Grid)
		}
	}
	slices.Sort(rep.Alone)
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := writeBoundaries(ctx, tx, bs, now.UnixMilli()); err != nil {
			return err
		}
		t := db.NewTable("grid_adjacency", "grid_a", "grid_b", "source", "shared_m")
		for _, pr := range pairs {
			t.Add(pr.A, pr.B, "boundary", int64(math.Round(pr.Metres)))
		}
		if err := insertRows(ctx, tx, ` ON CONFLICT (grid_a, grid_b) DO UPDATE SET source = excluded.source, shared_m = excluded.shared_m`, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, now, ActImportBoundaries, "import:grid_boundaries"))
	})
	return rep, err
}

// writeBoundaries replaces the boundaries, area types and boundary-derived pairs
// of the grids of bs.
func writeBoundaries(ctx context.Context, tx *sql.Tx, bs []Boundary, at int64) error {
	var pl plane
	if len(bs) > 0 {
		_, lo, _, hi := bs[0].Geometry.bbox()
		pl = newPlane((lo + hi) / 2)
	}
	shapes := db.NewTable("grid_boundaries", "grid_code", "geometry", "min_lng_e6", "min_lat_e6", "max_lng_e6", "max_lat_e6", "area_m2", "updated_at")
	areas := db.NewTable("grid_area_types", "grid_code", "area_type")
	for _, b := range bs {
		for _, q := range []string{`DELETE FROM grid_boundaries WHERE grid_code = $1`,
			`DELETE FROM grid_adjacency WHERE source = 'boundary' AND (grid_a = $1 OR grid_b = $1)`} {
			if _, err := tx.ExecContext(ctx, q, b.Grid); err != nil {
				return err
			}
		}
		geo, err := b.Geometry.MarshalJSON()
		if err != nil {
			return err
		}
		x0, y0, x1, y1 := b.Geometry.bbox()
		shapes.Add(b.Grid, string(geo), roundE6(x0), roundE6(y0), roundE6(x1), roundE6(y1), int64(math.Round(b.Geometry.areaM2(pl))), at)
		if b.Area != "" {
			areas.Add(b.Grid, string(b.Area))
		}
	}
	if err := insertRows(ctx, tx, "", shapes); err != nil {
		return err
	}
	return insertRows(ctx, tx, ` ON CONFLICT (grid_code) DO UPDATE SET area_type = excluded.area_type`, areas)
}

// gridsIn returns the grids within p's scope.
func (s *Service) gridsIn(ctx context.Context, p auth.Principal) (map[string]bool, error) {
	cond, args := p.Scope().Where("code", 1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code FROM org_units WHERE level = 'grid' AND `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// alone returns the grids of grids that no pair names, in code order.
func alone(ctx context.Context, q db.Querier, p auth.Principal, grids map[string]bool) ([]string, error) {
	cond, args := p.Scope().Where("grid_a", 1)
	cond2, _ := p.Scope().Where("grid_b", 1)
	rows, err := q.QueryContext(ctx, `SELECT grid_a, grid_b FROM grid_adjacency WHERE (`+cond+`) OR (`+cond2+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	has := map[string]bool{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		has[a], has[b] = true, true
	}
	out := []string{}
	for g := range grids {
		if !has[g] {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out, rows.Err()
}
