package server

import (
	"errors"
	"net/http"
	"net/url"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

var errUnauthorized = apperr.New(apperr.Unauthorized, "auth.required", "")

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// pendingCookie carries the token of a pending sign-in between the password and the
// second factor. It opens nothing but the code form, and only for a few minutes.
const pendingCookie = "shequ_pending"

type loginView struct {
	Name  string
	Next  string
	Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render.Page(w, r, http.StatusOK, "login", loginView{Next: web.LocalPath(r.URL.Query().Get("next"))})
}

// login checks the form and opens a session, or for a user with a second factor a
// pending sign-in that the code form completes.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := web.LocalPath(r.PostFormValue("next"))
	in, err := s.auth.Login(r.Context(), name, password)
	if err != nil {
		s.loginFailed(w, r, loginView{Name: name, Next: next}, err)
		return
	}
	if in.Pending != "" {
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: in.Pending, Path: "/login", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: int(s.auth.PendingFor.Seconds())})
		http.Redirect(w, r, "/login/totp?next="+urlQueryEscape(next), http.StatusSeeOther)
		return
	}
	s.signedIn(w, r, in, next)
}

// loginFailed shows the form again with the reason, or the error page for an error
// that is not the user's.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, v loginView, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		s.render.Error(w, r, err)
		return
	}
	v.Error = s.render.Message(r, ae)
	s.render.Page(w, r, http.StatusUnauthorized, "login", v)
}

type loginTOTPView struct {
	Next  string
	Error string
}

func (s *Server) loginTOTPPage(w http.ResponseWriter, r *http.Request) {
	next := web.LocalPath(r.URL.Query().Get("next"))
	if _, err := r.Cookie(pendingCookie); err != nil {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(next), http.StatusSeeOther)
		return
	}
	s.render.Page(w, r, http.StatusOK, "login_totp", loginTOTPView{Next: next})
}

// loginTOTP completes a pending sign-in with a code. A pending sign-in that has
// expired sends the user back to the password, with the reason.
func (s *Server) loginTOTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	next := web.LocalPath(r.PostFormValue("next"))
	var pending string
	if c, err := r.Cookie(pendingCookie); err == nil {
		pending = c.Value
	}
	in, err := s.auth.LoginTOTP(r.Context(), pending, r.PostFormValue("totp_code"))
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae) && ae.Key == "auth.bad_code":
		s.render.Page(w, r, http.StatusUnauthorized, "login_totp", loginTOTPView{Next: next, Error: s.render.Message(r, ae)})
		return
	case err != nil:
		s.clearCookie(w, pendingCookie, "/login")
		s.loginFailed(w, r, loginView{Next: next}, err)
		return
	}
	s.clearCookie(w, pendingCookie, "/login")
	s.signedIn(w, r, in, next)
}

// signedIn sets the cookie of a new session and sends the user on: to what they
// owe first, else to next. The cookie is HttpOnly and SameSite=Lax, and a new token
// is issued at every sign-in, so a planted one is worthless.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, in auth.SignIn, next string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: in.Session, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: int(s.auth.SessionMax.Seconds())})
	if page := obligationPage(in.Must); page != "" {
		next = page
	} else if next == "/" && !in.Principal.Can(auth.ReadRegister) {
		next = "/account" // the administrators have no register to start from
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies, MaxAge: -1})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			s.render.Error(w, r, err)
			return
		}
	}
	s.clearCookie(w, sessionCookie, "/")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// obligationPage is the one page a user who owes must open, "" when nothing is due.
func obligationPage(must auth.Obligation) string {
	switch must {
	case auth.MustChangePassword:
		return "/account/password"
	case auth.MustEnrolTOTP:
		return "/account/totp"
	}
	return ""
}

// obligationError is the API's answer to a session that owes something.
func obligationError(must auth.Obligation) error {
	if must == auth.MustEnrolTOTP {
		return apperr.New(apperr.Forbidden, "auth.totp_required", "")
	}
	return apperr.New(apperr.Forbidden, "auth.password_expired", "")
}

// mayWhileOwing reports whether a session that owes must may open path: the page
// that settles it, and signing out.
func mayWhileOwing(must auth.Obligation, path string) bool {
	return path == obligationPage(must) || path == "/logout"
}
