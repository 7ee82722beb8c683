package open311_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ/internal/open311"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

// The elements the spec names, in its order.
var (
	serviceElements = []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
	requestElements = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
		"agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address",
		"address_id", "zipcode", "lat", "long", "media_url"}
)

// endpoint is the endpoint as the server mounts it, on a city with a community's
// key: the language and the city's zone come from the server's middleware.
type endpoint struct {
	http.Handler
	cases *cases
	keys  *open311.KeyStore
	key   string // a key of orgtest.Community
}

func newEndpoint(t *testing.T, d *db.DB) *endpoint {
	t.Helper()
	b, err := i18n.Load(open311.Locales)
	if err != nil {
		t.Fatal(err)
	}
	ks := keyStore(t, d)
	key, _, err := ks.Add(t.Context(), auth.System(), "东兴随手拍", orgtest.Community)
	if err != nil {
		t.Fatal(err)
	}
	c := newCases()
	mux := web.NewMux()
	open311.Domain(d, c, func() time.Time { return clock }).Mount(app.Host{Mux: mux, Bundle: b})
	zone, err := web.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	return &endpoint{Handler: web.Language(web.InZone(zone, mux)), cases: c, keys: ks, key: key}
}

// get asks for target, in English when lang says so.
func (e *endpoint) get(target, lang string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "http://shequ.example"+target, nil)
	if lang != "" {
		r.Header.Set("Accept-Language", lang)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}

// post sends form to target, form-encoded as the spec says.
func (e *endpoint) post(target string, form url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://shequ.example"+target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("Accept-Language", "en")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}

// specError is an error as the spec writes it.
type specError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// errorsOf reads the spec's error document from w, in the format of its
// Content-Type, and checks that it has one error whose code is the status.
func errorsOf(t *testing.T, w *httptest.ResponseRecorder, status int) string {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	var list []specError
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
			t.Fatalf("%v in %s", err, w.Body)
		}
	} else {
		var doc struct {
			XMLName xml.Name    `xml:"errors"`
			Errors  []specError `xml:"error"`
		}
		decodeXML(t, w, &doc)
		list = doc.Errors
	}
	if len(list) != 1 || list[0].Code != status || list[0].Description == "" {
		t.Fatalf("errors %+v, want one with code %d", list, status)
	}
	return list[0].Description
}

// decodeXML checks w's XML header and declaration and decodes its body into v.
func decodeXML(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if !bytes.HasPrefix(w.Body.Bytes(), []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Fatalf("no XML declaration: %s", w.Body)
	}
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("%v in %s", err, w.Body)
	}
}

// decodeJSON checks w's JSON header and decodes its body into v.
func decodeJSON(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q: %s", ct, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("%v in %s", err, w.Body)
	}
}

// children lists the names of the child elements of the first element named
// parent in w's XML, in order.
func children(t *testing.T, w *httptest.ResponseRecorder, parent string) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	var names []string
	depth := -1
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch {
			case depth < 0 && el.Name.Local == parent:
				depth = 0
			case depth >= 0:
				if depth == 0 {
					names = append(names, el.Name.Local)
				}
				depth++
			}
		case xml.EndElement:
			if depth == 0 {
				return names
			}
			if depth > 0 {
				depth--
			}
		}
	}
}

// members returns the member names of the first object of a JSON array, sorted.
func members(t *testing.T, w *httptest.ResponseRecorder) []string {
	t.Helper()
	var list []map[string]json.RawMessage
	decodeJSON(t, w, &list)
	if len(list) == 0 {
		t.Fatalf("an empty list: %s", w.Body)
	}
	var names []string
	for k := range list[0] {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestDiscovery_NamesTheEndpointItsFormatsAndWhereKeysComeFrom(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		type endpointDoc struct {
			Specification string   `json:"specification" xml:"specification"`
			URL           string   `json:"url" xml:"url"`
			Changeset     string   `json:"changeset" xml:"changeset"`
			Type          string   `json:"type" xml:"type"`
			Formats       []string `json:"formats" xml:"formats>format"`
		}
		type discovery struct {
			XMLName    xml.Name      `json:"-" xml:"discovery"`
			Changeset  string        `json:"changeset" xml:"changeset"`
			Contact    string        `json:"contact" xml:"contact"`
			KeyService string        `json:"key_service" xml:"key_service"`
			Endpoints  []endpointDoc `json:"endpoints" xml:"endpoints>endpoint"`
		}
		var x, j discovery
		decodeXML(t, e.get("/open311/v2/discovery.xml", ""), &x)
		decodeJSON(t, e.get("/open311/v2/discovery.json", "en"), &j)
		for _, doc := range []discovery{x, j} {
			if doc.Changeset == "" || doc.Contact == "" || doc.KeyService == "" || len(doc.Endpoints) != 1 {
				t.Fatalf("discovery %+v", doc)
			}
			ep := doc.Endpoints[0]
			if ep.Specification != "http://wiki.open311.org/GeoReport_v2" || ep.URL != "http://shequ.example/open311/v2" ||
				ep.Type != "production" || !slices.Equal(ep.Formats, []string{"text/xml", "application/json"}) {
				t.Errorf("endpoint %+v", ep)
			}
		}
		if !strings.Contains(x.KeyService, "系统管理员") || !strings.Contains(j.KeyService, "system administrator") {
			t.Errorf("key_service not in the client's language: %q, %q", x.KeyService, j.KeyService)
		}
	})
}

func TestServices_ListTheCatalogueToAnyoneInTheClientsLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		type service struct {
			Code        string  `json:"service_code" xml:"service_code"`
			Name        string  `json:"service_name" xml:"service_name"`
			Description *string `json:"description" xml:"description"`
			Metadata    bool    `json:"metadata" xml:"metadata"`
			Type        string  `json:"type" xml:"type"`
			Keywords    *string `json:"keywords" xml:"keywords"`
			Group       string  `json:"group" xml:"group"`
		}
		w := e.get("/open311/v2/services.xml", "")
		var x struct {
			XMLName  xml.Name  `xml:"services"`
			Services []service `xml:"service"`
		}
		decodeXML(t, w, &x)
		if got := children(t, w, "service"); !slices.Equal(got, serviceElements) {
			t.Errorf("a service's elements: %v, want the spec's %v", got, serviceElements)
		}
		if len(x.Services) != 2 || x.Services[0].Code != "0101" || x.Services[0].Name != "市容环境卫生" ||
			*x.Services[0].Keywords != "垃圾,路灯" || x.Services[0].Group != "城市管理" || x.Services[0].Type != "realtime" || x.Services[0].Metadata {
			t.Errorf("services.xml: %+v", x.Services)
		}
		w = e.get("/open311/v2/services.json", "en")
		if got := members(t, w); !slices.Equal(got, sorted(serviceElements)) {
			t.Errorf("a service's members: %v", got)
		}
		var j []service
		decodeJSON(t, w, &j)
		if len(j) != 2 || j[0].Name != "Street cleanliness" || j[1].Description != nil || j[1].Keywords != nil || j[1].Type != "realtime" {
			t.Errorf("services.json in English, empty fields null: %s", w.Body)
		}
	})
}

func TestServiceDefinition_IsEmptyForAKnownServiceAnd404ForAnUnknownOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		w := e.get("/open311/v2/services/0101.xml", "")
		var x struct {
			XMLName    xml.Name  `xml:"service_definition"`
			Code       string    `xml:"service_code"`
			Attributes *struct{} `xml:"attributes"`
		}
		decodeXML(t, w, &x)
		if x.Code != "0101" || x.Attributes == nil {
			t.Errorf("services/0101.xml: %s", w.Body)
		}
		w = e.get("/open311/v2/services/0302.json", "")
		if got := strings.TrimSpace(w.Body.String()); got != `{"service_code":"0302","attributes":[]}` {
			t.Errorf("services/0302.json: %s", got)
		}
		if msg := errorsOf(t, e.get("/open311/v2/services/9999.json", "en"), http.StatusNotFound); msg != "no service has the service_code 9999" {
			t.Errorf("an unknown service: %q", msg)
		}
		errorsOf(t, e.get("/open311/v2/services/0101.html", ""), http.StatusNotFound)
		errorsOf(t, e.get("/open311/v2/services/0101", ""), http.StatusNotFound)
	})
}

// report is a good request, as a client app posts it.
func report(key string) url.Values {
	return url.Values{"api_key": {key}, "jurisdiction_id": {"wuzhou.gov.cn"}, "service_code": {"0101"},
		"lat": {"23.4776"}, "long": {"111.279"}, "address_string": {"东兴路 12 号"}, "description": {"路灯不亮\n已三天"},
		"email": {"li@example.cn"}, "first_name": {"明"}, "last_name": {"李"}, "phone": {"13800138000"},
		"device_id": {"dev-1"}, "account_id": {"acc-9"}, "media_url": {"http://img.example/1.jpg"}, "attribute[WHISHETN]": {"123"}}
}

func TestPost_TakesARequestIntoTheKeysUnitAndAnswersItsID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		w := e.post("/open311/v2/requests.xml", report(e.key))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var x struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []struct {
				ID            string `xml:"service_request_id"`
				ServiceNotice string `xml:"service_notice"`
				AccountID     string `xml:"account_id"`
			} `xml:"request"`
		}
		decodeXML(t, w, &x)
		if got := children(t, w, "request"); !slices.Equal(got, []string{"service_request_id", "service_notice", "account_id"}) {
			t.Errorf("the receipt's elements: %v: an id, so no token", got)
		}
		if len(x.Requests) != 1 || x.Requests[0].ID != "N-1" || x.Requests[0].AccountID != "acc-9" ||
			x.Requests[0].ServiceNotice != "The community takes it up within one working day." {
			t.Errorf("receipt %s", w.Body)
		}
		if len(e.cases.taken) != 1 {
			t.Fatalf("taken %d", len(e.cases.taken))
		}
		got := e.cases.taken[0]
		want := open311.NewRequest{ServiceCode: "0101", Point: &open311.Point{Lat: 23.4776, Long: 111.279}, AddressString: "东兴路 12 号",
			Description: "路灯不亮\n已三天", FirstName: "明", LastName: "李", Email: "li@example.cn", Phone: "13800138000",
			DeviceID: "dev-1", AccountID: "acc-9", Lang: "en"}
		if got.key.OrgCode != orgtest.Community || got.key.Name != "东兴随手拍" || got.in.Point == nil || *got.in.Point != *want.Point {
			t.Errorf("taken with key %+v at %v", got.key, got.in.Point)
		}
		got.in.Point, want.Point = nil, nil
		if got.in != want {
			t.Errorf("taken %+v\nwant  %+v", got.in, want)
		}
	})
}

func TestPost_AnswersATokenWhenTheIDIsNotKnownYet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		e.cases.realtime = false
		w := e.post("/open311/v2/requests.json", report(e.key))
		var receipt []map[string]any
		decodeJSON(t, w, &receipt)
		if len(receipt) != 1 || receipt[0]["token"] != "T-1" || receipt[0]["account_id"] != "acc-9" {
			t.Fatalf("receipt %s", w.Body)
		}
		if _, ok := receipt[0]["service_request_id"]; ok {
			t.Errorf("a token and an id: %s", w.Body)
		}
		type token struct {
			ID    *string `json:"service_request_id"`
			Token string  `json:"token"`
		}
		var before, after []token
		decodeJSON(t, e.get("/open311/v2/tokens/T-1.json?api_key="+e.key, ""), &before)
		if len(before) != 1 || before[0].ID != nil || before[0].Token != "T-1" {
			t.Errorf("a token without its id yet: %+v", before)
		}
		e.cases.assign()
		decodeJSON(t, e.get("/open311/v2/tokens/T-1.json?api_key="+e.key, ""), &after)
		if len(after) != 1 || after[0].ID == nil || *after[0].ID != "N-1" {
			t.Errorf("the token once assigned: %+v", after)
		}
		w = e.get("/open311/v2/tokens/T-1.xml?api_key="+e.key, "")
		var x struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []struct {
				ID    string `xml:"service_request_id"`
				Token string `xml:"token"`
			} `xml:"request"`
		}
		decodeXML(t, w, &x)
		if len(x.Requests) != 1 || x.Requests[0].ID != "N-1" || x.Requests[0].Token != "T-1" {
			t.Errorf("tokens/T-1.xml: %s", w.Body)
		}
		errorsOf(t, e.get("/open311/v2/tokens/T-9.xml?api_key="+e.key, ""), http.StatusNotFound)
		errorsOf(t, e.get("/open311/v2/tokens/T-1.xml", ""), http.StatusForbidden)
	})
}

func TestPost_RefusesWithTheSpecsErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		revoked, k, err := e.keys.Add(t.Context(), auth.System(), "old app", orgtest.Community)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.keys.Revoke(t.Context(), auth.System(), k.ID); err != nil {
			t.Fatal(err)
		}
		with := func(change func(url.Values)) url.Values {
			f := report(e.key)
			change(f)
			return f
		}
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"no api_key", with(func(f url.Values) { f.Del("api_key") }), 403, "api_key is missing: a client app needs a key from the city's system administrator"},
			{"a revoked key", with(func(f url.Values) { f.Set("api_key", revoked) }), 403, "this api_key has been revoked"},
			{"an unknown key", with(func(f url.Values) { f.Set("api_key", "o311_"+strings.Repeat("a", 52)) }), 403, "api_key is not a valid key"},
			{"no service_code", with(func(f url.Values) { f.Del("service_code") }), 400, "service_code is missing"},
			{"an unknown service_code", with(func(f url.Values) { f.Set("service_code", "9999") }), 404, "no service has the service_code 9999"},
			{"no location", with(func(f url.Values) { f.Del("lat"); f.Del("long"); f.Del("address_string") }), 400,
				"a location is missing: send lat and long, address_string or address_id"},
			{"lat without long", with(func(f url.Values) { f.Del("long") }), 400, "lat and long go together: send both or neither"},
			{"lat not a number", with(func(f url.Values) { f.Set("lat", "NaN") }), 400, "lat is not a latitude from -90 to 90"},
			{"long out of range", with(func(f url.Values) { f.Set("long", "181") }), 400, "long is not a longitude from -180 to 180"},
			{"a description too long", with(func(f url.Values) { f.Set("description", strings.Repeat("灯", 4001)) }), 400,
				"description is longer than 4000 characters"},
			{"text not UTF-8", with(func(f url.Values) { f.Set("first_name", "\xc0\xc1") }), 400, "first_name is not UTF-8 text"},
			{"a refusal of the cases domain", with(func(f url.Values) { f.Set("phone", "call me") }), 400,
				"Phone: not a valid number: a mobile has 11 digits, a landline needs its area code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, f := range []string{"xml", "json"} {
					if got := errorsOf(t, e.post("/open311/v2/requests."+f, tc.form), tc.status); got != tc.want {
						t.Errorf("%s: %q, want %q", f, got, tc.want)
					}
				}
			})
		}
		if len(e.cases.taken) != 0 {
			t.Errorf("refused requests reached the cases domain: %+v", e.cases.taken)
		}
		r := httptest.NewRequest(http.MethodPost, "/open311/v2/requests.json", strings.NewReader(`{"api_key":"`+e.key+`"}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if msg := errorsOf(t, w, http.StatusBadRequest); !strings.Contains(msg, "application/x-www-form-urlencoded") {
			t.Errorf("a JSON body: %q", msg)
		}
	})
}

func TestErrors_AFaultOfTheServerIs500AndTellsNothingOfIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		e.cases.broken = errors.New("pq: relation case_categories does not exist")
		w := e.get("/open311/v2/services.xml", "en")
		if msg := errorsOf(t, w, http.StatusInternalServerError); strings.Contains(msg, "case_categories") || !strings.Contains(msg, "went wrong") {
			t.Errorf("a fault: %q", msg)
		}
	})
}

// requestDoc is a request as the spec writes it, each element as text.
type requestDoc struct {
	ID                string `xml:"service_request_id"`
	Status            string `xml:"status"`
	StatusNotes       string `xml:"status_notes"`
	ServiceName       string `xml:"service_name"`
	ServiceCode       string `xml:"service_code"`
	AgencyResponsible string `xml:"agency_responsible"`
	RequestedDatetime string `xml:"requested_datetime"`
	UpdatedDatetime   string `xml:"updated_datetime"`
	ExpectedDatetime  string `xml:"expected_datetime"`
	Address           string `xml:"address"`
	Lat               string `xml:"lat"`
	Long              string `xml:"long"`
}

// ids asks for target and returns the ids of the requests answered, in order.
func (e *endpoint) ids(t *testing.T, target string) []string {
	t.Helper()
	var doc struct {
		XMLName  xml.Name     `xml:"service_requests"`
		Requests []requestDoc `xml:"request"`
	}
	decodeXML(t, e.get(target, ""), &doc)
	ids := []string{}
	for _, r := range doc.Requests {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestGetRequests_AnswersTheKeysSubtreeWithTheSpecsDefaultsAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		q := "/open311/v2/requests.xml?api_key=" + url.QueryEscape(e.key)
		for _, tc := range []struct {
			name, query string
			want        []string
		}{
			{"the last 90 days, newest first, not the other community's", "", []string{"R-1", "R-2"}},
			{"a status", "&status=closed", []string{"R-2"}},
			{"statuses repeated and comma-separated", "&status=open,closed&status=open", []string{"R-1", "R-2"}},
			{"a service", "&service_code=0302", []string{"R-2"}},
			{"services", "&service_code=0302,0101", []string{"R-1", "R-2"}},
			{"a range, in UTC", "&start_date=2026-01-01T00:00:00Z&end_date=2026-03-01T00:00:00Z", []string{"R-4"}},
			{"a range with an offset whose + came unescaped", "&start_date=2026-05-18T10:30:00+08:00&end_date=2026-05-18T10:30:00+08:00", []string{"R-1"}},
			{"a start alone: the 90 days after it", "&start_date=2026-01-20", []string{"R-4"}},
			{"an end alone: the 90 days before it", "&end_date=2026-05-11", []string{"R-2"}},
			{"ids override the rest", "&service_request_id=R-4,R-3,R-1&status=open&start_date=2026-05-19", []string{"R-1", "R-4"}},
			{"nothing", "&service_code=7777", []string{}},
		} {
			if got := e.ids(t, q+tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		for _, tc := range []struct{ name, query, want string }{
			{"an unknown status", "&status=pending", "status is open or closed"},
			{"more than 90 days", "&start_date=2026-01-01&end_date=2026-04-02", "start_date and end_date may be at most 90 days apart"},
			{"an end before the start", "&start_date=2026-02-01&end_date=2026-01-01", "end_date is before start_date"},
			{"not a date", "&start_date=yesterday", "start_date is not a date-time such as 2026-01-01T08:00:00+08:00 (or a date such as 2026-01-01)"},
		} {
			w := e.get(strings.Replace(q, ".xml", ".json", 1)+tc.query, "en")
			if got := errorsOf(t, w, http.StatusBadRequest); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
		}
		if got := errorsOf(t, e.get("/open311/v2/requests.xml", "en"), http.StatusForbidden); !strings.Contains(got, "api_key is missing") {
			t.Errorf("without a key: %q", got)
		}
	})
}

func TestGetRequests_WritesEveryElementOfTheSpecAndNothingOfTheReporter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		w := e.get("/open311/v2/requests.xml?api_key="+url.QueryEscape(e.key), "")
		if got := children(t, w, "request"); !slices.Equal(got, requestElements) {
			t.Errorf("a request's elements: %v, want the spec's %v", got, requestElements)
		}
		var x struct {
			XMLName  xml.Name     `xml:"service_requests"`
			Requests []requestDoc `xml:"request"`
		}
		decodeXML(t, w, &x)
		want := requestDoc{ID: "R-1", Status: "open", ServiceName: "市容环境卫生", ServiceCode: "0101", AgencyResponsible: "东兴社区",
			RequestedDatetime: "2026-05-18T10:30:00+08:00", UpdatedDatetime: "2026-05-19T10:30:00+08:00",
			ExpectedDatetime: "2026-05-23T10:30:00+08:00", Address: "东兴路 12 号", Lat: "23.4776", Long: "111.279"}
		if len(x.Requests) != 2 || x.Requests[0] != want {
			t.Errorf("requests.xml: %+v\nwant %+v", x.Requests, want)
		}
		if x.Requests[1].Status != "closed" || x.Requests[1].StatusNotes != "已调解" || x.Requests[1].ExpectedDatetime != "" || x.Requests[1].Lat != "" {
			t.Errorf("a closed request without a deadline or a point: %+v", x.Requests[1])
		}

		w = e.get("/open311/v2/requests.json?api_key="+url.QueryEscape(e.key), "")
		if got := members(t, w); !slices.Equal(got, sorted(requestElements)) {
			t.Errorf("a request's members: %v", got)
		}
		var j []map[string]any
		decodeJSON(t, w, &j)
		if j[0]["lat"] != 23.4776 || j[0]["long"] != 111.279 || j[0]["service_request_id"] != "R-1" {
			t.Errorf("coordinates are numbers: %v", j[0])
		}
		if j[1]["lat"] != nil || j[1]["expected_datetime"] != nil || j[1]["media_url"] != nil || j[1]["description"] != nil {
			t.Errorf("what a request lacks is null: %v", j[1])
		}
		for _, personal := range []string{"first_name", "last_name", "email", "phone", "device_id", "account_id"} {
			if strings.Contains(w.Body.String(), personal) {
				t.Errorf("a request read back carries %s", personal)
			}
		}
	})
}

func TestGetRequest_AnswersOneRequestOfTheKeysSubtree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEndpoint(t, d)
		key := "?api_key=" + url.QueryEscape(e.key)
		if got := e.ids(t, "/open311/v2/requests/R-2.xml"+key); !slices.Equal(got, []string{"R-2"}) {
			t.Errorf("requests/R-2.xml: %v", got)
		}
		var j []map[string]any
		decodeJSON(t, e.get("/open311/v2/requests/R-1.json"+key, ""), &j)
		if len(j) != 1 || j[0]["service_request_id"] != "R-1" {
			t.Errorf("requests/R-1.json: %v", j)
		}
		errorsOf(t, e.get("/open311/v2/requests/R-3.json"+key, ""), http.StatusNotFound)
		errorsOf(t, e.get("/open311/v2/requests/R-1.csv"+key, ""), http.StatusNotFound)
		errorsOf(t, e.get("/open311/v2/requests/R-1.xml", ""), http.StatusForbidden)
	})
}

func TestRegister_MountsEveryMethodOfTheSpecInBothFormats(t *testing.T) {
	mux := web.NewMux()
	open311.Register(mux, &open311.Handler{})
	want := []string{
		"GET /open311/v2/discovery.json", "GET /open311/v2/services.json", "GET /open311/v2/requests.json", "POST /open311/v2/requests.json",
		"GET /open311/v2/discovery.xml", "GET /open311/v2/services.xml", "GET /open311/v2/requests.xml", "POST /open311/v2/requests.xml",
		"GET /open311/v2/services/{file}", "GET /open311/v2/requests/{file}", "GET /open311/v2/tokens/{file}",
	}
	if got := mux.Patterns(); !slices.Equal(got, want) {
		t.Errorf("routes %v", got)
	}
}
