package proposals

import (
	"context"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
)

// Domain plugs proposals into the server: the API, the pages, and two entries in
// the navigation — "信息采集" for those who keep the register in the field, with
// the number of their proposals that came back rejected and unseen, and "采集审核"
// for the community, with the number waiting for review.
func Domain(svc *Service) app.Domain {
	return app.Domain{
		Name:      "proposals",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterAPI(h.Mux, svc, h.Render)
			RegisterPages(h.Mux, svc, h.Render, h.Bundle)
		},
		// The offline form's worker and manifest carry no one's data, and a phone
		// must fetch them even when its session has run out.
		Public: append(offlineForm().Paths(), "/proposals/form.js"),
		Nav: []app.Nav{{
			Key:  "proposal.nav.mine",
			URL:  "/proposals",
			Show: func(p auth.Principal) bool { return p.Role == auth.RoleGrid },
			Count: func(ctx context.Context, p auth.Principal) (int, error) {
				return svc.ReturnedTo(ctx, p)
			},
		}, {
			Key:  "proposal.nav.review",
			URL:  "/proposals/review",
			Show: CanReview,
			Count: func(ctx context.Context, p auth.Principal) (int, error) {
				n, _, err := svc.Waiting(ctx, p, "")
				return n, err
			},
		}},
	}
}
