package consolidation

import (
	"context"
	"math"
	"strconv"

	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// gridRow is a grid as the planner sees it on a day.
type gridRow struct {
	code, community, street string
	area                    AreaType
	households, residents   int
}

// graphData is the grids of a scope on a day and the pairs that border each other,
// as indices into grids.
type graphData struct {
	grids []gridRow
	edges [][2]int32
}

// SizeRule is the size a community should have in an area type, from a day on.
type SizeRule struct {
	Area        AreaType
	EffectiveOn string
	Target      int
	Tolerance   float64
	Source      string
}

// StaffingRule is one community worker for HouseholdsPerWorker households, and no
// fewer than MinWorkers a community, from a day on.
type StaffingRule struct {
	EffectiveOn         string
	HouseholdsPerWorker int
	MinWorkers          int
	Source              string
}

// Posts is what the rule asks for a community of households.
func (r StaffingRule) Posts(households int) int {
	if r.HouseholdsPerWorker <= 0 {
		return 0
	}
	return max(r.MinWorkers, (households+r.HouseholdsPerWorker-1)/r.HouseholdsPerWorker)
}

// readGraph reads the grids under code established by day, with the households and
// residents registered in each on day (as the statistics count them: decision 21),
// and the adjacency between them. Pairs naming a grid outside code are not its.
func readGraph(ctx context.Context, q db.Querier, code, day string) (graphData, error) {
	var g graphData
	cond, args := scope.Of(code).Where("g.code", 1)
	n := "$" + strconv.Itoa(len(args)+1)
	rows, err := q.QueryContext(ctx, `SELECT g.code, g.parent_code, c.parent_code, COALESCE(a.area_type, 'old_town')
		FROM org_units g JOIN org_units c ON c.code = g.parent_code
		LEFT JOIN grid_area_types a ON a.grid_code = g.code
		WHERE g.level = 'grid' AND `+cond+` AND g.established_on <= `+n+`
		AND (g.dissolved_on IS NULL OR g.dissolved_on > `+n+`) ORDER BY g.code`, append(args, day)...)
	if err != nil {
		return g, err
	}
	defer rows.Close()
	index := map[string]int{}
	for rows.Next() {
		var r gridRow
		var area string
		if err := rows.Scan(&r.code, &r.community, &r.street, &area); err != nil {
			return g, err
		}
		r.area = AreaType(area)
		index[r.code] = len(g.grids)
		g.grids = append(g.grids, r)
	}
	if err := rows.Err(); err != nil {
		return g, err
	}
	rows.Close()
	counts := []struct {
		sql string
		add func(r *gridRow, n int)
	}{
		{`SELECT org_code, COUNT(*) FROM households h WHERE ` + where(code, "h.org_code") + ` AND established_on <= ` + n +
			` AND (dissolved_on IS NULL OR dissolved_on > ` + n + `) AND grid_since <= ` + n + ` GROUP BY org_code
			UNION ALL SELECT org_code, COUNT(*) FROM household_grid_periods h WHERE ` + where(code, "h.org_code") +
			` AND starts_on <= ` + n + ` AND ends_on > ` + n + ` GROUP BY org_code`,
			func(r *gridRow, n int) { r.households += n }},
		{`SELECT org_code, COUNT(*) FROM resident_periods p WHERE ` + where(code, "p.org_code") + ` AND starts_on <= ` + n +
			` AND (ends_on IS NULL OR ends_on > ` + n + `) GROUP BY org_code`,
			func(r *gridRow, n int) { r.residents += n }},
	}
	for _, c := range counts {
		if err := countInto(ctx, q, c.sql, append(args, day), index, g.grids, c.add); err != nil {
			return g, err
		}
	}
	arows, err := q.QueryContext(ctx, `SELECT grid_a, grid_b FROM grid_adjacency a WHERE `+where(code, "a.grid_a")+` ORDER BY grid_a, grid_b`, args...)
	if err != nil {
		return g, err
	}
	defer arows.Close()
	for arows.Next() {
		var a, b string
		if err := arows.Scan(&a, &b); err != nil {
			return g, err
		}
		i, okA := index[a]
		j, okB := index[b]
		if okA && okB {
			g.edges = append(g.edges, [2]int32{int32(i), int32(j)})
		}
	}
	return g, arows.Err()
}

// where is the range of code on column, numbered from $1 like readGraph's.
func where(code, column string) string {
	cond, _ := scope.Of(code).Where(column, 1)
	return cond
}

func countInto(ctx context.Context, q db.Querier, query string, args []any, index map[string]int, grids []gridRow, add func(*gridRow, int)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org string
		var n int
		if err := rows.Scan(&org, &n); err != nil {
			return err
		}
		if i, ok := index[org]; ok {
			add(&grids[i], n)
		}
	}
	return rows.Err()
}

// sizeRules returns the size rule of each area type in force on day; an area
// type with none takes old town's.
func sizeRules(ctx context.Context, q db.Querier, day string) (map[AreaType]SizeRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT area_type, effective_on, target_households, tolerance, source
		FROM community_size_rules WHERE effective_on <= $1 ORDER BY area_type, effective_on`, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[AreaType]SizeRule{}
	for rows.Next() {
		var r SizeRule
		var area string
		if err := rows.Scan(&area, &r.EffectiveOn, &r.Target, &r.Tolerance, &r.Source); err != nil {
			return nil, err
		}
		r.Area = AreaType(area)
		out[r.Area] = r // later days come later
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, a := range AreaTypes {
		if _, ok := out[a]; !ok {
			r := out[OldTown]
			r.Area = a
			out[a] = r
		}
	}
	return out, nil
}

// staffingRule returns the staffing rule in force on day; the zero rule when none is.
func staffingRule(ctx context.Context, q db.Querier, day string) (StaffingRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT effective_on, households_per_worker, min_workers, source
		FROM staffing_rules WHERE effective_on <= $1 ORDER BY effective_on DESC LIMIT 1`, day)
	if err != nil {
		return StaffingRule{}, err
	}
	defer rows.Close()
	var r StaffingRule
	if rows.Next() {
		if err := rows.Scan(&r.EffectiveOn, &r.HouseholdsPerWorker, &r.MinWorkers, &r.Source); err != nil {
			return StaffingRule{}, err
		}
	}
	return r, rows.Err()
}

// Percent is the tolerance in whole percent.
func (r SizeRule) Percent() int { return int(math.Round(r.Tolerance * 100)) }
