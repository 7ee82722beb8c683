package consolidation

// Plans as stored (migration 024), for the code that applies them:
//
//	Store.Get(ctx, id) (Plan, error)   NotFound "plan.not_found" when there is none
//
//	Plan.Params            scope, target_households and tolerance (0: by area type),
//	                       within, stability, seed, as_of (the register's day, YYYY-MM-DD)
//	Plan.Generation        the sum of register_generations.n over the scope's districts
//	                       when the plan was made: compare with Generation(ctx, q, scope)
//	                       and refuse to apply when it differs
//	Plan.Communities[i]    Code (today's community kept, "" when New), District,
//	                       Grids (grid codes, in code order), Households, Residents,
//	                       Contiguous, Target, Tolerance
//	Plan.Grids[j]          every grid counted: Code, From (its community on the day), Area,
//	                       To (index in Communities, -1 when in none), Households, Residents
//	Plan.Infeasible        grids no community could be made of, and why
//
// Tables: consolidation_plans (one row), consolidation_plan_communities (plan_id,
// position = index in Communities), consolidation_plan_grids (plan_id, grid_code,
// position or NULL).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

// Store reads and writes the planner's tables.
type Store struct{ db *db.DB }

// NewStore returns the store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

func planNotFound() error { return apperr.New(apperr.NotFound, "plan.not_found", "id") }

// Generation is the register's generation under code (stats.Generation): a plan
// keeps the one it was made on.
func Generation(ctx context.Context, q db.Querier, code string) (int64, error) {
	return stats.Generation(ctx, q, code)
}

// insertPlan writes a plan in tx.
func insertPlan(ctx context.Context, tx *sql.Tx, p Plan) error {
	infeasible, err := json.Marshal(p.Infeasible)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO consolidation_plans (id, scope_code, within_level, target_households,
		tolerance, stability, seed, as_of, register_generation, deviation, cut_edges, moved_households, infeasible,
		took_ms, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		p.ID, p.Params.Scope, string(p.Params.Within), p.Params.TargetHouseholds, p.Params.Tolerance, p.Params.Stability,
		p.Params.Seed, p.Params.AsOf, p.Generation, p.Objective.Deviation, p.Objective.CutEdges, p.Objective.MovedHouseholds,
		string(infeasible), p.Took.Milliseconds(), p.CreatedBy, p.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}
	communities := db.NewTable("consolidation_plan_communities", "plan_id", "position", "code", "district_code",
		"households", "residents", "target", "tolerance", "contiguous")
	for i, c := range p.Communities {
		communities.Add(p.ID, i, c.Code, c.District, c.Households, c.Residents, c.Target, c.Tolerance, boolInt(c.Contiguous))
	}
	grids := db.NewTable("consolidation_plan_grids", "plan_id", "grid_code", "position", "from_community", "area_type", "households", "residents")
	for _, g := range p.Grids {
		var to any
		if g.To >= 0 {
			to = g.To
		}
		grids.Add(p.ID, g.Code, to, g.From, string(g.Area), g.Households, g.Residents)
	}
	return insertRows(ctx, tx, "", communities, grids)
}

// insertRows writes tables' rows a few hundred at a time, each statement ending
// in suffix (an ON CONFLICT clause, or "").
func insertRows(ctx context.Context, tx *sql.Tx, suffix string, tables ...*db.Table) error {
	for _, t := range tables {
		per := max(1, 500/len(t.Cols))
		for start := 0; start < t.Pending(); start += per {
			end := min(start+per, t.Pending())
			q := `INSERT INTO ` + t.Name + ` (` + strings.Join(t.Cols, ", ") + `) VALUES `
			n := 1
			for r := start; r < end; r++ {
				if r > start {
					q += ", "
				}
				q += "("
				for c := range t.Cols {
					if c > 0 {
						q += ", "
					}
					q += "$" + strconv.Itoa(n)
					n++
				}
				q += ")"
			}
			if _, err := tx.ExecContext(ctx, q+suffix, t.Vals[start*len(t.Cols):end*len(t.Cols)]...); err != nil {
				return err
			}
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const planColumns = `p.id, p.scope_code, u.name, p.within_level, p.target_households, p.tolerance, p.stability, p.seed,
	p.as_of, p.register_generation, p.deviation, p.cut_edges, p.moved_households, p.infeasible, p.took_ms,
	p.created_by, p.created_at`

func scanPlan(row interface{ Scan(...any) error }) (Plan, error) {
	var (
		p          Plan
		within     string
		infeasible string
		took, at   int64
	)
	err := row.Scan(&p.ID, &p.Params.Scope, &p.ScopeName, &within, &p.Params.TargetHouseholds, &p.Params.Tolerance,
		&p.Params.Stability, &p.Params.Seed, &p.Params.AsOf, &p.Generation, &p.Objective.Deviation, &p.Objective.CutEdges,
		&p.Objective.MovedHouseholds, &infeasible, &took, &p.CreatedBy, &at)
	if err != nil {
		return Plan{}, err
	}
	p.Params.Within = Within(within)
	p.Took = time.Duration(took) * time.Millisecond
	p.CreatedAt = time.UnixMilli(at)
	if err := json.Unmarshal([]byte(infeasible), &p.Infeasible); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// Get returns the stored plan id with its communities and grids. It returns
// NotFound ("plan.not_found") when there is none; scope is the caller's to check
// (Plan.Params.Scope).
func (s *Store) Get(ctx context.Context, id string) (Plan, error) {
	var p Plan
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		p, err = scanPlan(q.QueryRowContext(ctx, `SELECT `+planColumns+` FROM consolidation_plans p
			JOIN org_units u ON u.code = p.scope_code WHERE p.id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return planNotFound()
		}
		if err != nil {
			return err
		}
		return readPlanRows(ctx, q, &p)
	})
	return p, err
}

func readPlanRows(ctx context.Context, q db.Querier, p *Plan) error {
	rows, err := q.QueryContext(ctx, `SELECT code, district_code, households, residents, target, tolerance, contiguous
		FROM consolidation_plan_communities WHERE plan_id = $1 ORDER BY position`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c Community
		var contiguous int
		if err := rows.Scan(&c.Code, &c.District, &c.Households, &c.Residents, &c.Target, &c.Tolerance, &contiguous); err != nil {
			return err
		}
		c.New, c.Contiguous, c.Grids = c.Code == "", contiguous != 0, []string{}
		p.Communities = append(p.Communities, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	grows, err := q.QueryContext(ctx, `SELECT grid_code, position, from_community, area_type, households, residents
		FROM consolidation_plan_grids WHERE plan_id = $1 ORDER BY grid_code`, p.ID)
	if err != nil {
		return err
	}
	defer grows.Close()
	for grows.Next() {
		var g Grid
		var to sql.NullInt64
		var area string
		if err := grows.Scan(&g.Code, &to, &g.From, &area, &g.Households, &g.Residents); err != nil {
			return err
		}
		g.Area, g.To = AreaType(area), -1
		if to.Valid && int(to.Int64) < len(p.Communities) {
			g.To = int(to.Int64)
			p.Communities[g.To].Grids = append(p.Communities[g.To].Grids, g.Code)
		}
		p.Grids = append(p.Grids, g)
	}
	return grows.Err()
}

// PlanSummary is a plan as the list shows it.
type PlanSummary struct {
	ID          string
	Params      Params
	ScopeName   string
	Communities int
	Objective   Objective
	Infeasible  int
	CreatedBy   string
	CreatedAt   time.Time
}

// List returns the plans of units within sc, newest first, at most limit.
func (s *Store) List(ctx context.Context, sc scope.Scope, limit int) ([]PlanSummary, error) {
	cond, args := sc.Where("p.scope_code", 1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+planColumns+`,
		(SELECT COUNT(*) FROM consolidation_plan_communities c WHERE c.plan_id = p.id)
		FROM consolidation_plans p JOIN org_units u ON u.code = p.scope_code WHERE `+cond+`
		ORDER BY p.created_at DESC, p.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlanSummary
	for rows.Next() {
		var n int
		p, err := scanPlan(scanExtra{rows, &n})
		if err != nil {
			return nil, err
		}
		out = append(out, PlanSummary{ID: p.ID, Params: p.Params, ScopeName: p.ScopeName, Communities: n,
			Objective: p.Objective, Infeasible: len(p.Infeasible), CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt})
	}
	return out, rows.Err()
}

// scanExtra scans a plan row followed by more columns.
type scanExtra struct {
	row   interface{ Scan(...any) error }
	extra *int
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(slices.Clone(dest), s.extra)...) }

// units returns the city, districts and streets within sc, in code order: the
// units a plan may cover.
func (s *Store) units(ctx context.Context, sc scope.Scope) ([]unitOption, error) {
	cond, args := sc.Where("code", 1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code, name, level FROM org_units
		WHERE level IN ('city', 'district', 'street') AND `+cond+` ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []unitOption
	for rows.Next() {
		var u unitOption
		if err := rows.Scan(&u.Code, &u.Name, &u.Level); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// names returns the names of the units under code.
func (s *Store) names(ctx context.Context, code string) (map[string]string, error) {
	cond, args := scope.Of(code).Where("code", 1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code, name FROM org_units WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] = n
	}
	return out, rows.Err()
}

// boundaries returns the stored boundaries of the grids under code.
func (s *Store) boundaries(ctx context.Context, code string) (map[string]Geometry, error) {
	cond, args := scope.Of(code).Where("grid_code", 1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT grid_code, geometry FROM grid_boundaries WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Geometry{}
	for rows.Next() {
		var c, geo string
		if err := rows.Scan(&c, &geo); err != nil {
			return nil, err
		}
		g, err := UnmarshalGeometry([]byte(geo))
		if err != nil {
			return nil, err
		}
		out[c] = g
	}
	return out, rows.Err()
}

// pairs returns the adjacency among the grids under code.
func (s *Store) pairs(ctx context.Context, code string) ([][2]string, error) {
	cond, args := scope.Of(code).Where("grid_a", 1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT grid_a, grid_b FROM grid_adjacency WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, [2]string{a, b})
	}
	return out, rows.Err()
}
