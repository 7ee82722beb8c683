package org

import "shequ/internal/platform/app"

// Domain plugs the org tree's API and pages into the server.
func Domain(svc *Service) app.Domain {
	return app.Domain{
		Name:      "org",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterAPI(h.Mux, svc, h.Render)
			RegisterPages(h.Mux, svc, h.Render)
		},
	}
}
