package web

import (
	"log/slog"
	"mime"
	"net/http"
	"strings"
)

// Download is a file answer (CSV or XLSX, by the name's extension) whose headers
// wait for its first byte, so that an export that fails before then can still be
// answered with an error page. Registers and audit trails carry personal data: no
// cache may keep them.
type Download struct {
	w       http.ResponseWriter
	name    string
	started bool
}

// NewDownload returns a download named name, written to w.
func NewDownload(w http.ResponseWriter, name string) *Download { return &Download{w: w, name: name} }

// Write sends the headers with the first bytes, then the bytes.
func (d *Download) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		ct := "text/csv; charset=utf-8"
		if strings.HasSuffix(d.name, ".xlsx") {
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.name}))
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(b)
}

// Fail answers err if nothing has been sent yet. Past that, it breaks the
// connection: a short file that looks whole is worse than a download that fails.
// A download the client broke off is no fault of the server and is logged at DEBUG.
func (d *Download) Fail(r *http.Request, render *Renderer, err error) {
	if !d.started {
		render.Error(d.w, r, err)
		return
	}
	level := slog.LevelError
	if ClientGone(r) {
		level = slog.LevelDebug
	}
	Logger(r.Context()).Log(r.Context(), level, "download failed after it started", "path", r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}
