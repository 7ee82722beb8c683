package proposals

import (
	"embed"
	"net/http"

	"shequ/internal/platform/web"
)

// The proposal form works without a network as the case form does (decision
// 27), and with the same outbox: the form's page loads the cases' outbox.js,
// which keeps each proposal, with its photo, in the phone's IndexedDB and sends
// it to the API named on the form, with an Idempotency-Key chosen once. What is
// proposals' own is a small service worker whose scope is /proposals/: it keeps
// the form and what it links (the outbox script included) for when there is no
// signal. The form is installable as a web app (offline/manifest).
//
//go:embed offline/*
var offlineFS embed.FS

// mountOffline serves the service worker, the form's script and the manifest
// under /proposals/, so
// that the worker's scope is the proposals' pages and nothing else.
func mountOffline(mux web.Router) {
	serve := func(name, contentType string) http.HandlerFunc {
		body, err := offlineFS.ReadFile("offline/" + name)
		if err != nil {
			panic(err) // embedded above: a missing file is a build mistake
		}
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(body)
		}
	}
	mux.HandleFunc("GET /proposals/sw.js", serve("sw.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /proposals/form.js", serve("form.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /proposals/manifest.webmanifest", serve("manifest.webmanifest", "application/manifest+json"))
}
