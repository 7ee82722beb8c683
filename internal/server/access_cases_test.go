package server_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"shequ/internal/cases"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/files"
)

// reportIn makes a case in grid of d, reported by the system with a photo and the
// description given, and returns it with its photo's id.
func reportIn(t testing.TB, d *db.DB, grid, description string) (cases.Case, string) {
	t.Helper()
	ctx := context.Background()
	cal, err := calendar.NewService(d, now, calendar.Settings{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cases.NewService(ctx, d, now, time.UTC, cal)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	photo, err := files.Prepare("现场.jpg", &b, files.Photos())
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Report(ctx, auth.System(), cases.ReportInput{OrgCode: grid, Category: "1401", Description: description}, []files.Prepared{photo}, nil)
	if err != nil {
		t.Fatalf("a case in %s: %v", grid, err)
	}
	fs, err := s.Files(ctx, auth.System(), c.ID)
	if err != nil || len(fs) != 1 {
		t.Fatalf("the case's photo: %v", err)
	}
	return c, fs[0].ID
}

// report makes a case in grid of the matrix's city.
func (m *matrix) report(grid, description string) (cases.Case, string) {
	m.t.Helper()
	return reportIn(m.t, m.db, grid, description)
}

// addCases gives every grid of the matrix a case, whose number and description are
// records of the grid that an answer about another place must not show.
func (m *matrix) addCases() {
	for grid, r := range m.byGrid {
		c, photo := m.report(grid, "路灯不亮"+r.householdNo)
		r.caseNo, r.caseID, r.caseDescription, r.casePhoto = c.No, c.ID, c.Description, photo
		m.byGrid[grid] = r
	}
}

// reports are the roles that start cases in the case flow.
func reports(p auth.Principal) bool {
	switch p.Role {
	case auth.RoleGrid, auth.RoleCommunity, auth.RoleStreet, auth.RoleDistrict, auth.RoleCity:
		return true
	}
	return false
}

// accepts: 立案 is the owning community's own step (not the levels above it,
// which supervise).
func accepts(p auth.Principal) bool { return p.Role == auth.RoleCommunity }

// fresh makes a case of its own in c's grid for a rule that changes one, its
// description the fresh name.
func (m *matrix) freshCase(c cell) cases.Case {
	cs, _ := m.report(c.grid, m.newName("待立案事件"))
	return cs
}

// caseAccepted reports whether the fresh case was accepted.
var caseAccepted = wroteWhere(`SELECT COUNT(*) FROM cases c JOIN workflow_instances w ON w.subject_id = c.id
	WHERE c.description = $1 AND w.state = 'accepted'`)

// caseDispatched reports whether the fresh case was dispatched.
var caseDispatched = wroteWhere(`SELECT COUNT(*) FROM cases c JOIN workflow_instances w ON w.subject_id = c.id
	WHERE c.description = $1 AND w.state = 'handling'`)

// acceptedCase makes a fresh case in c's grid and has its community accept it,
// for a rule that dispatches one.
func (m *matrix) acceptedCase(c cell) cases.Case {
	m.t.Helper()
	cs := m.freshCase(c)
	cal, err := calendar.NewService(m.db, now, calendar.Settings{Zone: time.UTC})
	if err != nil {
		m.t.Fatal(err)
	}
	svc, err := cases.NewService(context.Background(), m.db, now, time.UTC, cal)
	if err != nil {
		m.t.Fatal(err)
	}
	office := auth.Principal{UserID: "office", Name: "值班员", Role: auth.RoleCommunity, OrgCode: c.grid[:12]}
	if cs, err = svc.Take(context.Background(), office, cs.ID, cs.Instance.Version, cases.TakeInput{Transition: "accept"}, nil); err != nil {
		m.t.Fatal(err)
	}
	return cs
}

// windowOf is the handling unit of the community of c's grid, made on first use.
func (m *matrix) windowOf(c cell) string {
	m.t.Helper()
	id := "window-" + c.grid[:12]
	_, err := m.db.Write().ExecContext(context.Background(), `INSERT INTO case_handlers (id, org_code, name_zh, name_en, kind)
		VALUES ($1, $2, '窗口', 'window', 'window') ON CONFLICT (id) DO NOTHING`, id, c.grid[:12])
	if err != nil {
		m.t.Fatal(err)
	}
	return id
}

// caseReported reports whether a case with the fresh description exists.
var caseReported = wroteWhere(`SELECT COUNT(*) FROM cases WHERE description = $1`)

// casesRules are the rules of the cases' pages and API and the calendar's pages,
// added to accessRules.
func casesRules() map[string]rule {
	read := can(auth.ReadRegister)
	caseNo := func(c cell) string { return c.caseNo }
	reportForm := func(m *matrix, c cell) url.Values {
		return url.Values{"org_code": {c.grid}, "category": {"1401"}, "description": {m.newName("新上报事件")}}
	}
	accept := func(m *matrix, c cell) (cases.Case, url.Values) {
		cs := m.freshCase(c)
		return cs, url.Values{"transition": {"accept"}, "version": {strconv.Itoa(cs.Instance.Version)}}
	}
	return map[string]rule{
		"GET /cases": {kind: "list", targeted: true, filters: true, may: read, shows: caseNo,
			ask: func(_ *matrix, c cell) request { return get("/cases?tab=all&unit=" + c.unit) }},
		"GET /cases/new": {kind: "page", may: read, ask: func(*matrix, cell) request { return get("/cases/new") }},
		"POST /cases": {kind: "case", targeted: true, inBody: true, may: reports, wrote: caseReported,
			ask: func(m *matrix, c cell) request { return form(http.MethodPost, "/cases", reportForm(m, c)) }},
		"GET /cases/board": {kind: "list", targeted: true, filters: true, may: read, shows: caseNo,
			ask: func(_ *matrix, c cell) request { return get("/cases/board?unit=" + c.unit) }},
		"GET /cases/dashboard": {kind: "list", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/cases/dashboard?unit=" + c.unit) },
			shows: func(c cell) string { return `name="unit" value="` + c.unit + `"` }},
		"GET /cases/{id}": {kind: "case", targeted: true, may: read, shows: caseNo,
			ask: func(_ *matrix, c cell) request { return get("/cases/" + c.caseNo) }},
		"POST /cases/{id}/take": {kind: "case", targeted: true, may: accepts, wrote: caseAccepted,
			ask: func(m *matrix, c cell) request {
				cs, v := accept(m, c)
				return form(http.MethodPost, "/cases/"+cs.No+"/take", v)
			}},
		"GET /cases/{owner}/files/{file}": {kind: "file", targeted: true, may: read,
			ask: func(_ *matrix, c cell) request { return get("/cases/" + c.caseID + "/files/" + c.casePhoto) }},
		"GET /cases/{owner}/files/{file}/thumb": {kind: "file", targeted: true, may: read,
			ask: func(_ *matrix, c cell) request { return get("/cases/" + c.caseID + "/files/" + c.casePhoto + "/thumb") }},
		"GET /cases/catalogue": {kind: "page", may: func(p auth.Principal) bool { return p.Can(auth.ReadRegister) || cases.MayKeepCatalogue(p) },
			ask: func(*matrix, cell) request { return get("/cases/catalogue") }},
		"POST /cases/catalogue": {kind: "settings", may: cases.MayKeepCatalogue,
			ask: func(*matrix, cell) request {
				return form(http.MethodPost, "/cases/catalogue", url.Values{"code": {"9901"}, "name_zh": {"其他"}, "name_en": {"Other"}})
			}},
		"GET /cases/routes": {kind: "page", may: read, ask: func(*matrix, cell) request { return get("/cases/routes") }},
		"POST /cases/routes": {kind: "settings", may: cases.MayRoute,
			ask: func(*matrix, cell) request {
				return form(http.MethodPost, "/cases/routes", url.Values{"category": {"1401"}, "handler_id": {""}})
			}},
		"GET /cases/sw.js":                {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/cases/sw.js") }},
		"GET /cases/outbox.js":            {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/cases/outbox.js") }},
		"GET /cases/manifest.webmanifest": {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/cases/manifest.webmanifest") }},

		"GET /api/v1/case-categories": {kind: "self", may: read, ask: func(*matrix, cell) request { return get("/api/v1/case-categories") }},
		"GET /api/v1/cases": {kind: "list", targeted: true, filters: true, may: read, shows: caseNo,
			ask: func(_ *matrix, c cell) request { return get("/api/v1/cases?unit=" + c.unit) }},
		"POST /api/v1/cases": {kind: "case", targeted: true, inBody: true, may: reports, wrote: caseReported,
			ask: func(m *matrix, c cell) request {
				v := reportForm(m, c)
				return jsonBody(http.MethodPost, "/api/v1/cases", `{"org_code":"`+v.Get("org_code")+`","category":"1401","description":"`+v.Get("description")+`"}`)
			}},
		"GET /api/v1/cases/board": {kind: "list", targeted: true, filters: true, may: read, shows: caseNo,
			ask: func(_ *matrix, c cell) request { return get("/api/v1/cases/board?unit=" + c.unit) }},
		"GET /api/v1/cases/dashboard": {kind: "list", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/cases/dashboard?unit=" + c.unit) },
			shows: func(c cell) string { return `"code":"` + c.unit + `"` }},
		"GET /api/v1/cases/{id}": {kind: "case", targeted: true, may: read, shows: caseNo,
			ask: func(_ *matrix, c cell) request { return get("/api/v1/cases/" + c.caseID) }},
		"POST /api/v1/cases/{id}/transitions": {kind: "case", targeted: true, may: accepts, wrote: caseAccepted,
			ask: func(m *matrix, c cell) request {
				cs, _ := accept(m, c)
				r := jsonBody(http.MethodPost, "/api/v1/cases/"+cs.ID+"/transitions", `{"transition":"accept"}`)
				r.header = map[string]string{"If-Match": `"` + strconv.Itoa(cs.Instance.Version) + `"`}
				return r
			}},

		// Open311 answers its own clients, by their api_key and not by a session:
		// the catalogue to anyone, requests to no one who comes without a key.
		"GET /open311/v2/discovery.json":  open311Public("/open311/v2/discovery.json"),
		"GET /open311/v2/discovery.xml":   open311Public("/open311/v2/discovery.xml"),
		"GET /open311/v2/services.json":   open311Public("/open311/v2/services.json"),
		"GET /open311/v2/services.xml":    open311Public("/open311/v2/services.xml"),
		"GET /open311/v2/services/{file}": open311Public("/open311/v2/services/1401.json"),
		"GET /open311/v2/requests.json":   open311Keyed(get("/open311/v2/requests.json")),
		"GET /open311/v2/requests.xml":    open311Keyed(get("/open311/v2/requests.xml")),
		"POST /open311/v2/requests.json": open311Keyed(form(http.MethodPost, "/open311/v2/requests.json",
			url.Values{"service_code": {"1401"}, "address_string": {"3栋门口"}, "description": {"路灯不亮"}})),
		"POST /open311/v2/requests.xml": open311Keyed(form(http.MethodPost, "/open311/v2/requests.xml",
			url.Values{"service_code": {"1401"}, "address_string": {"3栋门口"}, "description": {"路灯不亮"}})),
		"GET /open311/v2/requests/{file}": {kind: "api_key", public: true, operators: true,
			ask: func(_ *matrix, c cell) request { return get("/open311/v2/requests/" + c.caseNo + ".json") }},
		"GET /open311/v2/tokens/{file}": open311Keyed(get("/open311/v2/tokens/abc.json")),

		"POST /api/v1/cases/dispatch": {kind: "case", targeted: true, may: accepts, wrote: caseDispatched,
			ask: func(m *matrix, c cell) request {
				cs := m.acceptedCase(c)
				return jsonBody(http.MethodPost, "/api/v1/cases/dispatch", `{"handler_id":"`+m.windowOf(c)+`","cases":[{"id":"`+cs.ID+`","version":`+strconv.Itoa(cs.Instance.Version)+`}]}`)
			}},

		"POST /cases/dispatch": {kind: "case", targeted: true, may: accepts, wrote: caseDispatched,
			ask: func(m *matrix, c cell) request {
				cs := m.acceptedCase(c)
				return form(http.MethodPost, "/cases/dispatch", url.Values{"handler_id": {m.windowOf(c)}, "case": {cs.ID + ":" + strconv.Itoa(cs.Instance.Version)}})
			}},

		"GET /calendar":        {kind: "page", ask: func(*matrix, cell) request { return get("/calendar") }},
		"GET /calendar/import": {kind: "settings", may: calendar.MayImport, ask: func(*matrix, cell) request { return get("/calendar/import") }},
		"POST /calendar/import": {kind: "settings", may: calendar.MayImport,
			ask: func(*matrix, cell) request {
				return form(http.MethodPost, "/calendar/import", url.Values{"year": {"2099"},
					"text": {"# source: 国务院办公厅关于2099年部分节假日安排的通知\ndate,kind,name\n2099-01-01,holiday,元旦\n"}})
			}},
	}
}

// open311Public is an Open311 route that answers anyone.
func open311Public(path string) rule {
	return rule{kind: "public", public: true, ask: func(*matrix, cell) request { return get(path) }}
}

// open311Keyed is an Open311 route that answers only a request with an api_key:
// signed in or not, a request without one is refused with 403, as the spec has it
// (the rule's operators flag holds every cell to 403).
func open311Keyed(req request) rule {
	return rule{kind: "api_key", public: true, operators: true, ask: func(*matrix, cell) request { return req }}
}
