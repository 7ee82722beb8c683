package fieldwork

import (
	"embed"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
)

// Locales are grid work's messages.
//
//go:embed locales/*.json
var Locales embed.FS

// Templates are grid work's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Domain plugs grid work into the server: its API and pages, and "我的一天" in the
// navigation for those who work grids in the field.
func Domain(svc *Service) app.Domain {
	return app.Domain{
		Name:      "fieldwork",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterAPI(h.Mux, svc, h.Render)
			RegisterPages(h.Mux, svc, h.Render)
		},
		Nav: []app.Nav{{
			Key:  "fieldwork.nav",
			URL:  "/day",
			Show: func(p auth.Principal) bool { return p.Can(auth.WriteRegister) },
		}},
	}
}
