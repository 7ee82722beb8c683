package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/web"
)

var errUnauthorized = apperr.New(apperr.Unauthorized, "auth.required", "")

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-login redirect on this site: a local absolute path only.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginView struct {
	Name  string
	Next  string
	Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render.Page(w, r, http.StatusOK, "login", loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

// login checks the form and opens a session. The cookie is HttpOnly and SameSite=Lax,
// and a new token is issued at every sign-in, so a planted one is worthless.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	token, _, err := s.auth.Login(r.Context(), name, password)
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			s.render.Error(w, r, err)
			return
		}
		s.render.Page(w, r, http.StatusUnauthorized, "login", loginView{Name: name, Next: next, Error: s.bundle.Error(web.Lang(r), ae)})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: int(s.auth.SessionMax.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			s.render.Error(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
