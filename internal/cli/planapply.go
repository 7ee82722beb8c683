package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"shequ/internal/consolidation"
	"shequ/internal/reorg"
)

// listFlag gathers a flag given more than once.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// planApplyCmd is `shequ plan apply`: a stored plan, or some of its proposed
// communities, made a dated change of the tree (decision 34).
func (e *env) planApplyCmd(ctx context.Context, args []string) error {
	fs := e.flags("plan apply")
	dsn := e.dbFlag(fs)
	id := fs.String("plan", "", "the stored plan's id")
	var numbers, names listFlag
	fs.Var(&numbers, "community", "a proposed community to apply, by its number in the plan (1 for the first); repeat for more (default: every one not applied yet, easiest first)")
	fs.Var(&names, "name", "a new community's name, as N=名称; repeat for each new community")
	on := fs.String("on", "", "the day the change takes effect, YYYY-MM-DD: not in the future")
	staffFile := fs.String("staff", "", "the reviewed staff list, CSV with columns worker (ID number), community (code or the plan's number) and grids")
	as := fs.String("as", "", "apply as this user, within their scope (default: the administrator)")
	asJSON := fs.Bool("json", false, "print what was done as JSON")
	steps := fs.Bool("steps", false, "list the plan's proposed communities easiest first, with what is applied, and apply nothing")
	tz := zoneFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id != "" && *steps {
		return e.planSteps(ctx, *dsn, *as, *id, *asJSON)
	}
	if *id == "" || *on == "" {
		return usageError{"want: plan apply --plan ID [--community N ...] [--name N=NAME ...] --on YYYY-MM-DD [--staff FILE], or plan apply --plan ID --steps"}
	}
	in := consolidation.ApplyInput{Plan: *id, On: *on, Names: map[int]string{}}
	for _, n := range numbers {
		v, err := strconv.Atoi(n)
		if err != nil {
			return usageError{"--community takes a community's number in the plan, got " + strconv.Quote(n)}
		}
		in.Communities = append(in.Communities, v)
	}
	for _, n := range names {
		no, name, ok := strings.Cut(n, "=")
		v, err := strconv.Atoi(no)
		if !ok || err != nil {
			return usageError{"--name takes N=NAME, got " + strconv.Quote(n)}
		}
		in.Names[v] = name
	}
	if *staffFile != "" {
		f, err := os.Open(*staffFile)
		if err != nil {
			return err
		}
		in.Staff, err = reorg.ReadStaffList(f)
		f.Close()
		if err != nil {
			return err
		}
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
	res, err := consolidation.NewApplier(d, e.now, zone).Apply(ctx, p, in)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	lang := terminalLang()
	t := func(key string, args ...any) string { return e.bundle.T(lang, key, args...) }
	for _, c := range res.Communities {
		key := "planapply.kept"
		if c.New {
			key = "planapply.new"
		}
		fmt.Fprintln(e.stdout, t(key, "key", c.Key, "code", c.Code, "on", res.On))
		for _, m := range c.Moves {
			fmt.Fprintln(e.stdout, t("planapply.moved", "from", m.From, "to", m.To, "households", m.Households, "residents", m.Residents))
		}
	}
	for _, c := range res.Dissolved {
		fmt.Fprintln(e.stdout, t("planapply.dissolved", "code", c, "on", res.On))
	}
	fmt.Fprintln(e.stdout, t("planapply.staff", "n", res.Transferred))
	return nil
}

// planSteps prints a plan's proposed communities in the order to apply them.
func (e *env) planSteps(ctx context.Context, dsn, as, id string, asJSON bool) error {
	d, p, err := e.planOpen(ctx, dsn, as)
	if err != nil {
		return err
	}
	defer d.Close()
	steps, err := consolidation.NewApplier(d, e.now, nil).Steps(ctx, p, id)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(steps)
	}
	lang := terminalLang()
	for _, s := range steps {
		fmt.Fprintln(e.stdout, e.bundle.T(lang, "planapply.step", "no", s.No, "kind", e.bundle.T(lang, "planapply.kind."+s.Kind),
			"moved", s.Moved, "applied", s.Applied))
	}
	return nil
}
