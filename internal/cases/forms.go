package cases

import (
	"errors"
	"net/http"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/files"
)

// ReadPhotos reads the photos of a form as the report form does — bounded, each
// re-encoded upright without EXIF — for the pages of other domains whose records
// become cases with their photos (a patrol's finding). It parses the form.
func ReadPhotos(w http.ResponseWriter, r *http.Request) ([]files.Prepared, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes())
	if err := r.ParseMultipartForm(maxFormMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, apperr.Invalidf("photos", "case.form_too_large")
	}
	photos, _, err := readPhotos(r)
	return photos, err
}
