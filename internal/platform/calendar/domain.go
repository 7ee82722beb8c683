package calendar

import (
	"context"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// Domain plugs the calendar's pages into the server. Everyone signed in may read
// the calendar; its navigation entry shows to those who may add a year, with the
// number of years missing beside it, as those warnings are theirs to act on.
func Domain(s *Service) app.Domain {
	return app.Domain{
		Name:      "calendar",
		Locales:   Locales,
		Templates: Templates,
		Mount:     func(h app.Host) { RegisterPages(h.Mux, s, h.Render) },
		Nav: []app.Nav{{Key: "calendar.nav", URL: "/calendar", Show: MayImport,
			Count: func(ctx context.Context, _ auth.Principal) (int, error) {
				ws, err := s.Warnings(ctx, web.DayIn(s.now(), s.zone))
				return len(ws), err
			}}},
	}
}
