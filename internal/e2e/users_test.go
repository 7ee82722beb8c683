package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/cli"
	"shequ/internal/keys"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db/dbtest"
)

// The small city the users test serves: one unit of each level.
const (
	usersCity      = "450400"
	usersCommunity = "450403001001"
	usersGrid      = "450403001001001"
)

// TestBrowser_TheSystemAdministratorKeepsAccountsOnAPhone signs in as the system
// administrator (password and a code from an authenticator) on a 390×844 phone,
// opens the users page from the collapsed menu, adds a grid worker and reads their
// one-time password, disables them (they can no longer sign in), enables them, and
// resets their password (the new one signs in, the old does not); every page fits
// the phone's width and its header a fifth of its height. On SQLite, and on
// PostgreSQL when SHEQU_TEST_POSTGRES is set.
//
// With SHEQU_SCREENSHOTS=DIR it leaves users-phone.png, user-new-phone.png,
// user-password-phone.png, user-phone.png, user-confirm-phone.png and
// menu-phone.png in DIR.
func TestBrowser_TheSystemAdministratorKeepsAccountsOnAPhone(t *testing.T) {
	chromium := findChromium(t)
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), "users.db")}
	if base := dbtest.PostgresURL(); base != "" {
		dsn, drop := dbtest.NewSchema(t, base)
		t.Cleanup(drop)
		dsns["postgres"] = dsn
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			if deadline, ok := t.Deadline(); ok {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, deadline.Add(-15*time.Second))
				defer cancel()
			}
			a := startSmallCity(t, ctx, dsn)
			admin := a.addUser(t, "xitong", auth.RoleSysAdmin, usersCity, true)
			phone := newTab(t, newBrowser(t, ctx, chromium), a, 390, 844)
			phone.keepAccounts(admin)
		})
	}
}

// startSmallCity adds a city with one unit of each level to the database at dsn,
// with a key file of its own, and serves it.
func startSmallCity(t *testing.T, ctx context.Context, dsn string) *app {
	t.Helper()
	keyFile := filepath.Join(t.TempDir(), "users.key")
	if err := crypt.WriteKeyFile(keyFile, crypt.NewMasterKey()); err != nil {
		t.Fatal(err)
	}
	units := [][]string{{usersCity, "梧州市", ""}, {"450403", "万秀区", usersCity}, {"450403001", "城东街道", "450403"},
		{usersCommunity, "东兴社区", "450403001"}, {usersGrid, "东兴第一网格", usersCommunity}}
	for _, u := range units {
		args := []string{"org", "add", "--db", dsn, "--key-file", keyFile, "--code", u[0], "--name", u[1]}
		if u[2] != "" {
			args = append(args, "--parent", u[2])
		}
		var out, errOut lockedBuffer
		if code := cli.Run(ctx, args, &out, &errOut); code != 0 {
			t.Fatalf("org add %s: %s", u[0], errOut.tail(1000))
		}
	}
	a := &app{dbPath: dsn, logins: map[string]login{}}
	a.serve(t, ctx, "--db", dsn, "--key-file", keyFile)
	a.openDB(t, ctx, keys.Source{File: keyFile})
	return a
}

// keepAccounts is the system administrator's walk through the users pages.
func (tb *tab) keepAccounts(admin login) {
	t := tb.t
	tb.passwordAndCode(admin, "/account")
	tb.headerFits()

	tb.do(chromedp.Click(chromedp.CSS(".menu-toggle"), chromedp.NodeVisible))
	tb.shotScreen("menu-phone.png")
	tb.click(`.main-nav a[href="/users"]`)
	tb.mustSee("用户管理", "系统管理员：", "共 1 个账户", "xitong")
	tb.fits("users-phone.png")

	tb.click(`a[href="/users/new"]`)
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#user-new-name"), "wangfang"),
		chromedp.SetValue(chromedp.CSS("#user-role-select"), "grid"),
		chromedp.SendKeys(chromedp.CSS("#user-unit"), usersGrid),
	)
	tb.fits("user-new-phone.png")
	tb.load("add", 201, chromedp.Click(chromedp.CSS("#user-new-submit"), chromedp.NodeVisible))
	tb.mustSee("已新增用户 wangfang", "只显示这一次", "首次登录时必须修改")
	first := tb.text("#one-time-password")
	tb.fits("user-password-phone.png")
	worker := login{app: admin.app, name: "wangfang", pwd: first}
	tb.app.mustSignIn(t, worker, true)

	tb.click(`.actions a.btn-primary`)
	id := strings.TrimPrefix(tb.path(), "/users/")
	tb.mustSee("待修改初始密码", "停用账户", "重置密码")
	tb.fits("user-phone.png")

	tb.click(`a[href="/users/` + id + `/disable"]`)
	tb.mustSee("立即无法登录", "确认停用")
	tb.fits("user-confirm-phone.png")
	tb.click("#confirm-submit")
	tb.mustSee("已停用该账户", "已停用")
	if got := tb.app.query(t, `SELECT disabled FROM users WHERE id = $1`, id); got != "1" {
		t.Errorf("after disabling, disabled = %s", got)
	}
	tb.app.mustSignIn(t, worker, false)

	tb.click(`a[href="/users/` + id + `/enable"]`)
	tb.click("#confirm-submit")
	tb.mustSee("已启用该账户")
	tb.app.mustSignIn(t, worker, true)

	tb.click(`a[href="/users/` + id + `/reset-password"]`)
	tb.mustSee("原密码立即失效")
	tb.click("#confirm-submit")
	tb.mustSee("已重置 wangfang 的密码", "只显示这一次")
	second := tb.text("#one-time-password")
	if second == "" || second == first {
		t.Fatalf("the reset showed %q after %q", second, first)
	}
	tb.app.mustSignIn(t, worker, false)
	tb.app.mustSignIn(t, login{app: admin.app, name: "wangfang", pwd: second}, true)
	tb.open("/users?q=wang", 200)
	tb.mustSee("共 1 个账户", "网格员", "东兴第一网格")
	tb.fits("")
	for _, action := range []string{"user.add", "user.disable", "user.enable", "user.reset_password"} {
		if n := tb.app.query(t, `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND user_name = 'xitong'`, action); n != "1" {
			t.Errorf("%s records of %s by the administrator, want 1", n, action)
		}
	}
}

// mustSignIn tries l's password at the sign-in form, as a program would, and
// checks that it is taken (to the form that changes it) or refused.
func (a *app) mustSignIn(t *testing.T, l login, taken bool) {
	t.Helper()
	_, err := a.auth.Login(context.Background(), l.name, l.pwd)
	if (err == nil) != taken {
		t.Errorf("%s signing in with %q: %v, want taken %v", l.name, l.pwd, err, taken)
	}
}

// fits checks that the page has no sideways scroll and that its header takes at
// most a fifth of the screen's height, and saves a screenshot as name ("" for
// none).
func (tb *tab) fits(name string) {
	tb.t.Helper()
	tb.noSidewaysScroll()
	tb.headerFits()
	if name != "" {
		tb.shot(name)
	}
}

// headerFits checks that the header, with the demo banner above it, takes at most
// a fifth of the screen's height while the menu is closed.
func (tb *tab) headerFits() {
	tb.t.Helper()
	height := run(tb, chromedp.Evaluate[float64](`(document.querySelector(".demo-banner")?.offsetHeight || 0) +
		document.querySelector(".site-header").offsetHeight`))
	screen := run(tb, chromedp.Evaluate[float64](`window.innerHeight`))
	if height > screen/5 {
		tb.t.Errorf("%s: the header is %.0f px high on a %.0f px screen, more than a fifth", tb.path(), height, screen)
	}
}
