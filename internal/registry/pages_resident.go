package registry

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/web"
)

// residentRow is a masked resident as a page shows them: their age today and the
// names of their coded fields in the page's language.
type residentRow struct {
	Resident
	Age                                                            int
	RelationName, EthnicityName, MaritalName, EducationName        string
	PoliticalName, ResidenceName, RegisteredName, DeregisteredName string
}

// row masks r and names its codes in lang.
func (p *Pages) row(r Resident, lang string) residentRow {
	return residentRow{Resident: r.Masked(), Age: AgeOn(r.BirthDate, p.svc.today()),
		RelationName: codeLabel(codes.Relation(), r.Relation, lang), EthnicityName: codeLabel(codes.Ethnicity(), r.Ethnicity, lang),
		MaritalName: codeLabel(codes.Marital(), r.MaritalStatus, lang), EducationName: codeLabel(codes.Education(), r.Education, lang),
		PoliticalName: codeLabel(codes.Political(), r.PoliticalStatus, lang), ResidenceName: codeLabel(codes.ResidenceStatus(), r.ResidenceStatus, lang),
		RegisteredName:   codeLabel(codes.Registration(), r.RegisteredReason, lang),
		DeregisteredName: codeLabel(codes.Deregistration(), r.DeregisteredReason, lang)}
}

func (p *Pages) rows(rs []Resident, lang string) []residentRow {
	out := make([]residentRow, len(rs))
	for i, r := range rs {
		out[i] = p.row(r, lang)
	}
	return out
}

// historyItem is one entry of a resident's history: a registration, a
// deregistration or a move between households, on the day it took effect.
type historyItem struct {
	On       string
	Kind     string // EventRegistered, EventDeregistered or "moved"
	Reason   string // the reason's name, or what the user wrote
	Key      string // for a move of a split or a merge, the message that says so
	From, To string // a move's household numbers
	Note     string
	By       string
	at       time.Time
}

// history puts a resident's life events and moves in one list, newest first.
func history(events []Event, moves []Move, lang string) []historyItem {
	out := make([]historyItem, 0, len(events)+len(moves))
	for _, e := range events {
		t := codes.Registration()
		if e.Kind == EventDeregistered {
			t = codes.Deregistration()
		}
		out = append(out, historyItem{On: e.On, Kind: e.Kind, Reason: codeLabel(t, e.Reason, lang), Note: e.Note, By: e.RecordedBy, at: e.RecordedAt})
	}
	for _, m := range moves {
		it := historyItem{On: m.MovedOn, Kind: "moved", Reason: m.Reason, From: m.FromHousehold, To: m.ToHousehold, By: m.MovedBy, at: m.MovedAt}
		if m.Reason == "split" || m.Reason == "merge" {
			it.Reason, it.Key = "", "history."+m.Reason
		}
		out = append(out, it)
	}
	// Newest first; of entries recorded at the same instant, a deregistration after a
	// move, a move after a registration, and a later move after an earlier one.
	rank := map[string]int{EventRegistered: 0, "moved": 1, EventDeregistered: 2}
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b historyItem) int {
		return cmp.Or(strings.Compare(b.On, a.On), b.at.Compare(a.at), rank[b.Kind]-rank[a.Kind])
	})
	return out
}

type residentPage struct {
	place
	Resident residentRow
	History  []historyItem
	Inflow   string   // the 流入原因's name
	Contact  []string // the grid contact roles the resident holds
	// WorkPhone says the phone is shown in full as a grid contact's, to a colleague.
	WorkPhone bool
	// CanReveal offers the form that shows one full number with a reason;
	// Revealed names the field shown in full after it, RevealError what was wrong.
	CanReveal   bool
	CanErase    bool // offers the way to the erasure form
	CanWrite    bool // offers the forms that change the record
	Revealed    string
	RevealError string
	Reason      string // the reason typed, kept when the form comes back
	Done        string
	value       string // the number revealed
}

func (p *Pages) resident(w http.ResponseWriter, r *http.Request) {
	p.residentWith(w, r, http.StatusOK, residentPage{Done: notice(r)})
}

// reveal shows the resident's page with one number in full, once, after the
// service has recorded who asked and why; a missing reason is said on the form.
func (p *Pages) reveal(w http.ResponseWriter, r *http.Request) {
	field, reason := r.PostFormValue("field"), r.PostFormValue("reason")
	v, err := p.svc.Reveal(r.Context(), auth.From(r), r.PathValue("id"), RevealInput{Field: field, Reason: reason})
	var invalid *apperr.Error
	switch {
	case errors.As(err, &invalid) && invalid.Code == apperr.Invalid:
		p.residentWith(w, r, http.StatusBadRequest, residentPage{RevealError: p.render.Message(r, invalid.InField("")), Reason: reason})
	case err != nil:
		p.render.Error(w, r, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		p.residentWith(w, r, http.StatusOK, residentPage{Revealed: field, value: v})
	}
}

func (p *Pages) residentWith(w http.ResponseWriter, r *http.Request, status int, page residentPage) {
	ctx, pr, lang := r.Context(), auth.From(r), web.Lang(r)
	rec, err := p.svc.ResidentRecord(ctx, pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	res := rec.Resident
	page.Contact = rec.Contact
	if page.Inflow, err = p.inflowName(r, res.InflowReason); err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl, err := p.placeOf(ctx, pr, res.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: res.HouseholdNo, URL: "/households/" + res.HouseholdID}, web.Crumb{Label: res.Name})
	page.place, page.Resident, page.History = pl, p.row(res, lang), history(rec.Events, rec.Moves, lang)
	page.CanReveal, page.CanErase, page.CanWrite = pr.Can(auth.RevealRegister), pr.Can(auth.EraseRegister), pr.Can(auth.WriteRegister)
	if len(page.Contact) > 0 && res.Current() && pr.SeesWorkContactsOf(res.GridCode) {
		page.Resident.Phone, page.WorkPhone = res.Phone, res.Phone != ""
	}
	switch page.Revealed {
	case "id_number":
		page.Resident.IDNumber = page.value
	case "phone":
		page.Resident.Phone = page.value
	}
	p.render.Page(w, r, status, "registry_resident", page)
}

// inflowName is the name of a 流入原因 code in the local dictionary, in the
// request's language, retired or not; the code itself when the dictionary does not
// hold it.
func (p *Pages) inflowName(r *http.Request, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	entries, err := p.svc.Dictionary(r.Context(), DictInflowReason)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Code == code {
			return e.Label(web.Lang(r)), nil
		}
	}
	return code, nil
}

// residentForm creates a resident in a household (New), or changes one.
type residentForm struct {
	place
	Household Household
	Resident  residentRow // the resident changed; empty for a new one
	New       bool
	Newborn   bool // a birth: the form says so, and registers on the birth date
	// ClearPhone is the box that clears the phone, ticked when the form comes back.
	ClearPhone bool
	// Floating opens the floating resident's part of the form: the resident is one,
	// or it holds what the user typed there.
	Floating  bool
	TagsError string
	Fields    map[string]field
	Tags      []option
	problems
}

// residentValues are a resident's fields as the form holds them, the ID number and
// phone masked: sent back unchanged, they keep what is stored.
func residentValues(r Resident) url.Values {
	m := r.Masked()
	return url.Values{"name": {m.Name}, "id_number": {m.IDNumber}, "relation": {m.Relation}, "population_type": {m.PopulationType},
		"phone": {m.Phone}, "tags": m.Tags, "ethnicity": {m.Ethnicity}, "marital_status": {m.MaritalStatus},
		"education": {m.Education}, "political_status": {m.PoliticalStatus}, "hukou_region": {m.HukouRegion},
		"hukou_address": {m.HukouAddress}, "lives_in_household_no": {m.LivesInNo}, "residence_status": {m.ResidenceStatus},
		"inflow_reason": {m.InflowReason}, "permit_no": {m.PermitNo}, "permit_registered_on": {m.PermitRegisteredOn},
		"permit_expires_on": {m.PermitExpiresOn}}
}

// residentInput reads the resident form for a resident of household no.
func residentInput(v url.Values, no string) ResidentInput {
	return ResidentInput{Name: v.Get("name"), IDNumber: v.Get("id_number"), HouseholdNo: no, Relation: v.Get("relation"),
		PopulationType: v.Get("population_type"), Phone: v.Get("phone"), Tags: v["tags"], ClearPhone: v.Get("clear_phone") == "1",
		Ethnicity: v.Get("ethnicity"), MaritalStatus: v.Get("marital_status"), Education: v.Get("education"),
		PoliticalStatus: v.Get("political_status"), HukouRegion: v.Get("hukou_region"), HukouAddress: v.Get("hukou_address"),
		LivesInNo: v.Get("lives_in_household_no"), ResidenceStatus: v.Get("residence_status"), InflowReason: v.Get("inflow_reason"),
		PermitNo: v.Get("permit_no"), PermitRegisteredOn: v.Get("permit_registered_on"), PermitExpiresOn: v.Get("permit_expires_on"),
		RegisteredOn: v.Get("registered_on"), RegisteredReason: v.Get("registered_reason")}
}

// residentFields are the fields of the resident form.
func residentFields(f form, lang string, inflow []DictionaryEntry, isNew bool) map[string]field {
	pops := make([]option, len(PopulationTypes))
	for i, t := range PopulationTypes {
		pops[i] = option{Value: t, Key: "pop." + t}
	}
	var reasons []option
	for _, e := range Offered(inflow, f.values.Get("inflow_reason")) {
		reasons = append(reasons, option{Value: e.Code, Label: e.Label(lang)})
	}
	fs := map[string]field{
		"name":                  f.text("name", "field.name").req().max(30),
		"id_number":             f.text("id_number", "field.id_number").req().max(18).hint("resident.id_number_hint"),
		"relation":              f.text("relation", "field.relation").req().relation(lang),
		"population_type":       f.text("population_type", "field.population_type").req().among("", pops),
		"phone":                 f.text("phone", "field.phone").typed("tel").max(20).mode("tel").hint("resident.phone_hint"),
		"ethnicity":             f.text("ethnicity", "field.ethnicity").codes(codes.Ethnicity(), lang, "form.not_stated"),
		"marital_status":        f.text("marital_status", "field.marital_status").codes(codes.Marital(), lang, "form.not_stated"),
		"education":             f.text("education", "field.education").codes(codes.Education(), lang, "form.not_stated"),
		"political_status":      f.text("political_status", "field.political_status").codes(codes.Political(), lang, "form.not_stated"),
		"residence_status":      f.text("residence_status", "field.residence_status").codes(codes.ResidenceStatus(), lang, "resident.residence_derived"),
		"hukou_region":          f.text("hukou_region", "field.hukou_region").max(6).mode("numeric").hint("resident.hukou_region_hint"),
		"hukou_address":         f.text("hukou_address", "field.hukou_address").max(200),
		"lives_in_household_no": f.text("lives_in_household_no", "field.lives_in_household_no").max(32).hint("resident.lives_in_hint"),
		"inflow_reason":         f.text("inflow_reason", "field.inflow_reason").among("form.not_stated", reasons),
		"permit_no":             f.text("permit_no", "field.permit_no").max(30),
		"permit_registered_on":  f.text("permit_registered_on", "field.permit_registered_on").date(),
		"permit_expires_on":     f.text("permit_expires_on", "field.permit_expires_on").date(),
	}
	if isNew {
		fs["registered_reason"] = f.text("registered_reason", "field.registered_reason").codes(codes.Registration(), lang, "")
		fs["registered_on"] = f.text("registered_on", "field.registered_on").date().hint("resident.registered_on_hint")
	} else {
		fs["phone"] = fs["phone"].hint("resident.phone_keep_hint")
		fs["id_number"] = fs["id_number"].hint("resident.id_number_keep_hint")
	}
	return fs
}

// tagChoices are the care tags as checkboxes, those in held checked.
func tagChoices(held []string) []option {
	out := make([]option, len(Tags))
	for i, t := range Tags {
		out[i] = option{Value: t, Key: "tag." + t, Selected: slices.Contains(held, t)}
	}
	return out
}

// newResident is the empty resident form of a household; ?newborn=1 makes it the
// registration of a birth (出生登记).
func (p *Pages) newResident(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	v := url.Values{"population_type": {"registered"}, "registered_reason": {ReasonOther}}
	newborn := r.URL.Query().Get("newborn") == "1"
	if newborn {
		v.Set("registered_reason", ReasonBirth)
	} else {
		v.Set("registered_on", p.svc.Today())
	}
	p.residentFormWith(w, r, http.StatusOK, residentForm{Household: h, New: true, Newborn: newborn}, form{values: v})
}

// createResident registers a resident in the household. A birth left without a
// registration day is registered on the birth date the ID number gives.
func (p *Pages) createResident(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	in := residentInput(r.PostForm, h.No)
	if in.RegisteredReason == ReasonBirth && strings.TrimSpace(in.RegisteredOn) == "" {
		if id, err := pii.ParseIDNumber(in.IDNumber, p.svc.today()); err == nil {
			in.RegisteredOn = id.BirthDate()
		}
	}
	check := in
	_, errs := check.Check(p.svc.today())
	pb := p.checked(r, errs)
	if !pb.Has() {
		res, err := p.svc.CreateResident(r.Context(), auth.From(r), in)
		if err == nil {
			saved(w, r, "/residents/"+res.ID, "resident_created")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	page := residentForm{Household: h, New: true, Newborn: r.PostForm.Get("newborn") == "1"}
	p.residentFormWith(w, r, http.StatusBadRequest, page, form{values: r.PostForm, pb: pb})
}

// writableResident returns the resident of the path, in full, for a user who may
// change it, after parsing the form of a POST; it answers the request itself
// otherwise.
func (p *Pages) writableResident(w http.ResponseWriter, r *http.Request) (Resident, bool) {
	pr := auth.From(r)
	if err := r.ParseForm(); err != nil {
		p.render.Error(w, r, err)
		return Resident{}, false
	}
	if err := pr.Require(auth.WriteRegister); err != nil {
		p.render.Error(w, r, err)
		return Resident{}, false
	}
	res, _, err := p.svc.Resident(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		p.render.Error(w, r, err)
		return Resident{}, false
	}
	return res, true
}

func (p *Pages) editResident(w http.ResponseWriter, r *http.Request) {
	res, ok := p.writableResident(w, r)
	if !ok {
		return
	}
	p.residentFormWith(w, r, http.StatusOK, residentForm{Resident: p.row(res, web.Lang(r))}, form{values: residentValues(res)})
}

// updateResident changes the resident; the ID number and phone as the form showed
// them, masked, keep what is stored, and only the box "clear the phone" clears it.
func (p *Pages) updateResident(w http.ResponseWriter, r *http.Request) {
	res, ok := p.writableResident(w, r)
	if !ok {
		return
	}
	in := residentInput(r.PostForm, res.HouseholdNo)
	check := in
	keepUnrevealed(&check, res)
	check.RegisteredOn, check.RegisteredReason = res.RegisteredOn, res.RegisteredReason
	_, errs := check.Check(p.svc.today())
	pb := p.checked(r, errs)
	if !pb.Has() {
		_, err := p.svc.UpdateResident(r.Context(), auth.From(r), res.ID, in)
		if err == nil {
			saved(w, r, "/residents/"+res.ID, "resident_saved")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	p.residentFormWith(w, r, http.StatusBadRequest, residentForm{Resident: p.row(res, web.Lang(r))}, form{values: r.PostForm, pb: pb})
}

func (p *Pages) residentFormWith(w http.ResponseWriter, r *http.Request, status int, page residentForm, f form) {
	ctx, pr := r.Context(), auth.From(r)
	inflow, err := p.svc.Dictionary(ctx, DictInflowReason)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	grid, id, no := page.Household.GridCode, page.Household.ID, page.Household.No
	if !page.New {
		grid, id, no = page.Resident.GridCode, page.Resident.HouseholdID, page.Resident.HouseholdNo
	}
	if page.place, err = p.placeOf(ctx, pr, grid); err != nil {
		p.render.Error(w, r, err)
		return
	}
	page.Crumbs = append(page.Crumbs, web.Crumb{Label: no, URL: "/households/" + id})
	if !page.New {
		page.Crumbs = append(page.Crumbs, web.Crumb{Label: page.Resident.Name, URL: "/residents/" + page.Resident.ID})
	}
	page.Fields, page.Tags, page.problems = residentFields(f, web.Lang(r), inflow, page.New), tagChoices(f.values["tags"]), f.pb
	page.ClearPhone, page.TagsError = f.values.Get("clear_phone") == "1", f.pb.ByField["tags"]
	page.Floating = f.values.Get("population_type") == "floating"
	for _, k := range []string{"inflow_reason", "permit_no", "permit_registered_on", "permit_expires_on"} {
		page.Floating = page.Floating || f.values.Get(k) != "" || f.pb.ByField[k] != ""
	}
	p.render.Page(w, r, status, "registry_resident_form", page)
}
