// Package webtest holds what the domains' tests of the web layer share: the
// properties every JSON request body must keep on its way through web.DecodeJSON
// and a domain's rules, for their fuzz targets. Only tests import it.
package webtest

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

// CheckInput decodes body into a T as the API's handlers do, then runs the domain's
// rules on it: check returns every problem (as an import lists them), validate the
// first (as the API answers it). Nothing may panic. Every refusal, of the decoder or
// of the rules, must be an Invalid error with a message in b, naming "body", a member
// of T, or the unknown member sent; the rules name each member at most once. What
// passes must already be in its stored form: validated again, it passes unchanged.
func CheckInput[T any](t *testing.T, b *i18n.Bundle, body []byte, check func(*T) []*apperr.Error, validate func(*T) error) {
	t.Helper()
	var in T
	req := httptest.NewRequest(http.MethodPost, "/api/v1/input", bytes.NewReader(body))
	if err := web.DecodeJSON(httptest.NewRecorder(), req, &in); err != nil {
		checkRefusal(t, b, in, err)
		return
	}
	errs := check(&in)
	seen := map[string]bool{}
	for _, e := range errs {
		checkRefusal(t, b, in, e)
		if seen[e.Field] {
			t.Fatalf("%s refused twice: %v", e.Field, errs)
		}
		seen[e.Field] = true
	}
	if len(errs) > 0 {
		return
	}
	stored := clone(in)
	if err := validate(&in); err != nil || !reflect.DeepEqual(in, stored) {
		t.Fatalf("validated again, %+v became %+v (%v)", stored, in, err)
	}
}

func checkRefusal(t *testing.T, b *i18n.Bundle, in any, err error) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid {
		t.Fatalf("refused with %v, want an Invalid error", err)
	}
	member, _, _ := strings.Cut(e.Field, ".")
	if e.Key != "json.unknown_field" && e.Field != "body" && !slices.Contains(members(in), member) {
		t.Fatalf("%v names no member of %T", e, in)
	}
	if !b.Has("err." + e.Key) {
		t.Fatalf("%v has no message", e)
	}
}

// members returns the JSON member names of a struct.
func members(v any) []string {
	var out []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// clone copies a struct deeply enough for its slices not to be shared.
func clone[T any](v T) T {
	c := v
	rv := reflect.ValueOf(&c).Elem()
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Kind() == reflect.Slice && !f.IsNil() {
			s := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
			reflect.Copy(s, f)
			f.Set(s)
		}
	}
	return c
}
