package server

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/qr"
	"shequ/internal/platform/web"
)

type obligationKey struct{}

// owing is what the request's session owes, as the sign-in middleware found it.
func owing(r *http.Request) auth.Obligation {
	must, _ := r.Context().Value(obligationKey{}).(auth.Obligation)
	return must
}

func withObligation(ctx context.Context, must auth.Obligation) context.Context {
	return context.WithValue(ctx, obligationKey{}, must)
}

// accountView is the user's own account: who they are, how they sign in, and what
// their role lets them do.
type accountView struct {
	Name, Role, OrgCode, OrgName string
	LastLogin, PreviousLogin     time.Time
	PasswordChanged              time.Time
	PasswordExpires              time.Time // zero when passwords do not expire
	SecondFactor                 bool
	SecondFactorSince            time.Time
	SecondFactorRequired         bool
	RecoveryLeft                 int
	Actions                      []auth.Action
	PasswordChangedNow           bool // back from changing the password
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	a, err := s.auth.Account(r.Context(), p.UserID)
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	v := accountView{Name: a.Name, Role: string(a.Role), OrgCode: a.OrgCode, LastLogin: a.LastLoginAt,
		PreviousLogin: a.PreviousLoginAt, PasswordChanged: a.PasswordChangedAt, PasswordExpires: a.PasswordExpiresAt,
		SecondFactor: a.SecondFactor, SecondFactorSince: a.SecondFactorSince, SecondFactorRequired: a.Role.RequiresSecondFactor(),
		RecoveryLeft: a.RecoveryCodesLeft, Actions: auth.Permissions(a.Role), PasswordChangedNow: r.URL.Query().Get("changed") == "password"}
	if u, err := org.Lookup(r.Context(), s.cfg.DB.Read(), a.OrgCode); err == nil && u != nil {
		v.OrgName = u.Name
	}
	s.render.Page(w, r, http.StatusOK, "account", v)
}

// passwordView is the form to change one's password. Forced says why it is the
// only page open: "admin" (an administrator set the password), "expired", or "".
type passwordView struct {
	Name      string
	Forced    string
	Error     string
	Field     string
	MinLength int
}

func (s *Server) passwordView(r *http.Request) (passwordView, error) {
	p := auth.From(r)
	v := passwordView{Name: p.Name, MinLength: auth.MinPasswordLength}
	if owing(r) == auth.MustChangePassword {
		a, err := s.auth.Account(r.Context(), p.UserID)
		if err != nil {
			return v, err
		}
		v.Forced = "expired"
		if a.MustChangePassword {
			v.Forced = "admin"
		}
	}
	return v, nil
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.passwordView(r)
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	s.render.Page(w, r, http.StatusOK, "account_password", v)
}

// changePassword sets a new password. Once a forced change is done the user goes
// on to the application (or to what they owe next); otherwise back to the account.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	current, next := r.PostFormValue("current_password"), r.PostFormValue("password")
	var err error
	if next != r.PostFormValue("password_repeat") {
		err = apperr.Invalidf("password_repeat", "password.mismatch")
	} else {
		var token string
		if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			token = c.Value
		}
		err = s.auth.ChangePassword(r.Context(), auth.From(r).UserID, token, current, next)
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		v, verr := s.passwordView(r)
		if verr != nil {
			s.render.Error(w, r, verr)
			return
		}
		v.Error, v.Field = s.render.Message(r, ae), ae.Field
		s.render.Page(w, r, web.Status(ae.Code), "account_password", v)
		return
	}
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	if owing(r) == auth.MustChangePassword {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?changed=password", http.StatusSeeOther)
}

// totpView is the second-factor page: its state, and a secret being enrolled.
type totpView struct {
	Required     bool // the role requires a second factor
	Enabled      bool
	Since        time.Time
	RecoveryLeft int
	// Secret (in groups of four, as people copy it), URI and QR code (of the URI,
	// when it fits in one) of the secret being enrolled, "" when none is.
	Secret, URI string
	QR          template.HTML
	Error       string
	// Codes are the recovery codes of an enrolment just confirmed, shown this once.
	Codes []string
}

func (s *Server) totpView(r *http.Request, renew bool) (totpView, error) {
	p := auth.From(r)
	a, err := s.auth.Account(r.Context(), p.UserID)
	if err != nil {
		return totpView{}, err
	}
	v := totpView{Required: a.Role.RequiresSecondFactor(), Enabled: a.SecondFactor, Since: a.SecondFactorSince,
		RecoveryLeft: a.RecoveryCodesLeft}
	if !a.SecondFactor || a.EnrollingSecondFactor || renew {
		e, err := s.auth.BeginTOTP(r.Context(), p.UserID, renew)
		if err != nil {
			return totpView{}, err
		}
		v.Secret, v.URI = groupsOfFour(e.Secret), e.URI
		if code, err := qr.Encode([]byte(e.URI)); err == nil {
			// The SVG is made here from the URI alone; its only text, the label, is escaped.
			v.QR = template.HTML(code.SVG(s.bundle.T(web.Lang(r), "totp.qr"), 4))
		}
	}
	return v, nil
}

func groupsOfFour(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.totpView(r, false)
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	s.render.Page(w, r, http.StatusOK, "account_totp", v)
}

// totpEnrol starts enrolling a new authenticator (action=renew), or confirms the
// one being enrolled with its code and shows the recovery codes, once.
func (s *Server) totpEnrol(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	p := auth.From(r)
	if r.PostFormValue("action") == "renew" {
		if _, err := s.auth.BeginTOTP(r.Context(), p.UserID, true); err != nil {
			s.render.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	codes, err := s.auth.ConfirmTOTP(r.Context(), p.UserID, r.PostFormValue("totp_code"))
	var ae *apperr.Error
	if errors.As(err, &ae) {
		v, verr := s.totpView(r, false)
		if verr != nil {
			s.render.Error(w, r, verr)
			return
		}
		v.Error = s.render.Message(r, ae)
		s.render.Page(w, r, web.Status(ae.Code), "account_totp", v)
		return
	}
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	s.render.Page(w, r, http.StatusOK, "account_recovery", totpView{Enabled: true, Codes: codes})
}
