package transfer

import (
	"time"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/sheet"
)

// Domain plugs imports and exports into the server. The service is made when the
// domain mounts, as it writes reports and export headers in the users' languages
// from the bundle of every domain's messages; limits bound what reading an upload
// may cost, and timer observes each import's phases (nil: none).
func Domain(d *db.DB, now func() time.Time, limits sheet.Limits, timer Timer) app.Domain {
	var pages *Pages
	return app.Domain{
		Name:      "transfer",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			svc := NewService(d, h.Bundle, now).WithLimits(limits).WithTimer(timer)
			RegisterAPI(h.Mux, svc, h.Render)
			pages = RegisterPages(h.Mux, svc, h.Render)
		},
		Nav: []app.Nav{{Key: "transfer.nav", URL: "/imports", Show: func(p auth.Principal) bool { return len(Importable(p)) > 0 }}},
		Close: func() error {
			if pages == nil {
				return nil
			}
			return pages.Close()
		},
	}
}
