package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// usersPerPage is the length of a page of the users list.
const usersPerPage = 50

// registerRoles are the roles an administrator may give in the browser: every
// role but the three administrators', whose accounts the command line keeps.
func registerRoles() []auth.Role {
	return slices.DeleteFunc(slices.Clone(auth.Roles), auth.Role.Administrator)
}

// usersView is the users page of the system and the security administrator: the
// accounts of their scope, searched by name, filtered by role and unit, sorted and
// paged.
type usersView struct {
	Users []userRow
	Total int
	Pager web.Pager
	Sort  web.Sort
	// Name, Role and Unit are the filters as the user typed them.
	Name, Role, Unit string
	Roles            []auth.Role
	CanAdd           bool
}

// userRow is an account as the pages show it: its state as one word, its second
// factor, and whether the viewer may act on it at all.
type userRow struct {
	auth.User
	State  string // active, must_change, locked, disabled
	Factor string // on, missing (the role requires one), off
}

func rowOf(u auth.User) userRow {
	r := userRow{User: u, State: "active", Factor: "off"}
	switch {
	case u.Disabled:
		r.State = "disabled"
	case !u.LockedUntil.IsZero():
		r.State = "locked"
	case u.MustChangePassword:
		r.State = "must_change"
	}
	if u.SecondFactor {
		r.Factor = "on"
	} else if u.Role.RequiresSecondFactor() {
		r.Factor = "missing"
	}
	return r
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	p, q := auth.From(r), r.URL.Query()
	v := usersView{Name: q.Get("q"), Role: q.Get("role"), Unit: strings.TrimSpace(q.Get("unit")), Roles: auth.Roles,
		CanAdd: p.Can(auth.AccountDuty(auth.AccountAdd)), Sort: auth.UserSorting.Read(r)}
	role := auth.Role(v.Role)
	if !role.Valid() {
		role = ""
	}
	page, err := s.auth.ListUsers(r.Context(), p, auth.UserQuery{Name: v.Name, Role: role, Unit: v.Unit, Sort: v.Sort,
		Limit: usersPerPage, Offset: (web.PageNumber(r) - 1) * usersPerPage})
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	v.Total, v.Pager = page.Total, web.TotalPager(r, page.Total, usersPerPage)
	if sent, err := v.Pager.SentToLast(w, r); sent || err != nil {
		if err != nil {
			s.render.Error(w, r, err)
		}
		return
	}
	for _, u := range page.Users {
		v.Users = append(v.Users, rowOf(u))
	}
	s.render.Page(w, r, http.StatusOK, "users", v)
}

// userFormView is the form that adds an account, or gives one another role and
// unit, kept as typed when it is refused.
type userFormView struct {
	User              *userRow // nil when adding
	Name, Role, Unit  string
	Roles             []auth.Role
	Error, ErrorField string
}

func (s *Server) newUserPage(w http.ResponseWriter, r *http.Request) {
	if !auth.From(r).Can(auth.AccountDuty(auth.AccountAdd)) {
		s.render.Error(w, r, apperr.New(apperr.Forbidden, "auth.forbidden", ""))
		return
	}
	s.render.Page(w, r, http.StatusOK, "users_form", userFormView{Roles: registerRoles(), Role: string(auth.RoleGrid)})
}

// oneTimeView shows a password an administrator made, this once: the database
// keeps only its hash.
type oneTimeView struct {
	User     userRow
	Password string
	Added    bool // a new account, else a reset
}

// addUser creates an account and shows its password once.
func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	v := userFormView{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"),
		Unit: strings.TrimSpace(r.PostFormValue("unit")), Roles: registerRoles()}
	password, err := s.auth.AddUser(r.Context(), v.Name, auth.Role(v.Role), v.Unit)
	if s.refusedForm(w, r, err, &v) {
		return
	}
	u, err := s.auth.UserNamed(r.Context(), auth.From(r), v.Name)
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	s.render.Page(w, r, http.StatusCreated, "users_password", oneTimeView{User: rowOf(u), Password: password, Added: true})
}

// refusedForm shows the form again with the reason, for an error the user can
// mend; it reports whether err was one (or any error, answered with the error page).
func (s *Server) refusedForm(w http.ResponseWriter, r *http.Request, err error, v *userFormView) bool {
	if err == nil {
		return false
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict) {
		s.render.Error(w, r, err)
		return true
	}
	v.Error, v.ErrorField = s.render.Message(r, ae), ae.Field
	s.render.Page(w, r, web.Status(ae.Code), "users_form", *v)
	return true
}

// userView is one account and what the viewer may do to it.
type userView struct {
	User    userRow
	Actions []auth.AccountAction
	// Managed: an administrator's account, which only the command line changes.
	Managed bool
	Done    string // the action just taken, for its message
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	u, err := s.auth.UserByID(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	v := userView{User: rowOf(u), Managed: u.Role.Administrator()}
	if a := auth.AccountAction(r.URL.Query().Get("done")); slices.Contains(userActions, a) {
		v.Done = string(a)
	}
	if u.Name != p.Name {
		for _, a := range userActions {
			if p.MayManage(a, u.Role) && applies(a, v.User) {
				v.Actions = append(v.Actions, a)
			}
		}
	}
	s.render.Page(w, r, http.StatusOK, "user", v)
}

// userActions are the actions the page of one account offers, in its order.
var userActions = []auth.AccountAction{auth.AccountReassign, auth.AccountResetPassword, auth.AccountDisable, auth.AccountEnable,
	auth.AccountResetTOTP, auth.AccountUnlock}

// applies reports whether a makes sense for the account as it is: a disabled one
// is enabled, not disabled again; a lock is lifted only while there is one; a
// second factor reset only while there is one.
func applies(a auth.AccountAction, u userRow) bool {
	switch a {
	case auth.AccountDisable:
		return !u.Disabled
	case auth.AccountEnable:
		return u.Disabled
	case auth.AccountUnlock:
		return !u.LockedUntil.IsZero()
	case auth.AccountResetTOTP:
		return u.SecondFactor
	}
	return true
}

// confirmView asks before an action is taken on an account; for a new role and
// unit it is the form that gives them.
type confirmView struct {
	User   userRow
	Action string
	Form   userFormView
}

// userActionPage asks the administrator to confirm an action on an account.
func (s *Server) userActionPage(w http.ResponseWriter, r *http.Request) {
	u, a, ok := s.actionTarget(w, r)
	if !ok {
		return
	}
	v := confirmView{User: rowOf(u), Action: string(a), Form: userFormView{Role: string(u.Role), Unit: u.OrgCode, Roles: registerRoles()}}
	s.render.Page(w, r, http.StatusOK, "user_confirm", v)
}

// actionTarget reads the account and the action of /users/{id}/{action}; on an
// answer of its own it reports false.
func (s *Server) actionTarget(w http.ResponseWriter, r *http.Request) (auth.User, auth.AccountAction, bool) {
	p := auth.From(r)
	a := auth.AccountAction(r.PathValue("action"))
	if !slices.Contains(userActions, a) {
		s.render.Error(w, r, apperr.New(apperr.NotFound, "not_found", ""))
		return auth.User{}, "", false
	}
	u, err := s.auth.UserByID(r.Context(), p, r.PathValue("id"))
	if err == nil && !p.Can(auth.AccountDuty(a)) {
		err = apperr.New(apperr.Forbidden, "user.not_yours", "")
	}
	if err != nil {
		s.render.Error(w, r, err)
		return auth.User{}, "", false
	}
	return u, a, true
}

// userAction takes a confirmed action on an account, each one transaction with
// its audit record in auth; a new password is shown once.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	u, a, ok := s.actionTarget(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var err error
	switch a {
	case auth.AccountReassign:
		v := confirmView{User: rowOf(u), Action: string(a), Form: userFormView{Role: r.PostFormValue("role"),
			Unit: strings.TrimSpace(r.PostFormValue("unit")), Roles: registerRoles()}}
		err = s.auth.Reassign(ctx, u.Name, auth.Role(v.Form.Role), v.Form.Unit)
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code == apperr.Invalid {
			v.Form.Error, v.Form.ErrorField = s.render.Message(r, ae), ae.Field
			s.render.Page(w, r, http.StatusBadRequest, "user_confirm", v)
			return
		}
	case auth.AccountResetPassword:
		var password string
		if password, err = s.auth.ResetPassword(ctx, u.Name); err == nil {
			s.render.Page(w, r, http.StatusOK, "users_password", oneTimeView{User: rowOf(u), Password: password})
			return
		}
	case auth.AccountDisable, auth.AccountEnable:
		err = s.auth.SetDisabled(ctx, u.Name, a == auth.AccountDisable)
	case auth.AccountResetTOTP:
		err = s.auth.ResetSecondFactor(ctx, u.Name)
	case auth.AccountUnlock:
		err = s.auth.Unlock(ctx, u.Name)
	}
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/users/"+url.PathEscape(u.ID)+"?done="+string(a), http.StatusSeeOther)
}
