package staff_test

import (
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web/webtest"
	"shequ/internal/staff"
)

// FuzzDecodeWorkerInput sends any body through the API's decoder and the worker
// rules (webtest.CheckInput says what must hold); the rules parse the ID number and
// weigh the hiring date against the birth date in it. Its seeds are in testdata/fuzz.
func FuzzDecodeWorkerInput(f *testing.F) {
	b, err := i18n.Load(staff.Locales)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		webtest.CheckInput(t, b, body,
			func(in *staff.WorkerInput) []*apperr.Error { _, errs := in.Check(now()); return errs },
			func(in *staff.WorkerInput) error {
				id, err := in.Validate(now())
				if err == nil && id.Value != in.IDNumber {
					t.Fatalf("Validate parsed %q from the ID number %q", id.Value, in.IDNumber)
				}
				return err
			})
	})
}
