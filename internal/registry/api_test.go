package registry_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
)

// apiWorld is the register's fixture served by its JSON API.
type apiWorld struct {
	fixture
	d *db.DB
	h http.Handler
}

func eachAPIWorld(t *testing.T, fn func(t *testing.T, w apiWorld)) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		mux := http.NewServeMux()
		registry.RegisterAPI(mux, f.s, renderer(t))
		fn(t, apiWorld{fixture: f, d: d, h: web.Language(mux)})
	})
}

// call sends body (JSON, or none) to target as p and decodes the answer into out,
// when given; it returns the status and the body.
func (w apiWorld) call(t *testing.T, p auth.Principal, method, target, body string, out any) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	if out != nil && rec.Code < 300 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, target, err, rec.Body.String())
		}
	}
	return rec.Code, rec.Body.String()
}

// apiError is the API's one shape of error.
type apiError struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

func (w apiWorld) mustRefuse(t *testing.T, p auth.Principal, method, target, body string, status int, field string) {
	t.Helper()
	code, got := w.call(t, p, method, target, body, nil)
	var e apiError
	if err := json.Unmarshal([]byte(got), &e); err != nil || code != status || e.Error.Field != field {
		t.Errorf("%s %s %s: %d %s, want %d naming %q", method, target, body, code, got, status, field)
	}
}

// The documentation says an empty phone in an update keeps the stored one: only
// "clear_phone": true erases it.
func TestAPI_UpdateKeepsAnEmptyPhoneAndClearsItOnlyWhenAsked(t *testing.T) {
	eachAPIWorld(t, func(t *testing.T, w apiWorld) {
		target := "/api/v1/residents/" + w.head.ID
		body := `{"name":"李建国","id_number":"","household_no":"H001","relation":"02","population_type":"registered","phone":"","tags":["dibao"]}`
		if code, got := w.call(t, gridA, http.MethodPut, target, body, nil); code != http.StatusOK {
			t.Fatalf("update: %d %s", code, got)
		}
		r, _, err := w.s.Resident(context.Background(), city, w.head.ID)
		if err != nil || r.Phone != "13812345678" || r.IDNumber != w.head.IDNumber {
			t.Fatalf("an empty phone and ID number: %q %q %v", r.Phone, r.IDNumber, err)
		}
		body = strings.Replace(body, `"phone":""`, `"phone":"","clear_phone":true`, 1)
		var got registry.Resident
		if code, raw := w.call(t, gridA, http.MethodPut, target, body, &got); code != http.StatusOK || got.Phone != "" {
			t.Fatalf("clear_phone: %d %s", code, raw)
		}
		if r, _, _ = w.s.Resident(context.Background(), city, w.head.ID); r.Phone != "" {
			t.Errorf("clear_phone kept %q", r.Phone)
		}
	})
}

// Search answers each resident's care tags (issue 10 item 9: it answered "tags":[]).
func TestAPI_SearchAnswersTags(t *testing.T) {
	eachAPIWorld(t, func(t *testing.T, w apiWorld) {
		if _, err := w.s.CreateResident(context.Background(), city, registry.ResidentInput{Name: "李秀兰", IDNumber: idNumber("450403", "19400101", "020"),
			HouseholdNo: "H001", Relation: "50", PopulationType: "registered", Tags: []string{"elderly_alone", "disabled"}}); err != nil {
			t.Fatal(err)
		}
		var page struct{ Items []registry.Resident }
		for _, q := range []string{"李", "东兴路", w.head.IDNumber[14:]} {
			if len([]rune(q)) < 2 {
				q = "李建"
			}
			if code, raw := w.call(t, gridA, http.MethodGet, "/api/v1/residents?q="+q, "", &page); code != http.StatusOK || len(page.Items) == 0 {
				t.Fatalf("search %s: %d %s", q, code, raw)
			}
			for _, r := range page.Items {
				want := map[string]string{"李建国": "dibao", "李秀兰": "disabled,elderly_alone"}[r.Name]
				if strings.Join(r.Tags, ",") != want {
					t.Errorf("search %s: %s has tags %v, want %s", q, r.Name, r.Tags, want)
				}
			}
		}
	})
}

func TestAPI_MoveDeregisterRegisterAndEvents(t *testing.T) {
	eachAPIWorld(t, func(t *testing.T, w apiWorld) {
		res := "/api/v1/residents/" + w.head.ID
		w.mustRefuse(t, gridA, http.MethodPost, res+"/move", `{"household_no":"H002","relation":"02"}`, http.StatusBadRequest, "household_no")
		w.mustRefuse(t, community, http.MethodPost, res+"/move", `{"household_no":"H002","relation":"长孙女婿"}`, http.StatusBadRequest, "relation")
		w.mustRefuse(t, auditor, http.MethodPost, res+"/move", `{"household_no":"H002","relation":"02"}`, http.StatusForbidden, "")
		var moved registry.Resident
		if code, raw := w.call(t, community, http.MethodPost, res+"/move", `{"household_no":"H002","relation":"02","on":"2026-11-27","reason":"购房"}`, &moved); code != http.StatusOK || moved.HouseholdNo != "H002" || strings.Contains(raw, w.head.IDNumber) {
			t.Fatalf("move: %d %s", code, raw)
		}

		w.mustRefuse(t, community, http.MethodPost, res+"/deregister", `{"reason":"1","on":"2026-12-01"}`, http.StatusBadRequest, "on")
		w.mustRefuse(t, community, http.MethodPost, res+"/deregister", `{"reason":"9x","on":"2026-11-27"}`, http.StatusBadRequest, "reason")
		var gone registry.Resident
		if code, raw := w.call(t, community, http.MethodPost, res+"/deregister", `{"reason":"死亡","on":"2026-11-27","note":"医学证明"}`, &gone); code != http.StatusOK || gone.DeregisteredReason != "1" {
			t.Fatalf("deregister: %d %s", code, raw)
		}
		w.mustRefuse(t, community, http.MethodPost, res+"/deregister", `{"reason":"1","on":"2026-11-27"}`, http.StatusBadRequest, "id")
		var back registry.Resident
		if code, raw := w.call(t, community, http.MethodPost, res+"/register", `{"household_no":"H001","relation":"02","reason":"迁入","on":"2026-11-27"}`, &back); code != http.StatusOK || back.DeregisteredOn != "" || back.HouseholdNo != "H001" {
			t.Fatalf("register: %d %s", code, raw)
		}
		var events struct{ Items []registry.Event }
		if code, raw := w.call(t, gridA, http.MethodGet, res+"/events", "", &events); code != http.StatusOK || len(events.Items) != 3 {
			t.Fatalf("events: %d %s", code, raw)
		}
		if e := events.Items[1]; e.Kind != registry.EventDeregistered || e.Reason != "1" || e.Note != "医学证明" || e.On != "2026-11-27" {
			t.Errorf("the deregistration: %+v", e)
		}
		if code, _ := w.call(t, gridB, http.MethodGet, res+"/events", "", nil); code != http.StatusNotFound {
			t.Errorf("another grid's events: %d, want 404", code)
		}
	})
}

func TestAPI_SplitAndMerge(t *testing.T) {
	eachAPIWorld(t, func(t *testing.T, w apiWorld) {
		ctx := context.Background()
		spouse, err := w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "王秀英", IDNumber: idNumber("450403", "19680520", "002"),
			HouseholdNo: "H001", Relation: "10", PopulationType: "registered"})
		if err != nil {
			t.Fatal(err)
		}
		hh := "/api/v1/households/" + w.hA.ID
		split := `{"household":{"household_no":"H040","grid_code":"` + orgtest.Grid + `","street":"东兴路","door_no":"12","building":"3","room_no":"202"},` +
			`"members":[{"resident_id":"` + spouse.ID + `","relation":"%s"}],"on":"2026-11-27"}`
		w.mustRefuse(t, community, http.MethodPost, hh+"/split", strings.Replace(split, "%s", "10", 1), http.StatusBadRequest, "members")
		var nh registry.Household
		if code, raw := w.call(t, community, http.MethodPost, hh+"/split", strings.Replace(split, "%s", "02", 1), &nh); code != http.StatusCreated ||
			nh.No != "H040" || nh.Members != 1 || nh.Address != "东兴路12号3栋202" {
			t.Fatalf("split: %d %s", code, raw)
		}
		merge := `{"household_no":"H040","members":[{"resident_id":"` + spouse.ID + `","relation":"%s"}],"on":"2026-11-27"}`
		w.mustRefuse(t, community, http.MethodPost, hh+"/merge", strings.Replace(merge, "%s", "02", 1), http.StatusBadRequest, "members")
		w.mustRefuse(t, gridB, http.MethodPost, hh+"/merge", strings.Replace(merge, "%s", "10", 1), http.StatusNotFound, "household_id")
		var merged registry.Household
		if code, raw := w.call(t, community, http.MethodPost, hh+"/merge", strings.Replace(merge, "%s", "10", 1), &merged); code != http.StatusOK || merged.Members != 2 {
			t.Fatalf("merge: %d %s", code, raw)
		}
	})
}

// The API's list of a grid's contacts shows their phones in full to the workers of
// the grid's community and masked to anyone else (issue 10 item 11).
func TestAPI_ContactsPhonesInFullToTheCommunitysWorkers(t *testing.T) {
	eachAPIWorld(t, func(t *testing.T, w apiWorld) {
		makeContact(t, w.d, orgtest.Grid, w.head.ID, "group_leader")
		for _, tc := range []struct {
			who  auth.Principal
			want string
		}{{gridA, "13812345678"}, {community, "13812345678"}, {street, "138****5678"}, {city, "138****5678"}} {
			var page struct{ Items []registry.Contact }
			if code, raw := w.call(t, tc.who, http.MethodGet, "/api/v1/org/"+orgtest.Grid+"/contacts", "", &page); code != http.StatusOK || len(page.Items) != 1 {
				t.Fatalf("%s: %d %s", tc.who.Role, code, raw)
			}
			if got := page.Items[0].Phone; got != tc.want {
				t.Errorf("%s sees %q, want %q", tc.who.Role, got, tc.want)
			}
		}
	})
}
