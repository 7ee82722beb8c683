package server

import (
	"io/fs"

	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
)

// own is the server's own part: the pages that belong to no single domain (home, a
// unit's page, the account, the users), the API's description, who is signed in,
// and the statistics.
func (s *Server) own() app.Domain {
	pages, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	return app.Domain{
		Name:      "server",
		Locales:   localeFS,
		Templates: pages,
		Mount: func(h app.Host) {
			mux := h.Mux
			mux.HandleFunc("GET /{$}", s.home)
			mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
			mux.HandleFunc("GET /api/v1/me", s.me)
			mux.HandleFunc("GET /api/v1/stats", s.statsAPI)
			mux.HandleFunc("GET /org/{code}", s.unit)
			mux.HandleFunc("GET /account", s.accountPage)
			mux.HandleFunc("GET /account/password", s.passwordPage)
			mux.HandleFunc("POST /account/password", s.changePassword)
			mux.HandleFunc("GET /account/totp", s.totpPage)
			mux.HandleFunc("POST /account/totp", s.totpEnrol)
			mux.HandleFunc("GET /users", s.usersPage)
			mux.HandleFunc("GET /users/new", s.newUserPage)
			mux.HandleFunc("POST /users", s.addUser)
			mux.HandleFunc("GET /users/{id}", s.userPage)
			mux.HandleFunc("GET /users/{id}/{action}", s.userActionPage)
			mux.HandleFunc("POST /users/{id}/{action}", s.userAction)
		},
		Nav: []app.Nav{
			{Key: "users.nav", URL: "/users", Show: auth.Principal.MayListUsers},
			{Key: "account.nav", URL: "/account"},
		},
	}
}
