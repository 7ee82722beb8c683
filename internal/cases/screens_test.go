package cases_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"shequ/internal/cases"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/files"
	"shequ/internal/platform/i18n"
	"shequ/internal/server"
)

// town is shequ as a city runs it, the whole server on d, with the test city, its
// handling units and the district's routing of lamps, three users (a grid
// worker, the community, the district), and the network between the phones and
// the server, which the test can cut.
type town struct {
	t       *testing.T
	d       *db.DB
	base    string
	net     *line
	browser context.Context
	// svc is a cases service on the town's clock, for what happened before the test.
	svc   *cases.Service
	clock *clock
	pwd   map[string]string // user name → password
	totp  map[string]string // user name → authenticator's secret, for the roles that need one
}

// enrolTOTP gives the user an authenticator, as the account page does, and
// returns its secret.
func enrolTOTP(t *testing.T, as *auth.Service, name string, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	p, err := as.Principal(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := as.BeginTOTP(ctx, p.UserID, false)
	if err != nil {
		t.Fatal(err)
	}
	code, err := auth.TOTPCode(e.Secret, now)
	if err == nil {
		_, err = as.ConfirmTOTP(ctx, p.UserID, code)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e.Secret
}

// The users of the town, by name.
const (
	gridUser      = "王网格"
	communityUser = "李社区"
	districtUser  = "赵路灯所"
)

// newTown serves the town on d and starts headless Chromium; it skips the test
// when Chromium is not installed, unless SHEQU_BROWSER=required.
func newTown(t *testing.T, d *db.DB) *town {
	t.Helper()
	chromium := findChromium(t)
	svc, clk := setup(t, d)
	clk.set("2026-11-25 09:30") // a Wednesday: the deadlines run on working days
	tw := &town{t: t, d: d, svc: svc, clock: clk, pwd: map[string]string{}, totp: map[string]string{}}
	ctx := context.Background()
	as := auth.NewService(d, clk.now)
	for _, u := range []struct {
		name string
		role auth.Role
		org  string
	}{{gridUser, auth.RoleGrid, orgtest.Grid}, {communityUser, auth.RoleCommunity, orgtest.Community}, {districtUser, auth.RoleDistrict, orgtest.District}} {
		pwd, err := as.AddUser(ctx, u.name, u.role, u.org)
		if err == nil {
			err = as.WaivePasswordChange(ctx, u.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		tw.pwd[u.name] = pwd
		if u.role.RequiresSecondFactor() {
			tw.totp[u.name] = enrolTOTP(t, as, u.name, clk.now())
		}
	}
	srv, err := server.New(server.Config{DB: d, Now: clk.now, Zone: shanghai, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	tw.net = &line{next: srv}
	hs := httptest.NewServer(tw.net)
	t.Cleanup(hs.Close)
	tw.base = hs.URL

	bctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		bctx, cancel = context.WithDeadline(bctx, deadline.Add(-15*time.Second))
		t.Cleanup(cancel)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(bctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()),
		// The users' browsers ask for Chinese; headless Chromium would ask for English.
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tw.browser = browser
	return tw
}

// findChromium returns the browser's path, skipping the test when there is none
// unless SHEQU_BROWSER=required (as CI sets it).
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

// count returns the single number query gives.
func (tw *town) count(query string, args ...any) int {
	tw.t.Helper()
	var n int
	if err := tw.d.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		tw.t.Fatal(err)
	}
	return n
}

// line is the network between the phones and the server. The test can cut it
// (a stairwell with no signal: nothing reaches the server), and it can lose the
// answers to reports: a signal that drops while the server answers, so that the
// server has taken the report and the phone never hears.
type line struct {
	next http.Handler
	mu   sync.Mutex
	down bool
	// reached counts what reached the server while the line was down; the
	// browser's offline emulation must leave it at zero.
	reached  int
	dropping bool
	// lost counts the reports the server took whose answers were lost.
	lost int
	// keys are the Idempotency-Keys of the reports posted, in order.
	keys []string
}

func (l *line) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	down, drop := l.down, false
	if down {
		l.reached++
	}
	if r.Method == http.MethodPost && r.URL.Path == "/api/v1/cases" && !down {
		l.keys = append(l.keys, r.Header.Get("Idempotency-Key"))
		drop = l.dropping
	}
	l.mu.Unlock()
	switch {
	case down:
		hangUp(w)
	case drop:
		answer := httptest.NewRecorder()
		l.next.ServeHTTP(answer, r)
		hangUp(w)
		if answer.Code == http.StatusCreated {
			l.mu.Lock()
			l.lost++
			l.mu.Unlock()
		}
	default:
		l.next.ServeHTTP(w, r)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

func (l *line) set(down bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = down
}

func (l *line) dropAnswers(drop bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropping = drop
}

func (l *line) state() (reached int, keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reached, append([]string(nil), l.keys...)
}

// waitForLost waits until the server has taken n reports whose answers were lost.
func (l *line) waitForLost(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(step); ; {
		l.mu.Lock()
		lost := l.lost
		l.mu.Unlock()
		if lost >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server took fewer than %d reports whose answers were lost", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tab is one user's browser (a browser context of its own, with its cookies and
// service workers), on a 390×844 phone or a 1280×900 desk.
type tab struct {
	t   *testing.T
	tw  *town
	ctx context.Context
	dir string // $SHEQU_SCREENSHOTS, "" for none
	// worker is the tab's service worker once attached to.
	worker context.Context
}

// phone and desk are the two screens the pages are looked at on.
var (
	phone = [2]int64{390, 844}
	desk  = [2]int64{1280, 900}
)

// open opens a tab on screen as user, signed in through the sign-in form.
func (tw *town) open(user string, screen [2]int64) *tab {
	t := tw.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(tw.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first action opens the tab, which lives as long as that action's
	// context: it must have no timeout of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{t: t, tw: tw, ctx: ctx, dir: os.Getenv("SHEQU_SCREENSHOTS")}
	if screen == phone {
		tb.do(chromedp.EmulateViewport(screen[0], screen[1], chromedp.EmulateScale(2), chromedp.EmulateMobile))
	} else {
		tb.do(chromedp.EmulateViewport(screen[0], screen[1]))
	}
	tb.do(call(network.Enable, network.EnableParams{}))
	tb.visit("/login")
	tb.do(chromedp.SendKeys(chromedp.CSS("#login-name"), user), chromedp.SendKeys(chromedp.CSS("#login-password"), tw.pwd[user]))
	tb.load("sign in as "+user, chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`), chromedp.NodeVisible))
	if secret, ok := tw.totp[user]; ok {
		// A code is good once: the user signs in a minute after the last code.
		tw.clock.t = tw.clock.t.Add(time.Minute)
		code, err := auth.TOTPCode(secret, tw.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.SendKeys(chromedp.CSS("#totp-code"), code))
		tb.load("the code of "+user, chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`), chromedp.NodeVisible))
	}
	if p := tb.path(); p != "/" {
		t.Fatalf("signing in as %s led to %s, want /", user, p)
	}
	return tb
}

// call runs a DevTools protocol command as an action.
func call[P, R any](c cdp.Command[P, R], p P) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, c, p)
		return chromedp.Void{}, err
	}
}

// step bounds one browser action, so that a page that never comes fails the
// test instead of hanging it.
const step = time.Minute

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser at %s: %v", tb.where(), err)
	}
}

func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("browser at %s: %s: %v", tb.where(), js, err)
	}
	return v
}

func (tb *tab) where() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (tb *tab) path() string {
	tb.t.Helper()
	u, err := url.Parse(tb.where())
	if err != nil {
		tb.t.Fatal(err)
	}
	return u.Path
}

// visit loads path and expects it to answer 200.
func (tb *tab) visit(path string) {
	tb.t.Helper()
	u := tb.tw.base + path
	tb.load("open "+path, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: u})
		return chromedp.Void{}, err
	})
}

// load runs trigger, which must make the tab load another page, and waits until
// that page has loaded with status 200 (or came from the service worker).
func (tb *tab) load(what string, trigger chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.loadWith(what, http.StatusOK, trigger)
}

// loadWith is load with another status. The old page carries a mark the new one
// lacks, which tells them apart whatever the URLs and redirects in between.
func (tb *tab) loadWith(what string, status int, trigger chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`window.oldPage = true`), trigger)
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	for {
		poll, cancelPoll := context.WithTimeout(ctx, 5*time.Second)
		// While the new page commits, the evaluation may fail: try again.
		got, err := chromedp.Run(poll, chromedp.Evaluate[int](`window.oldPage || document.readyState !== "complete" ? -1 :
			performance.getEntriesByType("navigation")[0].responseStatus`))
		cancelPoll()
		if err == nil && got != -1 {
			if got != status && (status != http.StatusOK || got != 0) {
				tb.t.Fatalf("%s: status %d: %.300s", what, got, tb.text())
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

// waitFor waits until the script js, evaluated again and again, is true.
func (tb *tab) waitFor(what, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	for {
		poll, cancelPoll := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(poll, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
		cancelPoll()
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			tb.t.Fatalf("%s never happened at %s: %.300s", what, tb.where(), tb.text())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// text is what the page shows.
func (tb *tab) text() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// textOf is what the first element that sel selects shows, "" when none does.
func (tb *tab) textOf(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel))
}

// mustSee checks that the page shows each of want.
func (tb *tab) mustSee(want ...string) {
	tb.t.Helper()
	text := tb.text()
	for _, s := range want {
		if !strings.Contains(text, s) {
			tb.t.Errorf("%s does not show %q: %.400s", tb.path(), s, text)
		}
	}
}

// look checks that the page fits its screen's width, that the header takes at
// most a fifth of the screen's height, and that it is no error page; it saves
// the page's screenshot as name.png when screenshots are asked for.
func (tb *tab) look(name string) {
	tb.t.Helper()
	over := eval[int](tb, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
	if over > 0 {
		tb.t.Errorf("%s: the page is %dpx wider than the screen", name, over)
	}
	head := eval[float64](tb, `document.querySelector(".site-header").getBoundingClientRect().height / window.innerHeight`)
	if head > 0.2 {
		tb.t.Errorf("%s: the header takes %.0f%% of the screen", name, 100*head)
	}
	if text := tb.text(); strings.Contains(text, "出错了") {
		tb.t.Errorf("%s: an error page: %.300s", name, text)
	}
	if tb.dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tb.dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// offline cuts the phone's network, or gives it back: for the page and for its
// service worker, which fetches on its own, and the line to the server with it.
func (tb *tab) offline(off bool) {
	tb.t.Helper()
	var rules []*network.Conditions
	if off {
		rules = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	}
	conditions := call(network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &off, MatchedNetworkConditions: rules})
	tb.tw.net.set(off)
	tb.do(conditions, call(network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}))
	worker := tb.serviceWorker()
	ctx, cancel := context.WithTimeout(worker, step)
	defer cancel()
	if err := chromedp.Do(ctx, conditions); err != nil {
		tb.t.Fatalf("the service worker's network: %v", err)
	}
}

// serviceWorker returns the tab's service worker, attached to for as long as the
// tab lives (the network conditions set on it hold while it is).
func (tb *tab) serviceWorker() context.Context {
	tb.t.Helper()
	if tb.worker != nil {
		return tb.worker
	}
	ctx, cancel := context.WithTimeout(tb.ctx, step)
	defer cancel()
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		tb.t.Fatal(err)
	}
	own := chromedp.FromContext(tb.ctx).BrowserContextID
	for _, ti := range targets {
		if ti.Type == "service_worker" && ti.BrowserContextID == own && strings.HasSuffix(ti.URL, "/cases/sw.js") {
			w, cancelWorker := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(ti.TargetID), chromedp.WithDetachOnCancel())
			tb.t.Cleanup(cancelWorker)
			if err := chromedp.Do(w); err != nil {
				tb.t.Fatalf("attach to the service worker: %v", err)
			}
			tb.worker = w
			return w
		}
	}
	tb.t.Fatal("the tab has no service worker")
	return nil
}

// state is the case's state as its page shows it.
func (tb *tab) state() string {
	tb.t.Helper()
	return tb.textOf(".page-sub")
}

// take takes the step named on the case's page, as a user does: opens the
// step's panel unless it is open, fills it in with fill, and presses its
// button; the case's page comes back, showing no problem.
func (tb *tab) take(name string, fill ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	panel := fmt.Sprintf(`details.case-step:has(input[name="transition"][value=%q])`, name)
	if !eval[bool](tb, fmt.Sprintf(`!!document.querySelector(%q)`, panel)) {
		tb.t.Fatalf("the case's page offers no %s: %.400s", name, tb.text())
	}
	if !eval[bool](tb, fmt.Sprintf(`document.querySelector(%q).open`, panel)) {
		tb.do(chromedp.Click(chromedp.CSS(panel+" > summary"), chromedp.NodeVisible))
	}
	tb.do(fill...)
	tb.load("take "+name, chromedp.Click(chromedp.CSS(panel+` button[type="submit"]`), chromedp.NodeVisible))
	if problem := tb.textOf("#form-error"); problem != "" {
		tb.t.Fatalf("%s: the page says %q", name, problem)
	}
}

// jpegFile writes a small JPEG, as a phone's camera would give, into dir.
func jpegFile(t *testing.T, dir, name string, tint color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{R: tint.R, G: uint8(y), B: tint.B, A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCases_OnAPhone_FromTheFieldToARating is the cases' walk on a 390 px phone in
// headless Chromium, each step through the pages' forms: a grid worker opens the
// report form (its service worker installs), loses the network, opens the form
// again from the phone's cache, reports a broken lamp with a photo, and sees it
// waiting in the outbox; when the network returns the report is sent, the answer
// is lost on the way, and the phone sends it again: there is one case. The
// community accepts it and dispatches it to the district's lamp department,
// which returns it (退单); the community dispatches it to its own window,
// handles it with a result and a photo, verifies it and closes it; the grid
// worker rates it 满意. It runs on both databases.
func TestCases_OnAPhone_FromTheFieldToARating(t *testing.T) {
	dbtest.Each(t, fromTheFieldToARating)
}

func fromTheFieldToARating(t *testing.T, d *db.DB) {
	tw := newTown(t, d)
	worker := tw.open(gridUser, phone)
	dir := t.TempDir()
	lampPhoto := jpegFile(t, dir, "路灯.jpg", color.RGBA{R: 200, B: 40})
	donePhoto := jpegFile(t, dir, "修好.jpg", color.RGBA{R: 40, B: 200})

	// The form, and its service worker, which keeps it for when there is no network.
	worker.visit("/cases/new")
	worker.waitFor("the service worker controls the form", `navigator.serviceWorker.controller !== null`)
	worker.offline(true)
	worker.load("the form again, offline", chromedp.Reload())
	worker.mustSee("上报事件", "情况描述", "现场照片")
	if blue := eval[string](worker, `getComputedStyle(document.querySelector(".site-header")).backgroundColor`); blue != "rgb(29, 95, 168)" {
		t.Errorf("offline, the form has no style: the header is %s", blue)
	}
	worker.do(
		chromedp.SetValue(chromedp.CSS("#f-category"), "1401"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "3栋门口路灯不亮，晚上楼道口很黑"),
		chromedp.SendKeys(chromedp.CSS("#f-address"), "3栋门口"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{lampPhoto}),
		chromedp.Click(chromedp.CSS(`form[data-outbox] button[type="submit"]`), chromedp.NodeVisible),
	)
	worker.waitFor("the report waits in the outbox", `!document.getElementById("outbox").hidden`)
	worker.mustSee("待发送", "路灯不亮", "1 张照片", "等待发送", "已存在手机上")
	worker.look("case-offline")
	if n := tw.count(`SELECT COUNT(*) FROM cases`); n != 0 {
		t.Fatalf("offline, the server has %d cases", n)
	}

	// The network returns, but the signal drops whenever the server answers: the
	// phone sends the report, and again when the form is opened again, and
	// never hears. The server has taken it once.
	tw.net.dropAnswers(true)
	worker.offline(false)
	tw.net.waitForLost(t, 1)
	worker.load("the form again, the answers lost", chromedp.Reload())
	tw.net.waitForLost(t, 2)
	worker.waitFor("the outbox keeps the report it heard nothing about", `!document.getElementById("outbox").hidden &&
		document.getElementById("outbox").innerText.includes("等待发送")`)
	if reached, _ := tw.net.state(); reached != 0 {
		t.Errorf("%d requests reached the server while the phone was offline", reached)
	}
	if n := tw.count(`SELECT COUNT(*) FROM cases`); n != 1 {
		t.Fatalf("after the reports whose answers were lost: %d cases, want 1", n)
	}

	// A good signal at last: the phone sends the report once more, hears of the
	// one case, and empties its outbox.
	tw.net.dropAnswers(false)
	worker.offline(true) // the signal comes and goes: the page hears "online"
	worker.offline(false)
	var no string
	if err := d.Read().QueryRowContext(context.Background(), `SELECT no FROM cases`).Scan(&no); err != nil {
		t.Fatal(err)
	}
	worker.waitFor("the outbox says the report is sent", fmt.Sprintf(`document.getElementById("outbox").hidden &&
		document.getElementById("outbox-status").innerText.includes(%q)`, no))
	worker.look("case-sent")
	if n := tw.count(`SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("after the phone sent the report again: %d cases, want 1", n)
	}
	if _, keys := tw.net.state(); len(keys) < 3 || keys[0] == "" || len(slices.Compact(keys)) != 1 {
		t.Errorf("the reports' Idempotency-Keys: %q, want one key, three times or more", keys)
	}
	if n := tw.count(`SELECT COUNT(*) FROM files WHERE owner_id = (SELECT id FROM cases)`); n != 1 {
		t.Errorf("the case has %d photos, want 1", n)
	}

	// The community: its work, the case, 立案 and 派遣 to where the district
	// routes lamps.
	comm := tw.open(communityUser, phone)
	comm.visit("/cases")
	comm.mustSee("我的待办", no, "待立案")
	comm.load("open the case", chromedp.Click(chromedp.CSS(`a[href="/cases/`+no+`"]`), chromedp.NodeVisible))
	comm.mustSee("路灯不亮", "3栋门口", gridUser)
	tw.clock.set("2026-11-25 09:35")
	comm.take("accept")
	if s := comm.state(); !strings.Contains(s, "待派遣") {
		t.Errorf("after 立案: %q", s)
	}
	if h := eval[string](comm, `document.querySelector("#h-dispatch option:checked").textContent`); !strings.Contains(h, "万秀区市政路灯所") {
		t.Errorf("the dispatch suggests %q, want the district's lamp department", h)
	}
	tw.clock.set("2026-11-25 09:36")
	comm.take("dispatch")
	if s := comm.state(); !strings.Contains(s, "处置中") {
		t.Errorf("after 派遣: %q", s)
	}
	comm.mustSee("万秀区市政路灯所")

	// The district's department: not theirs, the lamp is in the estate.
	dist := tw.open(districtUser, phone)
	dist.visit("/cases")
	dist.mustSee(no)
	dist.visit("/cases/" + no)
	tw.clock.set("2026-11-25 09:40")
	dist.take("return", chromedp.SendKeys(chromedp.CSS("#why-return"), "小区内路灯归物业管理，不属市政路灯"))
	if s := dist.state(); !strings.Contains(s, "已退单") {
		t.Errorf("after 退单: %q", s)
	}

	// The community again: to its own window, which handles it.
	comm.visit("/cases/" + no)
	comm.mustSee("小区内路灯归物业管理")
	tw.clock.set("2026-11-25 09:42")
	comm.take("dispatch", chromedp.SetValue(chromedp.CSS("#h-dispatch"), window))
	if s := comm.state(); !strings.Contains(s, "处置中") {
		t.Errorf("after the second 派遣: %q", s)
	}
	comm.mustSee("东兴社区民生窗口")
	tw.clock.set("2026-11-25 09:48")
	comm.take("feedback", chromedp.SendKeys(chromedp.CSS("#r-feedback"), "已通知物业更换灯泡，当晚恢复照明"),
		chromedp.SetUploadFiles(chromedp.CSS("#p-feedback"), []string{donePhoto}))
	if s := comm.state(); !strings.Contains(s, "待核查") {
		t.Errorf("after 反馈: %q", s)
	}
	tw.clock.set("2026-11-25 09:50")
	comm.take("verify_pass")
	if s := comm.state(); !strings.Contains(s, "已结案") {
		t.Errorf("after 核查: %q", s)
	}

	// The grid worker who reported it rates it.
	worker.visit("/cases/" + no)
	tw.clock.set("2026-11-25 09:52")
	worker.take("rate", chromedp.Click(chromedp.CSS(`input[name="result"][value="satisfied"]`), chromedp.NodeVisible))
	if s := worker.state(); !strings.Contains(s, "已评价") {
		t.Errorf("after 评价: %q", s)
	}
	worker.mustSee("满意", "已通知物业更换灯泡", "小区内路灯归物业管理", "东兴社区民生窗口")
	steps := eval[[]string](worker, `Array.from(document.querySelectorAll(".timeline > li strong"), e => e.textContent)`)
	want := []string{"上报", "立案", "派遣", "退单", "派遣", "反馈结果", "核查通过，结案", "评价"}
	if strings.Join(steps, " ") != strings.Join(want, " ") {
		t.Errorf("the timeline: %q, want %q", steps, want)
	}
	if n := eval[int](worker, `document.querySelectorAll(".case-photos img").length`); n != 2 {
		t.Errorf("the case shows %d photos, want the report's and the feedback's", n)
	}
	worker.look("case-rated")
	if n := tw.count(`SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("at the end: %d cases, want 1", n)
	}
	var state string
	if err := d.Read().QueryRowContext(context.Background(), `SELECT state FROM workflow_instances`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "rated" {
		t.Errorf("the case's state in the database: %q, want rated", state)
	}
}

// TestCases_PagesOnAPhoneAndADesk opens every page of the cases in headless
// Chromium, on a 390 px phone and on a desk, as the community, the district and a
// grid worker see them, with cases in every state: each fits its screen's width,
// its header keeps to a fifth of the screen, none is an error page. With
// SHEQU_SCREENSHOTS=DIR it leaves a screenshot of each in DIR.
func TestCases_PagesOnAPhoneAndADesk(t *testing.T) {
	tw := newTown(t, dbtest.SQLite(t))
	no := tw.history()
	for _, screen := range []struct {
		name string
		size [2]int64
	}{{"phone", phone}, {"desk", desk}} {
		comm := tw.open(communityUser, screen.size)
		shoot := func(tb *tab, name, path string, want ...string) {
			t.Helper()
			tb.visit(path)
			tb.mustSee(want...)
			tb.look("cases-" + name + "-" + screen.name)
		}
		shoot(comm, "mine", "/cases", "我的待办", no["red"], no["handling"])
		shoot(comm, "open", "/cases?tab=open", no["due"], no["district"])
		shoot(comm, "closed", "/cases?tab=closed&category=14", no["closed"])
		shoot(comm, "all", "/cases?tab=all", no["rejected"])
		shoot(comm, "new", "/cases/new", "上报事件")
		shoot(comm, "reported", "/cases/"+no["red"], "红牌", "立案", "不予立案")
		shoot(comm, "handling", "/cases/"+no["handling"], "反馈结果", "申请延期")
		shoot(comm, "closed-case", "/cases/"+no["closed"], "基本满意", "138****5678", "已结案")
		shoot(comm, "rejected-case", "/cases/"+no["rejected"], "不予立案", "属于派出所业务")
		shoot(comm, "board", "/cases/board", "督办台", no["red"])
		shoot(comm, "board-red", "/cases/board?show=red", no["red"])
		shoot(comm, "catalogue", "/cases/catalogue", "事件类别", "路灯损坏")
		shoot(comm, "board-en", "/cases/board?show=yellow&lang=en", "Supervision")
		shoot(comm, "case-en", "/cases/"+no["closed"]+"?lang=en", "Closed")
		shoot(comm, "list-en", "/cases?tab=all&lang=en", "All")

		dist := tw.open(districtUser, screen.size)
		shoot(dist, "district-mine", "/cases", no["district"])
		shoot(dist, "district-case", "/cases/"+no["district"], "退单", "督办")
		shoot(dist, "district-board", "/cases/board", "督办台")
		shoot(dist, "routes", "/cases/routes", "派遣路由", "万秀区市政路灯所")

		worker := tw.open(gridUser, screen.size)
		shoot(worker, "grid-open", "/cases", "办理中", no["red"], no["handling"])
		shoot(worker, "grid-case", "/cases/"+no["red"], "消防通道")

		// With script, a form sent empty is not kept: the browser points at the
		// first field missing.
		worker.visit("/cases/new")
		worker.do(chromedp.Click(chromedp.CSS(`form[data-outbox] button[type="submit"]`), chromedp.NodeVisible))
		if focus := eval[string](worker, `document.activeElement.id`); focus != "f-category" {
			t.Errorf("an empty report leaves the focus on %q, want the category", focus)
		}
		if kept := eval[int](worker, `new Promise((ok) => { const r = indexedDB.open("shequ-outbox", 1);
			r.onsuccess = () => { const q = r.result.transaction("reports").objectStore("reports").count(); q.onsuccess = () => ok(q.result); }; })`); kept != 0 {
			t.Errorf("an empty report was kept: %d in the outbox", kept)
		}

		// Without script the form is sent to the server, which says what is wrong.
		worker.do(call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}))
		worker.visit("/cases/new?lang=zh-CN")
		worker.loadWith("send the form empty", http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`form[data-outbox] button[type="submit"]`), chromedp.NodeVisible))
		worker.mustSee("不能为空")
		worker.look("cases-new-errors-" + screen.name)
	}

	// A report the server refuses waits in the outbox with the reason; the worker
	// puts it back into the form, corrects it and reports it again.
	worker := tw.open(gridUser, phone)
	worker.visit("/cases/new")
	worker.do(chromedp.SetValue(chromedp.CSS("#f-category"), "1101"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "楼上楼下因噪音争吵"),
		chromedp.Click(chromedp.CSS("details.case-more > summary"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#f-rphone"), "12"),
		chromedp.Click(chromedp.CSS(`form[data-outbox] button[type="submit"]`), chromedp.NodeVisible))
	worker.waitFor("the outbox shows the refusal", `!!document.querySelector("#outbox .outbox-failed button")`)
	worker.mustSee("未被受理：联系电话：", "楼上楼下因噪音争吵", "原因见下方")
	worker.look("cases-outbox-refused-phone")
	worker.do(chromedp.Click(chromedp.CSS("#outbox .outbox-failed .btn-primary"), chromedp.NodeVisible))
	worker.waitFor("the report is back in the form", `document.getElementById("outbox").hidden &&
		document.getElementById("f-description").value === "楼上楼下因噪音争吵" && document.getElementById("f-category").value === "1101"`)
	worker.do(chromedp.SetValue(chromedp.CSS("#f-rphone"), "13900001111"),
		chromedp.Click(chromedp.CSS(`form[data-outbox] button[type="submit"]`), chromedp.NodeVisible))
	worker.waitFor("the corrected report is sent", `document.getElementById("outbox").hidden &&
		document.getElementById("outbox-status").innerText.includes("已发送")`)
	if n := tw.count(`SELECT COUNT(*) FROM cases WHERE description = $1`, "楼上楼下因噪音争吵"); n != 1 {
		t.Errorf("the corrected report made %d cases, want 1", n)
	}

	// A step the server refuses comes back with the reason at its form; a step
	// someone else took meanwhile comes back with the case as it is now.
	comm := tw.open(communityUser, phone)
	comm.visit("/cases/" + no["red"])
	const nowhere = orgtest.Community + "-2026-999999"
	comm.do(chromedp.Click(chromedp.CSS(`details.case-step:has(input[value="merge"]) > summary`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#m-into"), nowhere),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	comm.loadWith("并单 into a case that is not there", http.StatusBadRequest,
		chromedp.Click(chromedp.CSS(`details.case-step:has(input[value="merge"]) button[type="submit"]`), chromedp.NodeVisible))
	if !eval[bool](comm, `!!document.querySelector('details.case-step[open]:has(input[value="merge"]) #form-error')`) {
		t.Errorf("the problem with 并单 is not at its form: %.400s", comm.text())
	}
	if into := eval[string](comm, `document.getElementById("m-into").value`); into != nowhere {
		t.Errorf("the form of 并单 came back with %q, want what was typed", into)
	}
	comm.look("cases-step-problem-phone")

	comm.visit("/cases/" + no["due"])
	c, err := tw.svc.Get(context.Background(), community, no["due"], "")
	if err == nil {
		_, err = tw.svc.Take(context.Background(), community, c.No, c.Instance.Version, cases.TakeInput{Transition: "accept"}, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	comm.loadWith("立案 taken meanwhile", http.StatusPreconditionFailed,
		chromedp.Click(chromedp.CSS(`details.case-step:has(input[value="accept"]) button[type="submit"]`), chromedp.NodeVisible))
	comm.mustSee("在此期间已有其他人办理过", "待派遣")
	comm.look("cases-stale-phone")
}

// history is what happened in the town before the test: cases in every state a
// board shows, reported and taken on the town's clock days and weeks ago. It
// returns their numbers by what they show.
func (tw *town) history() map[string]string {
	t := tw.t
	t.Helper()
	ctx := context.Background()
	no := map[string]string{}
	report := func(key, at string, p auth.Principal, in cases.ReportInput, photos ...files.Prepared) cases.Case {
		t.Helper()
		tw.clock.set(at)
		c, err := tw.svc.Report(ctx, p, in, photos, nil)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		no[key] = c.No
		return c
	}
	step := func(c cases.Case, at string, p auth.Principal, in cases.TakeInput, photos ...files.Prepared) cases.Case {
		t.Helper()
		tw.clock.set(at)
		return take(t, tw.svc, p, c, in, photos...)
	}
	defer tw.clock.set("2026-11-25 09:30")

	report("red", "2026-11-18 10:05", gridWorker, cases.ReportInput{OrgCode: orgtest.Grid, Category: "1201",
		Description: "5栋一楼楼道堆放旧家具和纸箱，堵住消防通道", Address: "5栋1单元一楼"}, photo(t))
	report("due", "2026-11-25 08:10", community, cases.ReportInput{OrgCode: orgtest.GridB, Category: "1101",
		Description: "8栋302与402因楼上漏水发生争吵，需上门调解", Address: "8栋3单元", ReporterName: "刘先生", ReporterPhone: "13987654321", Channel: cases.ChannelVisit})

	c := report("handling", "2026-11-10 09:00", gridWorker, cases.ReportInput{OrgCode: orgtest.Grid, Category: "0503",
		Description: "小区东门消防车道长期停放私家车", Address: "东门"})
	c = step(c, "2026-11-10 10:00", community, cases.TakeInput{Transition: "accept"})
	step(c, "2026-11-10 10:30", community, cases.TakeInput{Transition: "dispatch", HandlerID: window})

	c = report("district", "2026-11-17 14:00", gridWorker, cases.ReportInput{OrgCode: orgtest.Grid, Category: "1401",
		Description: "民主路与东兴路路口路灯整排不亮", Address: "民主路与东兴路路口"})
	c = step(c, "2026-11-19 15:00", community, cases.TakeInput{Transition: "accept"})
	step(c, "2026-11-19 15:10", community, cases.TakeInput{Transition: "dispatch", HandlerID: department})

	lat, lng := 23.476512, 111.279131
	c = report("closed", "2026-11-20 08:45", community, cases.ReportInput{OrgCode: orgtest.GridB, Category: "1402",
		Description: "12栋二次供水水箱漏水，地下室积水约10厘米，居民反映水压不足。物业称需等维修基金审批，居民希望尽快处理。",
		Address:     "12栋地下室水泵房", Lat: &lat, Lng: &lng, Channel: cases.ChannelHotline, ReporterName: "张阿姨", ReporterPhone: "13812345678"}, photo(t))
	c = step(c, "2026-11-20 09:30", community, cases.TakeInput{Transition: "accept"})
	c = step(c, "2026-11-20 09:40", community, cases.TakeInput{Transition: "dispatch", HandlerID: window})
	c = step(c, "2026-11-23 16:20", community, cases.TakeInput{Transition: "feedback", Result: "已协调物业更换水箱阀门并抽干积水，水压恢复正常"}, photo(t), photo(t))
	c = step(c, "2026-11-24 10:00", community, cases.TakeInput{Transition: "verify_pass"})
	step(c, "2026-11-24 11:00", community, cases.TakeInput{Transition: "rate", Result: "basically_satisfied"})

	c = report("rejected", "2026-11-21 10:00", gridWorker, cases.ReportInput{OrgCode: orgtest.Grid, Category: "1503",
		Description: "居民询问新生儿落户需要哪些材料"})
	step(c, "2026-11-21 11:00", community, cases.TakeInput{Transition: "not_accept", Reason: "属于派出所业务，已告知居民前往办理"})
	return no
}

// TestCases_EveryKeyThePagesUseIsTranslated checks that the pages' messages are
// in both languages: those the templates name, and those they build from the
// flow (every state, every step with its help), the channels, the ratings, the
// reporters' kinds, the list's tabs and the board's lists.
func TestCases_EveryKeyThePagesUseIsTranslated(t *testing.T) {
	b, err := i18n.Load(cases.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, cases.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	s, _ := setup(t, dbtest.SQLite(t))
	flow, _ := s.Engine().Flow(cases.FlowName)
	// The names of the states and steps are the workflow engine's labels
	// (workflow.state.case.*, workflow.step.case.*), which its errors use too.
	keys := []string{"workflow.step.case.start", "case.step.not_accept.confirm", "case.step.merge.confirm"}
	for _, st := range flow.States {
		keys = append(keys, "workflow.state.case."+st.Name)
	}
	for _, tr := range flow.Transitions {
		keys = append(keys, "workflow.step.case."+tr.Name, "case.step."+tr.Name+".help")
		for _, r := range tr.Results {
			keys = append(keys, "case.result."+r)
		}
	}
	for _, c := range cases.Channels {
		keys = append(keys, "case.channel."+string(c))
	}
	for _, kind := range []string{"worker", "resident", "hotline", "app"} {
		keys = append(keys, "case.reporter."+kind)
	}
	for _, tab := range []string{"mine", "open", "closed", "all"} {
		keys = append(keys, "case.tab."+tab, "case.empty."+tab)
	}
	for _, l := range []string{"open", "due_soon", "yellow", "red"} {
		keys = append(keys, "case.board.list."+l)
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}
