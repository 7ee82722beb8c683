package fieldwork_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
// 390 px phone, opens the day, goes to the grid, records a visit with a need and a
// follow-up, and sees it; screenshots go to SHEQU_SCREENSHOTS when set.
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
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	defer cancelAlloc()
	tab, cancel := chromedp.NewContext(alloc)
	defer cancel()
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
		chromedp.WaitVisible(chromedp.CSS("main")),
		chromedp.Navigate(hs.URL+"/day"), chromedp.WaitVisible(chromedp.CSS("#patrol-start")), shoot("fieldwork-day"),
		chromedp.Navigate(hs.URL+"/grids/"+orgtest.Grid), chromedp.WaitVisible(chromedp.CSS("#grid-homes")), shoot("fieldwork-grid"),
		chromedp.Navigate(hs.URL+"/visits/new?household="+f.hA.ID), chromedp.WaitVisible(chromedp.CSS("#visit-form")),
		chromedp.SendKeys(chromedp.CSS("#f-met"), "户主李建国"),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), "老人身体尚可，独居"),
		chromedp.SendKeys(chromedp.CSS("#f-needs"), "楼道灯坏了"),
		chromedp.SetValue(chromedp.CSS("#f-follow"), "2026-10-08"),
		shoot("fieldwork-visit-form"),
		chromedp.Click(chromedp.CSS(`#visit-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#visit-needs")), shoot("fieldwork-visit"),
	)
	if n := count(t, d, `SELECT COUNT(*) FROM visits WHERE household_id = $1 AND follow_up_on = '2026-10-08' AND notes = '老人身体尚可，独居'`, f.hA.ID); n != 1 {
		t.Errorf("the visit recorded in the browser is kept %d times, want once", n)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM visit_needs WHERE description = '楼道灯坏了'`); n != 1 {
		t.Errorf("the need is kept %d times, want once", n)
	}
}
