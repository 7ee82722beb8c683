package server_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// send posts body as user with the headers given, and returns the answer.
func (w *world) send(user, path, contentType string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec
}

func TestCasesAPI_AReportWithAPhotoThatIsNoImageIsRefusedNamingThePhotos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"org_code": orgtest.Grid, "category": "1401", "description": "路灯不亮"} {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("photos", "现场.jpg")
		_, _ = fw.Write([]byte("<html>not a photo</html>"))
		_ = mw.Close()
		rec := w.send("grid", "/api/v1/cases", mw.FormDataContentType(), body.Bytes(), nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"photos"`) {
			t.Fatalf("%d %s, want 400 naming photos", rec.Code, rec.Body)
		}
	})
}

func TestCasesAPI_TheSameReportTwiceWithOneKeyIsOneCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		report := []byte(`{"org_code":"` + orgtest.Grid + `","category":"1401","description":"3栋路灯不亮"}`)
		key := map[string]string{"Idempotency-Key": "0f8d6c1e-2b7a-4c55-9d1e-phone-1"}
		var ids []string
		for range 2 {
			rec := w.send("grid", "/api/v1/cases", "application/json", report, key)
			if rec.Code != http.StatusCreated {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var c struct{ ID string }
			_ = json.Unmarshal(rec.Body.Bytes(), &c)
			ids = append(ids, c.ID)
		}
		if ids[0] == "" || ids[0] != ids[1] {
			t.Errorf("two answers %v, want the same case", ids)
		}
		other := w.send("grid", "/api/v1/cases", "application/json", []byte(`{"org_code":"`+orgtest.Grid+`","category":"1401","description":"另一件事"}`), key)
		if other.Code != http.StatusUnprocessableEntity {
			t.Errorf("the key with another body: %d %s, want 422", other.Code, other.Body)
		}
		var list struct{ Total int }
		_, listBody := w.do(t, "grid", "GET", "/api/v1/cases?unit="+orgtest.Grid, "")
		_ = json.Unmarshal([]byte(listBody), &list)
		if list.Total != 2 { // the world's own case, and this one once
			t.Errorf("%d cases in the grid, want 2", list.Total)
		}
	})
}

func TestCasesAPI_AStepNeedsTheVersionTheUserSaw(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.ids["caseA"]
		step := []byte(`{"transition":"accept"}`)
		for _, tc := range []struct {
			ifMatch string
			want    int
		}{
			{"", http.StatusPreconditionRequired},
			{`"9"`, http.StatusPreconditionFailed},
			{`"1"`, http.StatusOK},
			{`"1"`, http.StatusPreconditionFailed},
		} {
			h := map[string]string{}
			if tc.ifMatch != "" {
				h["If-Match"] = tc.ifMatch
			}
			if rec := w.send("community", "/api/v1/cases/"+id+"/transitions", "application/json", step, h); rec.Code != tc.want {
				t.Errorf("If-Match %q: %d %s, want %d", tc.ifMatch, rec.Code, rec.Body, tc.want)
			}
		}
		rec := w.send("community", "/api/v1/cases/"+id+"/transitions", "application/json", []byte(`{"transition":"verify_pass"}`), map[string]string{"If-Match": `"2"`})
		if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "派遣") {
			t.Errorf("a step not allowed now: %d %s, want 409 naming 派遣", rec.Code, rec.Body)
		}
	})
}
