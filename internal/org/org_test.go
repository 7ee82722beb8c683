package org_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

func TestOrg_CreateRejectsBadUnitsNamingTheField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		city := auth.Principal{UserID: "u", Role: auth.RoleCity, OrgCode: orgtest.City}
		for _, tc := range []struct {
			name  string
			u     org.Unit
			code  apperr.Code
			key   string
			field string
		}{
			{"code of the wrong length", org.Unit{Code: "4504030010", Name: "x", Level: scope.Street, ParentCode: orgtest.District}, apperr.Invalid, "org.code_length", "code"},
			{"code not under its parent", org.Unit{Code: "450404003", Name: "x", Level: scope.Street, ParentCode: orgtest.District}, apperr.Invalid, "org.code_prefix", "code"},
			{"grid under a street", org.Unit{Code: "450403001009", Name: "x", Level: scope.Grid, ParentCode: orgtest.Street}, apperr.Invalid, "org.code_length", "code"},
			{"grid under a non-community", org.Unit{Code: "450403001001003", Name: "x", Level: scope.Grid, ParentCode: orgtest.Grid}, apperr.Invalid, "org.parent_level", "parent_code"},
			{"unknown parent", org.Unit{Code: "450403009001", Name: "x", Level: scope.Community, ParentCode: "450403009"}, apperr.Invalid, "org.not_found", "parent_code"},
			{"unknown level", org.Unit{Code: "450403003", Name: "x", Level: "village", ParentCode: orgtest.District}, apperr.Invalid, "org.level", "level"},
			{"empty name", org.Unit{Code: "450403003", Level: scope.Street, ParentCode: orgtest.District}, apperr.Invalid, "required", "name"},
			{"code already used", org.Unit{Code: orgtest.Street, Name: "x", Level: scope.Street, ParentCode: orgtest.District}, apperr.Conflict, "org.code_taken", "code"},
			{"founded in the future", org.Unit{Code: "450403001002", Name: "x", Level: scope.Community, ParentCode: orgtest.Street, FoundedYear: 2099}, apperr.Invalid, "org.founded_year", "founded_year"},
			{"office area on a street", org.Unit{Code: "450403003", Name: "x", Level: scope.Street, ParentCode: orgtest.District, OfficeArea: area.M2(100)}, apperr.Invalid, "org.not_community", "level"},
		} {
			_, err := s.Create(context.Background(), city, tc.u)
			e, ok := err.(*apperr.Error)
			if !ok || e.Code != tc.code || e.Key != tc.key || e.Field != tc.field {
				t.Errorf("%s: got %v, want %s %s on %s", tc.name, err, tc.code, tc.key, tc.field)
			}
		}
	})
}

func TestOrg_CreateUnderOwnScopeOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		street := auth.Principal{UserID: "u", Role: auth.RoleStreet, OrgCode: orgtest.Street}
		u, err := s.Create(context.Background(), street, org.Unit{Code: "450403001002", Name: "新社区", ParentCode: orgtest.Street, FoundedYear: 2012})
		if err != nil {
			t.Fatal(err)
		}
		if u.Level != scope.Community {
			t.Errorf("level inferred as %s", u.Level)
		}
		_, err = s.Create(context.Background(), street, org.Unit{Code: "450403002002", Name: "x", ParentCode: orgtest.Street2})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("create under sibling street: %v", err)
		}
		grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
		if _, err := s.Create(context.Background(), grid, org.Unit{Code: "450403001001009", Name: "x", ParentCode: orgtest.Community}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("grid worker created a unit: %v", err)
		}
	})
}

func TestOrg_ReadsStopAtTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		ctx := context.Background()
		comm := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		kids, err := s.Children(ctx, comm, orgtest.Community)
		if err != nil || len(kids) != 2 {
			t.Fatalf("children of own community: %v %v", kids, err)
		}
		if _, err := s.Unit(ctx, comm, orgtest.Community2); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("sibling community visible: %v", err)
		}
		if _, err := s.Children(ctx, comm, orgtest.Street); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("parent street's children visible: %v", err)
		}
		path, err := s.Path(ctx, comm, orgtest.Grid)
		if err != nil || len(path) != 5 || path[0].Code != orgtest.City || path[4].Code != orgtest.Grid {
			t.Errorf("path = %v %v", path, err)
		}
		cs, err := s.Communities(ctx, auth.Principal{UserID: "d", Role: auth.RoleDistrict, OrgCode: orgtest.District})
		if err != nil || len(cs) != 2 {
			t.Errorf("district communities = %v %v", cs, err)
		}
	})
}

func TestOrg_UpdateKeepsCodeAndParent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		ctx := context.Background()
		city := auth.Principal{UserID: "u", Role: auth.RoleCity, OrgCode: orgtest.City}
		if _, err := s.Update(ctx, city, org.Unit{Code: orgtest.Community, Name: "东兴新社区", OfficeArea: 14950, AuthorizedPosts: 9, FoundedYear: 2001}); err != nil {
			t.Fatal(err)
		}
		u, err := s.Unit(ctx, city, orgtest.Community)
		if err != nil || u.Name != "东兴新社区" || u.OfficeArea != 14950 || u.ParentCode != orgtest.Street {
			t.Fatalf("after update: %+v %v", u, err)
		}
	})
}

// A unit of another community is answered as one that does not exist, and only
// the audit trail tells the two apart (decision 8): the existing one leaves a
// denied read, the made-up code nothing.
func TestOrg_AUnitOutsideScopeIsNotFoundAndAuditedAsDenied(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		ctx := context.Background()
		comm := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
		for _, code := range []string{orgtest.Community2, orgtest.Community2 + "999"} {
			if _, err := s.Unit(ctx, comm, code); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s: %v, want not found", code, err)
			}
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: audit.ActRead, Outcome: audit.Denied}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Object != "org:"+orgtest.Community2 || rows[0].UserID != "c" {
			t.Errorf("denied reads %+v, want one, of the existing community", rows)
		}
	})
}

func TestOrg_UpdateRefusesANegativeAreaNamingTheFieldAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		ctx := context.Background()
		city := auth.Principal{UserID: "u", Role: auth.RoleCity, OrgCode: orgtest.City}
		for _, a := range []area.Area{-1, area.M2(100_001)} {
			_, err := s.Update(ctx, city, org.Unit{Code: orgtest.Community, Name: "东兴新社区", OfficeArea: a, AuthorizedPosts: 8})
			if e, ok := err.(*apperr.Error); !ok || e.Code != apperr.Invalid || e.Field != "office_area_m2" {
				t.Errorf("%v: %v, want an invalid office_area_m2", a, err)
			}
		}
		u, err := s.Unit(ctx, city, orgtest.Community)
		if err != nil || u.Name != "东兴社区" || u.OfficeArea != area.M2(120) {
			t.Errorf("after refusals: %+v %v", u, err)
		}
	})
}

func TestUnit_OfficeStandard_149Point5IsBelow150(t *testing.T) {
	for a, want := range map[area.Area]string{0: "unknown", 1: "below_90", 8999: "below_90", 9000: "below_150",
		14950: "below_150", 14999: "below_150", 15000: "150", 29999: "150", 30000: "300", 45000: "300"} {
		if got := (org.Unit{Level: scope.Community, OfficeArea: a}).OfficeStandard(); got != want {
			t.Errorf("%v m²: %s, want %s", a, got, want)
		}
	}
}

func TestOrg_NextGridCodeFollowsTheLastGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := org.NewService(d, now)
		ctx := context.Background()
		street := auth.Principal{UserID: "s", Role: auth.RoleStreet, OrgCode: orgtest.Street}
		if code, err := s.NextGridCode(ctx, street, orgtest.Community); err != nil || code != orgtest.Community+"003" {
			t.Errorf("next grid of %s: %q %v", orgtest.Community, code, err)
		}
		if _, err := s.NextGridCode(ctx, street, orgtest.Community2); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("next grid of a community in another street: %v", err)
		}
	})
}

// Migration 014 turns whole square metres into hundredths: a database that had
// 150 m² has 150.00 m² after it.
func TestMigration014_OfficeAreasBecomeHundredthsOfASquareMetre(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		for _, q := range []string{
			`DELETE FROM schema_migrations WHERE version = 14`,
			`ALTER TABLE org_units RENAME COLUMN office_area_dm2 TO office_area_m2`,
			`UPDATE org_units SET office_area_m2 = 150 WHERE code = '` + orgtest.Community + `'`,
			`UPDATE org_units SET office_area_m2 = 320 WHERE code = '` + orgtest.Community2 + `'`,
		} {
			if _, err := d.Write().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		city := auth.Principal{UserID: "u", Role: auth.RoleCity, OrgCode: orgtest.City}
		s := org.NewService(d, now)
		for code, want := range map[string]area.Area{orgtest.Community: area.M2(150), orgtest.Community2: area.M2(320), orgtest.Grid: 0} {
			u, err := s.Unit(ctx, city, code)
			if err != nil || u.OfficeArea != want {
				t.Errorf("%s: %v %v, want %v", code, u.OfficeArea, err, want)
			}
		}
	})
}

func TestUnit_OfficePerHundredHouseholds(t *testing.T) {
	c := org.Unit{Level: scope.Community, OfficeArea: 14950}
	for households, want := range map[int]area.Area{500: 2990, 498: 3002, 100: 14950, 3: 498333} {
		if got, ok := c.OfficePerHundredHouseholds(households); !ok || got != want {
			t.Errorf("149.50 m² for %d households: %v %v, want %v", households, got, ok, want)
		}
	}
	if _, ok := c.OfficePerHundredHouseholds(0); ok {
		t.Error("a figure for no households")
	}
	if _, ok := (org.Unit{Level: scope.Community}).OfficePerHundredHouseholds(500); ok {
		t.Error("a figure for no recorded space")
	}
	if got, _ := c.OfficePerHundredHouseholds(500); got >= org.OfficePerHundredMinimum {
		t.Errorf("29.90 m² per hundred households meets the minimum of 30")
	}
}
