package registry_test

import (
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web/webtest"
	"shequ/internal/registry"
)

// FuzzDecodeHouseholdInput sends any body through the decoder of POST and PUT
// /api/v1/households and the household rules (webtest.CheckInput says what must
// hold). Its seeds are in testdata/fuzz.
func FuzzDecodeHouseholdInput(f *testing.F) {
	b := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		webtest.CheckInput(t, b, body,
			func(in *registry.HouseholdInput) []*apperr.Error { return in.Check(now()) },
			func(in *registry.HouseholdInput) error { return in.Validate(now()) })
	})
}

// FuzzDecodeResidentInput sends any body through the decoder of POST and PUT
// /api/v1/residents and the resident rules, which also parse the ID number.
func FuzzDecodeResidentInput(f *testing.F) {
	b := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		webtest.CheckInput(t, b, body,
			func(in *registry.ResidentInput) []*apperr.Error { _, errs := in.Check(now()); return errs },
			func(in *registry.ResidentInput) error {
				id, err := in.Validate(now())
				if err == nil && id.Value != in.IDNumber {
					t.Fatalf("Validate parsed %q from the ID number %q", id.Value, in.IDNumber)
				}
				return err
			})
	})
}

// FuzzDecodeEraseInput sends any body through the decoder of POST
// /api/v1/residents/{id}/erase and the rules of an erasure's ground and reason.
func FuzzDecodeEraseInput(f *testing.F) {
	b := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		webtest.CheckInput(t, b, body, (*registry.EraseInput).Check, (*registry.EraseInput).Validate)
	})
}

func fuzzBundle(f *testing.F) *i18n.Bundle {
	b, err := i18n.Load(registry.Locales)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzDecodeRevealInput sends any body through the decoder of POST
// /api/v1/residents/{id}/reveal and the rules of which number and why.
func FuzzDecodeRevealInput(f *testing.F) {
	b := fuzzBundle(f)
	f.Add([]byte(`{"field":"id_number","reason":"办理低保核对身份"}`))
	f.Add([]byte(`{"field":"phone","field":"id_number","reason":"电话回访"}`))
	f.Add([]byte(`{"Field":"name","reason":" "}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		webtest.CheckInput(t, b, body, (*registry.RevealInput).Check, (*registry.RevealInput).Validate)
	})
}
