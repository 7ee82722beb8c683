package registry

import (
	"net/url"

	"shequ/internal/platform/codes"
)

// field is one input of a form as the "registry_field" partial draws it: its
// label and hint are message keys, its value what the record holds or the user
// typed, its error the problem with it, in the user's language.
type field struct {
	Name     string // the input's name, which is also the field the service's errors name
	Label    string // message key
	Hint     string // message key, "" for none
	Type     string // an input type, or "select"
	Value    string
	Error    string
	Focus    bool // the first field at fault: the cursor goes there
	Required bool
	Max      int    // maxlength, 0 for none
	Mode     string // inputmode
	Auto     string // autocomplete, "off" by default: these are other people's data
	Blank    string // message key of a select's empty choice, "" for none
	Options  []option
	Groups   []optgroup
}

// option is one choice of a select; its Label is shown as it is, or, when Key is
// set, the message Key.
type option struct {
	Value, Label, Key string
	Selected          bool
}

// optgroup is a labelled group of a select's choices.
type optgroup struct {
	Label   string
	Options []option
}

// form builds the fields of one form from its values and its problems.
type form struct {
	values url.Values
	pb     problems
}

// text is a text input named name, labelled by the message label.
func (f form) text(name, label string) field {
	return field{Name: name, Label: label, Type: "text", Value: f.values.Get(name), Error: f.pb.ByField[name],
		Focus: f.pb.Field == name, Auto: "off"}
}

func (fl field) req() field                { fl.Required = true; return fl }
func (fl field) max(n int) field           { fl.Max = n; return fl }
func (fl field) hint(key string) field     { fl.Hint = key; return fl }
func (fl field) mode(m string) field       { fl.Mode = m; return fl }
func (fl field) typed(t string) field      { fl.Type = t; return fl }
func (fl field) date() field               { fl.Type = "date"; return fl }
func (fl field) choose(blank string) field { fl.Type, fl.Blank = "select", blank; return fl }

// among makes the field a select of opts, the one matching its value selected.
func (fl field) among(blank string, opts []option) field {
	fl = fl.choose(blank)
	for _, o := range opts {
		o.Selected = o.Value == fl.Value
		fl.Options = append(fl.Options, o)
	}
	return fl
}

// codes makes the field a select of a code table's entries, named in lang. A
// legacy code is offered only to the record that holds it.
func (fl field) codes(t codes.Table, lang, blank string) field {
	return fl.among(blank, codeOptions(t, lang, fl.Value))
}

// relation makes the field a select of the relations to the head (GB/T 4761),
// grouped by their one-digit group.
func (fl field) relation(lang string) field {
	fl = fl.choose("form.choose")
	fl.Groups = relationGroups(lang, fl.Value)
	return fl
}

// codeOptions are the entries of t as choices, named in lang; a legacy entry only
// when it is the value held.
func codeOptions(t codes.Table, lang, held string) []option {
	var out []option
	for _, e := range t.Entries() {
		if e.Legacy && e.Code != held {
			continue
		}
		out = append(out, option{Value: e.Code, Label: e.Label(lang)})
	}
	return out
}

// relationGroups are the relations to the head grouped by GB/T 4761's one-digit
// codes, so that a worker finds 长子 under 子 and 祖母 under 祖父母.
func relationGroups(lang, held string) []optgroup {
	var groups []optgroup
	at := map[string]int{}
	for _, g := range codes.RelationGroup().Entries() {
		at[g.Code] = len(groups)
		groups = append(groups, optgroup{Label: g.Code + " " + g.Label(lang)})
	}
	for _, e := range codes.Relation().Entries() {
		if e.Legacy && e.Code != held {
			continue
		}
		g, ok := codes.RelationGroupOf(e.Code)
		if !ok {
			continue
		}
		i := at[g.Code]
		groups[i].Options = append(groups[i].Options, option{Value: e.Code, Label: e.Code + " " + e.Label(lang), Selected: e.Code == held})
	}
	return groups
}

// codeLabel is a stored code's name in lang, the code itself when the table does not
// know it (a value kept from before the tables), "" for none.
func codeLabel(t codes.Table, code, lang string) string {
	if code == "" {
		return ""
	}
	if l := t.Label(code, lang); l != "" {
		return l
	}
	return code
}
