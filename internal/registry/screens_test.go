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
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
	"shequ/internal/stats"
)

// phone is headless Chromium on a 390 px phone, signed in as a community's user,
// before the register's pages of a world.
type phone struct {
	t    *testing.T
	tab  context.Context
	base string
	dir  string // where screenshots go, "" for none
}

// newPhone serves w's pages and opens a browser on them, signed in as the
// community's user; it skips the test when Chromium is not installed.
func newPhone(t *testing.T, w pagesWorld) *phone {
	t.Helper()
	return newPhoneAs(t, w, community)
}

// newPhoneAs is newPhone signed in as p.
func newPhoneAs(t *testing.T, w pagesWorld, p auth.Principal) *phone {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no Chromium installed")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.StaticHandler())
	mux.Handle("/", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.h.ServeHTTP(rw, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	}))
	srv := httptest.NewServer(web.SecurityHeaders(mux))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()),
		// The users' browsers ask for Chinese; headless Chromium would ask for English.
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &phone{t: t, tab: tab, base: srv.URL, dir: os.Getenv("SHEQU_SCREENSHOTS")}
}

// do runs actions in the browser.
func (ph *phone) do(actions ...chromedp.Action[chromedp.Void]) {
	ph.t.Helper()
	if err := chromedp.Do(ph.tab, actions...); err != nil {
		ph.t.Fatalf("browser: %v", err)
	}
}

// text is what the page shows.
func (ph *phone) text() string {
	ph.t.Helper()
	text, err := chromedp.Run(ph.tab, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		ph.t.Fatal(err)
	}
	return text
}

// mustSee checks that the page shows each of want.
func (ph *phone) mustSee(want ...string) {
	ph.t.Helper()
	text := ph.text()
	for _, s := range want {
		if !strings.Contains(text, s) {
			ph.t.Errorf("the page does not show %q: %.300s", s, text)
		}
	}
}

// shot checks that the page fits the phone and is no error page, and saves its
// screenshot as name.png when screenshots are asked for.
func (ph *phone) shot(name string) {
	ph.t.Helper()
	over, err := chromedp.Run(ph.tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		ph.t.Fatal(err)
	}
	if over > 0 {
		ph.t.Errorf("%s is %dpx wider than a 390 px phone", name, over)
	}
	if text := ph.text(); strings.Contains(text, "出错了") {
		ph.t.Errorf("%s: an error page: %.200s", name, text)
	}
	if ph.dir == "" {
		return
	}
	png, err := chromedp.Run(ph.tab, chromedp.FullScreenshot(100))
	if err != nil {
		ph.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ph.dir, name+".png"), png, 0o644); err != nil {
		ph.t.Fatal(err)
	}
}

// open goes to path, runs then, and takes the page's shot as name.
func (ph *phone) open(name, path string, then ...chromedp.Action[chromedp.Void]) {
	ph.t.Helper()
	ph.do(append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(ph.base + path)}, then...)...)
	ph.shot(name)
}

// TestPages_OnAPhone opens every page of the register in headless Chromium on a
// 390 px phone, as a community's user, and checks that none scrolls sideways; a
// form sent empty comes back with its problems. With SHEQU_SCREENSHOTS=DIR it
// leaves a screenshot of each in DIR. It needs Chromium, and is skipped without.
func TestPages_OnAPhone(t *testing.T) {
	w := newPagesWorld(t, dbtest.SQLite(t))
	ph := newPhone(t, w)
	ids := phoneFixture(t, w)
	shoot := ph.open
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

// TestPages_OnAPhone_KeepTheRegister keeps the register as a community's worker
// does, on a 390 px phone: adds a household from the list, registers a birth in
// it, moves a resident into it, records the resident's death, and finds each in
// the household, the history and the list.
//
// The statistics for today follow: one household more, a birth in and a death
// out; as of the day before, nothing changed. It runs on both databases.
func TestPages_OnAPhone_KeepTheRegister(t *testing.T) {
	dbtest.Each(t, keepTheRegisterOnAPhone)
}

func keepTheRegisterOnAPhone(t *testing.T, d *db.DB) {
	w := newPagesWorld(t, d)
	ph := newPhone(t, w)
	figures := func(day string) stats.Stats {
		t.Helper()
		on, _ := time.Parse(time.DateOnly, day)
		s, err := stats.Compute(context.Background(), d.Read(), scope.Everything(), orgtest.Community, on)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	today, yesterday := figures("2026-11-27"), figures("2026-11-26")
	type css = chromedp.CSS
	submit := chromedp.Click(css(`form.panel button[type="submit"]`), chromedp.NodeVisible)
	done := chromedp.WaitVisible(css("#done"))

	ph.open("flow-1-list", "/org/"+orgtest.Community+"/households")
	ph.do(chromedp.Click(css(`a[href^="/households/new"]`), chromedp.NodeVisible), chromedp.WaitVisible(css("#f-household_no")))
	ph.do(chromedp.SendKeys(css("#f-household_no"), "H100"), chromedp.SetValue(css("#f-grid_code"), orgtest.Grid),
		chromedp.SendKeys(css("#f-street"), "民主路"), chromedp.SendKeys(css("#f-door_no"), "6"), chromedp.SendKeys(css("#f-building"), "2"),
		chromedp.SendKeys(css("#f-unit_no"), "1"), chromedp.SendKeys(css("#f-floor_no"), "3"), chromedp.SendKeys(css("#f-room_no"), "302"))
	ph.shot("flow-2-household-form")
	ph.do(submit, done)
	ph.mustSee("已新建该户", "户号 H100", "民主路6号2栋1单元3楼302")
	ph.shot("flow-3-household")

	ph.do(chromedp.Click(css(`a[href$="newborn=1"]`), chromedp.NodeVisible), chromedp.WaitVisible(css("#f-name")))
	ph.do(chromedp.SendKeys(css("#f-name"), "张小宝"), chromedp.SendKeys(css("#f-id_number"), idNumber("450403", "20261015", "021")),
		chromedp.SetValue(css("#f-relation"), "30"), submit, done)
	ph.mustSee("已登记该居民", "张小宝", "2026-10-15 · 出生", "女")
	ph.shot("flow-4-newborn")

	ph.open("flow-5-resident", "/residents/"+w.head.ID)
	ph.do(chromedp.Click(css(`a[href$="/move"]`), chromedp.NodeVisible), chromedp.WaitVisible(css("#f-household_no")))
	ph.do(chromedp.SendKeys(css("#f-household_no"), "H100"), chromedp.SetValue(css("#f-relation"), "02"),
		chromedp.SendKeys(css("#f-reason"), "投靠女儿"), submit, done)
	ph.mustSee("已迁至新户", "从 H001 迁至 H100", "投靠女儿")

	ph.do(chromedp.Click(css(`a[href$="/deregister"]`), chromedp.NodeVisible), chromedp.WaitVisible(css("#f-reason")))
	ph.do(chromedp.SetValue(css("#f-reason"), "1"), chromedp.SendKeys(css("#f-note"), "居民死亡医学证明"))
	ph.shot("flow-6-deregister")
	// The form asks to confirm (data-confirm); the worker says yes.
	ph.do(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), submit, done)
	ph.mustSee("已注销", "已注销 · 死亡 · 2026-11-27", "居民死亡医学证明", "从 H001 迁至 H100", "重新登记")
	ph.shot("flow-7-deregistered")

	ph.open("flow-8-household-after", "/households/"+w.hA.ID)
	ph.mustSee("0 人", "这一户还没有登记成员")
	ph.open("flow-9-list-after", "/org/"+orgtest.Community+"/households?address="+"民主路6号")
	ph.mustSee("共 1 户", "H100", "未登记户主")
	ph.do(chromedp.Click(css(`td a[href^="/households/"]`), chromedp.NodeVisible), chromedp.WaitVisible(css("#household-former")))
	ph.mustSee("张小宝", "已注销的成员", "李建国", "1 人")

	after := figures("2026-11-27")
	if after.Households != today.Households+1 || after.Residents.Registered != today.Residents.Registered {
		t.Errorf("today: %d households, %d registered; before the worker's day %d, %d (one household more, a birth in, a death out)",
			after.Households, after.Residents.Registered, today.Households, today.Residents.Registered)
	}
	// The newborn is registered from their birth (出生), so the day before counts them
	// too; the household was established today and the death was today.
	if again := figures("2026-11-26"); again.Households != yesterday.Households || again.Residents.Registered != yesterday.Residents.Registered+1 {
		t.Errorf("the day before: %d households, %d registered; was %d, %d (the newborn counts from birth)",
			again.Households, again.Residents.Registered, yesterday.Households, yesterday.Residents.Registered)
	}
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
