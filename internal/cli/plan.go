package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"shequ/internal/consolidation"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/sheet"
)

// planCmd is `shequ plan consolidation`: the planner on the register of a day.
func (e *env) planCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "apply" {
		return e.planApplyCmd(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "consolidation" {
		return usageError{"want: plan consolidation --scope CODE [--target-households N] [--tolerance T] [--within district|street] [--stability W] [--seed N] [--as-of DATE] [--json]"}
	}
	fs := e.flags("plan consolidation")
	dsn := e.dbFlag(fs)
	code := fs.String("scope", "", "the city, district or street to plan")
	target := fs.Int("target-households", 0, "households a community should have (default: by each grid's area type, from the dated rules)")
	tolerance := fs.Float64("tolerance", 0, "relative deviation from the target still within, in (0, 1) (default: by area type)")
	within := fs.String("within", "district", "the border no community crosses: district or street")
	stability := fs.Float64("stability", 1, "weight of households moved away from their community")
	seed := fs.Int64("seed", 1, "the planner's seed: the same seed gives the same plan")
	asOf := fs.String("as-of", "", "the register's day counted, YYYY-MM-DD (default today)")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	as := fs.String("as", "", "plan as this user, within their scope (default: the administrator)")
	tz := zoneFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["target-households"] && *target <= 0 {
		return usageError{"--target-households must be a positive number of households, got " + strconv.Itoa(*target)}
	}
	if set["tolerance"] && (*tolerance <= 0 || *tolerance >= 1) {
		return usageError{"--tolerance must lie between 0 and 1 (0.1 is ±10%), got " + strconv.FormatFloat(*tolerance, 'g', -1, 64)}
	}
	if *code == "" {
		return usageError{"--scope CODE is required: the city, a district or a street"}
	}
	zone, err := loadZone(*tz)
	if err != nil {
		return err
	}
	d, p, err := e.planOpen(ctx, *dsn, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := consolidation.NewService(d, e.now, zone)
	plan, err := svc.Make(ctx, p, consolidation.Params{Scope: *code, TargetHouseholds: *target, Tolerance: *tolerance,
		Within: consolidation.Within(*within), Stability: *stability, Seed: *seed, AsOf: *asOf})
	if err != nil {
		return err
	}
	out, err := svc.JSON(ctx, plan)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	lang := terminalLang()
	t := func(key string, args ...any) string { return e.bundle.T(lang, key, args...) }
	fmt.Fprintln(e.stdout, t("plan.cli.made", "id", plan.ID, "scope", plan.ScopeName, "day", plan.Params.AsOf, "ms", plan.Took.Milliseconds()))
	outside := 0
	for _, c := range plan.Communities {
		if !c.Within() {
			outside++
		}
	}
	today := consolidation.Today(plan)
	fmt.Fprintln(e.stdout, t("plan.cli.summary", "before", len(today), "after", len(plan.Communities), "outside", outside,
		"moved", plan.Objective.MovedHouseholds, "cut", plan.Objective.CutEdges))
	for _, c := range plan.Communities {
		name := c.Code
		if c.New {
			name = t("plan.new")
		}
		mark := ""
		if !c.Within() {
			mark = " *"
		}
		fmt.Fprintf(e.stdout, "  %-14s %6d %s %7d %s  %d %s%s\n", name, c.Households, t("plan.households_unit"),
			c.Residents, t("plan.residents_unit"), len(c.Grids), t("plan.grids_unit"), mark)
	}
	for _, f := range plan.Infeasible {
		fmt.Fprintln(e.stdout, t("plan.cli.infeasible", "reason", t("plan.reason."+f.Reason), "grids", len(f.Grids), "first", f.Grids[0]))
	}
	return nil
}

// planOpen opens the database and the messages, and finds the user to act as.
func (e *env) planOpen(ctx context.Context, dsn, as string) (*db.DB, auth.Principal, error) {
	b, err := loadBundle()
	if err != nil {
		return nil, auth.Principal{}, err
	}
	e.bundle = b
	d, err := e.open(ctx, dsn)
	if err != nil {
		return nil, auth.Principal{}, err
	}
	p := auth.System()
	if as != "" {
		if p, err = auth.NewService(d, e.now).Principal(ctx, as); err != nil {
			d.Close()
			return nil, auth.Principal{}, err
		}
	}
	return d, p, nil
}

// graphImport reports whether an import's arguments name one of the planner's
// graph files rather than a register.
func graphImport(args []string) bool {
	for _, a := range args {
		if a == "grid_adjacency" || a == "grid_boundaries" {
			return true
		}
	}
	return false
}

// importGraph is `shequ import grid_adjacency FILE` and `shequ import
// grid_boundaries FILE.geojson`.
func (e *env) importGraph(ctx context.Context, args []string) error {
	fs := e.flags("import")
	dsn := e.dbFlag(fs)
	encoding := fs.String("encoding", "auto", "CSV encoding: auto, utf-8 or gb18030")
	sheetName := fs.String("sheet", "", "XLSX sheet to read (default: the first)")
	minShared := fs.Float64("min-shared-m", consolidation.DefaultMinSharedM, "grid_boundaries: the shortest shared boundary, in metres, that makes two grids neighbours")
	as := fs.String("as", "", "import as this user, within their scope (default: the administrator, everywhere)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	limits := limitFlags(fs)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if len(fs.Args()) == 0 {
			break
		}
		pos, args = append(pos, fs.Args()[0]), fs.Args()[1:]
	}
	if len(pos) != 2 {
		return usageError{"want grid_adjacency FILE or grid_boundaries FILE.geojson"}
	}
	kind, file := pos[0], pos[1]
	d, p, err := e.planOpen(ctx, *dsn, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := consolidation.NewService(d, e.now, nil)
	var rep consolidation.ImportReport
	if kind == "grid_boundaries" {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		rep, err = svc.ImportBoundaries(ctx, p, data, *minShared)
		if err != nil {
			return err
		}
	} else {
		enc, err := sheet.ParseEncoding(*encoding)
		if err != nil {
			return err
		}
		format, err := sheet.FormatOf(file)
		if err != nil {
			return err
		}
		r, err := sheet.Open(file, format, sheet.Options{Encoding: enc, Sheet: *sheetName, Limits: limits()})
		if err != nil {
			return err
		}
		defer r.Close()
		if rep, err = svc.ImportAdjacency(ctx, p, r); err != nil {
			return err
		}
	}
	lang := terminalLang()
	t := func(key string, args ...any) string { return e.bundle.T(lang, key, args...) }
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, pr := range rep.Problems {
			where := t("import.at_row", "row", pr.Row)
			if pr.Column != "" {
				where += pr.Column + " "
			}
			args := []any{"value", pr.Value}
			for k, v := range pr.Args {
				args = append(args, k, v)
			}
			fmt.Fprintln(e.stdout, where+t("err."+pr.Key, args...))
		}
		if rep.OK() {
			fmt.Fprintln(e.stdout, t("plan.cli.imported", "file", filepath.Base(file), "pairs", rep.Pairs, "boundaries", rep.Boundaries))
			if len(rep.Alone) > 0 {
				fmt.Fprintln(e.stdout, t("plan.cli.alone", "n", len(rep.Alone)))
				for _, g := range rep.Alone {
					fmt.Fprintln(e.stdout, "  "+g)
				}
			}
		}
	}
	if !rep.OK() {
		return problemsError{n: len(rep.Problems)}
	}
	return nil
}
