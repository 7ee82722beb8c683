package proposals

import (
	"embed"
	"net/http"

	"shequ/internal/platform/offline"
	"shequ/internal/platform/web"
)

// The proposal form works without a network as the case form does
// (platform/offline): its service worker keeps the form under /proposals/ with
// the outbox and the form's own script, and the outbox keeps each proposal, with
// its photo, in the phone's IndexedDB until it is sent with an Idempotency-Key.
// The form is installable as a web app (offline/manifest.webmanifest).
//
//go:embed offline/*
var offlineFS embed.FS

// offlineForm is the proposal form as platform/offline serves it.
func offlineForm() offline.Form {
	return offline.Form{Scope: "/proposals/", Page: "/proposals/new", Cache: "shequ-proposals-2",
		Manifest: mustRead("manifest.webmanifest"), Scripts: []string{"/proposals/form.js"}}
}

// mountOffline serves the service worker, the outbox, the manifest and the form's
// script under /proposals/, so that the worker's scope is the proposals' pages
// and nothing else.
func mountOffline(mux web.Router) {
	offline.Mount(mux, offlineForm())
	body := mustRead("form.js")
	mux.HandleFunc("GET /proposals/form.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	})
}

func mustRead(name string) []byte {
	b, err := offlineFS.ReadFile("offline/" + name)
	if err != nil {
		panic(err) // embedded above: a missing file is a build mistake
	}
	return b
}
