package audit_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/sheet"
	"shequ/internal/registry"
	"shequ/internal/staff"
	"shequ/internal/transfer"
)

func idNumber(birth, seq string) string {
	s := "450403" + birth + seq
	return s + string(pii.CheckDigit(s))
}

// domains are the services whose writes are audited.
type domains struct {
	org      *org.Service
	registry *registry.Service
	staff    *staff.Service
	transfer *transfer.Service
}

func newDomains(t *testing.T, d *db.DB) domains {
	t.Helper()
	b, err := i18n.Load(transfer.Locales)
	if err != nil {
		t.Fatal(err)
	}
	return domains{org.NewService(d, now), registry.NewService(d, now, time.UTC), staff.NewService(d, now), transfer.NewService(d, b, now)}
}

// csvFile writes a CSV file for an import and opens it.
func csvFile(t *testing.T, name, text string) sheet.Reader {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := sheet.Open(path, sheet.CSV, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// trail is every record's action, object and outcome, oldest first.
func trail(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	err := audit.Each(context.Background(), d.Read(), audit.Filter{}, func(r audit.Row) error {
		out = append(out, r.UserID+" "+r.Action+" "+r.Object+" "+r.Outcome)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var fullNumber = regexp.MustCompile(`\d{17}[\dX]|1[3-9]\d{9}`)

// TestHooks_EveryWriteIsRecordedWithWhoWhatAndHow drives each audited write of the
// platform core once, and a refusal of each kind, and reads the trail back.
func TestHooks_EveryWriteIsRecordedWithWhoWhatAndHow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		s := newDomains(t, d)
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		refused := func(_ any, err error) {
			t.Helper()
			if !apperr.Is(err, apperr.Forbidden) {
				t.Fatalf("err = %v, want forbidden", err)
			}
		}
		const newGrid = orgtest.Community + "003"
		must(s.org.Create(ctx, city, org.Unit{Code: newGrid, Name: "东兴第三网格", Level: scope.Grid, ParentCode: orgtest.Community}))
		must(s.org.Update(ctx, city, org.Unit{Code: newGrid, Name: "东兴三网格"}))
		refused(s.org.Create(ctx, community, org.Unit{Code: orgtest.Community + "004", Name: "x", ParentCode: orgtest.Community}))

		h1, err := s.registry.CreateHousehold(ctx, community, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "东兴路12号"})
		must(h1, err)
		must(s.registry.UpdateHousehold(ctx, community, h1.ID, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "东兴路12号201室"}))
		must(s.registry.CreateHousehold(ctx, community, registry.HouseholdInput{No: "H002", GridCode: orgtest.GridB, Address: "东兴路20号"}))
		refused(s.registry.CreateHousehold(ctx, auditor, registry.HouseholdInput{No: "H009", GridCode: orgtest.Grid, Address: "东兴路1号"}))
		in := registry.ResidentInput{Name: "李建国", IDNumber: idNumber("19650312", "001"), HouseholdNo: "H001", Relation: "head",
			PopulationType: "registered", Phone: "13812345678"}
		r, err := s.registry.CreateResident(ctx, community, in)
		must(r, err)
		in.Phone = "13812349999"
		must(s.registry.UpdateResident(ctx, community, r.ID, in))
		must(s.registry.MoveResident(ctx, community, r.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "head"}))

		w, err := s.staff.Create(ctx, community, staff.WorkerInput{Name: "陈丽", IDNumber: idNumber("19850601", "022"), CommunityCode: orgtest.Community,
			Position: "grid_worker", Education: "bachelor", HiredOn: "2011-07-01", Phone: "13900001111"})
		must(w, err)
		must(s.staff.Update(ctx, community, w.ID, staff.WorkerInput{Name: "陈丽", IDNumber: idNumber("19850601", "022"), CommunityCode: orgtest.Community,
			Position: "member", Education: "bachelor", HiredOn: "2011-07-01"}))

		imp := func(name, text string, dry bool) *transfer.Result {
			t.Helper()
			res, err := s.transfer.Import(ctx, community, transfer.Households, csvFile(t, name, text), transfer.Options{DryRun: dry, Source: name})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		imp("checked.csv", "household_no,grid_code,address\nH003,"+orgtest.Grid+",东兴路30号\n", true)
		imp("households.csv", "household_no,grid_code,address\nH003,"+orgtest.Grid+",东兴路30号\nH004,"+orgtest.GridB+",东兴路40号\n", false)
		if res := imp("bad.csv", "household_no,grid_code,address\nH005,999,东兴路50号\n", false); res.OK() {
			t.Fatal("a household in an unknown grid was imported")
		}
		refused(s.transfer.Import(ctx, auditor, transfer.Households, csvFile(t, "x.csv", "household_no\n"), transfer.Options{}))
		var buf bytes.Buffer
		must(transfer.WriteExport(ctx, s.transfer, community, transfer.Residents, "", "zh-CN", sheet.CSV, &buf))

		want := []string{
			"u-city org.create org:" + newGrid + " ok",
			"u-city org.update org:" + newGrid + " ok",
			"u-comm org.create org:" + orgtest.Community + "004 denied",
			"u-comm household.create household:H001 ok",
			"u-comm household.update household:H001 ok",
			"u-comm household.create household:H002 ok",
			"u-aud household.create household:H009 denied",
			"u-comm resident.create resident:" + r.ID + " ok",
			"u-comm resident.update resident:" + r.ID + " ok",
			"u-comm resident.move resident:" + r.ID + " ok",
			"u-comm worker.create worker:" + w.ID + " ok",
			"u-comm worker.update worker:" + w.ID + " ok",
			"u-comm transfer.import import:households ok",
			"u-comm transfer.import import:households failed",
			"u-aud transfer.import import:households denied",
			"u-comm transfer.export export:residents ok",
		}
		got := trail(t, d)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		err = audit.Each(ctx, d.Read(), audit.Filter{}, func(row audit.Row) error {
			for _, f := range []string{row.UserName, row.Object, row.Reason} {
				if m := fullNumber.FindString(f); m != "" {
					t.Errorf("record %d holds a full number: %q", row.Seq, f)
				}
			}
			switch row.Action {
			case audit.ActResidentMove:
				if !strings.HasPrefix(row.Reason, "household:H001 → household:H002 on:") {
					t.Errorf("move's reason = %q", row.Reason)
				}
			case audit.ActImport:
				if row.Outcome == audit.OK && row.Reason != "file=households.csv rows=2 inserted=2 updated=0 unchanged=0" {
					t.Errorf("import's reason = %q", row.Reason)
				}
			case audit.ActExport:
				if row.Reason != "scope="+orgtest.Community+" full=true" {
					t.Errorf("export's reason = %q", row.Reason)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, d); rep.Broken != nil || rep.Count != len(want) {
			t.Errorf("Verify = %+v", rep)
		}
	})
}

// TestHooks_AWriteWhoseRecordFailsFailsToo: with the audit log gone, no write of
// the register goes through, and none is half-done.
func TestHooks_AWriteWhoseRecordFailsFailsToo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		s := newDomains(t, d)
		if _, err := s.registry.CreateHousehold(ctx, community, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "东兴路12号"}); err != nil {
			t.Fatal(err)
		}
		asOwner(t, d, `DROP TABLE audit_log`)

		if _, err := s.registry.CreateHousehold(ctx, community, registry.HouseholdInput{No: "H002", GridCode: orgtest.Grid, Address: "东兴路20号"}); err == nil {
			t.Error("a household was created without its record")
		}
		if _, err := registry.GetHouseholdByNo(ctx, d.Read(), scope.Everything(), "H002"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the household is there: %v", err)
		}
		if _, err := s.org.Create(ctx, city, org.Unit{Code: orgtest.Community + "003", Name: "x", Level: scope.Grid, ParentCode: orgtest.Community}); err == nil {
			t.Error("a unit was created without its record")
		}
		if u, _ := org.Lookup(ctx, d.Read(), orgtest.Community+"003"); u != nil {
			t.Error("the unit is there")
		}
		res, err := s.transfer.Import(ctx, community, transfer.Households,
			csvFile(t, "h.csv", "household_no,grid_code,address\nH003,"+orgtest.Grid+",东兴路30号\n"), transfer.Options{})
		if err == nil {
			t.Errorf("an import went through without its record: %+v", res)
		}
		if _, err := registry.GetHouseholdByNo(ctx, d.Read(), scope.Everything(), "H003"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the imported household is there: %v", err)
		}
		var buf bytes.Buffer
		if _, err := transfer.WriteExport(ctx, s.transfer, community, transfer.Households, "", "zh-CN", sheet.CSV, &buf); err == nil || buf.Len() > 0 {
			t.Errorf("an export went out without its record: %v, %d bytes", err, buf.Len())
		}
		// A refusal that cannot be recorded is not passed off as a plain refusal.
		if _, err := s.registry.CreateHousehold(ctx, auditor, registry.HouseholdInput{No: "H9", GridCode: orgtest.Grid, Address: "x"}); err == nil || apperr.Is(err, apperr.Forbidden) {
			t.Errorf("err = %v, want the failure to record", err)
		}
	})
}

func TestHooks_ACancelledRequestWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := newDomains(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.registry.CreateHousehold(ctx, community, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "东兴路12号"}); err == nil {
			t.Error("no error")
		}
		if _, err := registry.GetHouseholdByNo(context.Background(), d.Read(), scope.Everything(), "H001"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the household is there: %v", err)
		}
		if got := trail(t, d); len(got) != 0 {
			t.Errorf("trail = %v", got)
		}
	})
}
