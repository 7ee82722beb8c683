package files

import (
	"errors"
	"net/http"

	"shequ/internal/platform/apperr"
)

// formMemory is what a form may hold in memory while it is read; files beyond it
// go to temporary files that the request removes.
const formMemory = 8 << 20

// ReadForm reads a form that sends up to most files in field (multipart; a form
// without files may be urlencoded) and prepares each file (Prepare: read by its
// content, bounded, re-encoded upright without EXIF), in the order sent. The
// body is bounded before anything is read — most files at lim's size and a
// megabyte of fields — so that no upload fills the disk before each file's own
// limits are checked. Every refusal names field: the form too large, too many
// files, or a file's own fault.
func ReadForm(w http.ResponseWriter, r *http.Request, field string, most int, lim Limits) ([]Prepared, error) {
	r.Body = http.MaxBytesReader(w, r.Body, int64(most)*lim.MaxBytes+1<<20)
	if err := r.ParseMultipartForm(formMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, apperr.Invalidf(field, "files.form_too_large")
	}
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []Prepared
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 {
			continue
		}
		if len(out) == most {
			return nil, apperr.Invalidf(field, "files.too_many").With("max", most)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		p, err := Prepare(fh.Filename, f, lim)
		f.Close()
		if err != nil {
			var e *apperr.Error
			if errors.As(err, &e) {
				return nil, e.InField(field)
			}
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
