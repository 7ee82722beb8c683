package audit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := i18n.Load(audit.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, audit.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	var keys []string
	for _, a := range audit.Actions {
		keys = append(keys, "audit.action."+a)
	}
	for _, o := range []string{audit.OK, audit.Denied, audit.Failed} {
		keys = append(keys, "audit.outcome."+o)
	}
	for _, p := range []audit.Problem{audit.Modified, audit.Missing, audit.Relinked, audit.Truncated} {
		keys = append(keys, "audit.verify."+string(p))
	}
	for _, c := range []string{"seq", "time", "user_id", "user_name", "role", "source_ip", "action", "object", "outcome", "reason", "prev_hash", "hash"} {
		keys = append(keys, "audit.column."+c)
	}
	for _, r := range auth.Roles {
		keys = append(keys, "role."+string(r))
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}

// pages serves the audit pages over d and returns a function that gets a page as
// a principal.
func pages(t *testing.T, d *db.DB) func(p auth.Principal, target string) *httptest.ResponseRecorder {
	t.Helper()
	b, err := i18n.Load(audit.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, audit.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	audit.RegisterPages(mux, audit.NewService(d, b, now), rend)
	h := audit.Middleware(web.Language(mux))
	return func(p auth.Principal, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = "192.0.2.7:40000"
		req = req.WithContext(auth.WithPrincipal(req.Context(), p))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
}

// seed records: 王市 updating residents on three days, a refused attempt by 李社区
// and a failed sign-in.
func seed(t *testing.T, d *db.DB) {
	t.Helper()
	day := func(n int) time.Time { return time.Date(2026, 11, n, 3, 0, 0, 0, time.UTC) } // 11:00 in Beijing
	entries := []audit.Entry{
		audit.Of(city, day(20), audit.ActResidentEdit, "resident:r-first"),
		audit.Of(city, day(21), audit.ActResidentEdit, "resident:r-second"),
		audit.Of(city, day(22), audit.ActHouseholdNew, "household:H001"),
	}
	denied := audit.Of(community, day(22), audit.ActOrgCreate, "org:450403001001009")
	denied.Outcome, denied.Reason = audit.Denied, "auth.forbidden"
	failed := audit.LoginFailed("nobody", "bad_credentials")
	failed.At = day(23)
	for _, e := range append(entries, denied, failed) {
		if err := audit.RecordAlone(context.Background(), d, e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditPage_OnlyTheAuditAdministratorMayReadOrExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		get := pages(t, d)
		for _, tc := range []struct {
			p      auth.Principal
			target string
			status int
		}{
			{auditAdmin, "/audit", http.StatusOK},
			{auditAdmin, "/audit/export?format=csv", http.StatusOK},
			{community, "/audit", http.StatusForbidden},
			{community, "/audit/export?format=csv", http.StatusForbidden},
			{auditor, "/audit", http.StatusForbidden},
			{city, "/audit?from=bad", http.StatusForbidden},
			{auth.Principal{}, "/audit", http.StatusForbidden},
		} {
			if rec := get(tc.p, tc.target); rec.Code != tc.status {
				t.Errorf("%s %s: status %d, want %d", tc.p.Role, tc.target, rec.Code, tc.status)
			}
		}
		var denied []string
		err := audit.Each(context.Background(), d.Read(), audit.Filter{Outcome: audit.Denied}, func(r audit.Row) error {
			denied = append(denied, r.UserID+" "+r.Action+" "+r.SourceIP)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := "u-comm audit.view 192.0.2.7,u-comm audit.export 192.0.2.7,u-aud audit.view 192.0.2.7,u-city audit.view 192.0.2.7, audit.view 192.0.2.7"
		if strings.Join(denied, ",") != want {
			t.Errorf("refusals recorded: %q, want %q", strings.Join(denied, ","), want)
		}
	})
}

func TestAuditPage_ListsTheTrailNewestFirstByFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		get := pages(t, d)
		for _, tc := range []struct {
			name, target string
			status       int
			want, not    []string
		}{
			{"everything", "/audit", 200,
				[]string{"安全审计", "nobody", "登录失败", "拒绝", "org:450403001001009", "新增户", "2026-11-22 11:00:00", "resident:r-first", "市级"}, nil},
			{"a user", "/audit?user=%E7%8E%8B%E5%B8%82", 200, []string{"resident:r-first", "resident:r-second", "household:H001"}, []string{"nobody", "org:450403001001009"}},
			{"a user by id", "/audit?user=u-comm", 200, []string{"org:450403001001009"}, []string{"resident:r-first"}},
			{"an action", "/audit?action=resident.update", 200, []string{"resident:r-first", "resident:r-second"}, []string{"household:H001", "nobody"}},
			{"an outcome", "/audit?outcome=denied", 200, []string{"org:450403001001009"}, []string{"resident:r-first", "nobody"}},
			{"a date range", "/audit?from=2026-11-21&to=2026-11-22", 200, []string{"resident:r-second", "household:H001", "org:450403001001009"},
				[]string{"resident:r-first", "nobody"}},
			{"nothing found", "/audit?user=nobody-at-all", 200, []string{"没有符合条件的审计记录"}, []string{"resident:r-first"}},
			{"a bad date", "/audit?from=2026-13-01", 400, []string{"日期无效", `aria-invalid="true"`, `value="2026-13-01"`}, []string{"resident:r-first"}},
			{"a bad outcome", "/audit?outcome=maybe", 400, []string{"结果应为成功、拒绝或失败"}, nil},
			{"in English", "/audit?lang=en", 200, []string{"Audit trail", "Failed sign-in", "Denied", "City"}, []string{"登录失败"}},
			{"export links keep the filter", "/audit?action=resident.update", 200,
				[]string{`href="/audit/export?action=resident.update&amp;format=xlsx"`, `href="/audit/export?action=resident.update&amp;format=csv"`}, nil},
		} {
			rec := get(auditAdmin, tc.target)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.status)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("%s: page lacks %q", tc.name, s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(body, s) {
					t.Errorf("%s: page shows %q", tc.name, s)
				}
			}
		}
		body := get(auditAdmin, "/audit?action=resident.update").Body.String()
		if strings.Index(body, "resident:r-second") > strings.Index(body, "resident:r-first") {
			t.Error("the older record comes first")
		}
	})
}

func TestAuditPage_ReadingTheTrailIsRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		get := pages(t, d)
		get(auditAdmin, "/audit?from=2026-11-01&to=2026-11-30&action=resident.update")
		get(auditAdmin, "/audit/export?format=csv&user=u-city")
		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{User: auditAdmin.UserID}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Action, r.Object, r.Outcome, r.SourceIP, r.Reason))
		}
		want := []string{
			"audit.export audit ok 192.0.2.7 format=csv user=u-city",
			"audit.view audit ok 192.0.2.7 from=2026-11-01 to=2026-11-30 action=resident.update",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("records of the reading:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestAuditPage_PagesThroughALongTrail(t *testing.T) {
	d := dbtest.SQLite(t)
	appendN(t, d, 60)
	get := pages(t, d)
	// Reading the first page is record 61, shown first.
	first := get(auditAdmin, "/audit").Body.String()
	if !strings.Contains(first, "resident:r60") || !strings.Contains(first, "resident:r12<") || strings.Contains(first, "resident:r11<") ||
		!strings.Contains(first, `href="/audit?page=2&amp;through=61"`) {
		t.Error("page 1 should hold the newest 50 and link to page 2 of the same records")
	}
	second := get(auditAdmin, "/audit?page=2&through=61").Body.String()
	if !strings.Contains(second, "resident:r11<") || !strings.Contains(second, "resident:r1<") || strings.Contains(second, "resident:r12<") {
		t.Error("page 2 should hold the oldest 11, whatever was recorded since page 1")
	}
	if strings.Contains(second, "page=3") {
		t.Error("page 2 links to a page 3")
	}
}

func TestAuditExport_WritesTheFilteredTrailOldestFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		get := pages(t, d)
		rec := get(auditAdmin, "/audit/export?format=csv&user=u-city")
		if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "audit-20261127.csv") {
			t.Errorf("Content-Disposition = %q", cd)
		}
		lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(rec.Body.String(), "\ufeff")), "\r\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines, want a header and 3 records:\n%s", len(lines), rec.Body.String())
		}
		if lines[0] != "序号,时间,用户标识,用户,角色,来源地址,操作,对象,结果,原因,前一条哈希,哈希" {
			t.Errorf("header = %q", lines[0])
		}
		if !strings.HasPrefix(lines[1], "1,2026-11-20 11:00:00.000,u-city,王市,city,,resident.update,resident:r-first,ok,,") {
			t.Errorf("first record = %q", lines[1])
		}
		if !strings.HasPrefix(lines[3], "3,") {
			t.Errorf("last record = %q", lines[3])
		}
		x := get(auditAdmin, "/audit/export?format=xlsx")
		if x.Code != 200 || !strings.HasPrefix(x.Body.String(), "PK") {
			t.Errorf("xlsx export: status %d, starts %q", x.Code, x.Body.String()[:min(4, x.Body.Len())])
		}
		if bad := get(auditAdmin, "/audit/export?format=pdf"); bad.Code != http.StatusBadRequest {
			t.Errorf("a pdf export: status %d", bad.Code)
		}
	})
}
