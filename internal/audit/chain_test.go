package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/web"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

var (
	city       = auth.Principal{UserID: "u-city", Name: "王市", Role: auth.RoleCity, OrgCode: orgtest.City}
	community  = auth.Principal{UserID: "u-comm", Name: "李社区", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	auditor    = auth.Principal{UserID: "u-aud", Name: "赵审计", Role: auth.RoleReadOnly, OrgCode: orgtest.City}
	auditAdmin = auth.Principal{UserID: "u-aa", Name: "钱审计管理", Role: auth.RoleAuditAdmin, OrgCode: orgtest.City}
)

// appendN records n entries by city, each in a transaction of its own, the i-th
// (from 1) at now minus n-i minutes.
func appendN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		e := audit.Of(city, now().Add(time.Duration(i-n)*time.Minute), audit.ActResidentEdit, fmt.Sprintf("resident:r%d", i))
		if err := audit.RecordAlone(context.Background(), d, e); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, d *db.DB) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), d.Read())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// asOwner runs statements as the owner of the database would, beside the
// application: on SQLite it first drops the guards the migration put on the log,
// as anyone who can write the file can.
func asOwner(t *testing.T, d *db.DB, stmts ...string) {
	t.Helper()
	if d.Dialect == db.SQLite {
		stmts = append([]string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, stmts...)
	}
	for _, s := range stmts {
		if _, err := d.Write().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestRecord_ChainsEachEntryToTheOneBefore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 3)
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d rows, want 3", len(rows))
		}
		// Newest first: 3, 2, 1.
		for i, r := range rows {
			if want := int64(3 - i); r.Seq != want {
				t.Errorf("row %d has seq %d, want %d", i, r.Seq, want)
			}
			if len(r.Hash) != 64 || strings.Trim(r.Hash, "0123456789abcdef") != "" {
				t.Errorf("seq %d: hash %q is not 64 hex digits", r.Seq, r.Hash)
			}
			if i+1 < len(rows) && r.PrevHash != rows[i+1].Hash {
				t.Errorf("seq %d does not name the hash of seq %d", r.Seq, rows[i+1].Seq)
			}
		}
		if first := rows[2]; first.PrevHash != strings.Repeat("0", 64) {
			t.Errorf("the first record's previous hash is %q, want zeros", first.PrevHash)
		}
		if r := rows[0]; r.UserID != "u-city" || r.UserName != "王市" || r.Role != auth.RoleCity || r.Action != audit.ActResidentEdit ||
			r.Object != "resident:r3" || r.Outcome != audit.OK || !r.At.Equal(now()) {
			t.Errorf("stored %+v", r.Entry)
		}
		rep := verify(t, d)
		if rep.Broken != nil || rep.Count != 3 || rep.Last != 3 || rep.Head != rows[0].Hash {
			t.Errorf("Verify = %+v, want 3 records intact ending at the last hash", rep)
		}
	})
}

func TestVerify_AnEmptyTrailIsIntact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if rep := verify(t, d); rep.Broken != nil || rep.Count != 0 {
			t.Errorf("Verify = %+v", rep)
		}
	})
}

// TestVerify_NamesTheFirstBrokenRecord is the bad input: a tampered or a
// deleted audit row, which `shequ audit verify` names.
func TestVerify_NamesTheFirstBrokenRecord(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
		want  audit.Break
	}{
		{"a field changed", []string{`UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3`}, audit.Break{Seq: 3, Problem: audit.Modified}},
		{"the time changed", []string{`UPDATE audit_log SET at = at - 86400000 WHERE seq = 2`}, audit.Break{Seq: 2, Problem: audit.Modified}},
		{"the outcome changed", []string{`UPDATE audit_log SET outcome = 'denied' WHERE seq = 4`}, audit.Break{Seq: 4, Problem: audit.Modified}},
		{"a record deleted", []string{`DELETE FROM audit_log WHERE seq = 3`}, audit.Break{Seq: 3, Problem: audit.Missing}},
		{"two records deleted", []string{`DELETE FROM audit_log WHERE seq IN (2, 4)`}, audit.Break{Seq: 2, Problem: audit.Missing}},
		{"the last record deleted", []string{`DELETE FROM audit_log WHERE seq = 5`}, audit.Break{Seq: 5, Problem: audit.Truncated}},
		{"every record deleted", []string{`DELETE FROM audit_log`}, audit.Break{Seq: 1, Problem: audit.Truncated}},
		{"a hash changed", []string{`UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 1) WHERE seq = 3`},
			audit.Break{Seq: 3, Problem: audit.Modified}},
		{"a record replaced by another", []string{`DELETE FROM audit_log WHERE seq = 3`,
			`INSERT INTO audit_log SELECT 3, at, user_id, user_name, role, source_ip, action, object, outcome, reason, prev_hash, hash FROM audit_log WHERE seq = 2`},
			audit.Break{Seq: 3, Problem: audit.Relinked}},
		{"the last record replaced", []string{`UPDATE audit_log SET prev_hash = (SELECT prev_hash FROM audit_log WHERE seq = 4), hash = (SELECT hash FROM audit_log WHERE seq = 4) WHERE seq = 5`},
			audit.Break{Seq: 5, Problem: audit.Relinked}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				appendN(t, d, 5)
				asOwner(t, d, tc.stmts...)
				rep := verify(t, d)
				if rep.Broken == nil || *rep.Broken != tc.want {
					t.Errorf("Verify = %+v, broken at %+v; want %+v", rep, rep.Broken, tc.want)
				}
			})
		})
	}
}

// TestVerify_ARewrittenHashBreaksTheLinkToTheNext: whoever changes a record and
// computes its hash again still leaves the next record pointing at the old hash.
func TestVerify_ARewrittenHashBreaksTheLinkToTheNext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 5)
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 1, 2) // seq 3
		if err != nil {
			t.Fatal(err)
		}
		r := rows[0]
		r.Reason = "nothing to see"
		if r.Sum() == r.Hash {
			t.Fatal("the hash does not cover the reason")
		}
		asOwner(t, d, fmt.Sprintf(`UPDATE audit_log SET reason = '%s', hash = '%s' WHERE seq = 3`, r.Reason, r.Sum()))
		rep := verify(t, d)
		if want := (audit.Break{Seq: 4, Problem: audit.Relinked}); rep.Broken == nil || *rep.Broken != want {
			t.Errorf("broken at %+v, want %+v", rep.Broken, want)
		}
	})
}

func TestSQLite_TheApplicationCannotChangeOrDeleteAuditRows(t *testing.T) {
	d := dbtest.SQLite(t)
	appendN(t, d, 3)
	exec := func(stmt string) error {
		_, err := d.Write().Exec(stmt)
		return err
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET reason = 'x' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 2`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_anchor`,
	} {
		if err := exec(stmt); err == nil {
			t.Errorf("%s: no error", stmt)
		}
	}
	// A purge moves the anchor, and then only the records it covers may go.
	if err := exec(`UPDATE audit_anchor SET seq = 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if err := exec(`DELETE FROM audit_log WHERE seq = 1`); err != nil {
		t.Errorf("deleting a record behind the anchor: %v", err)
	}
	if err := exec(`DELETE FROM audit_log WHERE seq = 2`); err == nil {
		t.Error("deleted a record after the anchor")
	}
	if err := exec(`UPDATE audit_anchor SET seq = 0 WHERE id = 1`); err == nil {
		t.Error("the anchor moved back")
	}
}

func TestRecord_ConcurrentAppendsKeepOneChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					errs <- d.InTx(context.Background(), func(tx *sql.Tx) error {
						return audit.Record(context.Background(), tx, audit.Of(city, now(), audit.ActOrgUpdate, fmt.Sprintf("org:w%d-%d", w, i)))
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if rep := verify(t, d); rep.Broken != nil || rep.Count != writers*each {
			t.Errorf("Verify = %+v, broken at %+v; want %d records intact", rep, rep.Broken, writers*each)
		}
	})
}

func TestRecord_RollsBackWithItsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 1)
		err := d.InTx(context.Background(), func(tx *sql.Tx) error {
			if err := audit.Record(context.Background(), tx, audit.Of(city, now(), audit.ActOrgCreate, "org:x")); err != nil {
				return err
			}
			return sql.ErrTxDone // the action fails after its entry was written
		})
		if err == nil {
			t.Fatal("no error")
		}
		appendN(t, d, 1)
		if rep := verify(t, d); rep.Broken != nil || rep.Count != 2 {
			t.Errorf("Verify = %+v, broken at %+v; want 2 records intact", rep, rep.Broken)
		}
	})
}

func TestRecord_NeverStoresAFullIDNumberOrPhone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		id := "45040319650312001" + string(pii.CheckDigit("45040319650312001"))
		e := audit.Of(city, now(), audit.ActImport, "import:residents")
		e.Reason = "file=李建国-" + id + "-13812345678.xlsx rows=12"
		if err := audit.RecordAlone(context.Background(), d, audit.LoginFailed("13912345678", "bad_credentials")); err != nil {
			t.Fatal(err)
		}
		if err := audit.RecordAlone(context.Background(), d, e); err != nil {
			t.Fatal(err)
		}
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rows[0].Reason, "file=李建国-"+pii.MaskIDNumber(id)+"-138****5678.xlsx rows=12"; got != want {
			t.Errorf("reason = %q, want %q", got, want)
		}
		if got := rows[1].UserName + " " + rows[1].Object; got != "139****5678 user:139****5678" {
			t.Errorf("failed sign-in as a phone stored as %q", got)
		}
		// Numbers that are neither are left alone: a grid code, a seq, a wrong check digit.
		e.Reason = orgtest.Grid + " 45040319650312001" + string(pii.CheckDigit("45040319650312001")+1)
		if err := audit.RecordAlone(context.Background(), d, e); err != nil {
			t.Fatal(err)
		}
		if rows, _ := audit.List(context.Background(), d.Read(), audit.Filter{}, 1, 0); rows[0].Reason != e.Reason {
			t.Errorf("reason = %q, want %q", rows[0].Reason, e.Reason)
		}
		if rep := verify(t, d); rep.Broken != nil {
			t.Errorf("Verify = %+v", rep)
		}
	})
}

func TestRecord_TakesTheSourceAndUserFromTheContext(t *testing.T) {
	d := dbtest.SQLite(t)
	var got string
	h := audit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = audit.SourceFrom(r.Context())
		ctx := auth.WithPrincipal(r.Context(), community)
		if err := audit.RecordAlone(ctx, d, audit.Entry{Action: audit.ActView, Object: "audit", Outcome: audit.Denied}); err != nil {
			t.Fatal(err)
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/audit", nil)
	req.RemoteAddr = "10.1.2.3:51234"
	req.Header.Set("X-Forwarded-For", "1.1.1.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != "10.1.2.3" {
		t.Errorf("source = %q, want the peer's address without its port", got)
	}
	rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.SourceIP != "10.1.2.3" || r.UserID != community.UserID || r.UserName != community.Name || r.Role != auth.RoleCommunity || r.At.IsZero() {
		t.Errorf("stored %+v", r.Entry)
	}
}

func TestRecord_BehindATrustedProxyTakesTheClientItNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		proxies, err := web.ParseProxies("10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		h := proxies.Wrap(audit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := audit.RecordAlone(r.Context(), d, audit.Of(community, now(), audit.ActView, "audit")); err != nil {
				t.Fatal(err)
			}
		})))
		for _, peer := range []string{"10.0.0.1:51234", "10.0.0.2:51234"} {
			req := httptest.NewRequest(http.MethodGet, "/audit", nil)
			req.RemoteAddr = peer
			req.Header.Set("X-Forwarded-For", "1.1.1.1, 198.51.100.9")
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Newest first: the untrusted peer's claim was ignored, the proxy's believed.
		if len(rows) != 2 || rows[0].SourceIP != "10.0.0.2" || rows[1].SourceIP != "198.51.100.9" {
			t.Errorf("sources of %d rows: %+v, want 10.0.0.2 (not a proxy) and 198.51.100.9 (named by one)", len(rows), rows)
		}
	})
}

func TestRecord_RefusesAnEntryWithoutActionOrKnownOutcome(t *testing.T) {
	d := dbtest.SQLite(t)
	for _, e := range []audit.Entry{{Outcome: audit.OK}, {Action: audit.ActView, Outcome: "maybe"}, {Action: audit.ActView}} {
		if err := audit.RecordAlone(context.Background(), d, e); err == nil {
			t.Errorf("%+v: no error", e)
		}
	}
}
