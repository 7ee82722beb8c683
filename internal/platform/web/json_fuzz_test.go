package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
)

// fuzzInput has a member of every kind the API's inputs have.
type fuzzInput struct {
	Name    string   `json:"name"`
	Year    int      `json:"founded_year"`
	Tags    []string `json:"tags"`
	Address struct {
		Street string `json:"street"`
	} `json:"address"`
}

// FuzzDecodeJSON sends any body to an API handler that decodes it as the API's
// handlers do and answers a failure through Renderer.Error. It may refuse the body,
// but never with a panic or a 500: a refusal is a 400 in the API's one error shape,
// translated, naming the field at fault; and what it accepts goes back out as JSON
// that reads in again as the same value. Its seeds are in testdata/fuzz.
func FuzzDecodeJSON(f *testing.F) {
	r, err := NewRenderer(bundle(f), testPages)
	if err != nil {
		f.Fatal(err)
	}
	h := Language(r.Recover(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var in fuzzInput
		if err := DecodeJSON(w, req, &in); err != nil {
			r.Error(w, req, err)
			return
		}
		WriteJSON(w, http.StatusCreated, in)
	})))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/units", bytes.NewReader(body)))
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
		dec := json.NewDecoder(rec.Body)
		dec.DisallowUnknownFields()
		switch rec.Code {
		case http.StatusCreated:
			var in, again fuzzInput
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatalf("accepted a body encoding/json refuses: %v", err)
			}
			if err := dec.Decode(&again); err != nil || !reflect.DeepEqual(in, again) {
				t.Fatalf("the answer does not read back as what was sent: %+v, %+v (%v)", again, in, err)
			}
		case http.StatusBadRequest:
			var e apiError
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("not the error shape: %v", err)
			}
			if e.Error.Code != apperr.Invalid || e.Error.Field == "" {
				t.Fatalf("error %+v: want code invalid naming a field", e.Error)
			}
			if m := e.Error.Message; m == "" || strings.Contains(m, "err.") || !utf8.ValidString(m) {
				t.Fatalf("message %q is not a translated sentence", m)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}
