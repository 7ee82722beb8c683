package calendar

import "shequ/internal/platform/app"

// Domain plugs the calendar's pages into the server, with "工作日历" in the
// navigation of those who may add a year.
func Domain(s *Service) app.Domain {
	return app.Domain{
		Name:      "calendar",
		Locales:   Locales,
		Templates: Templates,
		Mount:     func(h app.Host) { RegisterPages(h.Mux, s, h.Render) },
		Nav:       []app.Nav{{Key: "calendar.nav", URL: "/calendar", Show: MayImport}},
	}
}
