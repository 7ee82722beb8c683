package fieldwork

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shequ/internal/cases"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
)

// Pages serves grid work's pages.
type Pages struct {
	svc    *Service
	render *web.Renderer
}

// RegisterPages adds grid work's pages to mux.
func RegisterPages(mux web.Router, svc *Service, render *web.Renderer) {
	pg := &Pages{svc: svc, render: render}
	mux.HandleFunc("GET /day", pg.day)
	mux.HandleFunc("GET /grids/{code}", pg.grid)
	mux.HandleFunc("POST /grids/{code}/team", pg.assign)
	mux.HandleFunc("POST /grids/{code}/team/{worker}/end", pg.unassign)
	mux.HandleFunc("POST /grids/{code}/contacts", pg.addContact)
	mux.HandleFunc("POST /grids/{code}/contacts/{id}/end", pg.endContact)
	mux.HandleFunc("GET /visits/new", pg.visitForm)
	mux.HandleFunc("POST /visits", pg.recordVisit)
	mux.HandleFunc("GET /visits/{id}", pg.visit)
	mux.HandleFunc("POST /visits/{id}/needs/{need}/report", pg.reportNeed)
	mux.HandleFunc("POST /patrols", pg.startPatrol)
	mux.HandleFunc("GET /patrols/{id}", pg.patrol)
	mux.HandleFunc("POST /patrols/{id}/findings", pg.addFinding)
	mux.HandleFunc("POST /patrols/{id}/end", pg.endPatrol)
	mux.HandleFunc("GET /fieldwork/{code}", pg.community)
}

// formError is a refusal as a form shows it: the field it names and the message.
type formError struct {
	Field, Message string
}

// refused answers a form the service refused: the form again, through again, with
// the refusal when it names a field (invalid, or a conflict such as a role held
// already); the error page for any other error.
func (pg *Pages) refused(w http.ResponseWriter, r *http.Request, err error, again func(formError)) {
	var e *apperr.Error
	if !errors.As(err, &e) || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		pg.render.Error(w, r, err)
		return
	}
	again(formError{Field: e.Field, Message: pg.render.Message(r, err)})
}

// dayPage is the worker's day.
type dayPage struct {
	Day
	Purposes []registry.DictionaryEntry
}

func (pg *Pages) day(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	d, err := pg.svc.Day(r.Context(), p, web.Lang(r))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	pg.render.Page(w, r, http.StatusOK, "fieldwork_day", dayPage{Day: d})
}

// gridPage is a grid's work page, with the refusal of the form just sent.
type gridPage struct {
	GridWork
	Crumbs  []web.Crumb
	CanKeep bool
	Roles   []string
	Today   string
	Error   formError
	Done    string
	// Residents are the grid's residents a contact is chosen from.
	Residents []registry.Resident
}

func (pg *Pages) grid(w http.ResponseWriter, r *http.Request) {
	pg.showGrid(w, r, http.StatusOK, formError{}, r.URL.Query().Get("done"))
}

func (pg *Pages) showGrid(w http.ResponseWriter, r *http.Request, status int, fe formError, done string) {
	p, code := auth.From(r), r.PathValue("code")
	g, err := pg.svc.Grid(r.Context(), p, code)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := gridPage{GridWork: g, CanKeep: p.Can(auth.WriteStaff), Roles: registry.ContactRoles, Today: pg.svc.today(), Error: fe, Done: done}
	if page.Crumbs, err = pg.svc.deps.Org.Crumbs(r.Context(), p, code, true); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	if page.CanKeep {
		rs, err := pg.svc.deps.Registry.GridResidents(r.Context(), p, code, "", maxResidentChoices, 0)
		if err != nil {
			pg.render.Error(w, r, err)
			return
		}
		page.Residents = rs.Items
	}
	pg.render.Page(w, r, status, "fieldwork_grid", page)
}

// maxResidentChoices bounds the contact form's list of residents: a grid holds
// 200–300 households.
const maxResidentChoices = 2000

// after answers a grid form: back to the page with what was done, or the page
// again with the refusal.
func (pg *Pages) after(w http.ResponseWriter, r *http.Request, err error, done string) {
	if err == nil {
		http.Redirect(w, r, "/grids/"+url.PathEscape(r.PathValue("code"))+"?done="+done, http.StatusSeeOther)
		return
	}
	pg.refused(w, r, err, func(fe formError) { pg.showGrid(w, r, http.StatusUnprocessableEntity, fe, "") })
}

func (pg *Pages) assign(w http.ResponseWriter, r *http.Request) {
	_, err := pg.svc.Assign(r.Context(), auth.From(r), r.PathValue("code"), r.FormValue("worker_id"), r.FormValue("assigned_on"))
	pg.after(w, r, err, "assigned")
}

func (pg *Pages) unassign(w http.ResponseWriter, r *http.Request) {
	_, err := pg.svc.Unassign(r.Context(), auth.From(r), r.PathValue("code"), r.PathValue("worker"), r.FormValue("ended_on"))
	pg.after(w, r, err, "unassigned")
}

func (pg *Pages) addContact(w http.ResponseWriter, r *http.Request) {
	_, err := pg.svc.AddContact(r.Context(), auth.From(r), r.PathValue("code"), ContactInput{ResidentID: r.FormValue("resident_id"),
		Role: r.FormValue("role"), AnswersFor: r.FormValue("answers_for"), StartedOn: r.FormValue("started_on")})
	pg.after(w, r, err, "contact_added")
}

func (pg *Pages) endContact(w http.ResponseWriter, r *http.Request) {
	err := pg.svc.EndContact(r.Context(), auth.From(r), r.PathValue("code"), r.PathValue("id"), r.FormValue("ended_on"))
	pg.after(w, r, err, "contact_ended")
}

// visitForm is the visit form with the household visited — its members, for "who
// was met" — and the grid's contacts, to call. A grid worker may open it without a
// household, and choose one of the grid's: so the phone keeps it for offline use.
type visitForm struct {
	Household registry.Household
	Members   []registry.Resident
	Contacts  []Contact
	Purposes  []registry.DictionaryEntry
	In        VisitInput
	Today     string
	Error     formError
	Recent    []Visit
	// Homes are the grid's households, one of which the form names: the page is
	// kept on the phone for offline use, and any household of the grid may be
	// visited with it.
	Homes []HouseholdVisits
}

func (pg *Pages) visitForm(w http.ResponseWriter, r *http.Request) {
	pg.showVisitForm(w, r, http.StatusOK, VisitInput{HouseholdID: r.URL.Query().Get("household"), Purpose: "01"}, formError{})
}

func (pg *Pages) showVisitForm(w http.ResponseWriter, r *http.Request, status int, in VisitInput, fe formError) {
	p, ctx := auth.From(r), r.Context()
	if err := mayWork(p); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	f := visitForm{In: in, Today: pg.svc.today(), Error: fe}
	grid := p.OrgCode
	if in.HouseholdID != "" || scope.LevelOf(grid) != scope.Grid {
		var err error
		if f.Household, f.Members, err = pg.svc.deps.Registry.Household(ctx, p, in.HouseholdID); err != nil {
			pg.render.Error(w, r, err)
			return
		}
		grid = f.Household.GridCode
		if f.Recent, err = pg.svc.HouseholdVisitsOf(ctx, p, f.Household.ID, 5); err != nil {
			pg.render.Error(w, r, err)
			return
		}
	}
	var err error
	if f.Homes, err = lastVisits(ctx, pg.svc.db.Read(), grid); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	if f.Purposes, err = pg.svc.Purposes(ctx); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	if f.Contacts, err = pg.svc.Contacts(ctx, p, grid); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	pg.render.Page(w, r, status, "fieldwork_visit_new", f)
}

// visitInput reads the visit form: needs one a line.
func visitInput(r *http.Request) VisitInput {
	return VisitInput{HouseholdID: r.FormValue("household_id"), ResidentID: r.FormValue("resident_id"), VisitedOn: r.FormValue("visited_on"),
		Met: r.FormValue("met"), Purpose: r.FormValue("purpose"), Notes: r.FormValue("notes"),
		Needs: strings.Split(r.FormValue("needs"), "\n"), FollowUpOn: r.FormValue("follow_up_on")}
}

// recordVisit takes the form without script; the page's script sends it to the
// API with an Idempotency-Key instead (outbox).
func (pg *Pages) recordVisit(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	in := visitInput(r)
	key, err := idem.New(p.UserID, r.Header.Get("Idempotency-Key"), []byte(r.PostForm.Encode()))
	var v Visit
	if err == nil {
		v, err = pg.svc.RecordVisit(r.Context(), p, in, key)
	}
	if err != nil {
		pg.refused(w, r, err, func(fe formError) {
			if fe.Field == "household_id" { // a household outside the worker's grid has no form to show
				pg.render.Error(w, r, err)
				return
			}
			in.Needs = visitInput(r).Needs
			pg.showVisitForm(w, r, http.StatusUnprocessableEntity, in, fe)
		})
		return
	}
	http.Redirect(w, r, "/visits/"+v.ID, http.StatusSeeOther)
}

// visitPage is a visit, with the categories a need may be reported under.
type visitPage struct {
	Visit      Visit
	Household  registry.Household
	Categories []cases.Category
	Error      formError
}

func (pg *Pages) visit(w http.ResponseWriter, r *http.Request) {
	pg.showVisit(w, r, http.StatusOK, formError{})
}

func (pg *Pages) showVisit(w http.ResponseWriter, r *http.Request, status int, fe formError) {
	p, ctx := auth.From(r), r.Context()
	v, err := pg.svc.Visit(ctx, p, r.PathValue("id"))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := visitPage{Visit: v, Categories: pg.reportable(), Error: fe}
	if es, err := pg.svc.Purposes(ctx); err == nil {
		for _, e := range es {
			if e.Code == v.Purpose {
				page.Visit.PurposeName = e.Label(web.Lang(r))
			}
		}
	}
	pg.render.Page(w, r, status, "fieldwork_visit", page)
}

func (pg *Pages) reportNeed(w http.ResponseWriter, r *http.Request) {
	c, err := pg.svc.ReportNeed(r.Context(), auth.From(r), r.PathValue("id"), r.PathValue("need"), r.FormValue("category"), nil)
	if err != nil {
		pg.refused(w, r, err, func(fe formError) { pg.showVisit(w, r, http.StatusUnprocessableEntity, fe) })
		return
	}
	http.Redirect(w, r, "/cases/"+c.No, http.StatusSeeOther)
}

func (pg *Pages) startPatrol(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	grid := r.FormValue("grid_code")
	if grid == "" {
		grid = p.OrgCode
	}
	pt, err := pg.svc.StartPatrol(r.Context(), p, StartPatrolInput{GridCode: grid, GPSConsent: r.FormValue("gps_consent") == "1"})
	if err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Code == apperr.Conflict {
			if id, ok := e.Args["id"].(string); ok {
				http.Redirect(w, r, "/patrols/"+id, http.StatusSeeOther)
				return
			}
		}
		pg.render.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/patrols/"+pt.ID, http.StatusSeeOther)
}

// patrolPage is a patrol with the finding form's choices.
type patrolPage struct {
	Patrol     Patrol
	Mine       bool
	Outside    int
	Categories []cases.Category
	Error      formError
	Reported   string
}

func (pg *Pages) patrol(w http.ResponseWriter, r *http.Request) {
	pg.showPatrol(w, r, http.StatusOK, formError{})
}

func (pg *Pages) showPatrol(w http.ResponseWriter, r *http.Request, status int, fe formError) {
	p := auth.From(r)
	pt, err := pg.svc.Patrol(r.Context(), p, r.PathValue("id"))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := patrolPage{Patrol: pt, Mine: pt.UserID == p.UserID && pt.Open(), Categories: pg.reportable(), Error: fe,
		Reported: r.URL.Query().Get("case")}
	for _, x := range pt.Points {
		if x.Outside {
			page.Outside++
		}
	}
	pg.render.Page(w, r, status, "fieldwork_patrol", page)
}

// reportable lists the categories a finding or a need may be reported under.
func (pg *Pages) reportable() []cases.Category {
	cat := pg.svc.deps.Cases.Catalogue()
	var out []cases.Category
	for _, c := range cat.All() {
		if cat.Reportable(c.Code) {
			out = append(out, c)
		}
	}
	return out
}

// coordinate reads a form's coordinate: nil when empty or not a number (a finding's
// place is a help, never a reason to refuse it).
func coordinate(v string) *float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return nil
	}
	return &f
}

func (pg *Pages) addFinding(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	photos, err := files.ReadForm(w, r, "photos", cases.MaxPhotos, files.Photos())
	var f Finding
	if err == nil {
		in := FindingInput{Description: r.FormValue("description"), Category: r.FormValue("category"), Address: r.FormValue("address"),
			Lat: coordinate(r.FormValue("lat")), Lng: coordinate(r.FormValue("lng"))}
		f, err = pg.svc.AddFinding(r.Context(), p, r.PathValue("id"), in, photos, nil)
	}
	if err != nil {
		pg.refused(w, r, err, func(fe formError) { pg.showPatrol(w, r, http.StatusUnprocessableEntity, fe) })
		return
	}
	http.Redirect(w, r, "/patrols/"+url.PathEscape(r.PathValue("id"))+"?case="+url.QueryEscape(f.CaseNo), http.StatusSeeOther)
}

func (pg *Pages) endPatrol(w http.ResponseWriter, r *http.Request) {
	_, err := pg.svc.EndPatrol(r.Context(), auth.From(r), r.PathValue("id"), EndPatrolInput{RouteNotes: r.FormValue("route_notes")})
	if err != nil {
		pg.refused(w, r, err, func(fe formError) { pg.showPatrol(w, r, http.StatusUnprocessableEntity, fe) })
		return
	}
	http.Redirect(w, r, "/day", http.StatusSeeOther)
}

// communityPage is the community's view of its grids, with the chart's bars.
type communityPage struct {
	Code    string
	Crumbs  []web.Crumb
	Grids   []GridFigures
	Visits  []web.Bar
	Never   []web.Bar
	Waiting bool
}

func (pg *Pages) community(w http.ResponseWriter, r *http.Request) {
	p, code := auth.From(r), r.PathValue("code")
	gs, err := pg.svc.Community(r.Context(), p, code)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := communityPage{Code: code, Grids: gs, Waiting: pg.svc.HasWaitingColumn()}
	if page.Crumbs, err = pg.svc.deps.Org.Crumbs(r.Context(), p, code, true); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	for _, g := range gs {
		page.Visits = append(page.Visits, web.Bar{Label: g.Name, Value: g.VisitsMonth})
		page.Never = append(page.Never, web.Bar{Label: g.Name, Value: g.NeverVisited})
	}
	pg.render.Page(w, r, http.StatusOK, "fieldwork_community", page)
}
