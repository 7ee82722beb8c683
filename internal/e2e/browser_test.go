package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"shequ/internal/cli"
	"shequ/internal/demo"
	"shequ/internal/keys"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
)

// maskedID is how every page shows a citizen ID number: the area code and the last
// four characters.
var maskedID = regexp.MustCompile(`^\d{6}\*{8}\d{3}[\dX]$`)

// TestBrowser_WalkTheDemoCity starts `shequ serve --demo` as a user would and walks
// it in headless Chromium: a community secretary from the home page down to one
// resident, on a desk and on a phone, in both languages; a grid worker who must
// not open another grid's household; and the secretary importing two residents
// from a CSV file; a city official signing in with a password and a code from an
// authenticator app; a new user changing the password an administrator gave them;
// and the secretary erasing one of the residents imported.
//
// It needs Chromium; without it the test is skipped, unless SHEQU_BROWSER=required.
// With SHEQU_SCREENSHOTS=DIR it leaves home.png, grid.png, resident.png,
// home-phone.png, import.png, import-phone.png, login-totp.png, password.png,
// account.png, totp.png, erase.png and erased.png in DIR.
func TestBrowser_WalkTheDemoCity(t *testing.T) {
	app, browser := openDemo(t)

	community := app.login(t, "demo-community")
	grid := app.login(t, "demo-grid")

	desk := newTab(t, browser, app, 0, 0)
	walk := desk.walkAsCommunity(community)

	phone := newTab(t, browser, app, 390, 844)
	phone.login(community)
	phone.noSidewaysScroll()
	phone.shotScreen("home-phone.png")
	for _, path := range []string{walk.gridPath, walk.householdPath, walk.residentPath, "/staff", "/search?q=" + url.QueryEscape(walk.residentName)} {
		phone.open(path, 200)
		phone.noSidewaysScroll()
	}

	worker := newTab(t, browser, app, 0, 0)
	worker.login(grid)
	worker.open("/org/"+grid.org, 200)
	if own := worker.attr(`td a[href^="/households/"]`, "href"); own != "" {
		worker.open(own, 200)
	}
	worker.open(walk.otherGridHousehold, 404)
	worker.mustSee("出错了", "找不到该户")
	if strings.HasSuffix(walk.gridPath, "/"+grid.org) {
		worker.open(walk.residentPath, 200)
	}

	importer := newTab(t, browser, app, 0, 0)
	importer.login(community)
	job := importer.importResidents(community)
	phone.open("/imports", 200)
	phone.noSidewaysScroll()
	phone.shot("import-phone.png")
	phone.open(job, 200)
	phone.noSidewaysScroll()

	official := newTab(t, browser, app, 0, 0)
	official.signInWithCode(app.addUser(t, "e2e-city", auth.RoleCity, demo.CityCode, true))

	newcomer := newTab(t, browser, app, 0, 0)
	newcomer.changeInitialPassword(app.addUser(t, "e2e-newcomer", auth.RoleCommunity, community.org, false))
	for _, path := range []string{"/account", "/account/totp"} {
		phone.open(path, 200)
		phone.noSidewaysScroll()
	}

	importer.eraseResident(community, "导入乙")
}

// eraseResident erases, as a community user, a resident nothing else in the walk
// looks at: from their page to the form, a ground, a reason and the last four
// characters of the ID number, then the household with its notice.
func (tb *tab) eraseResident(l login, name string) {
	t := tb.t
	id := l.app.query(t, `SELECT id FROM residents WHERE name = $1`, name)
	full := l.app.residentIDNumber(t, id)
	tb.open("/residents/"+id, 200)
	tb.click(`form[action$="/erase"] button[type="submit"]`)
	tb.mustSee("删除后无法恢复", "删除依据", "永久删除")
	if strings.Contains(tb.html(), full) {
		t.Error("the erasure form shows the full ID number")
	}
	tb.do(
		chromedp.SetValue(chromedp.CSS("#erase-ground"), "consent_withdrawn"),
		chromedp.SendKeys(chromedp.CSS("#erase-reason"), "本人书面申请撤回同意"),
		chromedp.SendKeys(chromedp.CSS("#erase-confirm"), full[14:]),
	)
	tb.shot("erase.png")
	tb.click(`form[action$="/erase"] button.btn-danger`)
	if !strings.HasPrefix(tb.path(), "/households/") {
		t.Errorf("after the erasure the browser is at %s, want the household", tb.path())
	}
	tb.mustSee("已删除一名居民的个人信息")
	tb.shot("erased.png")
	tb.open("/residents/"+id, 404)
}

// addUser adds a user as `shequ user add` does; keep lets them keep the generated
// password instead of having to change it at the first sign-in.
func (a *app) addUser(t *testing.T, name string, role auth.Role, org string, keep bool) login {
	t.Helper()
	ctx := context.Background()
	pwd, err := a.auth.AddUser(ctx, name, role, org)
	if err == nil && keep {
		err = a.auth.WaivePasswordChange(ctx, name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return login{app: a, name: name, role: string(role), org: org, pwd: pwd}
}

// signInWithCode signs a city official in with a password and a code, lands on
// the city's home and finds the second factor on the account page.
func (tb *tab) signInWithCode(l login) {
	t := tb.t
	tb.passwordAndCode(l, "/")
	if h1 := tb.text("h1"); !strings.Contains(h1, "梧州市") {
		t.Errorf("the city official's home h1 = %q, want 梧州市", h1)
	}
	tb.open("/account", 200)
	tb.mustSee("已启用", "剩余恢复码 10 个", "说明理由后查看单条记录的完整身份证号或电话")
}

// passwordAndCode enrols an authenticator for the user, then signs in with the
// password and a code computed from the secret, as the app on a phone would, and
// checks that it leads to landing.
func (tb *tab) passwordAndCode(l login, landing string) {
	t := tb.t
	ctx := context.Background()
	p, err := l.app.auth.Principal(ctx, l.name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.app.auth.BeginTOTP(ctx, p.UserID, false)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(e.Secret, time.Now())
	if _, err := l.app.auth.ConfirmTOTP(ctx, p.UserID, code); err != nil {
		t.Fatal(err)
	}

	tb.open("/login", 200)
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#login-name"), l.name),
		chromedp.SendKeys(chromedp.CSS("#login-password"), l.pwd),
	)
	tb.click(`.login-card button[type="submit"]`)
	if tb.path() != "/login/totp" {
		t.Fatalf("the password of a user with an authenticator led to %s, want /login/totp", tb.path())
	}
	tb.mustSee("双因素认证", "恢复码")
	tb.shot("login-totp.png")
	// The code that confirmed the enrolment is used up: the app's next one is good.
	next, _ := auth.TOTPCode(e.Secret, time.Now().Add(30*time.Second))
	tb.do(chromedp.SendKeys(chromedp.CSS("#totp-code"), next))
	tb.click(`.login-card button[type="submit"]`)
	if tb.path() != landing {
		t.Fatalf("the code led to %s, want %s", tb.path(), landing)
	}
}

// changeInitialPassword signs in with the password an administrator gave, is held
// at the change-password form until the password is changed, and then reaches the
// home page and the account page.
func (tb *tab) changeInitialPassword(l login) {
	t := tb.t
	tb.open("/login", 200)
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#login-name"), l.name),
		chromedp.SendKeys(chromedp.CSS("#login-password"), l.pwd),
	)
	tb.click(`.login-card button[type="submit"]`)
	if tb.path() != "/account/password" {
		t.Fatalf("the first sign-in of %s led to %s, want /account/password", l.name, tb.path())
	}
	tb.mustSee("修改密码", "管理员设置")
	tb.open("/staff", 200)
	if tb.path() != "/account/password" {
		t.Errorf("before changing the password /staff led to %s", tb.path())
	}
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#password-current"), l.pwd),
		chromedp.SendKeys(chromedp.CSS("#password-new"), "woaini1314"),
		chromedp.SendKeys(chromedp.CSS("#password-repeat"), "woaini1314"),
	)
	tb.load("a common password", 400, chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`), chromedp.NodeVisible))
	tb.mustSee("密码：须包含")
	tb.shot("password.png")
	const mine = "Lychee-Orbit-73"
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#password-current"), l.pwd),
		chromedp.SendKeys(chromedp.CSS("#password-new"), mine),
		chromedp.SendKeys(chromedp.CSS("#password-repeat"), mine),
	)
	tb.click(`.login-card button[type="submit"]`)
	if tb.path() != "/" {
		t.Fatalf("after changing the password the browser is at %s, want /", tb.path())
	}
	tb.mustSee("户数", "下辖网格")
	tb.click(`.main-nav a[href="/account"]`)
	tb.mustSee("我的账户", "上次登录", "我的权限", "新增和修改住户、居民", "未启用（可选）")
	tb.shot("account.png")
	tb.click(`.lang-switch a[hreflang="en"]`)
	tb.mustSee("My permissions", "Add and change households and residents")
	if keys := rawKeys.FindAllString(tb.bodyText(), -1); len(keys) > 0 {
		t.Errorf("untranslated keys on the English account page: %v", keys)
	}
	tb.click(`.lang-switch a[hreflang="zh-CN"]`)

	// The second factor is optional for a community user: the page offers it.
	tb.click(`.actions a[href="/account/totp"]`)
	tb.mustSee("第一步", "扫描下面的二维码", "第二步")
	if tb.count("#totp-qr svg.qr") != 1 || tb.text("#totp-secret") == "" {
		t.Error("the enrolment page shows no QR code or no secret")
	}
	tb.shot("totp.png")
}

// importResidents uploads a CSV file of two new residents of a household of the
// user's community, checks it, confirms it, and returns the import's page.
func (tb *tab) importResidents(l login) string {
	t := tb.t
	household := l.app.query(t, `SELECT household_no FROM households WHERE org_code LIKE $1 ORDER BY household_no LIMIT 1`, l.org+"%")
	ids := l.app.newIDNumbers(t, 2)
	file := filepath.Join(t.TempDir(), "居民.csv")
	csv := "姓名,公民身份号码,户编号,与户主关系,人口类型,联系电话,标签\n" +
		"导入甲," + ids[0] + "," + household + ",子女,户籍,13900001111,\n" +
		"导入乙," + ids[1] + "," + household + ",孙子女,户籍,,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	tb.open("/", 200)
	tb.click(`.main-nav a[href="/imports"]`)
	tb.mustSee("导入台账", "检查文件", "下载模板", "什么也不导入")
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	tb.click(`form[action="/imports"] button[type="submit"]`)
	job := tb.path()

	// The check runs in the background while the page refreshes itself.
	tb.waitFor(`form[action$="/confirm"]`)
	tb.mustSee("检查通过：共 2 行", "将新增", "导入甲", "导入乙", "读作")
	html := tb.html()
	for _, id := range ids {
		if strings.Contains(html, id) {
			t.Error("the preview shows a full ID number")
		}
	}
	if got := l.app.query(t, `SELECT COUNT(*) FROM residents WHERE id_number_bidx IN ($1, $2)`, l.app.bidx(ids[0]), l.app.bidx(ids[1])); got != "0" {
		t.Errorf("the check wrote %s residents", got)
	}
	tb.shot("import.png")

	tb.click(`form[action$="/confirm"] button[type="submit"]`)
	tb.waitFor(`.actions a[href="/org/` + l.org + `"]`)
	tb.mustSee("导入完成：共 2 行", "已新增")
	if got := l.app.query(t, `SELECT COUNT(*) FROM residents WHERE id_number_bidx IN ($1, $2)`, l.app.bidx(ids[0]), l.app.bidx(ids[1])); got != "2" {
		t.Errorf("%s of the 2 residents imported", got)
	}

	tb.click(`.lang-switch a[hreflang="en"]`)
	tb.mustSee("Imported: 2 rows", "Added")
	if keys := rawKeys.FindAllString(tb.bodyText(), -1); len(keys) > 0 {
		t.Errorf("untranslated keys on the English import page: %v", keys)
	}
	tb.click(`.lang-switch a[hreflang="zh-CN"]`)
	return job
}

// walk is what the community walk found on its way.
type walk struct {
	gridPath, householdPath, residentPath, residentName string
	otherGridHousehold                                  string // a household of a grid other than demo-grid's
}

func (tb *tab) walkAsCommunity(l login) walk {
	t := tb.t
	var w walk

	tb.open("/", 200)
	if tb.path() != "/login" {
		t.Fatalf("signed out, / went to %s, want /login", tb.path())
	}
	tb.mustSee("社区治理平台", "用户名", "密码", "演示模式")
	tb.shot("login.png")
	tb.login(l)

	// Home: the community's figures and its grids.
	unitName := tb.text(".viewer-org")
	if h1 := tb.text("h1"); !strings.Contains(h1, unitName) || !strings.Contains(h1, "社区") {
		t.Errorf("home h1 = %q, want the community %q", h1, unitName)
	}
	tb.mustSee("户数", "户籍人口", "流动人口", "社区工作者构成", "下辖网格")
	if n := tb.count(".figure"); n < 5 {
		t.Errorf("home shows %d key figures, want at least 5", n)
	}
	if tb.count("svg.chart") != 1 {
		t.Error("home has no bar chart of the grids")
	}
	tb.shot("home.png")

	// The community's own page, from the navigation.
	tb.click(`.main-nav a[href^="/org/"]`)
	if h1 := tb.text("h1"); !strings.Contains(h1, unitName) {
		t.Errorf("unit page h1 = %q, want %q", h1, unitName)
	}
	tb.mustSee("社区概况", "办公服务用房", "下辖网格")
	grids := tb.attrs(".unit-list a", "href")
	if len(grids) < 2 {
		t.Fatalf("community has %d grids listed, want at least 2", len(grids))
	}
	for _, g := range grids {
		if !strings.HasSuffix(g, "/"+l.app.logins["demo-grid"].org) {
			tb.open(g, 200)
			w.otherGridHousehold = tb.attr(`td a[href^="/households/"]`, "href")
			break
		}
	}
	if w.otherGridHousehold == "" {
		t.Fatal("found no household outside demo-grid's grid")
	}

	// A grid: households, team, contacts.
	tb.open(grids[0], 200)
	w.gridPath = grids[0]
	if h1 := tb.text("h1"); !strings.Contains(h1, "网格") {
		t.Errorf("grid page h1 = %q", h1)
	}
	tb.mustSee("网格员", "联系人", "住户")
	householdNo := tb.text(`td a[href^="/households/"]`)
	tb.shotScreen("grid.png")

	// A household and its members, every ID number masked.
	tb.click(`td a[href^="/households/"]`)
	w.householdPath = tb.path()
	if h1 := tb.text("h1"); !strings.Contains(h1, householdNo) {
		t.Errorf("household h1 = %q, want household %s", h1, householdNo)
	}
	for _, id := range tb.texts("tbody td.mono:nth-child(5)") {
		if !maskedID.MatchString(id) {
			t.Errorf("household page shows ID number %q, want it masked", id)
		}
	}
	html := tb.html()
	for _, full := range l.app.householdIDNumbers(t, strings.TrimPrefix(w.householdPath, "/households/")) {
		if strings.Contains(html, full) {
			t.Errorf("household page shows a full ID number")
		}
	}

	// A resident.
	w.residentName = tb.text(`td a[href^="/residents/"]`)
	tb.click(`td a[href^="/residents/"]`)
	w.residentPath = tb.path()
	if h1 := tb.text("h1"); !strings.Contains(h1, w.residentName) {
		t.Errorf("resident h1 = %q, want %q", h1, w.residentName)
	}
	shown := tb.text("#resident-id-number")
	if !maskedID.MatchString(shown) {
		t.Errorf("resident page shows ID number %q, want it masked", shown)
	}
	full := l.app.residentIDNumber(t, strings.TrimPrefix(w.residentPath, "/residents/"))
	if shown != full[:6]+"********"+full[14:] {
		t.Errorf("masked ID number %q is not the resident's", shown)
	}
	if strings.Contains(tb.html(), full) {
		t.Error("resident page shows the full ID number")
	}
	tb.mustSee("个人信息", "出生日期", "迁移记录", "打印")
	tb.shot("resident.png")

	// English, then sign out.
	tb.click(`.lang-switch a[hreflang="en"]`)
	if lang := tb.attr("html", "lang"); lang != "en" {
		t.Errorf("html lang = %q after switching to English", lang)
	}
	tb.mustSee("Date of birth", "Moves", "Sign out")
	if keys := rawKeys.FindAllString(tb.bodyText(), -1); len(keys) > 0 {
		t.Errorf("untranslated keys on the English page: %v", keys)
	}
	tb.click(".logout button")
	if tb.path() != "/login" {
		t.Errorf("after signing out the browser is at %s, want /login", tb.path())
	}
	if tb.count("#login-password") != 1 {
		t.Error("no sign-in form after signing out")
	}
	return w
}

// rawKeys matches a message key shown as it is, the sign of a missing translation.
var rawKeys = regexp.MustCompile(`\b(?:app|home|unit|login|household|resident|search|staff|layout|nav|level|field|err|pager|role|sex|pop|tag|position|education|relation|contact|transfer|account|totp|action)\.[a-z_]+\b`)

// app is the program under test.
type app struct {
	base   string
	dbPath string // the database: a SQLite file or a postgres:// URL
	logins map[string]login
	db     *db.DB
	auth   *auth.Service
}

// login is one of the demo logins the program prints at start.
type login struct {
	app                  *app
	name, role, org, pwd string
}

func (a *app) login(t *testing.T, name string) login {
	l, ok := a.logins[name]
	if !ok {
		t.Fatalf("the program printed no login %s", name)
	}
	return l
}

// openDemo starts the demo city and a headless Chromium for a test, both ending
// 15 seconds before the test's deadline so that a hang fails with the program's log.
func openDemo(t *testing.T) (*app, context.Context) {
	t.Helper()
	chromium := findChromium(t)
	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-15*time.Second))
		t.Cleanup(cancel)
	}
	return startDemo(t, ctx), newBrowser(t, ctx, chromium)
}

// startDemo runs `shequ serve --demo` on a fresh database and port and reads the
// demo logins and the address from what it prints.
func startDemo(t *testing.T, ctx context.Context) *app {
	t.Helper()
	a := &app{dbPath: filepath.Join(t.TempDir(), "demo.db"), logins: map[string]login{}}
	stderr := a.serve(t, ctx, "--demo", "--db", a.dbPath)
	// The README's one command made the database's key beside it, readable by its
	// owner only, and said so.
	if st, err := os.Stat(keys.DefaultFile(a.dbPath)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file beside the database: %v, %v; want mode 0600", st, err)
	}
	if !strings.Contains(stderr.tail(4000), "created key file "+keys.DefaultFile(a.dbPath)) {
		t.Errorf("the program did not say it created a key file:\n%s", stderr.tail(4000))
	}
	a.openDB(t, ctx, keys.Source{})
	return a
}

// serve runs `shequ serve` with args on port 0 until the test ends, reads the
// address and any demo logins from what it prints, and returns its log.
func (a *app) serve(t *testing.T, ctx context.Context, args ...string) *lockedBuffer {
	t.Helper()
	runCtx, stop := context.WithCancel(ctx)
	out, outW := io.Pipe()
	stderr := &lockedBuffer{}
	exited := make(chan int, 1)
	go func() {
		code := cli.Run(runCtx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), outW, stderr)
		outW.Close()
		exited <- code
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Error("the program did not stop within 30s of being asked to")
		}
		if t.Failed() {
			t.Logf("the program's log:\n%s", stderr.tail(4000))
		}
	})

	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if f := strings.Fields(line); len(f) == 4 && strings.HasPrefix(f[0], "demo-") {
				a.logins[f[0]] = login{app: a, name: f[0], role: f[1], org: f[2], pwd: f[3]}
			}
			if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "shequ is listening on "); ok {
				listening <- addr
			}
		}
		io.Copy(io.Discard, out) // keep the program from blocking on a long line
	}()
	select {
	case a.base = <-listening:
	case code := <-exited:
		t.Fatalf("the program exited with %d before listening:\n%s", code, stderr.tail(4000))
	case <-ctx.Done():
		t.Fatalf("the program did not start listening: %v", ctx.Err())
	}
	return stderr
}

// openDB opens the program's database beside it, with the key of src (the file
// beside a SQLite database when src is empty), for the test to look into.
func (a *app) openDB(t *testing.T, ctx context.Context, src keys.Source) {
	t.Helper()
	d, err := db.Open(ctx, a.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := keys.Unlock(ctx, d, a.dbPath, src, io.Discard); err != nil {
		t.Fatal(err)
	}
	a.db = d
	a.auth = auth.NewService(d, time.Now)
}

// query reads one value from the program's database.
func (a *app) query(t *testing.T, q string, args ...any) string {
	t.Helper()
	var v string
	if err := a.db.Read().QueryRowContext(context.Background(), q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// bidx is the blind index by which the database finds an ID number.
func (a *app) bidx(idNumber string) string { return a.db.Keys().Index(crypt.IDNumber, idNumber) }

// open reads a sealed ID number with the database's key.
func (a *app) open(t *testing.T, sealed []byte) string {
	t.Helper()
	n, err := a.db.Keys().Open(crypt.IDNumber, sealed)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// newIDNumbers returns n valid ID numbers nobody in the database has.
func (a *app) newIDNumbers(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for seq := 900; len(out) < n; seq++ {
		s := fmt.Sprintf("450403%s%03d", "20200229", seq)
		id := s + string(pii.CheckDigit(s))
		if a.query(t, `SELECT COUNT(*) FROM residents WHERE id_number_bidx = $1`, a.bidx(id)) == "0" {
			out = append(out, id)
		}
	}
	return out
}

// residentIDNumber reads a resident's full ID number from the database, to make
// sure no page shows it.
func (a *app) residentIDNumber(t *testing.T, id string) string {
	t.Helper()
	var sealed []byte
	if err := a.db.Read().QueryRowContext(context.Background(), `SELECT id_number_sealed FROM residents WHERE id = $1`, id).Scan(&sealed); err != nil {
		t.Fatalf("resident %s: %v", id, err)
	}
	return a.open(t, sealed)
}

func (a *app) householdIDNumbers(t *testing.T, householdID string) []string {
	t.Helper()
	rows, err := a.db.Read().QueryContext(context.Background(), `SELECT id_number_sealed FROM residents WHERE household_id = $1`, householdID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sealed []byte
		if err := rows.Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		out = append(out, a.open(t, sealed))
	}
	if len(out) == 0 {
		t.Fatalf("household %s has no residents in the database", householdID)
	}
	return out
}

// findChromium returns the browser's path, skipping the test when there is none
// unless SHEQU_BROWSER=required.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SHEQU_BROWSER") == "required" {
		t.Fatal("SHEQU_BROWSER=required, but no Chromium is installed (apt-get install chromium fonts-noto-cjk)")
	}
	t.Skip("no Chromium installed; set SHEQU_BROWSER=required to fail instead")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and nothing that talks
// to the network on its own.
func newBrowser(t *testing.T, ctx context.Context, chromium string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		// The users' browsers ask for Chinese; headless Chromium would ask for English.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return browser
}

// tab is one browser tab in a browser context of its own (its own cookies), on a
// desk's 1280×900 screen or, given a width and height, on a phone.
type tab struct {
	t    *testing.T
	ctx  context.Context
	app  *app
	dir  string // where screenshots go besides the test's temporary directory
	temp string
}

func newTab(t *testing.T, browser context.Context, a *app, width, height int64) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, app: a, dir: os.Getenv("SHEQU_SCREENSHOTS"), temp: t.TempDir()}
	// The first action opens the tab, which lives as long as the context of that
	// action: this one must not have a timeout of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if width > 0 {
		tb.do(chromedp.EmulateViewport(width, height, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	} else {
		tb.do(chromedp.EmulateViewport(1280, 900))
	}
	return tb
}

// step bounds one browser action, so that a page that never comes fails the test
// instead of hanging it.
const step = time.Minute

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser at %s: %v", tb.pathOrEmpty(), err)
	}
}

func run[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("browser at %s: %v", tb.pathOrEmpty(), err)
	}
	return v
}

// open loads path and checks the response's status.
func (tb *tab) open(path string, status int) {
	tb.t.Helper()
	u := tb.app.base + path
	tb.load("open "+path, status, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: u})
		if err == nil && res.ErrorText != "" {
			err = errors.New(res.ErrorText)
		}
		return err
	}))
}

// click follows the link or button sel and expects the page it leads to to load.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.load("click "+sel, 200, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// load runs trigger, which must make the tab load another page, waits until that
// page has loaded and checks its status. The old page carries a mark that the new
// one lacks, which tells them apart whatever the URLs and redirects in between.
func (tb *tab) load(what string, status int, trigger chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`window.e2eOldPage = true`))
	tb.do(trigger)
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	for {
		poll, cancelPoll := context.WithTimeout(ctx, 5*time.Second)
		// While the new page commits, the evaluation may fail: try again.
		got, err := chromedp.Run(poll, chromedp.Evaluate[int](`window.e2eOldPage || document.readyState !== "complete" ? 0 :
			performance.getEntriesByType("navigation")[0].responseStatus`))
		cancelPoll()
		if err == nil && got != 0 {
			if got != status {
				tb.t.Fatalf("%s: status %d, want %d", what, got, status)
			}
			return
		}
		select {
		case <-ctx.Done():
			tb.t.Fatalf("%s: no page loaded: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (tb *tab) login(l login) {
	tb.t.Helper()
	tb.open("/login", 200)
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#login-name"), l.name),
		chromedp.SendKeys(chromedp.CSS("#login-password"), l.pwd),
	)
	tb.click(`.login-card button[type="submit"]`)
	if tb.path() != "/" {
		tb.t.Fatalf("signing in as %s led to %s, want /", l.name, tb.path())
	}
}

func (tb *tab) path() string {
	tb.t.Helper()
	loc := run(tb, chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatal(err)
	}
	return u.Path
}

func (tb *tab) pathOrEmpty() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(run(tb, chromedp.Text(chromedp.CSS(sel))))
}

func (tb *tab) texts(sel string) []string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q), e => e.textContent.trim())`, sel)))
}

func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// waitFor waits until the page shows sel, across the reloads of a page that
// refreshes itself while a job runs.
func (tb *tab) waitFor(sel string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	for {
		poll, cancelPoll := context.WithTimeout(ctx, 5*time.Second)
		// While a reload commits, the evaluation may fail: try again.
		n, err := chromedp.Run(poll, chromedp.Evaluate[int](fmt.Sprintf(
			`document.readyState === "complete" ? document.querySelectorAll(%q).length : 0`, sel)))
		cancelPoll()
		if err == nil && n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			tb.t.Fatalf("%s never showed %s: %v", tb.pathOrEmpty(), sel, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// attr returns the attribute of the first element matching sel, "" if none does.
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	v := tb.attrs(sel, name)
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (tb *tab) attrs(sel, name string) []string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q), e => e.getAttribute(%q) || "")`, sel, name)))
}

// bodyText is the page's text as the user sees it.
func (tb *tab) bodyText() string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[string](`document.body.innerText`))
}

func (tb *tab) html() string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
}

func (tb *tab) mustSee(texts ...string) {
	tb.t.Helper()
	body := tb.bodyText()
	for _, s := range texts {
		if !strings.Contains(body, s) {
			tb.t.Errorf("%s does not show %q", tb.path(), s)
		}
	}
}

// noSidewaysScroll checks that the page fits the screen's width: wide tables
// scroll inside their box, never the page.
func (tb *tab) noSidewaysScroll() {
	tb.t.Helper()
	over := run(tb, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if over > 0 {
		tb.t.Errorf("%s is %dpx wider than the screen", tb.path(), over)
	}
}

// shot saves a screenshot of the whole page into the test's directory, and into
// $SHEQU_SCREENSHOTS when set.
func (tb *tab) shot(name string) { tb.save(name, run(tb, chromedp.FullScreenshot(100))) }

// shotScreen saves what the screen shows, for pages much longer than it.
func (tb *tab) shotScreen(name string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	tb.save(name, run(tb, chromedp.CaptureScreenshot()))
}

func (tb *tab) save(name string, png []byte) {
	tb.t.Helper()
	for _, dir := range []string{tb.temp, tb.dir} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
}

// lockedBuffer collects the program's log from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
