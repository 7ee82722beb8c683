package cli

import (
	"context"
	"fmt"
	"shequ/internal/audit"
	"time"

	"shequ/internal/demo"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

func (e *env) demo(ctx context.Context, args []string) error {
	fs := e.flags("demo")
	dsn := e.dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := e.loadDemo(ctx, d); err != nil {
		return err
	}
	return e.demoLogins(ctx, d)
}

// loadDemo loads the demo city into an empty database, reporting how long it took.
func (e *env) loadDemo(ctx context.Context, d *db.DB) error {
	start := time.Now()
	fmt.Fprintln(e.stdout, "loading the demo city (梧州市, figures of the 2013 report)…")
	sum, err := demo.Load(ctx, d, e.stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo city loaded in %.1fs: %d units, %d households, %d registered and %d floating residents, %d workers\n",
		time.Since(start).Seconds(), sum.OrgUnits, sum.Households, sum.Registered, sum.Floating, sum.Workers)
	start = time.Now()
	zone, err := loadZone("")
	if err != nil {
		return err
	}
	n, err := demo.LoadCases(ctx, d, e.now(), zone, e.stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo cases in %.1fs: %d cases in every state of the flow, taken up in the last weeks\n", time.Since(start).Seconds(), n)
	if n, err = demo.LoadProposals(ctx, d, e.now(), zone); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo field proposals: %d in the first grid, in every state of their review\n", n)
	if _, _, err := demo.LoadFieldwork(ctx, d, e.now(), zone, e.stdout); err != nil {
		return err
	}
	return demo.LoadGridMap(ctx, d, e.now, e.stdout)
}

// demoLogins makes sure there is one demo login per role and gives each a fresh
// password, printed here and kept nowhere else: even demo accounts never have a
// password known in advance. Being random, new at every start and printed once,
// these passwords need not be changed at the first sign-in.
func (e *env) demoLogins(ctx context.Context, d *db.DB) error {
	district, street, community, grid, err := demo.FirstCodes(ctx, d.Read())
	if err != nil {
		return err
	}
	s := auth.NewService(d, e.now)
	s.Audit = audit.RecordAuth
	logins := []struct {
		name string
		role auth.Role
		org  string
	}{
		{"demo-city", auth.RoleCity, demo.CityCode},
		{"demo-district", auth.RoleDistrict, district},
		{"demo-street", auth.RoleStreet, street},
		{"demo-community", auth.RoleCommunity, community},
		{"demo-grid", auth.RoleGrid, grid},
		{"demo-readonly", auth.RoleReadOnly, demo.CityCode},
		{"demo-sysadmin", auth.RoleSysAdmin, demo.CityCode},
		{"demo-secadmin", auth.RoleSecAdmin, demo.CityCode},
		{"demo-auditadmin", auth.RoleAuditAdmin, demo.CityCode},
	}
	fmt.Fprintln(e.stdout, "\ndemo logins (演示账号) — passwords are new at every start:")
	for _, l := range logins {
		pw, err := s.AddUser(ctx, l.name, l.role, l.org)
		if apperr.Is(err, apperr.Conflict) {
			pw, err = s.ResetPassword(ctx, l.name)
		}
		if err == nil {
			err = s.WaivePasswordChange(ctx, l.name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "  %-15s %-10s %-16s %s\n", l.name, l.role, l.org, pw)
	}
	fmt.Fprintln(e.stdout, "  (demo-city, demo-district and the three administrators also need an authenticator app at the first sign-in: their roles require a second factor)")
	return nil
}
