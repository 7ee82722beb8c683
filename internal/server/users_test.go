package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// admin signs in an administrator of role, who must have a second factor: the
// authenticator is enrolled here and its next code given at the sign-in.
func (w *signInWorld) admin(t *testing.T, name string, role auth.Role) *browser {
	t.Helper()
	ctx := context.Background()
	pw, p := w.user(t, name, role, orgtest.City, true)
	e, err := w.auth.BeginTOTP(ctx, p.UserID, false)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(e.Secret, w.now())
	if _, err := w.auth.ConfirmTOTP(ctx, p.UserID, code); err != nil {
		t.Fatal(err)
	}
	w.wait(30 * time.Second)
	code, _ = auth.TOTPCode(e.Secret, w.now())
	b := w.browser(t)
	b.expect(name+" signs in", b.login(name, pw), http.StatusSeeOther, "/login/totp?next=%2F")
	b.expect(name+" gives the code", b.post("/login/totp", url.Values{"totp_code": {code}, "next": {"/"}}), http.StatusSeeOther, "/account")
	return b
}

// userID reads the id of the account name.
func userID(t *testing.T, d *db.DB, name string) string {
	t.Helper()
	var id string
	if err := d.Read().QueryRowContext(context.Background(), `SELECT id FROM users WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return id
}

// audited counts the audit records of action on the account name with outcome.
func audited(t *testing.T, d *db.DB, action, outcome string) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND outcome = $2`,
		action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var oneTimePassword = regexp.MustCompile(`id="one-time-password">([^<]+)<`)

func TestUsersPage_TheSystemAdministratorAddsDisablesEnablesResetsAndReassigns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		admin := w.admin(t, "xitong", auth.RoleSysAdmin)
		admin.expect("the account page lists the users page", admin.get("/account"), http.StatusOK, "", `href="/users"`)
		admin.expect("the form", admin.get("/users/new"), http.StatusOK, "", "新增用户", "只显示一次")
		admin.expect("a grid user at a community", admin.post("/users", url.Values{"name": {"wangfang"}, "role": {"grid"}, "unit": {orgtest.Community}}),
			http.StatusBadRequest, "", "该角色须配属到网格一级的单位", `value="wangfang"`, `aria-invalid="true"`)
		added := admin.post("/users", url.Values{"name": {"wangfang"}, "role": {"grid"}, "unit": {orgtest.Grid}})
		admin.expect("added", added, http.StatusCreated, "", "已新增用户 wangfang", "只显示这一次", "首次登录时必须修改")
		m := oneTimePassword.FindStringSubmatch(added.body)
		if m == nil {
			t.Fatalf("no one-time password on %s", added.body)
		}
		admin.expect("the same name again", admin.post("/users", url.Values{"name": {"wangfang"}, "role": {"grid"}, "unit": {orgtest.Grid}}),
			http.StatusConflict, "", "该用户名已被使用")

		worker := w.browser(t)
		worker.expect("the new user signs in", worker.login("wangfang", m[1]), http.StatusSeeOther, "/account/password")
		id := userID(t, d, "wangfang")
		admin.expect("the user's page", admin.get("/users/"+id), http.StatusOK, "", "wangfang", "网格员", "待修改初始密码", "停用账户", "重置密码")
		admin.expect("asked to confirm", admin.get("/users/"+id+"/disable"), http.StatusOK, "", "立即无法登录", "确认停用")
		admin.expect("disabled", admin.post("/users/"+id+"/disable", nil), http.StatusSeeOther, "/users/"+id+"?done=disable")
		worker.expect("the disabled user's session ends at once", worker.get("/account/password"), http.StatusSeeOther, "/login?next=%2Faccount%2Fpassword")
		worker.expect("and cannot sign in", worker.login("wangfang", m[1]), http.StatusUnauthorized, "")
		admin.expect("the page says so", admin.get("/users/"+id+"?done=disable"), http.StatusOK, "", "已停用该账户", "启用账户")
		admin.expect("enabled", admin.post("/users/"+id+"/enable", nil), http.StatusSeeOther, "/users/"+id+"?done=enable")

		reset := admin.post("/users/"+id+"/reset-password", nil)
		admin.expect("reset", reset, http.StatusOK, "", "已重置 wangfang 的密码", "只显示这一次")
		fresh := oneTimePassword.FindStringSubmatch(reset.body)
		if fresh == nil || fresh[1] == m[1] {
			t.Fatalf("no new one-time password on %s", reset.body)
		}
		worker.expect("the old password no longer works", worker.login("wangfang", m[1]), http.StatusUnauthorized, "")
		worker.expect("the new one does", worker.login("wangfang", fresh[1]), http.StatusSeeOther, "/account/password")

		admin.expect("a role at the wrong level", admin.post("/users/"+id+"/reassign", url.Values{"role": {"community"}, "unit": {orgtest.Grid}}),
			http.StatusBadRequest, "", "该角色须配属到社区一级的单位", `value="450403001001001"`)
		admin.expect("reassigned", admin.post("/users/"+id+"/reassign", url.Values{"role": {"community"}, "unit": {orgtest.Community}}),
			http.StatusSeeOther, "/users/"+id+"?done=reassign")
		if p, err := w.auth.Principal(context.Background(), "wangfang"); err != nil || p.Role != auth.RoleCommunity || p.OrgCode != orgtest.Community {
			t.Errorf("after the change: %+v, %v", p, err)
		}
		for _, action := range []string{"user.add", "user.disable", "user.enable", "user.reset_password", "user.reassign"} {
			if n := audited(t, d, action, "ok"); n != 1 {
				t.Errorf("%d records of %s, want 1", n, action)
			}
		}
		admin.expect("the security administrator's duty is not offered", admin.get("/users/"+id), http.StatusOK, "")
		if strings.Contains(admin.get("/users/"+id).body, "/reset-totp") {
			t.Error("the system administrator is offered to reset a second factor")
		}
		admin.expect("nor taken", admin.post("/users/"+id+"/reset-totp", nil), http.StatusForbidden, "")
	})
}

func TestUsersPage_TheSecurityAdministratorResetsTheSecondFactorAndLiftsALockAndNothingElse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		ctx := context.Background()
		sec := w.admin(t, "anquan", auth.RoleSecAdmin)
		_, p := w.user(t, "zhou", auth.RoleCity, orgtest.City, true)
		e, err := w.auth.BeginTOTP(ctx, p.UserID, false)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(e.Secret, w.now())
		if _, err := w.auth.ConfirmTOTP(ctx, p.UserID, code); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			w.browser(t).login("zhou", "wrong-password-1")
		}
		sec.expect("the users page", sec.get("/users"), http.StatusOK, "", "安全管理员：", "zhou", "已锁定")
		if strings.Contains(sec.get("/users").body, `href="/users/new"`) {
			t.Error("the security administrator is offered to add users")
		}
		page := sec.get("/users/" + p.UserID)
		sec.expect("zhou's page", page, http.StatusOK, "", "重置双因素认证", "解除锁定")
		for _, not := range []string{"/disable", "/reset-password", "/reassign"} {
			if strings.Contains(page.body, p.UserID+not) {
				t.Errorf("the security administrator is offered %s", not)
			}
		}
		sec.expect("unlocked", sec.post("/users/"+p.UserID+"/unlock", nil), http.StatusSeeOther, "/users/"+p.UserID+"?done=unlock")
		sec.expect("second factor reset", sec.post("/users/"+p.UserID+"/reset-totp", nil), http.StatusSeeOther, "/users/"+p.UserID+"?done=reset-totp")
		if a, err := w.auth.Account(ctx, p.UserID); err != nil || a.SecondFactor {
			t.Errorf("after the reset: second factor %v, %v", a.SecondFactor, err)
		}
		sec.expect("a password is not theirs to reset", sec.post("/users/"+p.UserID+"/reset-password", nil), http.StatusForbidden, "")
		sec.expect("nor an account to disable", sec.get("/users/"+p.UserID+"/disable"), http.StatusForbidden, "")
		sec.expect("nor one to add", sec.post("/users", url.Values{"name": {"x"}, "role": {"grid"}, "unit": {orgtest.Grid}}), http.StatusForbidden, "")
		if n := audited(t, d, "user.add", "denied"); n != 1 {
			t.Errorf("%d denied user.add records, want 1", n)
		}
		for _, action := range []string{"user.unlock", "user.reset_totp"} {
			if n := audited(t, d, action, "ok"); n != 1 {
				t.Errorf("%d records of %s, want 1", n, action)
			}
		}
	})
}

func TestUsersPage_AdministratorsAccountsAreKeptAtTheCommandLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		sys := w.admin(t, "xitong", auth.RoleSysAdmin)
		w.user(t, "shenji", auth.RoleAuditAdmin, orgtest.City, true)
		audit := userID(t, d, "shenji")
		sys.expect("an administrator's page", sys.get("/users/"+audit), http.StatusOK, "", "只能由掌握数据库的运维人员在命令行中管理")
		sys.expect("their password", sys.post("/users/"+audit+"/reset-password", nil), http.StatusForbidden, "", "三员分立")
		sys.expect("their role", sys.post("/users/"+audit+"/reassign", url.Values{"role": {"readonly"}, "unit": {orgtest.City}}), http.StatusForbidden, "")
		sys.expect("one's own account", sys.post("/users/"+userID(t, d, "xitong")+"/disable", nil), http.StatusForbidden, "")
		sys.expect("a new administrator", sys.post("/users", url.Values{"name": {"second"}, "role": {"auditadmin"}, "unit": {orgtest.City}}),
			http.StatusForbidden, "")
		if n := audited(t, d, "user.reset_password", "denied"); n != 1 {
			t.Errorf("%d denied password resets recorded, want 1", n)
		}
		if !strings.Contains(sys.get("/users/new").body, `value="readonly"`) || strings.Contains(sys.get("/users/new").body, `value="auditadmin"`) {
			t.Error("the form offers the wrong roles")
		}
		if p, err := w.auth.Principal(context.Background(), "shenji"); err != nil || p.Role != auth.RoleAuditAdmin {
			t.Errorf("the audit administrator was changed: %+v, %v", p, err)
		}
	})
}

func TestUsersPage_ListsPagedSearchedFilteredAndSorted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		sys := w.admin(t, "xitong", auth.RoleSysAdmin)
		for i := range 60 {
			unit, role := orgtest.Grid, auth.RoleGrid
			if i%3 == 0 {
				unit, role = orgtest.GridB, auth.RoleGrid
			}
			if i%10 == 0 {
				unit, role = orgtest.Street, auth.RoleStreet
			}
			// Straight into the table: hashing 60 passwords would be most of the test.
			if _, err := d.Write().ExecContext(context.Background(), `INSERT INTO users (id, name, role, org_code, password_hash, created_at)
				VALUES ($1, $2, $3, $4, 'x', 0)`, db.NewID(), fmt.Sprintf("u%02d", i), string(role), unit); err != nil {
				t.Fatal(err)
			}
		}
		first := sys.get("/users")
		sys.expect("page 1", first, http.StatusOK, "", "共 61 个账户", "第 1 页，共 2 页", `max="2"`, ">u00<", `aria-sort="ascending"`)
		if n := strings.Count(first.body, `<tr>`) - 1; n != 50 {
			t.Errorf("page 1 has %d rows, want 50", n)
		}
		sys.expect("page 2", sys.get("/users?page=2"), http.StatusOK, "", "第 2 页，共 2 页", ">xitong<")
		sys.expect("past the end", sys.get("/users?page=7&role=grid"), http.StatusSeeOther, "/users?page=2&role=grid")
		sys.expect("a search", sys.get("/users?q=U5"), http.StatusOK, "", "共 10 个账户", ">u59<")
		sys.expect("a role", sys.get("/users?role=street"), http.StatusOK, "", "共 6 个账户", ">u50<")
		sys.expect("a unit's subtree", sys.get("/users?unit="+orgtest.GridB), http.StatusOK, "", "共 18 个账户")
		desc := sys.get("/users?sort=name&dir=desc&role=grid")
		sys.expect("by name, the other way", desc, http.StatusOK, "", `aria-sort="descending"`, `href="/users?dir=asc&amp;role=grid&amp;sort=name"`)
		if i, j := strings.Index(desc.body, ">u59<"), strings.Index(desc.body, ">u11<"); i < 0 || j < 0 || i > j {
			t.Error("sorted descending, u59 does not come before u11")
		}
		sys.expect("an order not on the list", sys.get("/users?sort=password_hash"), http.StatusOK, "", "共 61 个账户")
		sys.expect("a wildcard is a character", sys.get("/users?q=%25"), http.StatusOK, "", "共 0 个账户")
	})
}

func TestServer_ShowsTimesAndTodayInTheCitysZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		w.at = time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC) // 04:00 on 28 November in Shanghai
		pw, _ := w.user(t, "liming", auth.RoleCommunity, orgtest.Community, true)
		b := w.browser(t)
		b.expect("signed in", b.login("liming", pw), http.StatusSeeOther, "/")
		b.expect("the account page", b.get("/account"), http.StatusOK, "", "2026-11-28 04:00")
		b.expect("home is as of the city's today", b.get("/"), http.StatusOK, "", `value="2026-11-28"`)
		if a := b.get("/api/v1/stats"); !strings.Contains(a.body, `"as_of":"2026-11-28"`) {
			t.Errorf("the API's statistics are not as of the city's today: %.300s", a.body)
		}
	})
}
