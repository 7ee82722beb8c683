package cases

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/platform/workflow"
)

// Templates are the cases' pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the cases' strings.
//
//go:embed locales/*.json
var Locales embed.FS

// perPage is how many cases a page of the list shows.
const perPage = 20

// Pages serves the cases' pages: the list and "my work", the report form (which
// works offline, see offline.go), a case with its timeline and the steps the user
// may take, and the supervision board.
type Pages struct {
	svc    *Service
	orgs   *org.Service
	render *web.Renderer
}

// RegisterPages adds the cases' pages to mux.
func RegisterPages(mux web.Router, svc *Service, orgs *org.Service, render *web.Renderer) {
	pg := &Pages{svc: svc, orgs: orgs, render: render}
	mux.HandleFunc("GET /cases", pg.list)
	mux.HandleFunc("GET /cases/new", pg.newForm)
	mux.HandleFunc("POST /cases", pg.report)
	mux.HandleFunc("GET /cases/board", pg.board)
	mux.HandleFunc("GET /cases/dashboard", pg.dashboard)
	mux.HandleFunc("POST /cases/dispatch", pg.dispatchMany)
	mux.HandleFunc("GET /cases/catalogue", pg.catalogue)
	mux.HandleFunc("POST /cases/catalogue", pg.saveCategory)
	mux.HandleFunc("GET /cases/routes", pg.routes)
	mux.HandleFunc("POST /cases/routes", pg.saveRoutes)
	mux.HandleFunc("GET /cases/{id}", pg.show)
	mux.HandleFunc("POST /cases/{id}/take", pg.take)
	photos := files.NewServer(svc.db, svc.files, render, svc.now)
	mux.HandleFunc("GET /cases/{owner}/files/{file}", photos.Handler(SubjectKind, auth.ReadRegister, files.Original))
	mux.HandleFunc("GET /cases/{owner}/files/{file}/thumb", photos.Handler(SubjectKind, auth.ReadRegister, files.Thumb))
	mountOffline(mux)
}

// listPage is the case list: a tab (mine, open, closed, all) and a category.
type listPage struct {
	Tab      string
	Tabs     []string
	Category string
	Classes  []Category
	Cases    []Case
	Pager    web.Pager
	Flags    map[string]workflow.Flag
	Lang     string
	// Dispatchable are the listed cases the user's unit may dispatch now, and
	// Handlers where to: the batch dispatch form ("回来再分家" in one click).
	Dispatchable []Case
	Handlers     []Handler
	Problem      string
	Dispatched   string
}

var tabs = []string{"mine", "open", "closed", "all"}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request) {
	pg.listWith(w, r, http.StatusOK, "")
}

func (pg *Pages) listWith(w http.ResponseWriter, r *http.Request, status int, problem string) {
	p := auth.From(r)
	q := r.URL.Query()
	tab := q.Get("tab")
	if !slices.Contains(tabs, tab) {
		// A grid is no handling unit: nothing waits for a grid worker but the
		// rating of what they reported, so they start from their grid's open cases.
		tab = "mine"
		if p.Role == auth.RoleGrid {
			tab = "open"
		}
	}
	f := Filter{Category: q.Get("category"), Unit: q.Get("unit"), Mine: tab == "mine", Limit: perPage}
	if tab == "open" || tab == "closed" {
		f.State = tab
	}
	pager := web.TotalPager(r, 0, perPage)
	f.Offset = pager.Offset()
	cs, total, err := pg.svc.List(r.Context(), p, f, web.Lang(r))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	pager = web.TotalPager(r, total, perPage)
	page := listPage{Tab: tab, Tabs: tabs, Category: f.Category, Cases: cs, Pager: pager, Flags: map[string]workflow.Flag{}, Lang: web.Lang(r),
		Problem: problem, Dispatched: q.Get("dispatched")}
	if tab == "mine" {
		for _, c := range cs {
			if (c.Instance.State == "accepted" || c.Instance.State == "returned") && c.Instance.OwnerOrg == p.OrgCode {
				page.Dispatchable = append(page.Dispatchable, c)
			}
		}
		if len(page.Dispatchable) > 0 {
			if page.Handlers, err = pg.svc.Handlers(r.Context(), p, web.Lang(r)); err != nil {
				pg.render.Error(w, r, err)
				return
			}
		}
	}
	for _, c := range pg.svc.Catalogue().All() {
		if c.Parent == "" && !c.Retired {
			page.Classes = append(page.Classes, c)
		}
	}
	now := pg.svc.now()
	for _, c := range cs {
		page.Flags[c.ID] = c.Instance.Flag(now, dueSoon)
	}
	pg.render.Page(w, r, status, "cases_list", page)
}

// dispatchMany dispatches the cases ticked on the list to one handling unit; each
// box carries the case's ID and the version the list showed ("id:version").
func (pg *Pages) dispatchMany(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pg.render.Error(w, r, apperr.Invalidf("cases", "case.batch").With("max", maxBatch))
		return
	}
	var batch []Versioned
	for _, v := range r.PostForm["case"] {
		id, version, _ := strings.Cut(v, ":")
		n, _ := strconv.Atoi(version)
		batch = append(batch, Versioned{ID: id, Version: n})
	}
	cs, err := pg.svc.DispatchMany(r.Context(), auth.From(r), batch, r.PostFormValue("handler_id"))
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Conflict, apperr.PreconditionFailed:
			r.URL.RawQuery = "tab=mine"
			pg.listWith(w, r, web.Status(apperr.CodeOf(err)), pg.render.Message(r, err))
		default:
			pg.render.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/cases?tab=mine&dispatched="+strconv.Itoa(len(cs)), http.StatusSeeOther)
}

// reportForm is the report form with what the user typed and what is wrong.
type reportForm struct {
	In       ReportInput
	Channels []Channel
	Places   []place
	Groups   []categoryGroup
	Errors   map[string]string
	Summary  string
	Lat      string
	Lng      string
}

type place struct{ Code, Name string }

type categoryGroup struct {
	Name    string
	Options []Category
}

// groups returns the reportable categories under their classes.
func (pg *Pages) groups(lang string) []categoryGroup {
	var out []categoryGroup
	cat := pg.svc.Catalogue()
	for _, c := range cat.All() {
		if c.Parent == "" {
			if !c.Retired {
				out = append(out, categoryGroup{Name: c.Name(lang)})
			}
			continue
		}
		if cat.Reportable(c.Code) && len(out) > 0 {
			g := &out[len(out)-1]
			g.Options = append(g.Options, c)
		}
	}
	return out
}

// places returns where p may report: the grids under p's unit (p's own grid for a
// grid worker), or the unit itself for a community.
func (pg *Pages) places(r *http.Request, p auth.Principal) []place {
	u, err := pg.orgs.Unit(r.Context(), p, p.OrgCode)
	if err != nil {
		return nil
	}
	var out []place
	if l := scope.LevelOf(u.Code); l == scope.Grid || l == scope.Community {
		out = append(out, place{Code: u.Code, Name: u.Name})
	}
	if scope.LevelOf(u.Code) == scope.Community {
		kids, err := pg.orgs.Children(r.Context(), p, u.Code)
		if err == nil {
			for _, k := range kids {
				out = append(out, place{Code: k.Code, Name: u.Name + " · " + k.Name})
			}
		}
	}
	return out
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	if err := p.Require(auth.ReadRegister); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	f := reportForm{In: ReportInput{OrgCode: p.OrgCode, Channel: ChannelWorker}, Channels: Channels, Errors: map[string]string{}}
	f.Places, f.Groups = pg.places(r, p), pg.groups(web.Lang(r))
	pg.render.Page(w, r, http.StatusOK, "cases_new", f)
}

// report takes a report from the form without script (the page's script sends it
// to the API, offline-safe, see offline.js), and shows the new case.
func (pg *Pages) report(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	in, photos, key, err := readReport(w, r, p)
	var c Case
	if err == nil {
		c, err = pg.svc.Report(r.Context(), p, in, photos, key)
	}
	if err != nil {
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid {
			pg.render.Error(w, r, err)
			return
		}
		form := reportForm{In: in, Channels: Channels, Errors: map[string]string{e.Field: pg.render.Message(r, err)}, Summary: pg.render.Message(r, err),
			Lat: r.FormValue("lat"), Lng: r.FormValue("lng")}
		form.Places, form.Groups = pg.places(r, p), pg.groups(web.Lang(r))
		pg.render.Page(w, r, http.StatusUnprocessableEntity, "cases_new", form)
		return
	}
	http.Redirect(w, r, "/cases/"+c.No, http.StatusSeeOther)
}

// readReport reads a report sent as a form (multipart with photos, or urlencoded)
// and its Idempotency-Key, checked against the form's fields and the photos'
// hashes rather than the raw body, whose multipart boundary a retry changes.
func readReport(w http.ResponseWriter, r *http.Request, p auth.Principal) (ReportInput, []files.Prepared, *idem.Request, error) {
	photos, err := files.ReadForm(w, r, "photos", MaxPhotos, files.Photos())
	if err != nil {
		return ReportInput{}, nil, nil, err
	}
	in := ReportInput{OrgCode: r.FormValue("org_code"), Category: r.FormValue("category"), Description: r.FormValue("description"),
		Address: r.FormValue("address"), Channel: Channel(r.FormValue("channel")), ReporterName: r.FormValue("reporter_name"),
		ReporterPhone: r.FormValue("reporter_phone")}
	if in.Lat, in.Lng, err = coordinates(r.FormValue("lat"), r.FormValue("lng")); err != nil {
		return in, nil, nil, err
	}
	hashes := make([]string, len(photos))
	for i, ph := range photos {
		hashes[i] = ph.SHA256()
	}
	key, err := idem.New(p.UserID, r.Header.Get("Idempotency-Key"), canonical(in, hashes))
	return in, photos, key, err
}

// MaxPhotos is how many photos one report or step takes, and a patrol's finding
// that becomes a case.
const MaxPhotos = 6

// coordinates reads a latitude and longitude typed or taken from the phone's
// location, both or neither.
func coordinates(lat, lng string) (*float64, *float64, error) {
	lat, lng = strings.TrimSpace(lat), strings.TrimSpace(lng)
	if lat == "" && lng == "" {
		return nil, nil, nil
	}
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lng, 64)
	if err1 != nil {
		return nil, nil, apperr.Invalidf("lat", "case.latitude")
	}
	if err2 != nil {
		return nil, nil, apperr.Invalidf("lng", "case.longitude")
	}
	return &la, &lo, nil
}

// showPage is a case's page.
type showPage struct {
	Detail
	// Next are the steps that move the case on along its usual path, shown open;
	// Others the rest the user may take (退单, 延期, 并单, 督办, …), folded.
	Next, Others []workflow.Transition
	// Groups are the categories a 重新分类 may choose from.
	Groups  []categoryGroup
	ETag    int
	Files   []files.File
	Crumbs  []web.Crumb
	Problem string
	// Failed is the step whose form the problem belongs to; Typed what its form
	// held, shown again.
	Failed  string
	Typed   TakeInput
	Ratings []string
	Lang    string
}

// stepForm is one step's form on a case's page.
type stepForm struct {
	T workflow.Transition
	// Onward marks a step that moves the case on; Open a form shown unfolded.
	Onward, Open bool
	Page         *showPage
}

// Step returns the form of t, open when it moves the case on or when its problem
// is the page's.
func (p *showPage) Step(t workflow.Transition, onward bool) stepForm {
	return stepForm{T: t, Onward: onward, Open: onward || t.Name == p.Failed, Page: p}
}

// Offers reports whether the page offers the step named name, so that a problem
// with it is shown at its form rather than at the top.
func (p *showPage) Offers(name string) bool {
	named := func(t workflow.Transition) bool { return t.Name == name }
	return slices.ContainsFunc(p.Next, named) || slices.ContainsFunc(p.Others, named)
}

// onward are the steps that move a case on along its usual path: the page shows
// them first, open.
var onward = []string{"accept", "dispatch", "feedback", "verify_pass", "rate", "grant_extension"}

// arrange splits the steps the user may take into those that move the case on
// and the others. The engine offers 督办回复 in every open state; the page offers
// it only when a 督办 waits for its answer.
func arrange(allowed []workflow.Transition, timeline []workflow.Action) (next, others []workflow.Transition) {
	waiting := false
	for _, a := range timeline {
		switch a.Transition {
		case "supervise":
			waiting = true
		case "answer_supervision":
			waiting = false
		}
	}
	for _, t := range allowed {
		switch {
		case t.Name == "answer_supervision" && !waiting:
		case slices.Contains(onward, t.Name):
			next = append(next, t)
		default:
			others = append(others, t)
		}
	}
	return next, others
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request) {
	pg.showWith(w, r, http.StatusOK, TakeInput{}, "")
}

func (pg *Pages) showWith(w http.ResponseWriter, r *http.Request, status int, failed TakeInput, problem string) {
	p := auth.From(r)
	d, err := pg.svc.Detail(r.Context(), p, r.PathValue("id"), web.Lang(r))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	fs, err := pg.svc.Files(r.Context(), p, d.Case.ID)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := &showPage{Detail: d, ETag: d.Case.Instance.Version, Files: fs, Problem: problem, Failed: failed.Transition, Typed: failed, Ratings: Ratings, Lang: web.Lang(r)}
	page.Next, page.Others = arrange(d.Allowed, d.Timeline)
	for _, t := range d.Allowed {
		if t.Effect == workflow.Recategorise {
			page.Groups = pg.groups(page.Lang)
		}
	}
	if page.Crumbs, err = pg.orgs.Crumbs(r.Context(), p, d.Case.OrgCode, true); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	pg.render.Page(w, r, status, "cases_show", page)
}

// take takes the step the form names, on the version of the case the page showed;
// a problem shows the page again with the message beside that step's form.
func (pg *Pages) take(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	photos, err := files.ReadForm(w, r, "photos", MaxPhotos, files.Photos())
	version, _ := strconv.Atoi(r.FormValue("version"))
	days, _ := strconv.Atoi(r.FormValue("days"))
	in := TakeInput{Transition: r.FormValue("transition"), Note: r.FormValue("note"), Reason: r.FormValue("reason"),
		Result: r.FormValue("result"), HandlerID: r.FormValue("handler_id"), Category: r.FormValue("category"), Days: days, Into: r.FormValue("into")}
	if err == nil {
		_, err = pg.svc.Take(r.Context(), p, r.PathValue("id"), version, in, photos)
	}
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Conflict, apperr.PreconditionFailed, apperr.PreconditionRequired:
			pg.showWith(w, r, web.Status(apperr.CodeOf(err)), in, pg.render.Message(r, err))
		default:
			pg.render.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

// boardPage is the supervision board of a unit.
type boardPage struct {
	Show   string
	Counts workflow.Counts
	Cases  []Case
	Next   string
	Unit   string
	Lists  []boardList
	Flags  map[string]workflow.Flag
	Lang   string
}

type boardList struct {
	Show  string
	Count int
}

func (pg *Pages) board(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	q := r.URL.Query()
	show := workflow.Flag(q.Get("show"))
	switch show {
	case workflow.OnTime, workflow.DueSoon, workflow.Yellow, workflow.Red:
	default:
		show = workflow.OnTime
	}
	cs, counts, next, err := pg.svc.Board(r.Context(), p, q.Get("unit"), show, q.Get("after"), perPage, web.Lang(r))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := boardPage{Show: string(show), Counts: counts, Cases: cs, Next: next, Unit: q.Get("unit"), Flags: map[string]workflow.Flag{}, Lang: web.Lang(r),
		Lists: []boardList{{"", counts.Open}, {string(workflow.DueSoon), counts.DueSoon}, {string(workflow.Yellow), counts.Yellow}, {string(workflow.Red), counts.Red}}}
	now := pg.svc.now()
	for _, c := range cs {
		page.Flags[c.ID] = c.Instance.Flag(now, dueSoon)
	}
	pg.render.Page(w, r, http.StatusOK, "cases_board", page)
}
