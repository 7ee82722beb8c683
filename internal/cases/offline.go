package cases

import (
	"embed"
	"net/http"

	"shequ/internal/platform/web"
)

// The report form works without a network: a service worker (offline/sw.js) keeps
// the form and its assets, and the form's script (offline/outbox.js) keeps each
// report, photos included, in the phone's IndexedDB until it is sent; it sends it
// when the network returns, with an Idempotency-Key chosen once per report, so that
// however often the phone retries, the case is created once. The worker sees what
// is waiting to be sent. The form is installable as a web app (offline/manifest).
//
//go:embed offline/*
var offlineFS embed.FS

// mountOffline serves the service worker, the outbox script and the manifest under
// /cases/, so that the worker's scope is the cases' pages and nothing else.
func mountOffline(mux web.Router) {
	serve := func(name, contentType string) http.HandlerFunc {
		body, err := offlineFS.ReadFile("offline/" + name)
		if err != nil {
			panic(err) // embedded above: a missing file is a build mistake
		}
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			// The worker and the script must be fetched fresh so that a new
			// release replaces them; the service worker caches them for offline.
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(body)
		}
	}
	mux.HandleFunc("GET /cases/sw.js", serve("sw.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /cases/outbox.js", serve("outbox.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /cases/manifest.webmanifest", serve("manifest.webmanifest", "application/manifest+json"))
}
