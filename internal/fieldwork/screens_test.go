package fieldwork_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/fieldwork"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

// browser returns the path of Chromium, skipping the test when there is none
// unless SHEQU_BROWSER=required.
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SHEQU_BROWSER") == "required" {
		t.Fatal("SHEQU_BROWSER=required, but no Chromium is installed")
	}
	t.Skip("no Chromium installed")
	return ""
}

// TestScreens_AGridWorkerRecordsAVisitOnAPhone signs in as the grid's worker on a
// 390 px phone, opens the day, goes to the grid, and records a visit with a need
// and a follow-up with no network: it waits on the phone, is sent once when the
// network returns, and shows; screenshots go to SHEQU_SCREENSHOTS when set.
func TestScreens_AGridWorkerRecordsAVisitOnAPhone(t *testing.T) {
	chromium := browser(t)
	d := dbtest.SQLite(t)
	f := setup(t, d, fieldwork.Hooks{})
	ctx := context.Background()
	if _, err := f.s.AddContact(ctx, community, orgtest.Grid, fieldwork.ContactInput{ResidentID: f.inA.ID, Role: "building_head", AnswersFor: "3栋"}); err != nil {
		t.Fatal(err)
	}
	as := auth.NewService(d, now)
	pwd, err := as.AddUser(ctx, "王网格", auth.RoleGrid, orgtest.Grid)
	if err == nil {
		err = as.WaivePasswordChange(ctx, "王网格")
	}
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: d, Now: now, Zone: shanghai, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	net := &line{next: srv}
	hs := httptest.NewServer(net)
	t.Cleanup(hs.Close)

	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	defer cancelAlloc()
	tab, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first action opens the tab, which lives as long as that action's
	// context: it must have no timeout of its own.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	dir := os.Getenv("SHEQU_SCREENSHOTS")
	shoot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			if dir == "" {
				return chromedp.Void{}, nil
			}
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
	}
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, stop := context.WithTimeout(tab, time.Minute)
		defer stop()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
		chromedp.Navigate(hs.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#login-name"), "王网格"), chromedp.SendKeys(chromedp.CSS("#login-password"), pwd),
		chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(hs.URL+"/day"), chromedp.WaitVisible(chromedp.CSS("#patrol-start")), shoot("fieldwork-day"),
		chromedp.Navigate(hs.URL+"/grids/"+orgtest.Grid), chromedp.WaitVisible(chromedp.CSS("#grid-homes")), shoot("fieldwork-grid"),
		chromedp.Navigate(hs.URL+"/visits/new?household="+f.hA.ID), chromedp.WaitVisible(chromedp.CSS("#visit-form")),
		chromedp.SendKeys(chromedp.CSS("#f-met"), "户主李建国"),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), "老人身体尚可，独居"),
		chromedp.SendKeys(chromedp.CSS("#f-needs"), "楼道灯坏了"),
		chromedp.SetValue(chromedp.CSS("#f-follow"), "2026-10-08"),
		shoot("fieldwork-visit-form"),
	)
	// In the stairwell there is no signal: the visit waits on the phone.
	net.down.Store(true)
	run(chromedp.Click(chromedp.CSS(`#visit-form button[type="submit"]`)))
	waitFor(t, tab, `!document.getElementById("outbox").hidden`)
	run(shoot("fieldwork-visit-offline"))
	if n := count(t, d, `SELECT COUNT(*) FROM visits`); n != 0 {
		t.Fatalf("%d visits reached the server with no network", n)
	}
	// Back in signal, the visit is sent once, and the phone says so with a link.
	net.down.Store(false)
	run(chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("online"))`))
	waitFor(t, tab, `document.getElementById("outbox").hidden && !!document.querySelector("#outbox-status a")`)
	run(shoot("fieldwork-visit-sent"))
	c, stop := context.WithTimeout(tab, time.Minute)
	link, err := chromedp.Run(c, chromedp.Evaluate[string](`document.querySelector("#outbox-status a").href`))
	stop()
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#visit-needs")), shoot("fieldwork-visit"))
	if n := count(t, d, `SELECT COUNT(*) FROM visits WHERE household_id = $1 AND follow_up_on = '2026-10-08' AND notes = '老人身体尚可，独居'`, f.hA.ID); n != 1 {
		t.Errorf("the visit recorded in the browser is kept %d times, want once", n)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM visit_needs WHERE description = '楼道灯坏了'`); n != 1 {
		t.Errorf("the need is kept %d times, want once", n)
	}
}

// line is the network between the phone and the server; down, it drops every
// connection, as a stairwell does.
type line struct {
	down atomic.Bool
	next http.Handler
}

func (l *line) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.down.Load() {
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
		return
	}
	l.next.ServeHTTP(w, r)
}

// waitFor polls js in the tab until it is true, for up to a minute.
func waitFor(t *testing.T, tab context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		c, stop := context.WithTimeout(tab, 5*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](js))
		stop()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waited a minute for %s", js)
}
