package proposals_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/proposals"
	"shequ/internal/registry"
	"shequ/internal/stats"
)

var (
	worker    = auth.Principal{UserID: "u-grid", Name: "王网格", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
	community = auth.Principal{UserID: "u-comm", Name: "李社区", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	city      = auth.Principal{UserID: "u-city", Name: "市", Role: auth.RoleCity, OrgCode: orgtest.City}
)

var shanghai = func() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return z
}()

// now is 2026-11-27 16:00 in the city.
func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

func idNumber(birth, seq string) string {
	s := "450403" + birth + seq
	return s + string(pii.CheckDigit(s))
}

type fixture struct {
	svc     *proposals.Service
	reg     *registry.Service
	d       *db.DB
	head    registry.Resident // in H001, the worker's grid
	outside registry.Resident // in H003, another community's grid
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	orgtest.Build(t, d)
	ctx := context.Background()
	reg := registry.NewService(d, now, shanghai)
	f := fixture{svc: proposals.NewService(d, reg, now, shanghai), reg: reg, d: d}
	for _, h := range []registry.HouseholdInput{
		{No: "H001", GridCode: orgtest.Grid, Address: "东兴路12号3栋201室", Established: "2010-01-01"},
		{No: "H003", GridCode: orgtest.Grid2, Address: "南环路8号", Established: "2010-01-01"},
	} {
		if _, err := reg.CreateHousehold(ctx, city, h); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if f.head, err = reg.CreateResident(ctx, city, registry.ResidentInput{Name: "李建国", IDNumber: idNumber("19650312", "001"),
		HouseholdNo: "H001", Relation: "head", PopulationType: "registered", Phone: "13812345678", RegisteredOn: "2010-01-01"}); err != nil {
		t.Fatal(err)
	}
	if f.outside, err = reg.CreateResident(ctx, city, registry.ResidentInput{Name: "陈南", IDNumber: idNumber("19700101", "002"),
		HouseholdNo: "H003", Relation: "head", PopulationType: "floating", RegisteredOn: "2010-01-01"}); err != nil {
		t.Fatal(err)
	}
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, name, role, org_code, password_hash, created_at) VALUES ($1, $2, 'grid', $3, 'x', 0)`,
			worker.UserID, worker.Name, worker.OrgCode)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func payload(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func phoneOf(f fixture, phone string) proposals.Input {
	return proposals.Input{Kind: proposals.Phone, ResidentID: f.head.ID, Payload: payload(proposals.Change{Phone: phone}), Note: "居民来电告知新号码"}
}

func newborn() proposals.Input {
	return proposals.Input{Kind: proposals.Newborn, Note: "出生医学证明已看过", Payload: payload(registry.ResidentInput{
		Name: "李小宝", IDNumber: idNumber("20261001", "013"), HouseholdNo: "H001", Relation: "grandchild"})}
}

func submit(t *testing.T, f fixture, p auth.Principal, in proposals.Input) proposals.Proposal {
	t.Helper()
	pr, err := f.svc.Submit(context.Background(), p, in, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func wantErr(t *testing.T, err error, code apperr.Code, key, field string) {
	t.Helper()
	e, ok := err.(*apperr.Error)
	if !ok {
		t.Fatalf("error %v (%T), want %s %s on %q", err, err, code, key, field)
	}
	if e.Code != code || (key != "" && e.Key != key) || e.Field != field {
		t.Fatalf("error %s %s on %q, want %s %s on %q", e.Code, e.Key, e.Field, code, key, field)
	}
}

func TestProposal_AboutAResidentTheWorkerCannotSeeIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		in := phoneOf(f, "13900001111")
		in.ResidentID = f.outside.ID
		_, err := f.svc.Submit(context.Background(), worker, in, nil, nil)
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
		// Named by household and name instead, the household is not found either.
		in = proposals.Input{Kind: proposals.Death, HouseholdNo: "H003", Name: "陈南", Payload: payload(proposals.Change{On: "2026-11-20"}), Note: "邻居告知"}
		_, err = f.svc.Submit(context.Background(), worker, in, nil, nil)
		wantErr(t, err, apperr.Invalid, "household.not_found", "household_no")
	})
}

func TestProposal_AKindOrPayloadThatFailsValidationNamesTheField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		about := func(k proposals.Kind, c any) proposals.Input {
			return proposals.Input{Kind: k, ResidentID: f.head.ID, Payload: payload(c), Note: "现场核实"}
		}
		badBaby := newborn()
		badBaby.Payload = payload(registry.ResidentInput{Name: "李小宝", IDNumber: "45040320261001013", HouseholdNo: "H001", Relation: "grandchild"})
		noHousehold := newborn()
		noHousehold.Payload = payload(registry.ResidentInput{Name: "李小宝", IDNumber: idNumber("20261001", "013"), HouseholdNo: "H404", Relation: "grandchild"})
		noNote := phoneOf(f, "13900001111")
		noNote.Note = " "
		for _, c := range []struct {
			name  string
			in    proposals.Input
			field string
		}{
			{"unknown kind", proposals.Input{Kind: "promotion", Note: "x"}, "kind"},
			{"no note", noNote, "note"},
			{"a phone that is not one", phoneOf(f, "12ab"), "phone"},
			{"an unknown tag", about(proposals.TagAdd, proposals.Change{Tag: "vip"}), "tag"},
			{"a tag already there", about(proposals.TagRemove, proposals.Change{Tag: "dibao"}), "tag"},
			{"a permit for a registered resident", about(proposals.Permit, proposals.Change{PermitNo: "GX2026"}), "permit_no"},
			{"a death in the future", about(proposals.Death, proposals.Change{On: "2026-12-24"}), "on"},
			{"a field the kind does not have", about(proposals.Phone, map[string]string{"fone": "1"}), "payload"},
			{"a newborn's ID number too short", badBaby, "id_number"},
			{"a newborn in no household", noHousehold, "household_no"},
			{"a new household without a number", proposals.Input{Kind: proposals.NewHousehold, Note: "新房入住",
				Payload: payload(registry.HouseholdInput{Address: "东兴路14号"})}, "household_no"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Submit(context.Background(), worker, c.in, nil, nil)
				wantErr(t, err, apperr.Invalid, "", c.field)
			})
		}
	})
}

func TestProposal_ApprovedNewbornIsRegisteredOnTheBirthDateAndCounted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		before, err := stats.Compute(ctx, d.Read(), scope.Everything(), orgtest.Grid, now())
		if err != nil {
			t.Fatal(err)
		}
		pr := submit(t, f, worker, newborn())
		if pr.State != proposals.Waiting || pr.OrgCode != orgtest.Grid {
			t.Fatalf("proposal %+v", pr)
		}
		members := func() int {
			_, ms, err := f.reg.Household(ctx, community, householdID(t, f, "H001"))
			if err != nil {
				t.Fatal(err)
			}
			return len(ms)
		}
		if members() != 1 {
			t.Fatal("the register changed before the review")
		}
		got, err := f.svc.Approve(ctx, community, pr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != proposals.Approved || got.ResultID == "" {
			t.Fatalf("approved %+v", got)
		}
		baby, _, err := f.reg.Resident(ctx, community, got.ResultID)
		if err != nil {
			t.Fatal(err)
		}
		if baby.RegisteredOn != "2026-10-01" || baby.RegisteredReason != registry.ReasonBirth || baby.Name != "李小宝" {
			t.Fatalf("registered %+v", baby)
		}
		events, err := f.reg.Events(ctx, community, baby.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Kind != registry.EventRegistered || events[0].On != "2026-10-01" || events[0].Reason != registry.ReasonBirth {
			t.Fatalf("events %+v", events)
		}
		after, err := stats.Compute(ctx, d.Read(), scope.Everything(), orgtest.Grid, now())
		if err != nil {
			t.Fatal(err)
		}
		if after.Residents.Registered != before.Residents.Registered+1 {
			t.Fatalf("stats registered %d → %d", before.Residents.Registered, after.Residents.Registered)
		}
		sept, err := stats.Compute(ctx, d.Read(), scope.Everything(), orgtest.Grid, time.Date(2026, 9, 30, 8, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if sept.Residents.Registered != before.Residents.Registered {
			t.Fatalf("stats as of 2026-09-30 counted the newborn: %d", sept.Residents.Registered)
		}
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object = $2`,
			proposals.ActApprove, "proposal:"+pr.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("approval's audit records: %d, %v", n, err)
		}
	})
}

func householdID(t *testing.T, f fixture, no string) string {
	t.Helper()
	h, err := registry.GetHouseholdByNo(context.Background(), f.d.Read(), scope.Everything(), no)
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}

func TestProposal_RejectedPhoneKeepsTheRegisterAndTheWorkerSeesWhy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		pr := submit(t, f, worker, phoneOf(f, "13900001111"))
		if _, err := f.svc.Reject(ctx, community, pr.ID, ""); err == nil {
			t.Fatal("rejected without a reason")
		} else {
			wantErr(t, err, apperr.Invalid, "required", "reason")
		}
		if _, err := f.svc.Reject(ctx, community, pr.ID, "号码与户主本人确认不符，请再核实"); err != nil {
			t.Fatal(err)
		}
		r, _, err := f.reg.Resident(ctx, community, f.head.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Phone != "13812345678" {
			t.Fatalf("phone %s after a rejection", r.Phone)
		}
		if n, err := f.svc.ReturnedTo(ctx, worker); err != nil || n != 1 {
			t.Fatalf("returned to the worker: %d, %v", n, err)
		}
		mine, total, err := f.svc.Mine(ctx, worker, proposals.Rejected, 10, 0)
		if err != nil || total != 1 || mine[0].Reason != "号码与户主本人确认不符，请再核实" {
			t.Fatalf("mine %+v %d %v", mine, total, err)
		}
		if err := f.svc.MarkSeen(ctx, worker); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.ReturnedTo(ctx, worker); n != 0 {
			t.Fatalf("returned after seen: %d", n)
		}
		if _, err := f.svc.Approve(ctx, community, pr.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("approving a rejected proposal: %v", err)
		}
	})
}

func TestProposal_ApprovingTwiceIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		pr := submit(t, f, worker, phoneOf(f, "13900001111"))
		if _, err := f.svc.Approve(ctx, worker, pr.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a grid worker approved: %v", err)
		}
		if _, err := f.svc.Approve(ctx, community, pr.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Approve(ctx, community, pr.ID)
		wantErr(t, err, apperr.Conflict, "proposal.decided", "id")
		r, _, _ := f.reg.Resident(ctx, community, f.head.ID)
		if r.Phone != "13900001111" {
			t.Fatalf("phone %s", r.Phone)
		}
	})
}

func TestProposal_ApprovingWhenTheResidentChangedIsRefusedWithBothVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		pr := submit(t, f, worker, proposals.Input{Kind: proposals.TagAdd, ResidentID: f.head.ID, Payload: payload(proposals.Change{Tag: "disabled"}), Note: "残疾证已看"})
		// Meanwhile the office edits the record directly.
		in := registry.ResidentInput{Name: f.head.Name, IDNumber: f.head.IDNumber, HouseholdNo: "H001", Relation: "head",
			PopulationType: "registered", Phone: "13712345678"}
		if _, err := f.reg.UpdateResident(ctx, community, f.head.ID, in); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Approve(ctx, community, pr.ID)
		wantErr(t, err, apperr.Conflict, "proposal.stale", "id")
		got, err := f.svc.Get(ctx, community, pr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Stale || got.State != proposals.Waiting || got.Snapshot.Phone != "13812345678" || got.Current.Phone != "13712345678" {
			t.Fatalf("stale %v state %s snapshot %+v current %+v", got.Stale, got.State, got.Snapshot, got.Current)
		}
		r, _, _ := f.reg.Resident(ctx, community, f.head.ID)
		if len(r.Tags) != 0 {
			t.Fatalf("tags %v after a refused approval", r.Tags)
		}
		// Rejecting it is still possible: the worker proposes again on the record as it is.
		if _, err := f.svc.Reject(ctx, community, pr.ID, "记录已更新，请重新提交"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestProposal_ATrustedWorkersKindAppliesDirectly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if err := f.svc.SetTrust(ctx, worker, worker.UserID, proposals.Phone, true); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a worker trusted themselves: %v", err)
		}
		if err := f.svc.SetTrust(ctx, community, "someone", proposals.Phone, true); err == nil {
			t.Fatal("trusted a user who is no grid worker of the community")
		}
		if err := f.svc.SetTrust(ctx, community, worker.UserID, proposals.Phone, true); err != nil {
			t.Fatal(err)
		}
		pr := submit(t, f, worker, phoneOf(f, "13900001111"))
		if pr.State != proposals.Applied || pr.DecidedAt == nil {
			t.Fatalf("trusted proposal %+v", pr)
		}
		r, _, _ := f.reg.Resident(ctx, community, f.head.ID)
		if r.Phone != "13900001111" {
			t.Fatalf("phone %s", r.Phone)
		}
		kept, err := f.svc.Get(ctx, community, pr.ID)
		if err != nil || kept.State != proposals.Applied {
			t.Fatalf("kept %+v %v", kept, err)
		}
		// Another kind still waits for the review.
		other := submit(t, f, worker, proposals.Input{Kind: proposals.TagAdd, ResidentID: f.head.ID, Payload: payload(proposals.Change{Tag: "dibao"}), Note: "低保证"})
		if other.State != proposals.Waiting {
			t.Fatalf("untrusted kind %s", other.State)
		}
		if n, oldest, err := f.svc.Waiting(ctx, community, ""); err != nil || n != 1 || !oldest.Equal(now()) {
			t.Fatalf("waiting %d %v %v", n, oldest, err)
		}
		if err := f.svc.SetTrust(ctx, community, worker.UserID, proposals.Phone, false); err != nil {
			t.Fatal(err)
		}
		if pr := submit(t, f, worker, phoneOf(f, "13900002222")); pr.State != proposals.Waiting {
			t.Fatalf("after trust withdrawn: %s", pr.State)
		}
	})
}

func TestProposal_TheSameIdempotencyKeyMakesOneProposal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		in := newborn()
		body, _ := json.Marshal(in)
		key, err := idem.New(worker.UserID, "9b2f6c1e-offline-1", body)
		if err != nil {
			t.Fatal(err)
		}
		first, err := f.svc.Submit(ctx, worker, in, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Submit(ctx, worker, newborn(), nil, key)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != first.ID {
			t.Fatalf("two proposals: %s, %s", first.ID, again.ID)
		}
		_, total, err := f.svc.Mine(ctx, worker, "", 10, 0)
		if err != nil || total != 1 {
			t.Fatalf("mine: %d %v", total, err)
		}
		other, _ := idem.New(worker.UserID, "9b2f6c1e-offline-1", []byte("another body"))
		_, err = f.svc.Submit(ctx, worker, newborn(), nil, other)
		wantErr(t, err, apperr.Unprocessable, "idem.reused", "Idempotency-Key")
	})
}
