package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file and the version that names its content.
type asset struct {
	data    []byte
	version string
}

// loadAssets reads the embedded static files and versions each by a hash of its
// content, so a URL with ?v= can be cached for good and a new build changes it.
func loadAssets() (map[string]asset, error) {
	root, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	assets := make(map[string]asset)
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		assets[name] = asset{data: data, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	return assets, err
}

// StaticHandler serves the embedded static files under /static/; mount it as
// mux.Handle("GET /static/", web.StaticHandler()). Templates link files with
// {{static "app.css"}}, which adds ?v=<content hash>: such a request may be cached
// for a year, since a changed file gets a new URL; any other is revalidated by ETag.
func StaticHandler() http.Handler {
	assets := mustLoadAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/static/")
		a, found := assets[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		serveAsset(w, r, name, a)
	})
}

// Favicon serves the site's icon at /favicon.ico, where browsers look for it
// whatever the page links: mount it as mux.Handle("GET /favicon.ico", web.Favicon()).
// The layout links the same icon, and an SVG one, under /static/.
func Favicon() http.Handler {
	a := mustLoadAssets()["favicon.ico"]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveAsset(w, r, "favicon.ico", a) })
}

func mustLoadAssets() map[string]asset {
	assets, err := loadAssets()
	if err != nil {
		// The files are compiled into the binary: failing to read them is a defect of
		// the build, which no caller could handle.
		panic("web: embedded static files: " + err.Error())
	}
	return assets
}

// serveAsset sends a, cached for good when the request names its version, else
// revalidated by ETag.
func serveAsset(w http.ResponseWriter, r *http.Request, name string, a asset) {
	h := w.Header()
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+a.version+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}
