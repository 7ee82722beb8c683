package fieldwork

import (
	"embed"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/offline"
)

// Locales are grid work's messages.
//
//go:embed locales/*.json
var Locales embed.FS

// Templates are grid work's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// worksInTheField reports whether p works grids in the field, and so has "我的一天"
// in the navigation: a grid's worker, or a community's.
func worksInTheField(p auth.Principal) bool {
	return p.Role == auth.RoleGrid || p.Role == auth.RoleCommunity
}

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
			offline.Mount(h.Mux, offlineVisit)
		},
		// The offline form's worker and script carry no one's data, and a phone
		// must fetch them even when its session has run out.
		Public: offlineVisit.Paths(),
		Nav: []app.Nav{{
			Key:  "fieldwork.nav",
			URL:  "/day",
			Show: worksInTheField,
		}},
	}
}

// offlineVisit is the visit form as platform/offline serves it: kept on the phone
// under /visits/, each visit sent once with its Idempotency-Key.
var offlineVisit = offline.Form{Scope: "/visits/", Page: "/visits/new", Cache: "shequ-visits-1"}
