package registry

import (
	"net/http"
	"net/url"

	"shequ/internal/platform/auth"
)

// The pages that keep a local dictionary (流入原因), for the city and district
// users who keep them (MayKeepDictionaries): its entries, a form to add one, and
// for each entry a form to rename it and a page that asks before retiring it.

// dictionaryURL is the page of a dictionary.
func dictionaryURL(dictionary string) string { return "/dictionaries/" + dictionary }

// dictionaryPage lists a dictionary's entries, retired ones last in their place,
// with the form that adds one; Fields and problems are that form's.
type dictionaryPage struct {
	Dictionary string
	Entries    []DictionaryEntry
	Fields     map[string]field
	Done       string
	problems
}

// dictionaryEntryPage renames an entry (Retire false) or asks before retiring it.
type dictionaryEntryPage struct {
	Dictionary string
	Entry      DictionaryEntry
	Retire     bool
	Fields     map[string]field
	problems
}

// dictionaryFields are the fields of the form that adds an entry (withCode) or
// renames one.
func dictionaryFields(f form, withCode bool) map[string]field {
	fs := map[string]field{
		"entry_name":    f.text("entry_name", "field.entry_name").req().max(30),
		"entry_name_en": f.text("entry_name_en", "field.entry_name_en").max(60).hint("dictionary.name_en_hint"),
	}
	if withCode {
		fs["code"] = f.text("code", "field.code").req().max(10).hint("dictionary.code_hint")
	}
	return fs
}

func dictionaryInput(v url.Values) DictionaryInput {
	return DictionaryInput{Code: v.Get("code"), Name: v.Get("entry_name"), NameEN: v.Get("entry_name_en")}
}

// dictionary lists a dictionary's entries with the form that adds one.
func (p *Pages) dictionary(w http.ResponseWriter, r *http.Request) {
	p.dictionaryWith(w, r, http.StatusOK, form{values: url.Values{}})
}

// addDictionaryEntry adds an entry and comes back to the list; what is wrong is
// said beside its field, with what was typed.
func (p *Pages) addDictionaryEntry(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.render.Error(w, r, err)
		return
	}
	name := r.PathValue("name")
	in := dictionaryInput(r.PostForm)
	check := in
	pb := p.checked(r, check.Check(true))
	if !pb.Has() {
		_, err := p.svc.AddDictionaryEntry(r.Context(), auth.From(r), name, in)
		if err == nil {
			saved(w, r, dictionaryURL(name), "entry_added")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	p.dictionaryWith(w, r, http.StatusBadRequest, form{values: r.PostForm, pb: pb})
}

func (p *Pages) dictionaryWith(w http.ResponseWriter, r *http.Request, status int, f form) {
	name := r.PathValue("name")
	entries, err := p.svc.DictionaryEntries(r.Context(), auth.From(r), name)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := dictionaryPage{Dictionary: name, Entries: entries, Fields: dictionaryFields(f, true), problems: f.pb, Done: notice(r)}
	p.render.Page(w, r, status, "registry_dictionary", page)
}

// dictionaryEntryForm is the form that renames an entry.
func (p *Pages) dictionaryEntryForm(w http.ResponseWriter, r *http.Request) {
	e, ok := p.dictionaryEntry(w, r)
	if !ok {
		return
	}
	v := url.Values{"entry_name": {e.Name}, "entry_name_en": {e.NameEN}}
	p.dictionaryEntryWith(w, r, http.StatusOK, dictionaryEntryPage{Entry: e}, form{values: v})
}

// renameDictionaryEntry renames an entry and goes back to the list.
func (p *Pages) renameDictionaryEntry(w http.ResponseWriter, r *http.Request) {
	e, ok := p.dictionaryEntry(w, r)
	if !ok {
		return
	}
	in := dictionaryInput(r.PostForm)
	check := in
	pb := p.checked(r, check.Check(false))
	if !pb.Has() {
		_, err := p.svc.RenameDictionaryEntry(r.Context(), auth.From(r), r.PathValue("name"), e.Code, in)
		if err == nil {
			saved(w, r, dictionaryURL(r.PathValue("name")), "entry_renamed")
			return
		}
		if pb, err = p.problemsOf(r, err); err != nil {
			p.render.Error(w, r, err)
			return
		}
	}
	p.dictionaryEntryWith(w, r, http.StatusBadRequest, dictionaryEntryPage{Entry: e}, form{values: r.PostForm, pb: pb})
}

// retireDictionaryEntryForm says what retiring an entry does and asks to confirm.
func (p *Pages) retireDictionaryEntryForm(w http.ResponseWriter, r *http.Request) {
	e, ok := p.dictionaryEntry(w, r)
	if !ok {
		return
	}
	p.dictionaryEntryWith(w, r, http.StatusOK, dictionaryEntryPage{Entry: e, Retire: true}, form{})
}

// retireDictionaryEntry retires an entry and goes back to the list.
func (p *Pages) retireDictionaryEntry(w http.ResponseWriter, r *http.Request) {
	e, ok := p.dictionaryEntry(w, r)
	if !ok {
		return
	}
	_, err := p.svc.RetireDictionaryEntry(r.Context(), auth.From(r), r.PathValue("name"), e.Code)
	if err == nil {
		saved(w, r, dictionaryURL(r.PathValue("name")), "entry_retired")
		return
	}
	pb, err := p.problemsOf(r, err)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.dictionaryEntryWith(w, r, http.StatusBadRequest, dictionaryEntryPage{Entry: e, Retire: true}, form{pb: pb})
}

// dictionaryEntry returns the entry of the path, after parsing the form of a
// POST, for a user who keeps the dictionaries; it answers the request itself
// otherwise.
func (p *Pages) dictionaryEntry(w http.ResponseWriter, r *http.Request) (DictionaryEntry, bool) {
	if err := r.ParseForm(); err != nil {
		p.render.Error(w, r, err)
		return DictionaryEntry{}, false
	}
	e, err := p.svc.DictionaryEntry(r.Context(), auth.From(r), r.PathValue("name"), r.PathValue("code"))
	if err != nil {
		p.render.Error(w, r, err)
		return DictionaryEntry{}, false
	}
	return e, true
}

func (p *Pages) dictionaryEntryWith(w http.ResponseWriter, r *http.Request, status int, page dictionaryEntryPage, f form) {
	name := r.PathValue("name")
	page.Dictionary, page.problems = name, f.pb
	if !page.Retire {
		page.Fields = dictionaryFields(f, false)
	}
	p.render.Page(w, r, status, "registry_dictionary_entry", page)
}
