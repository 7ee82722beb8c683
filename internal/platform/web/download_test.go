package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shequ/internal/platform/apperr"
)

// A download sends its file headers with its first byte; an error before that is
// an ordinary error page, and an error after it breaks the connection rather than
// leave a short file that looks whole.
func TestDownload_HeadersComeWithTheFirstByte(t *testing.T) {
	rend, err := NewRenderer(bundle(t))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/x", nil)

	rec := httptest.NewRecorder()
	d := NewDownload(rec, "居民.xlsx")
	d.Fail(req, rend, apperr.New(apperr.NotFound, "not_found", ""))
	if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Disposition") != "" {
		t.Errorf("failure before the first byte: %d, %v", rec.Code, rec.Header())
	}

	rec = httptest.NewRecorder()
	d = NewDownload(rec, "居民.xlsx")
	if _, err := d.Write([]byte("PK")); err != nil {
		t.Fatal(err)
	}
	h := rec.Header()
	if !strings.Contains(h.Get("Content-Type"), "spreadsheetml") || !strings.Contains(h.Get("Content-Disposition"), "attachment") ||
		h.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", h)
	}
	defer func() {
		if p := recover(); p == nil || !errors.Is(p.(error), http.ErrAbortHandler) {
			t.Errorf("failure after the first byte: recovered %v, want http.ErrAbortHandler", p)
		}
	}()
	d.Fail(req, rend, errors.New("disk gone"))
}
