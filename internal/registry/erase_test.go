package registry_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/sheet"
	"shequ/internal/registry"
	"shequ/internal/stats"
	"shequ/internal/transfer"
)

var (
	community  = auth.Principal{UserID: "co", Name: "张主任", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	community2 = auth.Principal{UserID: "co2", Role: auth.RoleCommunity, OrgCode: orgtest.Community2}
	sysadmin   = auth.Principal{UserID: "sa", Role: auth.RoleSysAdmin, OrgCode: orgtest.City}
)

// consent is a good request to erase: the person withdrew consent, in writing.
var consent = registry.EraseInput{Ground: "consent_withdrawn", Reason: "本人书面申请撤回同意"}

// eraseWorld is the register's fixture with more for an erasure to spare: a
// spouse in the head's household with a tag of her own, and the head moved away and
// back and made the grid's group leader, the spouse a building head.
type eraseWorld struct {
	fixture
	spouse registry.Resident
}

func setupErase(t *testing.T, d *db.DB) eraseWorld {
	t.Helper()
	ctx := context.Background()
	w := eraseWorld{fixture: setup(t, d)}
	var err error
	w.spouse, err = w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "王秀英", IDNumber: idNumber("450403", "19680520", "002"),
		HouseholdNo: "H001", Relation: "spouse", PopulationType: "registered", Phone: "13912345678", Tags: []string{"disabled"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.MoveResident(ctx, city, w.head.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "head"}); err != nil {
		t.Fatal(err)
	}
	if w.head, err = w.s.MoveResident(ctx, city, w.head.ID, registry.MoveInput{HouseholdNo: "H001", Relation: "head"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ resident, role string }{{w.head.ID, "group_leader"}, {w.spouse.ID, "building_head"}} {
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO grid_contacts (id, org_code, resident_id, role) VALUES ($1, $2, $3, $4)`,
			db.NewID(), orgtest.Grid, c.resident, c.role); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// tableCounts counts the rows of every table of d, whatever migrations added them.
func tableCounts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d.Dialect == db.Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := d.Read().QueryContext(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, table := range tables {
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

func TestErase_DeletesTheResidentTagsMovesAndContactsAndNothingElse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupErase(t, d)
		ctx := context.Background()
		before := tableCounts(t, d)

		done, err := w.s.Erase(ctx, community, w.head.ID, consent)
		if err != nil {
			t.Fatal(err)
		}
		if want := (registry.Erasure{ResidentID: w.head.ID, HouseholdID: w.hA.ID, HouseholdNo: "H001", Ground: "consent_withdrawn"}); done != want {
			t.Errorf("erasure = %+v, want %+v", done, want)
		}

		after := tableCounts(t, d)
		if len(before) < 15 || before["residents"] != 2 {
			t.Fatalf("counted %d tables, %d residents: is the list of tables right?", len(before), before["residents"])
		}
		// The head had one tag (党员 is a political status now), two moves, one place
		// among the contacts, one registration and one period.
		want := map[string]int{"residents": -1, "resident_tags": -1, "resident_moves": -2, "grid_contacts": -1, "audit_log": +1,
			"resident_events": -1, "resident_periods": -1}
		for table, n := range before {
			if got := after[table] - n; got != want[table] {
				t.Errorf("%s: %+d rows, want %+d", table, got, want[table])
			}
		}
		if _, _, err := w.s.Resident(ctx, city, w.head.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the erased resident: %v, want not found", err)
		}
		h, members, err := w.s.Household(ctx, city, w.hA.ID)
		if err != nil || h.Members != 1 || len(members) != 1 || members[0].ID != w.spouse.ID {
			t.Errorf("the household after: %+v, %+v, %v; want it with the spouse alone", h, members, err)
		}
		if !slices.Equal(members[0].Tags, []string{"disabled"}) {
			t.Errorf("the spouse's tags: %v", members[0].Tags)
		}
		contacts, err := w.s.Contacts(ctx, city, orgtest.Grid)
		if err != nil || len(contacts) != 1 || contacts[0].ResidentID != w.spouse.ID {
			t.Errorf("contacts after: %+v, %v; want the spouse's alone", contacts, err)
		}
	})
}

// An erased household member's household stays even when it is left empty: a
// household is an address.
func TestErase_LeavesAnEmptiedHouseholdInPlace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.s.Erase(ctx, street, f.head.ID, registry.EraseInput{Ground: "retention_expired", Reason: "本人已去世，保存期限届满"}); err != nil {
			t.Fatal(err)
		}
		h, members, err := f.s.Household(ctx, city, f.hA.ID)
		if err != nil || h.No != "H001" || h.Members != 0 || len(members) != 0 {
			t.Errorf("household = %+v, %d members, %v; want it there, empty", h, len(members), err)
		}
	})
}

func TestErase_BadInputNamesTheFieldAndDeletesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			name       string
			in         registry.EraseInput
			field, key string
		}{
			{"no ground", registry.EraseInput{Reason: "本人申请"}, "ground", "required"},
			{"blank ground", registry.EraseInput{Ground: "  ", Reason: "本人申请"}, "ground", "required"},
			{"unknown ground", registry.EraseInput{Ground: "because", Reason: "本人申请"}, "ground", "erase.ground"},
			{"no reason", registry.EraseInput{Ground: "consent_withdrawn"}, "reason", "erase.reason"},
			{"blank reason", registry.EraseInput{Ground: "consent_withdrawn", Reason: "   "}, "reason", "erase.reason"},
			{"one-character reason", registry.EraseInput{Ground: "consent_withdrawn", Reason: "删"}, "reason", "erase.reason"},
			{"reason too long", registry.EraseInput{Ground: "consent_withdrawn", Reason: strings.Repeat("长", 201)}, "reason", "too_long"},
		} {
			_, err := f.s.Erase(ctx, community, f.head.ID, tc.in)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tc.field || ae.Key != tc.key {
				t.Errorf("%s: %v, want invalid %s on %s", tc.name, err, tc.key, tc.field)
			}
		}
		if _, _, err := f.s.Resident(ctx, city, f.head.ID); err != nil {
			t.Errorf("the resident after refused erasures: %v", err)
		}
	})
}

// Only the offices that answer for the register erase, and only within their
// scope; a refusal deletes nothing, and is recorded as denied.
func TestErase_NeedsThePermissionAndTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			who  string
			p    auth.Principal
			code apperr.Code
		}{
			{"the grid's own worker", gridA, apperr.Forbidden},
			{"an auditor", auditor, apperr.Forbidden},
			{"the system administrator", sysadmin, apperr.Forbidden},
			{"another grid's worker", gridB, apperr.Forbidden},
			{"another community", community2, apperr.NotFound},
		} {
			if _, err := f.s.Erase(ctx, tc.p, f.head.ID, consent); !apperr.Is(err, tc.code) {
				t.Errorf("%s: %v, want %s", tc.who, err, tc.code)
			}
			if _, err := f.s.Erasable(ctx, tc.p, f.head.ID); !apperr.Is(err, tc.code) {
				t.Errorf("%s asks for the form: %v, want %s", tc.who, err, tc.code)
			}
		}
		if _, err := f.s.Erase(ctx, community, "no-such-id", consent); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown id: %v, want not found", err)
		}
		r, _, err := f.s.Resident(ctx, city, f.head.ID)
		if err != nil || len(r.Tags) != 1 || r.PoliticalStatus != "01" {
			t.Fatalf("the resident after refusals: %+v, %v", r, err)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: registry.ActErase, Outcome: audit.Denied}, 20, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Four forbidden users, and another community reaching outside its scope
		// (decision 8), each at the service and at the form.
		if len(rows) != 10 {
			t.Errorf("%d denied erasures recorded, want 10", len(rows))
		}
		if _, err := f.s.Erase(ctx, street, f.head.ID, consent); err != nil {
			t.Errorf("the street office: %v", err)
		}
	})
}

// The audit record says who erased whom, on what ground and why, with the
// household and the masked number, and never the name, the full number or the
// phone; the chain verifies afterwards.
func TestErase_IsAuditedWithTheGroundAndReasonAndNoIdentifiers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.s.Erase(ctx, community, f.head.ID, consent); err != nil {
			t.Fatal(err)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: registry.ActErase}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d erasures recorded, want 1", len(rows))
		}
		r := rows[0]
		if r.UserID != community.UserID || r.Role != auth.RoleCommunity || r.Object != "resident:"+f.head.ID || r.Outcome != audit.OK {
			t.Errorf("record = %+v", r)
		}
		masked := pii.MaskIDNumber(f.head.IDNumber)
		for _, want := range []string{"ground:consent_withdrawn", "household:H001", "id_number:" + masked, "reason:本人书面申请撤回同意"} {
			if !strings.Contains(r.Reason, want) {
				t.Errorf("reason %q lacks %q", r.Reason, want)
			}
		}
		all := r.UserName + r.Object + r.Reason
		for _, secret := range []string{f.head.IDNumber, "13812345678", "李建国"} {
			if strings.Contains(all, secret) {
				t.Errorf("the record holds %q: %+v", secret, r)
			}
		}
		rep, err := audit.Verify(ctx, d.Read())
		if err != nil || rep.Broken != nil || rep.Count == 0 {
			t.Errorf("verify after the erasure: %+v, %v", rep, err)
		}
	})
}

// Once erased, a resident is found by no search, counted by no statistic and
// written to no export.
func TestErase_TheResidentIsGoneFromSearchStatsAndExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		b, err := i18n.Load(transfer.Locales)
		if err != nil {
			t.Fatal(err)
		}
		exports := transfer.NewService(d, b, now)
		look := func() (found int, registered int, exported bool) {
			t.Helper()
			for _, q := range []string{"李建国", f.head.IDNumber, f.head.IDNumber[14:], "13812345678"} {
				rs, err := f.s.Search(ctx, city, q, 50)
				if err != nil {
					t.Fatal(err)
				}
				found += len(rs)
			}
			st, err := stats.Compute(ctx, d.Read(), scope.Everything(), orgtest.Grid, now())
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := transfer.WriteExport(ctx, exports, city, transfer.Residents, orgtest.Grid, "zh-CN", sheet.CSV, &buf); err != nil {
				t.Fatal(err)
			}
			return found, st.Residents.Registered, strings.Contains(buf.String(), "李建国")
		}
		if found, registered, exported := look(); found != 4 || registered != 1 || !exported {
			t.Fatalf("before: found %d times, %d registered, exported %v", found, registered, exported)
		}
		if _, err := f.s.Erase(ctx, community, f.head.ID, consent); err != nil {
			t.Fatal(err)
		}
		if found, registered, exported := look(); found != 0 || registered != 0 || exported {
			t.Errorf("after: found %d times, %d registered, exported %v", found, registered, exported)
		}
	})
}

// With the audit log gone, nothing is erased: no record, no erasure.
func TestErase_AnErasureWhoseRecordFailsDeletesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		stmts := []string{`DROP TABLE audit_log`}
		if d.Dialect == db.SQLite {
			stmts = append([]string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, stmts...)
		}
		for _, s := range stmts {
			if _, err := d.Write().ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if _, err := f.s.Erase(ctx, community, f.head.ID, consent); err == nil {
			t.Fatal("erased without its record")
		}
		r, _, err := f.s.Resident(ctx, city, f.head.ID)
		if err != nil || len(r.Tags) != 1 {
			t.Errorf("the resident after a failed erasure: %+v, %v", r, err)
		}
	})
}

func TestResident_ConfirmErasureWantsTheLastFourOfTheIDNumber(t *testing.T) {
	r := registry.Resident{IDNumber: "11010519491231002X"}
	for _, typed := range []string{"002X", "002x", " 002X "} {
		if err := r.ConfirmErasure(typed); err != nil {
			t.Errorf("%q: %v", typed, err)
		}
	}
	for _, typed := range []string{"", "002", "1002X", "0021", "删除"} {
		var ae *apperr.Error
		if err := r.ConfirmErasure(typed); !errors.As(err, &ae) || ae.Field != "confirm" || ae.Key != "erase.confirm" {
			t.Errorf("%q: %v, want invalid on confirm", typed, err)
		}
	}
}
