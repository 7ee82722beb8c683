package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/registry"
)

// trail returns the audit records of action, oldest first, as "user outcome object".
func trail(t *testing.T, d *db.DB, action string) []string {
	t.Helper()
	rows, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: action}, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i].UserID+" "+rows[i].Outcome+" "+rows[i].Object)
	}
	return out
}

// message renders err as a user reads it, in both languages.
func message(t *testing.T, err error) string {
	t.Helper()
	b, lerr := i18n.Load(registry.Locales)
	if lerr != nil {
		t.Fatal(lerr)
	}
	return b.Error("zh-CN", err) + " | " + b.Error("en", err)
}

// namesNoUnit fails if msg names a household, grid or unit of the test city.
func namesNoUnit(t *testing.T, what, msg string) {
	t.Helper()
	for _, u := range orgtest.Units() {
		if strings.Contains(msg, u.Code) || strings.Contains(msg, u.Name) {
			t.Errorf("%s names %s: %q", what, u.Name, msg)
		}
	}
	for _, no := range []string{"H001", "H002", "H003"} {
		if strings.Contains(msg, no) {
			t.Errorf("%s names household %s: %q", what, no, msg)
		}
	}
}

func TestCreateResident_AnIDNumberRegisteredOutsideScopeIsTakenNamingNoUnitAndIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		in := registry.ResidentInput{Name: "李建国", IDNumber: f.head.IDNumber, HouseholdNo: "H002", Relation: "head", PopulationType: "registered"}
		_, err := f.s.CreateResident(ctx, gridB, in)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Conflict || e.Key != "resident.id_taken" || len(e.Args) != 0 {
			t.Fatalf("grid B registering grid A's resident: %v, want a bare conflict", err)
		}
		namesNoUnit(t, "the conflict", message(t, err))
		if got := trail(t, d, audit.ActIDLookup); len(got) != 1 || got[0] != "gb failed resident:"+f.head.ID {
			t.Errorf("lookups audited: %v, want grid B's of the head", got)
		}
		// Within scope the conflict is the same, and no lookup beyond scope happened.
		in.HouseholdNo = "H001"
		if _, err := f.s.CreateResident(ctx, gridA, in); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("grid A registering its own resident again: %v", err)
		}
		if got := trail(t, d, audit.ActIDLookup); len(got) != 1 {
			t.Errorf("lookups audited after one within scope: %v", got)
		}
	})
}

func TestUpdateResident_ANewIDNumberRegisteredOutsideScopeIsTakenAndIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		mine, err := f.s.CreateResident(ctx, city, registry.ResidentInput{Name: "周明", IDNumber: idNumber("450403", "19800101", "051"),
			HouseholdNo: "H002", Relation: "head", PopulationType: "registered"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.UpdateResident(ctx, gridB, mine.ID, registry.ResidentInput{Name: "周明", IDNumber: f.head.IDNumber,
			HouseholdNo: "H002", Relation: "head", PopulationType: "registered"})
		if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Key != "resident.id_taken" || len(e.Args) != 0 {
			t.Fatalf("changing to grid A's resident's number: %v", err)
		}
		if got := trail(t, d, audit.ActIDLookup); len(got) != 1 || got[0] != "gb failed resident:"+f.head.ID {
			t.Errorf("lookups audited: %v", got)
		}
		// Saving the record with its own number is no lookup.
		if _, err := f.s.UpdateResident(ctx, gridB, mine.ID, registry.ResidentInput{Name: "周明", IDNumber: mine.IDNumber,
			HouseholdNo: "H002", Relation: "head", PopulationType: "floating"}); err != nil {
			t.Fatal(err)
		}
		if got := trail(t, d, audit.ActIDLookup); len(got) != 1 {
			t.Errorf("lookups audited after an ordinary save: %v", got)
		}
	})
}

func TestCreateResident_PastTheLimitEveryIDNumberIsRefusedAndTheSecurityAdministratorAlerted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		clock := now()
		s := registry.NewService(d, func() time.Time { return clock }, time.UTC)
		ctx := context.Background()
		for _, in := range []registry.HouseholdInput{{No: "H001", GridCode: orgtest.Grid, Address: "东兴路1号"}, {No: "H002", GridCode: orgtest.GridB, Address: "东兴路2号"}} {
			if _, err := s.CreateHousehold(ctx, city, in); err != nil {
				t.Fatal(err)
			}
		}
		var outside []string // residents of grid A, outside grid B's scope
		for i := range registry.OutsideLookupsPerHour + 1 {
			r, err := s.CreateResident(ctx, city, registry.ResidentInput{Name: "居民", IDNumber: idNumber("450403", "19700101", fmt.Sprintf("%03d", 100+i)),
				HouseholdNo: "H001", Relation: "other", PopulationType: "registered"})
			if err != nil {
				t.Fatal(err)
			}
			outside = append(outside, r.IDNumber)
		}
		try := func(idNumber string) error {
			_, err := s.CreateResident(ctx, gridB, registry.ResidentInput{Name: "试探", IDNumber: idNumber, HouseholdNo: "H002",
				Relation: "other", PopulationType: "registered"})
			return err
		}
		for i := range registry.OutsideLookupsPerHour {
			if err := try(outside[i]); !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("lookup %d: %v, want the conflict", i+1, err)
			}
			clock = clock.Add(time.Minute)
		}
		fresh := idNumber("450403", "19900101", "201")
		for _, n := range []string{outside[registry.OutsideLookupsPerHour], fresh} {
			err := try(n)
			if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Code != apperr.Forbidden || e.Key != "resident.id_lookups_exceeded" {
				t.Errorf("past the limit, a number %s: %v, want refused whether registered or not",
					map[bool]string{true: "registered", false: "never registered"}[n != fresh], err)
			}
			namesNoUnit(t, "the refusal", message(t, err))
		}
		if got := trail(t, d, audit.ActIDLookup); len(got) != registry.OutsideLookupsPerHour {
			t.Errorf("lookups audited: %d, want %d", len(got), registry.OutsideLookupsPerHour)
		}
		if got := trail(t, d, audit.ActIDLookupLimit); len(got) != 2 || got[0] != "gb denied user:gb" {
			t.Errorf("alerts: %v, want two, for grid B's user, denied", got)
		}
		// Another user is not held back by grid B's lookups.
		if _, err := s.CreateResident(ctx, gridA, registry.ResidentInput{Name: "新居民", IDNumber: fresh, HouseholdNo: "H001",
			Relation: "other", PopulationType: "registered"}); err != nil {
			t.Errorf("grid A after grid B was refused: %v", err)
		}
		// An hour after the first lookup, one more is answered again.
		clock = now().Add(time.Hour + time.Second)
		if err := try(outside[registry.OutsideLookupsPerHour]); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("an hour later: %v, want the conflict", err)
		}
	})
}

func TestRead_ARecordOutsideScopeIsNotFoundAndAuditedAsDenied(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		moved := registry.ResidentInput{Name: f.head.Name, IDNumber: f.head.IDNumber, HouseholdNo: "H002", Relation: "head", PopulationType: "registered"}
		for _, tc := range []struct {
			name, action, object string
			try                  func(id string) error
		}{
			{"resident", audit.ActRead, "resident:" + f.head.ID, func(id string) error {
				_, _, err := f.s.Resident(ctx, gridB, id)
				return err
			}},
			{"household", audit.ActRead, "household:" + f.hA.ID, func(id string) error {
				_, _, err := f.s.Household(ctx, gridB, id)
				return err
			}},
			{"update", audit.ActResidentEdit, "resident:" + f.head.ID, func(id string) error {
				_, err := f.s.UpdateResident(ctx, gridB, id, moved)
				return err
			}},
			{"household update", audit.ActHouseholdEdit, "household:" + f.hA.ID, func(id string) error {
				_, err := f.s.UpdateHousehold(ctx, gridB, id, registry.HouseholdInput{No: "H9", GridCode: orgtest.GridB, Address: "x"})
				return err
			}},
			{"reveal", audit.ActReveal, "resident:" + f.head.ID, func(id string) error {
				_, err := f.s.Reveal(ctx, gridB, id, registry.RevealInput{Field: "phone", Reason: "核实"})
				return err
			}},
			{"erase", registry.ActErase, "resident:" + f.head.ID, func(id string) error {
				_, err := f.s.Erase(ctx, community2, id, consent)
				return err
			}},
		} {
			id := strings.TrimPrefix(strings.TrimPrefix(tc.object, "resident:"), "household:")
			before := len(trail(t, d, tc.action))
			outside := tc.try(id)
			afterOutside := trail(t, d, tc.action)
			nothing := tc.try(id + "0")
			afterNothing := trail(t, d, tc.action)
			if !apperr.Is(outside, apperr.NotFound) || !apperr.Is(nothing, apperr.NotFound) {
				t.Errorf("%s: outside scope %v, no such id %v; want not found for both", tc.name, outside, nothing)
				continue
			}
			if message(t, outside) != message(t, nothing) {
				t.Errorf("%s: outside scope answers %q, no such id %q", tc.name, message(t, outside), message(t, nothing))
			}
			if len(afterOutside) != before+1 || !strings.HasSuffix(afterOutside[before], " denied "+tc.object) {
				t.Errorf("%s: records of %s after a reach outside scope: %v", tc.name, tc.action, afterOutside[before:])
			}
			if len(afterNothing) != len(afterOutside) {
				t.Errorf("%s: a record for an id that does not exist: %v", tc.name, afterNothing[len(afterOutside):])
			}
		}
	})
}
