package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// eightPM is 20:00 UTC on 1 May: in Shanghai it is already 04:00 on 2 May.
var eightPM = time.Date(2024, 5, 1, 20, 0, 0, 0, time.UTC)

func TestZone_A2000UTCInstantIsTheNextDayAt0400InShanghai(t *testing.T) {
	loc, err := LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	if loc.String() != "Asia/Shanghai" {
		t.Fatalf("default zone %s", loc)
	}
	if got, _ := fmtTime(loc, eightPM); got != "2024-05-02 04:00" {
		t.Errorf("fmtTime = %q, want 2024-05-02 04:00", got)
	}
	if got, _ := fmtDay(loc, &eightPM); got != "2024-05-02" {
		t.Errorf("fmtDay = %q, want 2024-05-02", got)
	}
	if got := Today(context.Background(), eightPM); !got.Equal(time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Today = %v, want 2024-05-02 as midnight UTC", got)
	}
	for _, zero := range []any{time.Time{}, (*time.Time)(nil)} {
		if got, err := fmtTime(loc, zero); got != "" || err != nil {
			t.Errorf("fmtTime(%v) = %q, %v", zero, got, err)
		}
	}
	if _, err := fmtTime(loc, "2024-05-01"); err == nil {
		t.Error("fmtTime took a string")
	}
}

func TestZone_TheOperatorsZoneReachesRequestsAndPages(t *testing.T) {
	if _, err := LoadZone("Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "Asia/Shanghai") {
		t.Errorf("an unknown zone: %v", err)
	}
	urumqi, err := LoadZone("Asia/Urumqi")
	if err != nil {
		t.Fatal(err)
	}
	var seen *time.Location
	InZone(urumqi, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = Zone(r.Context()) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if seen != urumqi {
		t.Errorf("Zone in the request = %v, want Asia/Urumqi", seen)
	}

	r, err := NewRenderer(bundle(t), fstest.MapFS{"clock.html": {Data: []byte(
		`{{define "content"}}<p class="t">{{fmtTime .Data}}</p><p class="d">{{fmtDay .Data}}</p>{{end}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	page := get(pageHandler(r, "clock", eightPM, nil), "/").Body.String()
	if !strings.Contains(page, `<p class="t">2024-05-02 04:00</p>`) || !strings.Contains(page, `<p class="d">2024-05-02</p>`) {
		t.Errorf("in Shanghai the page shows %s", page)
	}
	r.SetZone(urumqi)
	page = get(pageHandler(r, "clock", eightPM, nil), "/").Body.String()
	if !strings.Contains(page, `<p class="t">2024-05-02 02:00</p>`) {
		t.Errorf("in Urumqi the page shows %s", page)
	}
}

func TestFavicon_IsServedAtTheRootAndLinkedByEveryPage(t *testing.T) {
	rec := httptest.NewRecorder()
	Favicon().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/favicon.ico", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() < 100 || !strings.HasPrefix(rec.Body.String(), "\x00\x00\x01\x00") {
		t.Fatalf("/favicon.ico: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	page := get(pageHandler(renderer(t), "resident", someone, nil), "/").Body.String()
	for _, link := range []string{`rel="icon" href="/static/favicon.ico?v=`, `rel="icon" href="/static/icon.svg?v=`, `rel="apple-touch-icon"`} {
		if !strings.Contains(page, link) {
			t.Errorf("the layout lacks %s", link)
		}
	}
}
