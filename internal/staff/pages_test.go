package staff_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
	"shequ/internal/staff"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := i18n.Load(staff.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, staff.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	for _, level := range []string{"district", "street", "community", "grid"} {
		if !b.Has("staff.by_child." + level) {
			t.Errorf("missing staff.by_child.%s", level)
		}
	}
}

// rosterPage serves /staff over a test city with three workers, two in 东兴社区 and
// one in 南环社区, and returns a function that gets a page as a principal.
func rosterPage(t *testing.T) (func(p auth.Principal, target string) (int, string), []staff.Worker) {
	t.Helper()
	d := dbtest.SQLite(t)
	orgtest.Build(t, d)
	s := staff.NewService(d, now)
	ctx := context.Background()
	var made []staff.Worker
	for _, in := range []staff.WorkerInput{
		worker("陈丽", "19850601", "022", orgtest.Grid),
		{Name: "黄强", IDNumber: idNumber("19600310", "031"), CommunityCode: orgtest.Community, Position: "secretary_director",
			Education: "senior_high", HiredOn: "2001-03-01", Phone: "13900001111"},
		{Name: "刘洋", IDNumber: idNumber("19950920", "042"), CommunityCode: orgtest.Community2, Position: "grid_worker",
			Education: "junior_college", HiredOn: "2019-09-01", Phone: "13700002222", GridCodes: []string{orgtest.Grid2}},
	} {
		w, err := s.Create(ctx, district, in)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, w)
	}
	b, err := i18n.Load(staff.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, staff.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	staff.RegisterPages(mux, s, org.NewService(d, now), rend, now)
	h := web.Language(mux)
	return func(p auth.Principal, target string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req = req.WithContext(auth.WithPrincipal(req.Context(), p))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}, made
}

func TestStaffPage_ListsTheWorkersUnderTheUnitMasked(t *testing.T) {
	get, made := rosterPage(t)
	code, body := get(district, "/staff")
	if code != http.StatusOK {
		t.Fatalf("status %d\n%s", code, body)
	}
	for _, want := range []string{"社区工作者", "万秀区（区）", "陈丽", "黄强", "刘洋", "东兴社区", "南环社区", "书记兼主任", "网格员",
		"高中", "大专", "2001-03-01", "139****1111", `<a href="/org/` + orgtest.Grid + `">东兴第一网格</a>`,
		`href="/staff?scope=` + orgtest.Street + `"`, "按街道查看", "3 <small>/ 14</small>", "缺编 11 人"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, w := range made {
		if strings.Contains(body, w.IDNumber) {
			t.Errorf("page shows %s's full ID number", w.Name)
		}
	}
	if strings.Contains(body, "13900001111") {
		t.Error("page shows a full phone number")
	}
	// Sorted by community, then name: 东兴社区's two before 南环社区's one.
	if i, j := strings.Index(body, "黄强"), strings.Index(body, "刘洋"); i > j {
		t.Error("roster is not in community order")
	}
}

func TestStaffPage_ScopeNarrowsAndStopsAtTheUsersUnit(t *testing.T) {
	get, _ := rosterPage(t)
	code, body := get(district, "/staff?scope="+orgtest.Community2)
	if code != http.StatusOK || !strings.Contains(body, "刘洋") || strings.Contains(body, "陈丽") {
		t.Errorf("narrowed to 南环社区: status %d", code)
	}
	community := auth.Principal{UserID: "c", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	for _, target := range []string{"/staff?scope=" + orgtest.Community2, "/staff?scope=" + orgtest.District} {
		if code, _ := get(community, target); code != http.StatusNotFound {
			t.Errorf("%s as 东兴社区: status %d, want 404", target, code)
		}
	}
	grid := auth.Principal{UserID: "g", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
	code, body = get(grid, "/staff?lang=en")
	if code != http.StatusOK || !strings.Contains(body, "陈丽") || strings.Contains(body, "黄强") {
		t.Errorf("grid worker's roster: status %d", code)
	}
	if !strings.Contains(body, "Community workers") || !strings.Contains(body, "东兴社区") {
		t.Error("grid worker's roster lacks the English title or the community's name")
	}
}
