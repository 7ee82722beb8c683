package org_test

import (
	"errors"
	"testing"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web/webtest"
)

// FuzzDecodeUnit sends any body through the API's decoder and the unit rules, the
// unit's parent being the unit its parent_code names, at the level that code's
// length says (webtest.CheckInput says what must hold). Its seeds are in
// testdata/fuzz.
func FuzzDecodeUnit(f *testing.F) {
	b, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	validate := func(u *org.Unit) error {
		var parent *org.Unit
		if u.ParentCode != "" {
			parent = &org.Unit{Code: u.ParentCode, Level: scope.LevelOf(u.ParentCode)}
		}
		return u.Validate(parent, now().Year())
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		webtest.CheckInput(t, b, body,
			func(u *org.Unit) []*apperr.Error {
				err := validate(u)
				if err == nil {
					return nil
				}
				var ae *apperr.Error
				if !errors.As(err, &ae) {
					t.Fatalf("refused with %v, not a domain error", err)
				}
				return []*apperr.Error{ae}
			}, validate)
	})
}
