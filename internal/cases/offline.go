package cases

import (
	_ "embed"

	"shequ/internal/platform/offline"
	"shequ/internal/platform/web"
)

// The report form works without a network (platform/offline): its service worker
// keeps the form under /cases/, and its outbox keeps each report, photos included,
// until it is sent with an Idempotency-Key. The form is installable as a web app
// (offline/manifest).
//
//go:embed offline/manifest.webmanifest
var manifest []byte

// offlineForm is the report form as platform/offline serves it.
var offlineForm = offline.Form{Scope: "/cases/", Page: "/cases/new", Cache: "shequ-cases-2", Manifest: manifest}

// mountOffline serves the service worker, the outbox script and the manifest under
// /cases/, so that the worker's scope is the cases' pages and nothing else.
func mountOffline(mux web.Router) { offline.Mount(mux, offlineForm) }
