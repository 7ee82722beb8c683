package transfer_test

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
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/sheet"
	"shequ/internal/registry"
	"shequ/internal/transfer"
)

// lookups returns the audit records of action, oldest first, as "user outcome object reason".
func lookups(t *testing.T, d *db.DB, action string) []string {
	t.Helper()
	rows, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: action}, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i].UserID+" "+rows[i].Outcome+" "+rows[i].Object+" "+rows[i].Reason)
	}
	return out
}

// importErr imports the file at path as p and returns what Import returned.
func importErr(t *testing.T, svc *transfer.Service, p auth.Principal, path string, dry bool) (*transfer.Result, error) {
	t.Helper()
	r, err := sheet.Open(path, sheet.CSV, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return svc.Import(context.Background(), p, transfer.Residents, r, transfer.Options{DryRun: dry})
}

// residentID returns the id of the resident with the given name.
func residentID(t *testing.T, d *db.DB, name string) string {
	t.Helper()
	var id string
	if err := d.Read().QueryRowContext(context.Background(), `SELECT id FROM residents WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestImportResidents_AnIDNumberRegisteredOutsideScopeIsTakenNamingNoUnitAndIsAudited:
// a grid worker's file holding the number of someone registered in another
// community learns that it is taken, not where, in a dry run as in an import, and
// each time the audit trail has the lookup.
func TestImportResidents_AnIDNumberRegisteredOutsideScopeIsTakenNamingNoUnitAndIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		zhao := residentID(t, d, "赵敏")
		file := csvFile(t, residentHeader, "赵敏,"+idZhao+",H001,户主,户籍,,")
		for i, dry := range []bool{true, false} {
			res := importAs(t, svc, gridUser, transfer.Residents, file, transfer.Options{DryRun: dry})
			if res.OK() || res.Committed || len(res.Problems) != 1 {
				t.Fatalf("dry run %v: %+v, want one problem", dry, res)
			}
			svc.Describe(res, "zh-CN")
			p := res.Problems[0]
			if p.Key != "resident.id_taken" || len(p.Args) != 0 {
				t.Errorf("dry run %v: problem %+v, want a bare id_taken", dry, p)
			}
			names := []string{"H001", "H002", "H003"}
			for _, u := range orgtest.Units() {
				names = append(names, u.Code, u.Name)
			}
			for _, n := range names {
				if strings.Contains(p.Message, n) {
					t.Errorf("dry run %v: the problem names %s: %q", dry, n, p.Message)
				}
			}
			got := lookups(t, d, audit.ActIDLookup)
			want := "g1 failed resident:" + zhao + " id_number registered outside scope; via import:residents"
			if dry {
				want += " dry_run"
			}
			if len(got) != i+1 || got[i] != want {
				t.Errorf("dry run %v: lookups audited %q, want the last %q", dry, got, want)
			}
		}
		if got := lookups(t, d, audit.ActIDLookupLimit); len(got) != 0 {
			t.Errorf("alerts after two lookups: %v", got)
		}
	})
}

// TestImportResidents_PastTheLimitTheImportIsRefusedAndTheSecurityAdministratorAlerted:
// a file that checks many numbers outside the importer's scope is refused as a
// whole once past the limit, in a dry run too, and so is the user's next import,
// whatever it holds.
func TestImportResidents_PastTheLimitTheImportIsRefusedAndTheSecurityAdministratorAlerted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		reg := registry.NewService(d, fixedNow, time.UTC)
		lines := []string{residentHeader}
		for i := range registry.OutsideLookupsPerHour + 1 {
			n := idNumber("450403", "19750101", fmt.Sprintf("%03d", 300+i))
			if _, err := reg.CreateResident(context.Background(), auth.System(), registry.ResidentInput{Name: "外格居民", IDNumber: n,
				HouseholdNo: "H002", Relation: "other", PopulationType: "registered"}); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, "外格居民,"+n+",H001,其他,户籍,,")
		}
		var before int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM residents`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			file    string
			dry     bool
			lookups int
		}{
			{"a dry run past the limit", csvFile(t, lines...), true, registry.OutsideLookupsPerHour + 1},
			{"then a clean file", csvFile(t, residentHeader, goodResident[:strings.Index(goodResident, "H002")]+"H001,户主,户籍,13900001111,"), false,
				registry.OutsideLookupsPerHour + 1},
		} {
			res, err := importErr(t, svc, gridUser, tc.file, tc.dry)
			if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Code != apperr.Forbidden || e.Key != "resident.id_lookups_exceeded" {
				t.Errorf("%s: %+v, %v; want refused", tc.name, res, err)
			}
			if got := lookups(t, d, audit.ActIDLookup); len(got) != tc.lookups {
				t.Errorf("%s: %d lookups audited, want %d", tc.name, len(got), tc.lookups)
			}
		}
		alerts := lookups(t, d, audit.ActIDLookupLimit)
		if len(alerts) != 2 || !strings.HasPrefix(alerts[0], "g1 denied user:g1 ") || !strings.Contains(alerts[0], "dry_run") {
			t.Errorf("alerts: %q, want two for g1, the first of the dry run", alerts)
		}
		var after int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM residents`).Scan(&after); err != nil || after != before {
			t.Errorf("residents: %d before, %d after refused imports (%v)", before, after, err)
		}
		// Another user is not held back.
		if res := importAs(t, svc, communityUser, transfer.Residents, csvFile(t, residentHeader, goodResident), transfer.Options{DryRun: true}); !res.OK() {
			t.Errorf("another user's import: %+v", res.Problems)
		}
	})
}

// TestImportResidents_ThePeopleMetCountOnceAnHour: the import page checks a file
// and then imports it, and a worker may check a file again after fixing it; the
// people registered elsewhere that it holds are met each time, audited each time,
// and counted once, so a file of four such people can be checked and imported
// twice over without reaching the limit of five.
func TestImportResidents_ThePeopleMetCountOnceAnHour(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		reg := registry.NewService(d, fixedNow, time.UTC)
		lines := []string{residentHeader}
		for i := range registry.OutsideLookupsPerHour - 1 {
			n := idNumber("450403", "19750101", fmt.Sprintf("%03d", 400+i))
			if _, err := reg.CreateResident(context.Background(), auth.System(), registry.ResidentInput{Name: "外格居民", IDNumber: n,
				HouseholdNo: "H002", Relation: "other", PopulationType: "registered"}); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, "外格居民,"+n+",H001,其他,户籍,,")
		}
		file := csvFile(t, lines...)
		for round, dry := range []bool{true, false, true, false} {
			res, err := importErr(t, svc, gridUser, file, dry)
			if err != nil || res.OK() {
				t.Fatalf("round %d: %+v, %v; want the file's conflicts, not a refusal", round, res, err)
			}
		}
		if got := lookups(t, d, audit.ActIDLookup); len(got) != 4*(registry.OutsideLookupsPerHour-1) {
			t.Errorf("%d lookups audited, want every one of the four rounds'", len(got))
		}
		if got := lookups(t, d, audit.ActIDLookupLimit); len(got) != 0 {
			t.Errorf("alerts: %q, want none", got)
		}
	})
}
