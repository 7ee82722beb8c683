package proposals

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/files"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
)

// Templates are the proposals' pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the proposals' strings.
//
//go:embed locales/*.json
var Locales embed.FS

// perPage is how many proposals a page of a list shows.
const perPage = 20

// Pages serves the proposals' pages: the worker's form (which works offline, see
// offline.go) and their own proposals, the community's review queue with its
// trusted workers, and a proposal with the record it is about.
type Pages struct {
	svc    *Service
	render *web.Renderer
	bundle *i18n.Bundle
}

// RegisterPages adds the proposals' pages to mux.
func RegisterPages(mux web.Router, svc *Service, render *web.Renderer, bundle *i18n.Bundle) {
	pg := &Pages{svc: svc, render: render, bundle: bundle}
	mux.HandleFunc("GET /proposals", pg.mine)
	mux.HandleFunc("GET /proposals/new", pg.newForm)
	mux.HandleFunc("POST /proposals", pg.submit)
	mux.HandleFunc("GET /proposals/review", pg.review)
	mux.HandleFunc("POST /proposals/trust", pg.setTrust)
	mux.HandleFunc("GET /proposals/{id}", pg.show)
	mux.HandleFunc("POST /proposals/{id}/approve", pg.approve)
	mux.HandleFunc("POST /proposals/{id}/reject", pg.reject)
	photos := files.NewServer(svc.db, svc.files, render, svc.now)
	mux.HandleFunc("GET /proposals/{owner}/files/{file}", photos.Handler(FileKind, auth.ReadRegister, files.Original))
	mux.HandleFunc("GET /proposals/{owner}/files/{file}/thumb", photos.Handler(FileKind, auth.ReadRegister, files.Thumb))
	mountOffline(mux)
}

// item is a proposal as a list shows it.
type item struct {
	Proposal
	Age string // how long it has waited, for the review queue
}

// minePage is the worker's own proposals in a state.
type minePage struct {
	State  string
	States []string
	Items  []item
	Pager  web.Pager
	Done   string
}

func (pg *Pages) mine(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	state := r.URL.Query().Get("state")
	if !slices.Contains(States, state) {
		state = ""
	}
	pager := web.TotalPager(r, 0, perPage)
	ps, total, err := pg.svc.Mine(r.Context(), p, state, perPage, pager.Offset())
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	// The page shows the reasons: from now on they are seen.
	if err := pg.svc.MarkSeen(r.Context(), p); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := minePage{State: state, States: States, Pager: web.TotalPager(r, total, perPage), Done: r.URL.Query().Get("done")}
	for _, pr := range ps {
		page.Items = append(page.Items, item{Proposal: pr.Masked()})
	}
	pg.render.Page(w, r, http.StatusOK, "proposals_mine", page)
}

// reviewPage is the community's queue, oldest first, and its trusted workers.
type reviewPage struct {
	Items     []item
	Pager     web.Pager
	CanReview bool
	Trusts    []Trust
	Workers   []Worker
	Kinds     []Kind
	Problem   string
	Done      string
}

func (pg *Pages) review(w http.ResponseWriter, r *http.Request) {
	pg.reviewWith(w, r, http.StatusOK, "")
}

func (pg *Pages) reviewWith(w http.ResponseWriter, r *http.Request, status int, problem string) {
	p := auth.From(r)
	pager := web.TotalPager(r, 0, perPage)
	ps, total, err := pg.svc.Queue(r.Context(), p, r.URL.Query().Get("unit"), perPage, pager.Offset())
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	page := reviewPage{Pager: web.TotalPager(r, total, perPage), CanReview: CanReview(p), Kinds: Kinds, Problem: problem, Done: r.URL.Query().Get("done")}
	now := pg.svc.now()
	for _, pr := range ps {
		page.Items = append(page.Items, item{Proposal: pr.Masked(), Age: pg.age(web.Lang(r), now.Sub(pr.ProposedAt))})
	}
	if page.CanReview {
		if page.Trusts, page.Workers, err = pg.svc.Trusts(r.Context(), p); err != nil {
			pg.render.Error(w, r, err)
			return
		}
	}
	pg.render.Page(w, r, status, "proposals_review", page)
}

// age says how long a proposal has waited, in the unit a reviewer thinks in.
func (pg *Pages) age(lang string, d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return pg.bundle.T(lang, "proposal.age.days", "n", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return pg.bundle.T(lang, "proposal.age.hours", "n", int(d/time.Hour))
	}
	return pg.bundle.T(lang, "proposal.age.minutes", "n", max(1, int(d/time.Minute)))
}

func (pg *Pages) setTrust(w http.ResponseWriter, r *http.Request) {
	err := pg.svc.SetTrust(r.Context(), auth.From(r), r.FormValue("user_id"), Kind(r.FormValue("kind")), r.FormValue("on") == "1")
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			pg.reviewWith(w, r, http.StatusUnprocessableEntity, pg.render.Message(r, err))
			return
		}
		pg.render.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/proposals/review?done=trust", http.StatusSeeOther)
}

// row is one field of a change or a record as a page shows it, masked; Was is
// the value when proposed, beside the value now, for a stale proposal.
type row struct {
	Field, Value, Was string
	Changed           bool
}

// showPage is a proposal with what it changes and the record it is about.
type showPage struct {
	P         Proposal
	Change    []row
	Record    []row
	Photos    []files.File
	CanReview bool
	Problem   string
	Errors    map[string]string
	Reason    string
	Done      string
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request) {
	pg.showWith(w, r, http.StatusOK, "", nil)
}

func (pg *Pages) showWith(w http.ResponseWriter, r *http.Request, status int, problem string, errs map[string]string) {
	p := auth.From(r)
	pr, err := pg.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	photos, err := pg.svc.Files(r.Context(), p, pr.ID)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	lang := web.Lang(r)
	m := pr.Masked()
	page := showPage{P: m, Change: pg.changeRows(lang, m.Kind, m.Payload), Photos: photos, Problem: problem, Errors: errs,
		Reason: r.FormValue("reason"), Done: r.URL.Query().Get("done"),
		CanReview: CanReview(p) && pr.State == Waiting}
	if m.Snapshot != nil {
		page.Record = pg.recordRows(lang, *m.Snapshot, m.Current)
	}
	pg.render.Page(w, r, status, "proposals_show", page)
}

func (pg *Pages) approve(w http.ResponseWriter, r *http.Request) {
	if _, err := pg.svc.Approve(r.Context(), auth.From(r), r.PathValue("id")); err != nil {
		if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid) {
			pg.showWith(w, r, http.StatusConflict, pg.render.Message(r, err), nil)
			return
		}
		pg.render.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/proposals/"+url.PathEscape(r.PathValue("id"))+"?done=approved", http.StatusSeeOther)
}

func (pg *Pages) reject(w http.ResponseWriter, r *http.Request) {
	if _, err := pg.svc.Reject(r.Context(), auth.From(r), r.PathValue("id"), r.FormValue("reason")); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Code == apperr.Invalid {
			pg.showWith(w, r, http.StatusUnprocessableEntity, "", map[string]string{e.Field: pg.render.Message(r, err)})
			return
		}
		if apperr.Is(err, apperr.Conflict) {
			pg.showWith(w, r, http.StatusConflict, pg.render.Message(r, err), nil)
			return
		}
		pg.render.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/proposals/"+url.PathEscape(r.PathValue("id"))+"?done=rejected", http.StatusSeeOther)
}

// changeFields are the fields a change may carry, in the order a page lists them.
var changeFields = []string{"name", "id_number", "household_no", "relation", "population_type", "phone", "tag", "on",
	"registered_on", "permit_no", "permit_registered_on", "permit_expires_on", "grid_code", "address"}

// changeRows lists a (masked) payload's fields that are set.
func (pg *Pages) changeRows(lang string, k Kind, payload json.RawMessage) []row {
	var m map[string]any
	if json.Unmarshal(payload, &m) != nil {
		return nil
	}
	var out []row
	for _, f := range changeFields {
		v, ok := m[f].(string)
		if !ok || v == "" {
			continue
		}
		out = append(out, row{Field: f, Value: pg.display(lang, f, v)})
	}
	if k == Phone && len(out) == 0 {
		out = append(out, row{Field: "phone", Value: pg.bundle.T(lang, "proposal.phone_cleared")})
	}
	return out
}

// display is a stored value as a person reads it: a code by its name.
func (pg *Pages) display(lang, field, v string) string {
	switch field {
	case "relation":
		if l := codes.Relation().Label(v, lang); l != "" {
			return l
		}
	case "population_type":
		return pg.bundle.T(lang, "pop."+v)
	case "tag":
		return pg.bundle.T(lang, "tag."+v)
	}
	return v
}

// recordFields are the fields of a resident's record a page shows beside a
// proposal about them.
var recordFields = []string{"name", "id_number", "household_no", "relation", "population_type", "phone", "tags", "permit_no", "permit_expires_on", "state"}

// recordRows lists a resident's record as proposed (Was) and, for a proposal
// still waiting, now (Value), marking what changed between.
func (pg *Pages) recordRows(lang string, was registry.Resident, now *registry.Resident) []row {
	values := func(x registry.Resident) []string {
		tags := make([]string, len(x.Tags))
		for i, t := range x.Tags {
			tags[i] = pg.bundle.T(lang, "tag."+t)
		}
		state := pg.bundle.T(lang, "proposal.record.current")
		if x.DeregisteredOn != "" {
			state = pg.bundle.T(lang, "proposal.record.deregistered", "on", x.DeregisteredOn)
		}
		return []string{x.Name, x.IDNumber, x.HouseholdNo, pg.display(lang, "relation", x.Relation),
			pg.display(lang, "population_type", x.PopulationType), x.Phone, strings.Join(tags, "、"), x.PermitNo, x.PermitExpiresOn, state}
	}
	a := values(was)
	out := make([]row, len(recordFields))
	for i, n := range recordFields {
		out[i] = row{Field: n, Was: a[i], Value: a[i]}
	}
	if now != nil {
		b := values(*now)
		for i := range out {
			out[i].Value, out[i].Changed = b[i], b[i] != a[i]
		}
	}
	return out
}

// form is the proposal form with what the user typed and what is wrong.
type form struct {
	V         url.Values
	Kinds     []Kind
	Tags      []string
	Relations []codes.Entry
	Resident  *registry.Resident
	Errors    map[string]string
	Summary   string
	Lang      string
}

// textField is a text field of the form, as the template "proposal_text" shows it.
type textField struct {
	Name, Label, Kinds, Hint, Value, Error string
}

// textFields are the form's text fields: label, the kinds that use the field,
// and a hint.
var textFields = map[string][3]string{
	"household_no":         {"field.household_no", "newborn new_resident move_out death phone tag_add tag_remove permit new_household", "proposal.hint.household_no"},
	"name":                 {"field.name", "newborn new_resident move_out death phone tag_add tag_remove permit", ""},
	"id_number":            {"field.id_number", "newborn new_resident", ""},
	"phone":                {"field.phone", "phone new_resident", "proposal.hint.phone"},
	"permit_no":            {"field.permit_no", "permit", ""},
	"permit_registered_on": {"field.permit_registered_on", "permit", ""},
	"permit_expires_on":    {"field.permit_expires_on", "permit", ""},
	"on":                   {"field.on", "newborn new_resident move_out death", "proposal.hint.on"},
	"address":              {"field.address", "new_household", ""},
	"grid_code":            {"field.grid_code", "new_household", "proposal.hint.grid_code"},
}

// Field returns the text field name with what was typed in it and its problem.
func (f form) Field(name string) textField {
	d := textFields[name]
	return textField{Name: name, Label: d[0], Kinds: d[1], Hint: d[2], Value: f.V.Get(name), Error: f.Errors[name]}
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	if err := p.Require(auth.WriteRegister); err != nil {
		pg.render.Error(w, r, err)
		return
	}
	v := url.Values{"kind": {r.URL.Query().Get("kind")}}
	f := pg.form(r, v)
	// From a resident's page the form names them; offline the worker types the
	// household number and name instead.
	if id := r.URL.Query().Get("resident"); id != "" {
		res, _, err := pg.svc.reg.Resident(r.Context(), p, id)
		if err != nil {
			pg.render.Error(w, r, err)
			return
		}
		m := res.Masked()
		f.Resident = &m
		f.V.Set("resident_id", res.ID)
		f.V.Set("household_no", res.HouseholdNo)
		f.V.Set("name", res.Name)
	}
	pg.render.Page(w, r, http.StatusOK, "proposals_new", f)
}

func (pg *Pages) form(r *http.Request, v url.Values) form {
	return form{V: v, Kinds: Kinds, Tags: registry.Tags, Relations: codes.Relation().Entries(), Errors: map[string]string{}, Lang: web.Lang(r)}
}

// formFields maps a field the service names to the form's field that holds it.
var formFields = map[string]string{"registered_on": "on", "resident_id": "name", "tags": "tag", "payload": "kind", "No": "household_no"}

// submit takes a proposal from the form without script (the page's script sends
// it to the API, offline-safe), and shows it.
func (pg *Pages) submit(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	in, photo, key, err := readForm(w, r, p)
	var pr Proposal
	if err == nil {
		pr, err = pg.svc.Submit(r.Context(), p, in, photo, key)
	}
	if err != nil {
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid {
			pg.render.Error(w, r, err)
			return
		}
		f := pg.form(r, r.Form)
		if e.Key == "household.not_found" || e.Key == "proposal.resident_not_found" {
			// A person the register did not find in the user's area is not named
			// back: the answer is the same whoever lives at that number elsewhere.
			f.V = maps.Clone(r.Form)
			f.V.Del("name")
		}
		field := e.Field
		if to, ok := formFields[field]; ok {
			field = to
		}
		f.Errors[field] = pg.render.Message(r, err)
		f.Summary = f.Errors[field]
		pg.render.Page(w, r, http.StatusUnprocessableEntity, "proposals_new", f)
		return
	}
	http.Redirect(w, r, "/proposals/"+pr.ID+"?done=sent", http.StatusSeeOther)
}

// readForm reads a proposal sent as the form (multipart with a photo, or
// urlencoded): the kind's fields into its payload, the photo prepared (read by
// its content, re-encoded upright without EXIF), and the Idempotency-Key over
// the fields and the photo's hash.
func readForm(w http.ResponseWriter, r *http.Request, p auth.Principal) (Input, *files.Prepared, *idem.Request, error) {
	photos, err := files.ReadForm(w, r, "photos", 1, files.Photos())
	in := formInput(r.Form)
	if err != nil {
		return in, nil, nil, err
	}
	var photo *files.Prepared
	hash := ""
	if len(photos) == 1 {
		photo, hash = &photos[0], photos[0].SHA256()
	}
	key, err := idem.New(p.UserID, r.Header.Get("Idempotency-Key"), canonical(in, hash))
	return in, photo, key, err
}

// formInput reads the form's fields into the input of the kind chosen.
func formInput(v url.Values) Input {
	k := Kind(v.Get("kind"))
	in := Input{Kind: k, Note: v.Get("note")}
	var payload any
	switch k {
	case NewResident, Newborn:
		payload = registry.ResidentInput{Name: v.Get("name"), IDNumber: v.Get("id_number"), HouseholdNo: v.Get("household_no"),
			Relation: v.Get("relation"), PopulationType: v.Get("population_type"), Phone: v.Get("phone"), RegisteredOn: v.Get("on")}
	case NewHousehold:
		payload = registry.HouseholdInput{No: v.Get("household_no"), GridCode: v.Get("grid_code"), Address: v.Get("address")}
	default:
		in.ResidentID, in.HouseholdNo, in.Name = v.Get("resident_id"), v.Get("household_no"), v.Get("name")
		payload = Change{Phone: v.Get("phone"), Tag: v.Get("tag"), PermitNo: v.Get("permit_no"),
			PermitRegisteredOn: v.Get("permit_registered_on"), PermitExpiresOn: v.Get("permit_expires_on"), On: v.Get("on")}
	}
	b, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("proposals: %v", err)) // plain structs of strings always marshal
	}
	in.Payload = b
	return in
}
