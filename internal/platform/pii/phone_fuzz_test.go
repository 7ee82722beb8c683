package pii_test

import (
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/pii"
)

// FuzzNormalizePhone feeds any text to the phone rule, which every resident and
// worker form, API body and import row passes through. It may refuse the text,
// with an Invalid error on the phone, but not panic; what it accepts is digits
// only, of a mobile's or a landline's length, and is its own normal form.
func FuzzNormalizePhone(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		phone, err := pii.NormalizePhone(s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("%q: %v, want an Invalid error", s, err)
			}
			return
		}
		if phone == "" {
			return
		}
		if n := len(phone); n < 10 || n > 12 {
			t.Fatalf("%q became %q", s, phone)
		}
		for _, r := range phone {
			if r < '0' || r > '9' {
				t.Fatalf("%q became %q", s, phone)
			}
		}
		if again, err := pii.NormalizePhone(phone); err != nil || again != phone {
			t.Fatalf("%q became %q, then %q (%v)", s, phone, again, err)
		}
	})
}
