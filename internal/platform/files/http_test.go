package files_test

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/files"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// served is a server of files with a case's photos mounted as the cases domain
// would mount them.
type served struct {
	d     *db.DB
	store files.Store
	mux   *http.ServeMux
}

func newServed(t *testing.T, d *db.DB) served {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b)
	if err != nil {
		t.Fatal(err)
	}
	store := files.NewStore(files.InDatabase{})
	srv := files.NewServer(d, store, rend, func() time.Time { return at })
	mux := http.NewServeMux()
	mux.Handle("GET /cases/{owner}/photos/{file}", srv.Handler("case", auth.ReadRegister, files.Original))
	mux.Handle("GET /cases/{owner}/photos/{file}/thumb", srv.Handler("case", auth.ReadRegister, files.Thumb))
	return served{d: d, store: store, mux: mux}
}

// get asks for url as p, with extra request headers as name, value pairs.
func (s served) get(p auth.Principal, url string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	return rec
}

func gridWorker() auth.Principal {
	return auth.Principal{UserID: "user-1", Name: "李网格", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
}

func TestHandler_ServesAPhotoAsStoredForTheBrowserToKeep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := newServed(t, d)
		p := preparedPhoto(t)
		f := save(t, d, s.store, scope.Of(orgtest.Grid), p, caseIn("case-1", orgtest.Grid))

		rec := s.get(gridWorker(), "/cases/case-1/photos/"+f.ID)
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), p.Bytes()) {
			t.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
		}
		h := rec.Header()
		for name, want := range map[string]string{
			"Content-Type":           "image/jpeg",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "private, max-age=31536000, immutable",
			"ETag":                   `"` + f.SHA256 + `"`,
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
		disposition, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || disposition != "inline" || params["filename"] != "井盖.jpg" {
			t.Errorf("Content-Disposition %q read as %s %v (%v)", h.Get("Content-Disposition"), disposition, params, err)
		}

		thumb := s.get(gridWorker(), "/cases/case-1/photos/"+f.ID+"/thumb")
		if thumb.Code != http.StatusOK || !bytes.Equal(thumb.Body.Bytes(), p.ThumbBytes()) || thumb.Header().Get("ETag") != `"`+f.SHA256+`-thumb"` {
			t.Errorf("thumbnail: status %d, %d bytes, ETag %s", thumb.Code, thumb.Body.Len(), thumb.Header().Get("ETag"))
		}

		again := s.get(gridWorker(), "/cases/case-1/photos/"+f.ID, "If-None-Match", `"`+f.SHA256+`"`)
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("asked again with its ETag: status %d, %d bytes", again.Code, again.Body.Len())
		}
	})
}

func TestHandler_AFileOutsideTheScopeIsNotFoundAndAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := newServed(t, d)
		f := save(t, d, s.store, scope.Of(orgtest.Grid), preparedPhoto(t), caseIn("case-1", orgtest.Grid))

		neighbour := auth.Principal{UserID: "user-2", Name: "王网格", Role: auth.RoleGrid, OrgCode: orgtest.GridB}
		for _, path := range []string{"/cases/case-1/photos/" + f.ID, "/cases/case-1/photos/" + f.ID + "/thumb"} {
			if rec := s.get(neighbour, path); rec.Code != http.StatusNotFound || bytes.Contains(rec.Body.Bytes(), []byte{0xFF, 0xD8}) {
				t.Errorf("%s from the next grid: status %d", path, rec.Code)
			}
		}
		var n int
		err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log
			WHERE user_id = 'user-2' AND object = $1 AND outcome = 'denied' AND reason = 'out_of_scope'`, "file:"+f.ID).Scan(&n)
		if err != nil || n != 2 {
			t.Errorf("%d denied reads in the audit trail (%v), want 2", n, err)
		}
	})
}

func TestHandler_ServesOnlyWhatTheRouteAndTheRoleAllow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := newServed(t, d)
		material, err := files.Prepare("申请表.pdf", bytes.NewReader([]byte("%PDF-1.7\n%%EOF\n")), files.Materials())
		if err != nil {
			t.Fatal(err)
		}
		application := save(t, d, s.store, scope.Of(orgtest.Grid), material, files.Owner{Kind: "application", ID: "app-1", OrgCode: orgtest.Grid})
		photo := save(t, d, s.store, scope.Of(orgtest.Grid), preparedPhoto(t), caseIn("case-1", orgtest.Grid))

		if rec := s.get(gridWorker(), "/cases/app-1/photos/"+application.ID); rec.Code != http.StatusNotFound {
			t.Errorf("a hall's material served as a case's photo: status %d", rec.Code)
		}
		if rec := s.get(gridWorker(), "/cases/case-2/photos/"+photo.ID); rec.Code != http.StatusNotFound {
			t.Errorf("a case's photo served as another case's: status %d", rec.Code)
		}
		admin := auth.Principal{UserID: "admin", Name: "管理员", Role: auth.RoleSysAdmin, OrgCode: orgtest.City}
		if rec := s.get(admin, "/cases/case-1/photos/"+photo.ID); rec.Code != http.StatusForbidden {
			t.Errorf("a system administrator, who does not read the register, got status %d", rec.Code)
		}
		if rec := s.get(auth.Principal{}, "/cases/case-1/photos/"+photo.ID); rec.Code != http.StatusForbidden {
			t.Errorf("nobody got status %d", rec.Code)
		}
	})
}

func TestWrite_OffersAnythingButAnImageAsADownload(t *testing.T) {
	f := files.File{ID: "f", Name: "申请表 \"最终\".pdf", ContentType: files.PDF, SHA256: "ab", CreatedAt: at}
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	rec := httptest.NewRecorder()
	files.Write(rec, req, f, files.Original, []byte("%PDF-1.7\n"))
	got := rec.Header().Get("Content-Disposition")
	disposition, params, err := mime.ParseMediaType(got)
	if err != nil || disposition != "attachment" || params["filename"] != f.Name {
		t.Errorf("Content-Disposition %q read as %s %v (%v)", got, disposition, params, err)
	}
	if want := `attachment; filename="___ ____.pdf"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8%20%22%E6%9C%80%E7%BB%88%22.pdf`; got != want {
		t.Errorf("Content-Disposition\n%s, want\n%s", got, want)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp != "default-src 'none'; sandbox" {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}
