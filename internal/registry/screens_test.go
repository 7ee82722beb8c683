package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
)

// TestPages_OnAPhone opens every page of the register in headless Chromium on a
// 390 px phone, as a community's user, and checks that none scrolls sideways; a
// form sent empty comes back with its problems. With SHEQU_SCREENSHOTS=DIR it
// leaves a screenshot of each in DIR. It needs Chromium, and is skipped without.
func TestPages_OnAPhone(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no Chromium installed")
	}
	d := dbtest.SQLite(t)
	w := newPagesWorld(t, d)
	ids := phoneFixture(t, w)

	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.StaticHandler())
	mux.Handle("/", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.h.ServeHTTP(rw, r.WithContext(auth.WithPrincipal(r.Context(), community)))
	}))
	srv := httptest.NewServer(web.SecurityHeaders(mux))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()),
		// The users' browsers ask for Chinese; headless Chromium would ask for English.
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	dir := os.Getenv("SHEQU_SCREENSHOTS")
	shoot := func(name, path string, then ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		actions := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(srv.URL + path)}, then...)
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		over, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			t.Errorf("%s is %dpx wider than a 390 px phone", path, over)
		}
		text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, "出错了") {
			t.Errorf("%s: an error page: %.200s", path, text)
		}
		if dir == "" {
			return
		}
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shoot("households", "/org/"+orgtest.Community+"/households")
	shoot("households-grid", "/org/"+orgtest.Grid+"/households?tag=dibao")
	shoot("household", "/households/"+w.hA.ID)
	shoot("household-new", "/households/new?unit="+orgtest.Community)
	shoot("household-new-errors", "/households/new?unit="+orgtest.Community,
		chromedp.Click(chromedp.CSS(`form.panel button[type="submit"]`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS("#form-error")))
	shoot("household-edit", "/households/"+w.hA.ID+"/edit")
	shoot("newborn", "/households/"+w.hA.ID+"/residents/new?newborn=1")
	shoot("resident", "/residents/"+w.head.ID)
	shoot("resident-edit", "/residents/"+w.head.ID+"/edit")
	shoot("move", "/residents/"+w.head.ID+"/move")
	shoot("deregister", "/residents/"+w.head.ID+"/deregister")
	shoot("register", "/residents/"+ids["former"]+"/register")
	shoot("resident-deregistered", "/residents/"+ids["former"])
	shoot("split", "/households/"+w.hA.ID+"/split")
	shoot("merge", "/households/"+w.hA.ID+"/merge?household_no=H050")
	shoot("roll", "/org/"+orgtest.Grid+"/residents?surname="+"李")
	shoot("permits", "/org/"+orgtest.Community+"/permits")
	shoot("search", "/search?q=李")
	shoot("households-en", "/org/"+orgtest.Community+"/households?lang=en")
	shoot("resident-en", "/residents/"+w.head.ID+"?lang=en")
}

// phoneFixture adds to the register's fixture what the pages show at their
// fullest: a family with a member who died, a grid contact, households up a
// stairwell, a household to merge, a floating resident whose permit expires soon.
func phoneFixture(t *testing.T, w pagesWorld) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	stairwell(t, w)
	spouse, err := w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "王秀英", IDNumber: idNumber("450403", "19680520", "002"),
		HouseholdNo: "H001", Relation: "10", PopulationType: "registered", Phone: "13912345678", Tags: []string{"disabled"}, Ethnicity: "01"})
	must(err)
	former, err := w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李老汉", IDNumber: idNumber("450403", "19350101", "011"),
		HouseholdNo: "H001", Relation: "50", PopulationType: "registered", RegisteredOn: "2026-11-01"})
	must(err)
	_, err = w.s.Deregister(ctx, city, former.ID, registry.DeregisterInput{Reason: "1", On: "2026-11-20", Note: "居民死亡医学证明"})
	must(err)
	ids["former"] = former.ID
	makeContact(t, w.d, orgtest.Grid, spouse.ID, "building_head")
	_, err = w.s.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H050", GridCode: orgtest.Grid, Street: "东兴路", DoorNo: "12", Building: "3", RoomNo: "202"})
	must(err)
	_, err = w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李军", IDNumber: idNumber("450403", "19900101", "031"),
		HouseholdNo: "H050", Relation: "02", PopulationType: "registered"})
	must(err)
	_, err = w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "陈打工", IDNumber: idNumber("452501", "19950301", "013"),
		HouseholdNo: "S1", Relation: "99", PopulationType: "floating", ResidenceStatus: "2", InflowReason: "01", PermitNo: "4504032025000123",
		PermitRegisteredOn: "2025-12-10", PermitExpiresOn: "2026-12-10", HukouRegion: "452501"})
	must(err)
	_, err = w.s.MoveResident(ctx, city, w.head.ID, registry.MoveInput{HouseholdNo: "S2", Relation: "02", Reason: "暂住子女家"})
	must(err)
	_, err = w.s.MoveResident(ctx, city, w.head.ID, registry.MoveInput{HouseholdNo: "H001", Relation: "02", Reason: "返回原户"})
	must(err)
	return ids
}
