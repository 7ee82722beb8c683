package files

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/web"
)

// Server serves stored files to signed-in users, each within their scope.
type Server struct {
	db    *db.DB
	store Store
	rend  *web.Renderer
	now   func() time.Time
}

// NewServer returns a server of the files in store, which answers errors through
// rend and dates its audit records by now.
func NewServer(d *db.DB, store Store, rend *web.Renderer, now func() time.Time) *Server {
	return &Server{db: d, store: store, rend: rend, now: now}
}

// Handler serves variant v of the file the route names {file}, to a user who may
// take action read, when the file belongs to an owner of kind — and, if the route
// names one {owner}, to that owner — and lies in the user's scope. Otherwise it is
// not found, and a file outside the scope is recorded in the audit trail as a
// denied read. A domain mounts it beside its own pages:
//
//	mux.Handle("GET /cases/{owner}/photos/{file}", srv.Handler("case", auth.ReadCases, files.Original))
func (s *Server) Handler(kind string, read auth.Action, v Variant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := auth.From(r)
		if err := p.Require(read); err != nil {
			s.rend.Error(w, r, err)
			return
		}
		f, b, err := s.store.Open(r.Context(), s.db.Read(), p.Scope(), r.PathValue("file"), v)
		if owner := r.PathValue("owner"); err == nil && (f.OwnerKind != kind || (owner != "" && owner != f.OwnerID)) {
			err = notFound()
		}
		if err != nil {
			s.rend.Error(w, r, audit.RecordOutOfScope(r.Context(), s.db, p, s.now(), audit.ActRead, err))
			return
		}
		Write(w, r, f, v, b)
	}
}

// Write answers r with b, variant v of file f, for a domain whose own handler has
// read the file. A file's bytes never change under its id, so the browser keeps
// them (privately: they are a resident's business) and revalidates by the stored
// SHA-256; nosniff and a sandboxing policy make sure that what is served is taken
// as the type it was checked to be and runs nothing. Images open in the page,
// anything else is downloaded, under the name it was uploaded with (RFC 6266,
// Chinese names included). Range requests and HEAD are answered too.
func Write(w http.ResponseWriter, r *http.Request, f File, v Variant, b []byte) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	etag := `"` + f.SHA256
	if v != Original {
		etag += "-" + string(v)
	}
	h.Set("ETag", etag+`"`)
	disposition := "attachment"
	if f.Image() {
		disposition = "inline"
	}
	h.Set("Content-Disposition", contentDisposition(disposition, f.Name))
	http.ServeContent(w, r, "", f.CreatedAt, bytes.NewReader(b))
}

// contentDisposition is the header offering name as a file's name: filename* with
// the name in UTF-8 for the browsers of RFC 6266 (all of today's), and filename
// with every character outside printable ASCII as "_" for any other.
func contentDisposition(disposition, name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	for _, c := range []byte(name) {
		if isAttrChar(c) {
			ext.WriteByte(c)
		} else {
			fmt.Fprintf(&ext, "%%%02X", c)
		}
	}
	return disposition + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether c may stand unescaped in an RFC 8187 value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
