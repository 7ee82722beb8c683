package server

import (
	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
	"shequ/internal/staff"
	"shequ/internal/transfer"
)

// routes registers the API and the domains' pages.
func (s *Server) routes(mux *web.Mux) {
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("GET /api/v1/me", s.me)
	mux.HandleFunc("GET /api/v1/stats", s.statsAPI)
	org.RegisterAPI(mux, s.org, s.render)
	registry.RegisterAPI(mux, s.registry, s.render)
	staff.RegisterAPI(mux, s.staff, s.render)
	transfer.RegisterAPI(mux, s.transfer, s.render)
	mux.HandleFunc("GET /org/{code}", s.unit)
	org.RegisterPages(mux, s.org, s.render)
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
	registry.RegisterPages(mux, s.registry, s.org, s.render)
	staff.RegisterPages(mux, s.staff, s.org, s.render)
	s.imports = transfer.RegisterPages(mux, s.transfer, s.render)
	audit.RegisterPages(mux, s.audit, s.render)
}
