package staff

import (
	"shequ/internal/org"
	"shequ/internal/platform/app"
)

// Domain plugs the community workers' API and pages into the server; its pages
// name units through orgs.
func Domain(svc *Service, orgs *org.Service) app.Domain {
	return app.Domain{
		Name:      "staff",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterAPI(h.Mux, svc, h.Render)
			RegisterPages(h.Mux, svc, orgs, h.Render)
		},
	}
}
