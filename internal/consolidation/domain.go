package consolidation

import "shequ/internal/platform/app"

// Domain plugs the plans into the server: their pages, and "社区整合" in the
// navigation of those who may read plans.
func Domain(svc *Service) app.Domain {
	return app.Domain{
		Name:      "consolidation",
		Locales:   Locales,
		Templates: Templates,
		Mount:     func(h app.Host) { RegisterPages(h.Mux, svc, h.Render) },
		Nav:       []app.Nav{{Key: "plan.nav", URL: "/plans", Show: CanRead}},
	}
}
