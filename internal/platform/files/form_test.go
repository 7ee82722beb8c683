package files_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/files"
)

// formWith is a multipart form with a note and the given files in "photos".
func formWith(t *testing.T, photos map[string][]byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("note", "楼道堆物"); err != nil {
		t.Fatal(err)
	}
	for name, data := range photos {
		fw, err := mw.CreateFormFile("photos", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestReadForm_PreparesEachPhotoAndNamesTheFieldOfWhatItRefuses(t *testing.T) {
	photo := phonePhoto(t, 64, 48)
	r := formWith(t, map[string][]byte{"a.jpg": photo, "b.jpg": photo})
	got, err := files.ReadForm(httptest.NewRecorder(), r, "photos", 2, files.Photos())
	if err != nil || len(got) != 2 || r.FormValue("note") != "楼道堆物" {
		t.Fatalf("two photos: %d prepared, note %q, %v", len(got), r.FormValue("note"), err)
	}

	for name, c := range map[string]struct {
		r    *http.Request
		most int
		lim  files.Limits
		key  string
	}{
		"one too many":          {formWith(t, map[string][]byte{"a.jpg": photo, "b.jpg": photo}), 1, files.Photos(), "files.too_many"},
		"not an image, as .jpg": {formWith(t, map[string][]byte{"a.jpg": []byte("%PDF-1.4 not a photo")}), 1, files.Photos(), "files.type_not_allowed"},
		"larger than the bound": {formWith(t, map[string][]byte{"a.jpg": bytes.Repeat([]byte{0xff}, 3<<20)}), 1, files.Limits{MaxBytes: 1 << 20, Accept: files.Photos().Accept}, "files.form_too_large"},
	} {
		_, err := files.ReadForm(httptest.NewRecorder(), c.r, "photos", c.most, c.lim)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Field != "photos" || e.Key != c.key {
			t.Errorf("%s: %v, want %s on photos", name, err, c.key)
		}
	}
}
