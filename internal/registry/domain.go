package registry

import (
	"shequ/internal/org"
	"shequ/internal/platform/app"
)

// Domain plugs the register's API and pages into the server; its pages name units
// through orgs. Its navigation entry is the 流入原因 dictionary, for those who keep
// it.
func Domain(svc *Service, orgs *org.Service) app.Domain {
	return app.Domain{
		Name:      "registry",
		Locales:   Locales,
		Templates: Templates,
		Mount: func(h app.Host) {
			RegisterAPI(h.Mux, svc, h.Render)
			RegisterPages(h.Mux, svc, orgs, h.Render)
		},
		Nav: []app.Nav{{Key: "dictionary.nav", URL: dictionaryURL(DictInflowReason), Show: MayKeepDictionaries}},
	}
}
