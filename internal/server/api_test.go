package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/server"
	"shequ/internal/staff"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

func idNumber(birth, seq string) string {
	s := "450403" + birth + seq
	return s + string(pii.CheckDigit(s))
}

// world is a small city with one household, resident and worker in each of three
// grids (two in one community, one in a sibling street), and a user of every role.
type world struct {
	srv    *server.Server
	tokens map[string]string // user name → bearer token
	ids    map[string]string // what → id: household/resident/worker + grid letter
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	orgtest.Build(t, d)
	ctx := context.Background()
	w := &world{tokens: map[string]string{}, ids: map[string]string{}}
	reg := registry.NewService(d, now, time.UTC)
	stf := staff.NewService(d, now)
	sys := auth.System()
	for i, g := range []struct{ letter, grid, community string }{
		{"A", orgtest.Grid, orgtest.Community}, {"B", orgtest.GridB, orgtest.Community}, {"C", orgtest.Grid2, orgtest.Community2},
	} {
		h, err := reg.CreateHousehold(ctx, sys, registry.HouseholdInput{No: "H" + g.letter, GridCode: g.grid, Address: "梧州市万秀区测试路" + g.letter + "号"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := reg.CreateResident(ctx, sys, registry.ResidentInput{Name: "居民" + g.letter, IDNumber: idNumber("19800101", "00"+string(rune('1'+2*i))),
			HouseholdNo: h.No, Relation: "head", PopulationType: "registered", Phone: "1380000000" + string(rune('1'+i))})
		if err != nil {
			t.Fatal(err)
		}
		wk, err := stf.Create(ctx, sys, staff.WorkerInput{Name: "社工" + g.letter, IDNumber: idNumber("19850101", "02"+string(rune('1'+2*i))),
			CommunityCode: g.community, Position: "grid_worker", Education: "bachelor", HiredOn: "2012-01-01", GridCodes: []string{g.grid},
			Phone: "1390000000" + string(rune('1'+i))})
		if err != nil {
			t.Fatal(err)
		}
		w.ids["household"+g.letter], w.ids["resident"+g.letter], w.ids["worker"+g.letter] = h.ID, r.ID, wk.ID
		w.ids["idnumber"+g.letter] = r.IDNumber
		c, _ := reportIn(t, d, g.grid, "路灯不亮"+g.letter)
		w.ids["case"+g.letter] = c.ID
		w.ids["proposal"+g.letter] = proposeAbout(t, d, r.ID)
	}
	as := auth.NewService(d, now)
	for _, u := range []struct {
		name string
		role auth.Role
		org  string
	}{
		{"city", auth.RoleCity, orgtest.City}, {"district", auth.RoleDistrict, orgtest.District}, {"street", auth.RoleStreet, orgtest.Street},
		{"community", auth.RoleCommunity, orgtest.Community}, {"grid", auth.RoleGrid, orgtest.Grid}, {"auditor", auth.RoleReadOnly, orgtest.Community},
	} {
		if _, err := as.AddUser(ctx, u.name, u.role, u.org); err != nil {
			t.Fatal(err)
		}
		tok, err := as.NewAPIToken(ctx, u.name)
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[u.name] = tok
	}
	srv, err := server.New(server.Config{DB: d, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = srv
	return w
}

// do sends a request as user ("" for nobody) and returns the status and body.
func (w *world) do(t *testing.T, user, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// readRoutes says, for every GET route of the API, the URL of a thing in grid A
// (the grid user's own) and of the same kind of thing in grid B (a sibling grid).
// A new GET route without an entry here fails TestAPI_GridWorkerSeesOnlyItsGrid.
func readRoutes(w *world) map[string][2]string {
	return map[string][2]string{
		"GET /api/v1/org/{code}":             {"/api/v1/org/" + orgtest.Grid, "/api/v1/org/" + orgtest.GridB},
		"GET /api/v1/org/{code}/children":    {"/api/v1/org/" + orgtest.Grid + "/children", "/api/v1/org/" + orgtest.Community + "/children"},
		"GET /api/v1/org/{code}/households":  {"/api/v1/org/" + orgtest.Grid + "/households", "/api/v1/org/" + orgtest.GridB + "/households"},
		"GET /api/v1/org/{code}/contacts":    {"/api/v1/org/" + orgtest.Grid + "/contacts", "/api/v1/org/" + orgtest.GridB + "/contacts"},
		"GET /api/v1/org/{code}/workers":     {"/api/v1/org/" + orgtest.Grid + "/workers", "/api/v1/org/" + orgtest.GridB + "/workers"},
		"GET /api/v1/households/{id}":        {"/api/v1/households/" + w.ids["householdA"], "/api/v1/households/" + w.ids["householdB"]},
		"GET /api/v1/residents/{id}":         {"/api/v1/residents/" + w.ids["residentA"], "/api/v1/residents/" + w.ids["residentB"]},
		"GET /api/v1/residents/{id}/events":  {"/api/v1/residents/" + w.ids["residentA"] + "/events", "/api/v1/residents/" + w.ids["residentB"] + "/events"},
		"GET /api/v1/residents":              {"/api/v1/residents?q=" + w.ids["idnumberA"], "/api/v1/residents?q=" + w.ids["idnumberB"]},
		"GET /api/v1/staff":                  {"/api/v1/staff?scope=" + orgtest.Grid, "/api/v1/staff?scope=" + orgtest.GridB},
		"GET /api/v1/staff/{id}":             {"/api/v1/staff/" + w.ids["workerA"], "/api/v1/staff/" + w.ids["workerB"]},
		"GET /api/v1/staff/{id}/assignments": {"/api/v1/staff/" + w.ids["workerA"] + "/assignments", "/api/v1/staff/" + w.ids["workerB"] + "/assignments"},
		"GET /api/v1/stats":                  {"/api/v1/stats?scope=" + orgtest.Grid, "/api/v1/stats?scope=" + orgtest.GridB},
		"GET /api/v1/exports/{kind}":         {"/api/v1/exports/residents?scope=" + orgtest.Grid, "/api/v1/exports/residents?scope=" + orgtest.GridB},
		"GET /api/v1/templates/{kind}":       {"/api/v1/templates/residents", ""},
		"GET /api/v1/me":                     {"/api/v1/me", ""},
		"GET /api/v1/case-categories":        {"/api/v1/case-categories", ""},
		"GET /api/v1/cases":                  {"/api/v1/cases?unit=" + orgtest.Grid, "/api/v1/cases?unit=" + orgtest.GridB},
		"GET /api/v1/cases/board":            {"/api/v1/cases/board?unit=" + orgtest.Grid, "/api/v1/cases/board?unit=" + orgtest.GridB},
		"GET /api/v1/cases/dashboard":        {"/api/v1/cases/dashboard?unit=" + orgtest.Grid, "/api/v1/cases/dashboard?unit=" + orgtest.GridB},
		"GET /api/v1/cases/{id}":             {"/api/v1/cases/" + w.ids["caseA"], "/api/v1/cases/" + w.ids["caseB"]},
		"GET /api/v1/openapi.json":           {"/api/v1/openapi.json", ""},
		"GET /api/v1/proposals":              {"/api/v1/proposals", ""},
		"GET /api/v1/proposals/review":       {"/api/v1/proposals/review?unit=" + orgtest.Grid, "/api/v1/proposals/review?unit=" + orgtest.GridB},
		"GET /api/v1/proposals/trust":        {"/api/v1/proposals/trust", ""},
		"GET /api/v1/proposals/{id}":         {"/api/v1/proposals/" + w.ids["proposalA"], "/api/v1/proposals/" + w.ids["proposalB"]},
		"GET /api/v1/day":                    {"/api/v1/day", ""},
		"GET /api/v1/grids/{code}/work":      {"/api/v1/grids/" + orgtest.Grid + "/work", "/api/v1/grids/" + orgtest.GridB + "/work"},
	}
}

// leaked reports whether body shows anything of grid B.
func leaked(w *world, body string) bool {
	for _, k := range []string{"householdB", "residentB", "workerB", "caseB"} {
		if strings.Contains(body, w.ids[k]) {
			return true
		}
	}
	return strings.Contains(body, "居民B") || strings.Contains(body, "社工B") || strings.Contains(body, "路灯不亮B") || strings.Contains(body, orgtest.GridB)
}

func TestAPI_GridWorkerSeesOnlyItsGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		routes := readRoutes(w)
		for _, pattern := range w.srv.Routes() {
			if !strings.HasPrefix(pattern, "GET /api/") {
				continue
			}
			urls, ok := routes[pattern]
			if !ok {
				t.Errorf("route %s has no access rule in readRoutes", pattern)
				continue
			}
			code, body := w.do(t, "grid", "GET", urls[0], "")
			if code != http.StatusOK {
				t.Errorf("%s own: %d %s", urls[0], code, body)
			}
			if urls[1] == "" {
				continue
			}
			code, body = w.do(t, "grid", "GET", urls[1], "")
			if code != http.StatusNotFound && !(code == http.StatusOK && !leaked(w, body)) {
				t.Errorf("%s other grid: %d %s", urls[1], code, body)
			}
			if code, _ := w.do(t, "", "GET", urls[0], ""); code != http.StatusUnauthorized && pattern != "GET /api/v1/openapi.json" {
				t.Errorf("%s without credentials: %d", urls[0], code)
			}
		}
	})
}

func TestAPI_ScopeWidensUpTheTree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, tc := range []struct {
			user   string
			url    string
			status int
		}{
			{"community", "/api/v1/residents/" + w.ids["residentB"], 200},
			{"community", "/api/v1/residents/" + w.ids["residentC"], 404},
			{"street", "/api/v1/households/" + w.ids["householdC"], 404},
			{"district", "/api/v1/households/" + w.ids["householdC"], 200},
			{"auditor", "/api/v1/residents/" + w.ids["residentA"], 200},
			{"auditor", "/api/v1/residents/" + w.ids["residentC"], 404},
			{"city", "/api/v1/stats?scope=450400", 200},
			{"grid", "/api/v1/stats?scope=450400", 404},
		} {
			if code, body := w.do(t, tc.user, "GET", tc.url, ""); code != tc.status {
				t.Errorf("%s GET %s: %d, want %d (%s)", tc.user, tc.url, code, tc.status, body)
			}
		}
	})
}

var (
	maskedID    = regexp.MustCompile(`"id_number":"\d{6}\*{8}\d{3}[\dX]"`)
	maskedPhone = regexp.MustCompile(`"phone":"13[89]\*{4}\d{4}"`)
)

func TestAPI_IDNumbersAndPhonesLeaveMasked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, url := range []string{"/api/v1/residents/" + w.ids["residentA"], "/api/v1/households/" + w.ids["householdA"],
			"/api/v1/residents?q=" + w.ids["idnumberA"], "/api/v1/staff/" + w.ids["workerA"]} {
			_, body := w.do(t, "city", "GET", url, "")
			if strings.Contains(body, w.ids["idnumberA"]) || strings.Contains(body, "13800000001") || strings.Contains(body, "13900000001") {
				t.Errorf("%s shows a full ID number or phone: %s", url, body)
			}
			if !maskedID.MatchString(body) || !maskedPhone.MatchString(body) {
				t.Errorf("%s: no masked ID number or phone in %s", url, body)
			}
		}
	})
}

type apiError struct {
	Error struct {
		Code, Message, Field string
	} `json:"error"`
}

func decodeError(t *testing.T, body string) apiError {
	t.Helper()
	var e apiError
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not the error shape: %s (%v)", body, err)
	}
	return e
}

func TestAPI_BadInputGetsTheOneErrorShapeNamingTheField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		good := func(id string) string {
			return `{"name":"新居民","id_number":"` + id + `","household_no":"HA","relation":"child","population_type":"registered"}`
		}
		bad := idNumber("20000101", "051")
		bad = bad[:17] + map[bool]string{true: "1", false: "0"}[bad[17] == '0']
		for _, tc := range []struct {
			name, user, method, path, body string
			status                         int
			code, field                    string
		}{
			{"malformed JSON", "city", "POST", "/api/v1/residents", `{"name":`, 400, "invalid", "body"},
			{"unknown field", "city", "POST", "/api/v1/residents", `{"name":"x","shoe_size":42}`, 400, "invalid", "shoe_size"},
			{"wrong type", "city", "POST", "/api/v1/residents", `{"name":42}`, 400, "invalid", "name"},
			{"oversize body", "city", "POST", "/api/v1/residents", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 400, "invalid", "body"},
			{"invalid check digit", "city", "POST", "/api/v1/residents", good(bad), 400, "invalid", "id_number"},
			{"duplicate ID number", "city", "POST", "/api/v1/residents", good(w.ids["idnumberA"]), 409, "conflict", "id_number"},
			{"unknown household", "city", "POST", "/api/v1/households/x", `{}`, 405, "", ""},
			{"household in unknown grid", "city", "POST", "/api/v1/households", `{"household_no":"HX","grid_code":"450403001001099","address":"x"}`, 400, "invalid", "grid_code"},
			{"auditor writes", "auditor", "POST", "/api/v1/households", `{"household_no":"HX","grid_code":"` + orgtest.Grid + `","address":"x"}`, 403, "forbidden", ""},
			{"grid worker writes to another grid", "grid", "PUT", "/api/v1/residents/" + w.ids["residentB"], good(idNumber("20000101", "053")), 404, "not_found", "id"},
			{"no credentials", "", "GET", "/api/v1/me", "", 401, "unauthorized", ""},
		} {
			code, body := w.do(t, tc.user, tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Errorf("%s: status %d, want %d: %.200s", tc.name, code, tc.status, body)
				continue
			}
			if tc.code == "" {
				continue
			}
			e := decodeError(t, body)
			if e.Error.Code != tc.code || e.Error.Field != tc.field {
				t.Errorf("%s: error %+v, want code %s field %s", tc.name, e.Error, tc.code, tc.field)
			}
		}
		var n int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM residents`).Scan(&n); err != nil || n != 3 {
			t.Errorf("%d residents after rejected writes (%v), want 3", n, err)
		}
	})
}

func TestAPI_CreateThenUpdateWithTheMaskedValuesKeepsThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := idNumber("19920202", "061")
		code, body := w.do(t, "grid", "POST", "/api/v1/residents",
			`{"name":"张三","id_number":"`+id+`","household_no":"HA","relation":"child","population_type":"floating","phone":"13912345678","tags":["unemployed"]}`)
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
		var r registry.Resident
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		if r.Sex != "M" || r.BirthDate != "1992-02-02" || r.IDNumber != pii.MaskIDNumber(id) {
			t.Errorf("created: %+v", r)
		}
		r.Name = "张叁"
		update, _ := json.Marshal(registry.ResidentInput{Name: r.Name, IDNumber: r.IDNumber, HouseholdNo: "HA", Relation: r.Relation,
			PopulationType: r.PopulationType, Phone: r.Phone, Tags: r.Tags})
		if code, body := w.do(t, "grid", "PUT", "/api/v1/residents/"+r.ID, string(update)); code != http.StatusOK {
			t.Fatalf("update: %d %s", code, body)
		}
		stored, err := registry.GetResident(context.Background(), d.Read(), d.Keys(), scope.Everything(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full, phone := stored.IDNumber, stored.Phone; full != id || phone != "13912345678" {
			t.Errorf("after update with masked values: %s %s", full, phone)
		}
	})
}

func TestOpenAPI_DescribesEveryRouteAndNoOther(t *testing.T) {
	w := newWorld(t, dbtest.SQLite(t))
	code, body := w.do(t, "", "GET", "/api/v1/openapi.json", "")
	if code != http.StatusOK {
		t.Fatalf("openapi.json: %d", code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing []string
	for _, p := range w.srv.Routes() {
		if !strings.Contains(p, "/api/") {
			continue
		}
		if !documented[p] {
			missing = append(missing, p)
		}
		delete(documented, p)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(documented) > 0 {
		t.Errorf("openapi.json documents routes that do not exist: %v", documented)
	}
}

func TestAPI_ImportAndExportThroughTheServer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := idNumber("20100101", "071")
		file := "姓名,公民身份号码,户编号,与户主关系,人口类型\n新居民," + id + ",HA,子女,户籍\n"
		for _, tc := range []struct {
			user, query string
			status      int
			residents   string
		}{
			{"auditor", "kind=residents", 403, "3"},
			{"community", "kind=residents&dry_run=true", 200, "3"},
			{"grid", "kind=org", 403, "3"},
			{"community", "kind=residents", 200, "4"},
		} {
			if code, body := w.do(t, tc.user, "POST", "/api/v1/imports?filename=in.csv&"+tc.query, file); code != tc.status {
				t.Errorf("%s imports with %s: %d, want %d: %s", tc.user, tc.query, code, tc.status, body)
			}
			var n string
			if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM residents`).Scan(&n); err != nil || n != tc.residents {
				t.Errorf("after %s imports with %s: %s residents (%v), want %s", tc.user, tc.query, n, err, tc.residents)
			}
		}
		for user, want := range map[string]string{"community": id, "grid": pii.MaskIDNumber(id)} {
			code, body := w.do(t, user, "GET", "/api/v1/exports/residents", "")
			if code != http.StatusOK || !strings.Contains(body, "新居民,"+want+",HA,子,20,户籍") {
				t.Errorf("%s export: %d\n%s", user, code, body)
			}
		}
		if code, body := w.do(t, "community", "GET", "/org/"+orgtest.Community, ""); code != http.StatusOK ||
			!strings.Contains(body, `href="/exports/residents.xlsx?scope=`+orgtest.Community+`"`) {
			t.Errorf("the unit page offers no export: %d", code)
		}
	})
}

// Erasing through the API answers a missing or unknown ground and a missing reason
// with 400 naming the field, a resident outside the scope with 404, a role without
// the permission with 403, and a good request with where the resident was.
func TestAPI_EraseNamesTheFieldAtFaultAndKeepsToTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		erase := func(user, id, body string) (int, string) {
			return w.do(t, user, http.MethodPost, "/api/v1/residents/"+id+"/erase", body)
		}
		a := w.ids["residentA"]
		for _, tc := range []struct {
			name, body, field string
		}{
			{"no ground", `{"reason":"本人申请删除"}`, "ground"},
			{"unknown ground", `{"ground":"whim","reason":"本人申请删除"}`, "ground"},
			{"no reason", `{"ground":"consent_withdrawn"}`, "reason"},
			{"an unknown member", `{"ground":"consent_withdrawn","reason":"本人申请删除","confirm":"1234"}`, "confirm"},
		} {
			code, body := erase("community", a, tc.body)
			var answer struct {
				Error struct{ Code, Message, Field string }
			}
			if err := json.Unmarshal([]byte(body), &answer); err != nil || code != http.StatusBadRequest ||
				answer.Error.Code != "invalid" || answer.Error.Field != tc.field || answer.Error.Message == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", tc.name, code, body, tc.field)
			}
		}
		good := `{"ground":"consent_withdrawn","reason":"本人申请删除"}`
		for _, tc := range []struct {
			user, id string
			status   int
		}{
			{"grid", a, http.StatusForbidden},
			{"auditor", a, http.StatusForbidden},
			{"community", w.ids["residentC"], http.StatusNotFound},
			{"street", w.ids["residentC"], http.StatusNotFound},
			{"", a, http.StatusUnauthorized},
		} {
			if code, body := erase(tc.user, tc.id, good); code != tc.status {
				t.Errorf("%q erases %s: %d %s, want %d", tc.user, tc.id, code, body, tc.status)
			}
		}
		if code, _ := w.do(t, "city", http.MethodGet, "/api/v1/residents/"+a, ""); code != http.StatusOK {
			t.Fatalf("resident A after refusals: %d", code)
		}
		code, body := erase("community", a, good)
		want := `{"id":"` + a + `","household_id":"` + w.ids["householdA"] + `","household_no":"HA","ground":"consent_withdrawn"}`
		if code != http.StatusOK || strings.TrimSpace(body) != want {
			t.Errorf("erase: %d %s, want 200 %s", code, body, want)
		}
		if code, _ := w.do(t, "city", http.MethodGet, "/api/v1/residents/"+a, ""); code != http.StatusNotFound {
			t.Errorf("resident A after the erasure: %d, want 404", code)
		}
		if code, body := w.do(t, "city", http.MethodGet, "/api/v1/households/"+w.ids["householdA"], ""); code != http.StatusOK || !strings.Contains(body, `"members":0`) {
			t.Errorf("household A after the erasure: %d %s, want it there, empty", code, body)
		}
	})
}
