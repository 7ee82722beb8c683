package consolidation_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"shequ/internal/consolidation"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

func clock() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }

// cityWithPlans builds the test city with two grids bordering each other and a
// boundary each, and returns a server, a district user's token and two plans.
func cityWithPlans(t *testing.T, d *db.DB) (*server.Server, string, [2]string) {
	t.Helper()
	ctx := context.Background()
	orgtest.Build(t, d)
	svc := consolidation.NewService(d, clock, time.UTC)
	geo := `{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"grid":"` + orgtest.Grid + `","area_type":"老城区"},"geometry":{"type":"Polygon","coordinates":[[[111.2,23.4],[111.21,23.4],[111.21,23.41],[111.2,23.41],[111.2,23.4]]]}},
		{"type":"Feature","properties":{"grid":"` + orgtest.GridB + `"},"geometry":{"type":"Polygon","coordinates":[[[111.21,23.4],[111.22,23.4],[111.22,23.41],[111.21,23.41],[111.21,23.4]]]}}]}`
	if rep, err := svc.ImportBoundaries(ctx, auth.System(), []byte(geo), consolidation.DefaultMinSharedM); err != nil || !rep.OK() {
		t.Fatal(err, rep.Problems)
	}
	var ids [2]string
	for i, target := range []int{3000, 1500} {
		p, err := svc.Make(ctx, auth.System(), consolidation.Params{Scope: orgtest.District, TargetHouseholds: target, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = p.ID
	}
	as := auth.NewService(d, clock)
	if _, err := as.AddUser(ctx, "qu", auth.RoleDistrict, orgtest.District); err != nil {
		t.Fatal(err)
	}
	tok, err := as.NewAPIToken(ctx, "qu")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: d, Now: clock, Zone: time.UTC, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, tok, ids
}

func ask(srv http.Handler, tok, lang, method, path string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Accept-Language", lang)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return w
}

func TestPages_APlanBesideTodayAndAnotherWithItsMapInBothLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, tok, ids := cityWithPlans(t, d)
		for _, c := range []struct{ lang, today, other string }{{"zh-CN", "现状", "另一方案"}, {"en", "Today", "Other plan"}} {
			w := ask(srv, tok, c.lang, http.MethodGet, "/plans/"+ids[0]+"?with="+ids[1], nil)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d %.300s", c.lang, w.Code, body)
			}
			for _, want := range []string{c.today, c.other, `class="plan-map"`, `class="plan-map-today"`, "<path d=\"M"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s: the page lacks %q", c.lang, want)
				}
			}
			list := ask(srv, tok, c.lang, http.MethodGet, "/plans", nil)
			if list.Code != http.StatusOK || !strings.Contains(list.Body.String(), "/plans/"+ids[1]) {
				t.Errorf("%s: the list %d lacks the plan", c.lang, list.Code)
			}
		}
	})
}

func TestPages_AFormOutOfRangeIsShownAgainWithWhatIsWrong(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, tok, _ := cityWithPlans(t, d)
		w := ask(srv, tok, "zh-CN", http.MethodPost, "/plans", url.Values{"scope": {orgtest.District}, "tolerance": {"1.5"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "容差必须在 0 和 1 之间") {
			t.Errorf("a tolerance of 1.5: %d %.300s", w.Code, w.Body.String())
		}
		w = ask(srv, tok, "zh-CN", http.MethodPost, "/plans", url.Values{"scope": {orgtest.District}, "target_households": {"0"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "目标户数必须是正整数") {
			t.Errorf("a target of 0: %d %.300s", w.Code, w.Body.String())
		}
		w = ask(srv, tok, "zh-CN", http.MethodPost, "/plans", url.Values{"scope": {orgtest.District}, "target_households": {"2000"}})
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/plans/") {
			t.Errorf("a good form: %d %q", w.Code, w.Header().Get("Location"))
		}
	})
}
