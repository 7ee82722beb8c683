// Package offline makes a form work without a network, for a grid worker in a
// stairwell: a service worker (js/sw.js) keeps the form and its assets, and the
// form's script (js/outbox.js) keeps each record, photos included, in the phone's
// IndexedDB until it is sent; it sends it when the network returns, with an
// Idempotency-Key chosen once per record, so that however often the phone
// retries, the record is created once (platform/idem). The worker sees what waits.
// Each domain with such a form (cases' report, fieldwork's visit) mounts its own
// worker, in its own scope, with its own cache.
package offline

import (
	"embed"
	"encoding/json"
	"net/http"
	"strings"

	"shequ/internal/platform/web"
)

//go:embed js/*.js
var scripts embed.FS

// Form is a domain's offline form.
type Form struct {
	// Scope is the path the worker keeps, ending in "/": it serves Scope+"sw.js"
	// and Scope+"outbox.js" there.
	Scope string
	// Page is the form's path, kept for offline use (its query aside).
	Page string
	// Cache names the worker's cache; a new name makes phones forget the old.
	Cache string
	// Manifest, when set, is served as Scope+"manifest.webmanifest" so the form
	// installs as a web app.
	Manifest []byte
	// Scripts are the form's own scripts besides the outbox, served by the domain
	// under Scope: the worker keeps them for when there is no network.
	Scripts []string
}

// Paths are the form's public paths, which a phone must fetch even when its
// session has run out: they carry no one's data.
func (f Form) Paths() []string {
	out := []string{f.Scope + "sw.js", f.Scope + "outbox.js"}
	if f.Manifest != nil {
		out = append(out, f.Scope+"manifest.webmanifest")
	}
	return out
}

// Mount serves the form's worker, outbox script and manifest on mux.
func Mount(mux web.Router, f Form) {
	scripts, err := json.Marshal(append([]string{f.Scope + "outbox.js"}, f.Scripts...))
	if err != nil {
		panic(err) // a list of strings always encodes
	}
	sw := strings.NewReplacer("{{CACHE}}", f.Cache, "{{FORM}}", f.Page, "{{SCRIPTS}}", string(scripts)).Replace(read("js/sw.js"))
	mux.HandleFunc("GET "+f.Scope+"sw.js", serve([]byte(sw), "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET "+f.Scope+"outbox.js", serve([]byte(read("js/outbox.js")), "text/javascript; charset=utf-8"))
	if f.Manifest != nil {
		mux.HandleFunc("GET "+f.Scope+"manifest.webmanifest", serve(f.Manifest, "application/manifest+json"))
	}
}

func read(name string) string {
	b, err := scripts.ReadFile(name)
	if err != nil {
		panic(err) // embedded above: a missing file is a build mistake
	}
	return string(b)
}

// serve answers with body, to be fetched fresh so that a new release replaces it;
// the service worker keeps its own copy for offline use.
func serve(body []byte, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	}
}
