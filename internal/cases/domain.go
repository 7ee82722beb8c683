package cases

import (
	"context"

	"shequ/internal/org"
	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
)

// Domain plugs cases into the server: the API, the pages, and "事件" in the
// navigation with the number of cases waiting for the user's unit.
func Domain(svc *Service, orgs *org.Service) app.Domain {
	return app.Domain{
		Name:      "cases",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterAPI(h.Mux, svc, h.Render)
			RegisterPages(h.Mux, svc, orgs, h.Render)
		},
		// The offline form's worker, script and manifest carry no one's data, and a
		// phone must fetch them even when its session has run out.
		Public: offlineForm.Paths(),
		Nav: []app.Nav{{
			Key:  "case.nav",
			URL:  "/cases",
			Show: func(p auth.Principal) bool { return p.Can(auth.ReadRegister) },
			Count: func(ctx context.Context, p auth.Principal) (int, error) {
				return svc.MyWorkCount(ctx, p)
			},
		}},
	}
}
