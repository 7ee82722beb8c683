package proposals_test

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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/proposals"
	"shequ/internal/registry"
	"shequ/internal/server"
)

// phoneScreen is the phone the pages are looked at on.
var phoneScreen = [2]int64{390, 844}

// browserStep bounds one browser action, so that a page that never comes fails
// the test instead of hanging it.
const browserStep = time.Minute

// office is the whole server on a fixture's database, with a grid worker's and
// the community's logins, and headless Chromium.
type office struct {
	t       *testing.T
	f       fixture
	base    string
	browser context.Context
	pwd     map[string]string
	net     *cable
}

// cable is the network between the phone and the server, which the test can cut
// (a stairwell with no signal): nothing then reaches the server.
type cable struct {
	next http.Handler
	down bool
}

func (c *cable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.down {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	c.next.ServeHTTP(w, r)
}

const (
	workerLogin = "网格员小王"
	officeLogin = "社区李主任"
)

func newOffice(t *testing.T, d *db.DB) *office {
	t.Helper()
	var chromium string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		if os.Getenv("SHEQU_BROWSER") == "required" {
			t.Fatal("SHEQU_BROWSER=required, but no Chromium is installed")
		}
		t.Skip("no Chromium installed; set SHEQU_BROWSER=required to fail instead")
	}
	f := setup(t, d)
	o := &office{t: t, f: f, pwd: map[string]string{}}
	as := auth.NewService(d, now)
	ctx := context.Background()
	for _, u := range []struct {
		name string
		role auth.Role
		org  string
	}{{workerLogin, auth.RoleGrid, worker.OrgCode}, {officeLogin, auth.RoleCommunity, community.OrgCode}} {
		pwd, err := as.AddUser(ctx, u.name, u.role, u.org)
		if err == nil {
			err = as.WaivePasswordChange(ctx, u.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		o.pwd[u.name] = pwd
	}
	srv, err := server.New(server.Config{DB: d, Now: now, Zone: shanghai, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	o.net = &cable{next: srv}
	hs := httptest.NewServer(o.net)
	t.Cleanup(hs.Close)
	o.base = hs.URL
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	o.browser = browser
	return o
}

// phoneTab is one user's browser on a phone, signed in.
type phoneTab struct {
	t   *testing.T
	o   *office
	ctx context.Context
}

func (o *office) signIn(user string) *phoneTab {
	o.t.Helper()
	ctx, cancel := chromedp.NewContext(o.browser, chromedp.WithNewBrowserContext())
	o.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		o.t.Fatal(err)
	}
	tb := &phoneTab{t: o.t, o: o, ctx: ctx}
	tb.do(chromedp.EmulateViewport(phoneScreen[0], phoneScreen[1], chromedp.EmulateScale(2), chromedp.EmulateMobile))
	tb.visit("/login")
	tb.do(chromedp.SendKeys(chromedp.CSS("#login-name"), user), chromedp.SendKeys(chromedp.CSS("#login-password"), o.pwd[user]))
	tb.load("sign in as "+user, chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`), chromedp.NodeVisible))
	return tb
}

func (tb *phoneTab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

func (tb *phoneTab) js(expr string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func (tb *phoneTab) visit(path string) {
	tb.t.Helper()
	u := tb.o.base + path
	tb.load("open "+path, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: u})
		return chromedp.Void{}, err
	})
}

// load runs trigger, which must load another page, and waits until it has
// loaded: the old page carries a mark the new one lacks.
func (tb *phoneTab) load(what string, trigger chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`window.oldPage = true`), trigger)
	tb.waitFor(what, `!window.oldPage && document.readyState === "complete"`)
}

func (tb *phoneTab) waitFor(what, js string) {
	tb.t.Helper()
	deadline := time.Now().Add(browserStep)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s never happened: %.400s", what, tb.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (tb *phoneTab) text() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

func (tb *phoneTab) mustSee(want ...string) {
	tb.t.Helper()
	text := tb.text()
	for _, s := range want {
		if !strings.Contains(text, s) {
			tb.t.Errorf("the page does not show %q: %.500s", s, text)
		}
	}
}

// look checks the page fits the phone's width and is no error page, and saves
// its screenshot as name.png in $SHEQU_SCREENSHOTS when that is set.
func (tb *phoneTab) look(name string) {
	tb.t.Helper()
	if over := tb.js(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); over != "0" {
		tb.t.Errorf("%s: the page is %spx wider than the phone", name, over)
	}
	if strings.Contains(tb.text(), "出错了") {
		tb.t.Errorf("%s: an error page: %.300s", name, tb.text())
	}
	dir := os.Getenv("SHEQU_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// offline cuts the line between the phone and the server, or mends it: every
// request, the page's and its service worker's, fails as in a stairwell.
func (tb *phoneTab) offline(off bool) { tb.o.net.down = off }

func (tb *phoneTab) propose(fields map[string]string) {
	tb.t.Helper()
	tb.do(chromedp.SetValue(chromedp.CSS("#f-kind"), fields["kind"]),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-kind").dispatchEvent(new Event("change"))`))
	for _, name := range []string{"household_no", "name", "id_number", "phone", "note"} {
		if v, ok := fields[name]; ok {
			tb.do(chromedp.SendKeys(chromedp.CSS("#f-"+name), v, chromedp.NodeVisible))
		}
	}
	if v, ok := fields["relation"]; ok {
		tb.do(chromedp.SetValue(chromedp.CSS("#f-relation"), v))
	}
	if v, ok := fields["photo"]; ok {
		tb.do(chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{v}))
	}
	tb.do(chromedp.Click(chromedp.CSS(`form[data-outbox] button[type="submit"]`), chromedp.NodeVisible))
}

func TestProposals_OnAPhone_ProposedInTheFieldReviewedAtTheOffice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		o := newOffice(t, d)
		w := o.signIn(workerLogin)
		w.visit("/proposals/new")
		w.waitFor("the proposals' service worker controls the form", `navigator.serviceWorker.controller !== null`)

		// In a stairwell with no signal: the form still opens, and keeps both
		// proposals on the phone.
		w.offline(true)
		w.load("the form again, offline", chromedp.Reload())
		w.mustSee("信息采集申报", "申报类型")
		w.propose(map[string]string{"kind": "newborn", "household_no": "H001", "name": "李小宝", "id_number": idNumber("20261001", "013"),
			"relation": "41", "note": "出生医学证明已看过", "photo": certificate(t)})
		w.waitFor("the newborn waits in the outbox", `!document.getElementById("outbox").hidden`)
		w.propose(map[string]string{"kind": "phone", "household_no": "H001", "name": "李建国", "phone": "13900001111", "note": "户主来电告知新号码"})
		w.waitFor("both wait", `document.querySelectorAll("#outbox li").length === 2`)
		w.mustSee("待发送", "新生儿", "联系电话变更", "等待发送", "1 张照片")
		w.look("proposal-offline")
		if n := count(t, d, `SELECT COUNT(*) FROM proposals`); n != 0 {
			t.Fatalf("offline, the server has %d proposals", n)
		}

		// The signal returns: each is sent once.
		w.offline(false)
		w.do(chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("online"))`))
		w.waitFor("the outbox is empty", `document.getElementById("outbox").hidden`)
		if n := count(t, d, `SELECT COUNT(*) FROM proposals WHERE state = 'waiting'`); n != 2 {
			t.Fatalf("%d proposals waiting, want 2", n)
		}
		w.look("proposal-sent")

		// The community: the queue, oldest first; the newborn approved, the phone
		// returned with a reason.
		c := o.signIn(officeLogin)
		c.visit("/proposals/review")
		c.mustSee("信息采集审核", "新生儿", "李小宝 · H001", "联系电话变更", "李建国 · H001", "已等")
		c.look("proposal-review")
		var baby, phone string
		if err := d.Read().QueryRowContext(context.Background(), `SELECT id FROM proposals WHERE kind = 'newborn'`).Scan(&baby); err != nil {
			t.Fatal(err)
		}
		if err := d.Read().QueryRowContext(context.Background(), `SELECT id FROM proposals WHERE kind = 'phone'`).Scan(&phone); err != nil {
			t.Fatal(err)
		}
		c.load("open the newborn", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/proposals/%s"]`, baby)), chromedp.NodeVisible))
		c.mustSee("李小宝", "450403********013", "孙子", "证件照片")
		if n := count(t, d, `SELECT COUNT(*) FROM files WHERE owner_kind = 'proposal'`); n != 1 {
			t.Errorf("%d photos kept, want 1", n)
		}
		c.look("proposal-newborn")
		c.load("approve", chromedp.Click(chromedp.CSS("#approve"), chromedp.NodeVisible))
		c.mustSee("已通过，居民信息已更改")
		c.visit("/proposals/" + phone)
		c.mustSee("联系电话变更", "139****1111", "申报时")
		c.do(chromedp.SendKeys(chromedp.CSS("#r-reason"), "号码与户主本人确认不符，请再核实"))
		c.load("reject", chromedp.Click(chromedp.CSS("#reject"), chromedp.NodeVisible))
		c.mustSee("已退回", "号码与户主本人确认不符")
		c.look("proposal-rejected")

		// The register: the newborn is on it, from the birth date; the phone is
		// what it was.
		if n := count(t, d, `SELECT COUNT(*) FROM residents WHERE name = '李小宝' AND registered_on = '2026-10-01'`); n != 1 {
			t.Errorf("the newborn on the register: %d", n)
		}
		r, _, err := o.f.reg.Resident(context.Background(), community, o.f.head.ID)
		if err != nil || r.Phone != "13812345678" {
			t.Errorf("the head's phone %q %v", r.Phone, err)
		}

		// A proposal whose resident changed meanwhile: both versions, side by
		// side, and no approval.
		stale := submit(t, o.f, worker, proposals.Input{Kind: proposals.TagAdd, ResidentID: o.f.head.ID,
			Payload: payload(proposals.Change{Tag: "dibao"}), Note: "低保证已看"})
		in := registry.ResidentInput{Name: "李建国", IDNumber: o.f.head.IDNumber, HouseholdNo: "H001", Relation: "head",
			PopulationType: "registered", Phone: "13712345678"}
		if _, err := o.f.reg.UpdateResident(context.Background(), community, o.f.head.ID, in); err != nil {
			t.Fatal(err)
		}
		c.visit("/proposals/" + stale.ID)
		c.mustSee("已有变动", "申报时", "现在", "138****5678", "137****5678", "已变")
		if c.js(`String(!!document.getElementById("approve"))`) != "false" {
			t.Error("a stale proposal offers approval")
		}
		c.look("proposal-stale")

		// The worker sees the reason.
		w.visit("/proposals")
		w.mustSee("我的信息采集", "已退回", "号码与户主本人确认不符，请再核实", "已通过")
		w.look("proposal-mine")
	})
}

// certificate writes a photo of a document, as a phone's camera gives it.
func certificate(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for x := range 320 {
		for y := range 240 {
			img.Set(x, y, color.RGBA{R: uint8(200 + x%50), G: 180, B: uint8(120 + y%80), A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "出生医学证明.jpg")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func count(t *testing.T, d *db.DB, query string) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
