package audit

import (
	"time"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
)

// Domain plugs the audit administrator's pages into the server. The service is made
// when the domain mounts, as its exports are written in the reader's language from
// the bundle of every domain's messages.
func Domain(d *db.DB, now func() time.Time) app.Domain {
	return app.Domain{
		Name:      "audit",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterPages(h.Mux, NewService(d, h.Bundle, now), h.Render)
		},
		Nav: []app.Nav{{Key: "audit.nav", URL: "/audit", Show: func(p auth.Principal) bool { return p.Can(auth.ReadAudit) }}},
	}
}
