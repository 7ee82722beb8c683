package registry

import (
	"net/http"
	"net/url"
	"slices"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// memberChoice is a current member of a household on the split or merge form:
// whether they go (split), and their relation to the head of the household they
// go into.
type memberChoice struct {
	residentRow
	Going    bool
	Relation field
}

// memberChoices are members as the form shows them: each going when the form says
// so, with the relation it gives, labelled by the message label.
func memberChoices(rows []residentRow, f form, label, lang string) []memberChoice {
	out := make([]memberChoice, 0, len(rows))
	for _, m := range rows {
		fl := f.text("relation_"+m.ID, label).relation(lang)
		out = append(out, memberChoice{residentRow: m, Going: slices.Contains(f.values["member"], m.ID), Relation: fl})
	}
	return out
}

// currentRows are the current members of a household, as rows.
func (p *Pages) currentRows(members []Resident, lang string) []residentRow {
	var out []residentRow
	for _, m := range members {
		if m.Current() {
			out = append(out, p.row(m, lang))
		}
	}
	return out
}

// splitForm is the form that splits a household (分户): which members go into the
// new household, each with their relation to its head, and its own fields.
type splitForm struct {
	place
	Household Household
	Members   []memberChoice
	Fields    map[string]field
	problems
}

func (p *Pages) splitForm(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	v := householdValues(h)
	v.Set("household_no", "")
	v.Set("on", p.svc.Today())
	p.splitFormWith(w, r, http.StatusOK, h, v, problems{})
}

// split splits the household and goes to the new one.
func (p *Pages) split(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	pr := auth.From(r)
	_, members, err := p.svc.Household(r.Context(), pr, h.ID)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	v := r.PostForm
	in := SplitInput{Household: householdInput(v), On: v.Get("on")}
	for _, m := range members {
		if m.Current() && slices.Contains(v["member"], m.ID) {
			in.Members = append(in.Members, Member{ResidentID: m.ID, Relation: v.Get("relation_" + m.ID)})
		}
	}
	nh, err := p.svc.Split(r.Context(), pr, h.ID, in)
	if err == nil {
		saved(w, r, "/households/"+nh.ID, "split")
		return
	}
	pb, err := p.problemsOf(r, err)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.splitFormWith(w, r, http.StatusBadRequest, h, v, pb)
}

func (p *Pages) splitFormWith(w http.ResponseWriter, r *http.Request, status int, h Household, v url.Values, pb problems) {
	ctx, pr, lang := r.Context(), auth.From(r), web.Lang(r)
	pl, members, err := p.householdPlace(r, h)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	grids, err := p.gridChoices(ctx, pr, h.GridCode)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	f := form{values: v, pb: pb}
	if r.Method == http.MethodGet {
		for _, m := range members {
			v.Set("relation_"+m.ID, m.Relation)
		}
	}
	fields := householdFields(f, grids, false)
	fields["on"] = f.text("on", "split.on").req().date()
	page := splitForm{place: pl, Household: h, Members: memberChoices(p.currentRows(members, lang), f, "split.relation", lang), Fields: fields, problems: pb}
	p.render.Page(w, r, status, "registry_split", page)
}

// mergeForm is the form that merges another household into this one (合户): first
// the other's number, then its members, each with their relation to this
// household's head, and the day.
type mergeForm struct {
	place
	Household Household
	Members   []residentRow // this household's
	Other     Household     // the household named, once found
	Incoming  []memberChoice
	Fields    map[string]field
	problems
}

// mergeForm asks for the other household's number and, once ?household_no= names
// one, shows what the merge will do.
func (p *Pages) mergeForm(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	v := url.Values{"household_no": {r.URL.Query().Get("household_no")}, "on": {p.svc.Today()}}
	p.mergeFormWith(w, r, h, v, v.Get("household_no") != "", problems{})
}

// merge merges the other household into this one and goes to this one.
func (p *Pages) merge(w http.ResponseWriter, r *http.Request) {
	h, ok := p.writableHousehold(w, r)
	if !ok {
		return
	}
	pr, v := auth.From(r), r.PostForm
	_, others, err := p.svc.HouseholdByNo(r.Context(), pr, v.Get("household_no"))
	if err == nil {
		in := MergeInput{HouseholdNo: v.Get("household_no"), On: v.Get("on")}
		for _, m := range others {
			if m.Current() {
				in.Members = append(in.Members, Member{ResidentID: m.ID, Relation: v.Get("relation_" + m.ID)})
			}
		}
		if _, err = p.svc.Merge(r.Context(), pr, h.ID, in); err == nil {
			saved(w, r, "/households/"+h.ID, "merged")
			return
		}
	}
	pb, err := p.problemsOf(r, err)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.mergeFormWith(w, r, h, v, true, pb)
}

// mergeFormWith shows the merge form; look says whether to look the other
// household up and show its members.
func (p *Pages) mergeFormWith(w http.ResponseWriter, r *http.Request, h Household, v url.Values, look bool, pb problems) {
	ctx, pr, lang := r.Context(), auth.From(r), web.Lang(r)
	pl, members, err := p.householdPlace(r, h)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := mergeForm{place: pl, Household: h, Members: p.currentRows(members, lang)}
	if look {
		other, incoming, err := p.svc.HouseholdByNo(ctx, pr, v.Get("household_no"))
		switch {
		case err == nil && (other.ID == h.ID || other.Dissolved != ""):
			pb, _ = p.problemsOf(r, apperr.Invalidf("household_no", "household.merge_same"))
		case err == nil:
			page.Other = other
			if r.Method == http.MethodGet {
				for _, m := range incoming {
					if !m.IsHead() {
						v.Set("relation_"+m.ID, m.Relation)
					}
				}
			}
			page.Incoming = memberChoices(p.currentRows(incoming, lang), form{values: v}, "merge.relation", lang)
		default:
			if pb, err = p.problemsOf(r, err); err != nil {
				p.render.Error(w, r, err)
				return
			}
		}
	}
	f := form{values: v, pb: pb}
	page.Fields = map[string]field{
		"household_no": f.text("household_no", "merge.other").req().max(32).hint("merge.other_hint"),
		"on":           f.text("on", "merge.on").req().date(),
	}
	page.problems = pb
	status := http.StatusOK
	if pb.Has() {
		status = http.StatusBadRequest
	}
	p.render.Page(w, r, status, "registry_merge", page)
}

// householdPlace returns the breadcrumbs of a form about household h, down to h,
// and h's members.
func (p *Pages) householdPlace(r *http.Request, h Household) (place, []Resident, error) {
	pr := auth.From(r)
	_, members, err := p.svc.Household(r.Context(), pr, h.ID)
	if err != nil {
		return place{}, nil, err
	}
	pl, err := p.placeOf(r.Context(), pr, h.GridCode)
	pl.Crumbs = append(pl.Crumbs, web.Crumb{Label: h.No, URL: "/households/" + h.ID})
	return pl, members, err
}
