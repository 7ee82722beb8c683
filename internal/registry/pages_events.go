package registry

import (
	"net/http"
	"net/url"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/web"
)

// The forms of a resident's life on the register: a move to another household, a
// deregistration (注销) and a registration again (登记). Each is one page,
// registry_event, whose Kind says which.
const (
	formMove       = "move"
	formDeregister = "deregister"
	formRegister   = "register"
)

// eventForm is one of the forms of a resident's life events; Order lists its
// fields as the form shows them.
type eventForm struct {
	place
	Kind     string
	Resident residentRow
	Fields   map[string]field
	Order    []string
	problems
}

// eventFields are the fields of the form of kind, in order.
func eventFields(kind string, f form, lang string) (map[string]field, []string) {
	switch kind {
	case formMove:
		return map[string]field{
			"household_no": f.text("household_no", "move.to").req().max(32).hint("move.to_hint"),
			"relation":     f.text("relation", "move.relation").req().relation(lang),
			"on":           f.text("on", "move.on").req().date(),
			"reason":       f.text("reason", "move.reason").max(200),
		}, []string{"household_no", "relation", "on", "reason"}
	case formDeregister:
		return map[string]field{
			"reason": f.text("reason", "deregister.reason").req().codes(codes.Deregistration(), lang, "form.choose"),
			"on":     f.text("on", "deregister.on").req().date(),
			"note":   f.text("note", "event.note").max(200).hint("event.note_hint"),
		}, []string{"reason", "on", "note"}
	}
	return map[string]field{
		"household_no": f.text("household_no", "register.household").req().max(32),
		"relation":     f.text("relation", "field.relation").req().relation(lang),
		"reason":       f.text("reason", "register.reason").req().codes(codes.Registration(), lang, "form.choose"),
		"on":           f.text("on", "register.on").req().date(),
		"note":         f.text("note", "event.note").max(200).hint("event.note_hint"),
	}, []string{"household_no", "relation", "reason", "on", "note"}
}

func (p *Pages) moveForm(w http.ResponseWriter, r *http.Request) {
	p.eventFormOf(w, r, formMove, func(res Resident) url.Values {
		return url.Values{"on": {p.svc.Today()}, "relation": {res.Relation}}
	})
}

func (p *Pages) deregisterForm(w http.ResponseWriter, r *http.Request) {
	p.eventFormOf(w, r, formDeregister, func(Resident) url.Values { return url.Values{"on": {p.svc.Today()}} })
}

func (p *Pages) registerForm(w http.ResponseWriter, r *http.Request) {
	p.eventFormOf(w, r, formRegister, func(res Resident) url.Values {
		return url.Values{"on": {p.svc.Today()}, "household_no": {res.HouseholdNo}, "relation": {res.Relation}}
	})
}

// eventFormOf shows the empty form of kind for the resident of the path, with the
// values defaults gives.
func (p *Pages) eventFormOf(w http.ResponseWriter, r *http.Request, kind string, defaults func(Resident) url.Values) {
	res, ok := p.writableResident(w, r)
	if !ok {
		return
	}
	p.eventFormWith(w, r, http.StatusOK, kind, res, form{values: defaults(res)})
}

// move moves the resident to another household on a day, with a reason.
func (p *Pages) move(w http.ResponseWriter, r *http.Request) {
	p.postEvent(w, r, formMove, "moved", func(res Resident, v url.Values) error {
		_, err := p.svc.MoveResident(r.Context(), auth.From(r), res.ID,
			MoveInput{HouseholdNo: v.Get("household_no"), Relation: v.Get("relation"), On: v.Get("on"), Reason: v.Get("reason")})
		return err
	})
}

// deregister takes the resident off the register (注销) on a day, for a reason.
func (p *Pages) deregister(w http.ResponseWriter, r *http.Request) {
	p.postEvent(w, r, formDeregister, "deregistered", func(res Resident, v url.Values) error {
		_, err := p.svc.Deregister(r.Context(), auth.From(r), res.ID,
			DeregisterInput{Reason: v.Get("reason"), On: v.Get("on"), Note: v.Get("note")})
		return err
	})
}

// register puts a deregistered resident back on the register (登记).
func (p *Pages) register(w http.ResponseWriter, r *http.Request) {
	p.postEvent(w, r, formRegister, "registered", func(res Resident, v url.Values) error {
		_, err := p.svc.Register(r.Context(), auth.From(r), res.ID, RegisterInput{HouseholdNo: v.Get("household_no"),
			Relation: v.Get("relation"), Reason: v.Get("reason"), On: v.Get("on"), Note: v.Get("note")})
		return err
	})
}

// postEvent runs the write of a life event's form and goes to the resident's page
// with the notice done; what was wrong comes back on the form with what was typed.
func (p *Pages) postEvent(w http.ResponseWriter, r *http.Request, kind, done string, write func(Resident, url.Values) error) {
	res, ok := p.writableResident(w, r)
	if !ok {
		return
	}
	err := write(res, r.PostForm)
	if err == nil {
		saved(w, r, "/residents/"+res.ID, done)
		return
	}
	pb, err := p.problemsOf(r, err)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.eventFormWith(w, r, http.StatusBadRequest, kind, res, form{values: r.PostForm, pb: pb})
}

func (p *Pages) eventFormWith(w http.ResponseWriter, r *http.Request, status int, kind string, res Resident, f form) {
	pl, err := p.placeOf(r.Context(), auth.From(r), res.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: res.HouseholdNo, URL: "/households/" + res.HouseholdID},
		web.Crumb{Label: res.Name, URL: "/residents/" + res.ID})
	page := eventForm{place: pl, Kind: kind, Resident: p.row(res, web.Lang(r)), problems: f.pb}
	page.Fields, page.Order = eventFields(kind, f, web.Lang(r))
	p.render.Page(w, r, status, "registry_event", page)
}
