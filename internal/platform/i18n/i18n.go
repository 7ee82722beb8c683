// Package i18n holds the platform's messages in zh-CN (the default) and English and
// turns keys, arguments and domain errors into text in the reader's language.
// Messages live in flat JSON files, key → message, with {name} placeholders; a domain
// package may ship its own locales/ files and hand them to Load, so adding a page's
// strings touches no shared file. It depends only on apperr.
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"shequ/internal/platform/apperr"
)

//go:embed locales/*.json
var platformLocales embed.FS

// Bundle is the loaded set of messages for every supported language. It is read-only
// after Load and safe for concurrent use.
type Bundle struct {
	msgs map[string]map[string]string // lang → key → message
}

// Load reads the platform's messages and those of each extra FS. Every FS holds
// locales/zh-CN.json and locales/en.json, the layout of this package's own files, so
// a domain package embeds its strings with
//
//	//go:embed locales/*.json
//	var Locales embed.FS
//
// and the program calls i18n.Load(org.Locales, staff.Locales, …). Page strings go
// there; domain error messages ("err.*") and field labels ("field.*") stay in this
// package's files, because the CLI and every handler show them and a test here
// checks every key the module's code passes to apperr.
//
// Load fails unless every language has exactly the same keys, no message is empty,
// both languages use the same placeholders in each message, and no key is defined
// twice: a missing translation stops start-up (and every test that loads the bundle)
// instead of showing a raw key to a user.
func Load(extra ...fs.FS) (*Bundle, error) {
	b := &Bundle{msgs: make(map[string]map[string]string)}
	for _, lang := range supported() {
		b.msgs[lang] = make(map[string]string)
	}
	for i, fsys := range append([]fs.FS{platformLocales}, extra...) {
		source := "platform locales"
		if i > 0 {
			source = fmt.Sprintf("locale set %d given to Load", i)
		}
		for _, lang := range supported() {
			name := "locales/" + lang + ".json"
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", source, err)
			}
			if err := addMessages(b.msgs[lang], data); err != nil {
				return nil, fmt.Errorf("i18n: %s, %s: %w", source, name, err)
			}
		}
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	return b, nil
}

// addMessages parses one flat JSON object into into, refusing keys already present.
// It reads token by token because encoding/json would silently keep the last of two
// equal keys, the usual trace of a badly resolved merge.
func addMessages(into map[string]string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // inside an object, a token in key position is always a string
		var msg string
		if err := dec.Decode(&msg); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		if _, dup := into[key]; dup {
			return fmt.Errorf("key %q defined twice", key)
		}
		into[key] = msg
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// check reports every way in which the languages disagree, all at once, so whoever
// adds keys sees the whole list.
func (b *Bundle) check() error {
	var problems []string
	ref := b.msgs[Default]
	for _, lang := range supported() {
		for _, key := range sortedKeys(b.msgs[lang]) {
			if strings.TrimSpace(b.msgs[lang][key]) == "" {
				problems = append(problems, fmt.Sprintf("%s: %s is empty", lang, key))
			}
		}
		if lang == Default {
			continue
		}
		other := b.msgs[lang]
		for _, key := range sortedKeys(ref) {
			msg, ok := other[key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: missing %s", lang, key))
				continue
			}
			if want, got := placeholders(ref[key]), placeholders(msg); !slices.Equal(want, got) {
				problems = append(problems, fmt.Sprintf("%s: %s has placeholders %v, %s has %v", lang, key, got, Default, want))
			}
		}
		for _, key := range sortedKeys(other) {
			if _, ok := ref[key]; !ok {
				problems = append(problems, fmt.Sprintf("%s: missing %s", Default, key))
			}
		}
	}
	if len(problems) > 0 {
		return errors.New("i18n: locale files disagree:\n\t" + strings.Join(problems, "\n\t"))
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// placeholderRE matches {name} and {name:label}. The label form renders the argument
// through another message: {want:level} with want="street" shows the message
// "level.street" (街道), so domain code passes its raw values and the locale file
// decides how they read.
var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_][A-Za-z0-9_.]*))?\}`)

// placeholders returns the sorted, distinct placeholders of msg, label included.
func placeholders(msg string) []string {
	out := placeholderRE.FindAllString(msg, -1)
	slices.Sort(out)
	return slices.Compact(out)
}

// Langs returns the supported languages, the default first.
func (b *Bundle) Langs() []string { return supported() }

// Has reports whether key is defined (in every language: Load makes sure of that).
func (b *Bundle) Has(key string) bool {
	_, ok := b.msgs[Default][key]
	return ok
}

// T returns the message for key in lang with its placeholders filled from args, given
// as alternating name, value pairs: T("en", "err.too_long", "max", 60). An unknown
// language falls back to the default; an unknown key returns the key itself, and a
// placeholder without an argument stays as written, so a mistake shows on screen
// instead of vanishing.
func (b *Bundle) T(lang, key string, args ...any) string {
	return b.format(lang, key, func(name string) (any, bool) {
		for i := 0; i+1 < len(args); i += 2 {
			if fmt.Sprint(args[i]) == name {
				return args[i+1], true
			}
		}
		return nil, false
	})
}

// Tm is T with the arguments in a map, the form apperr.Error carries them in.
func (b *Bundle) Tm(lang, key string, args map[string]any) string {
	return b.format(lang, key, func(name string) (any, bool) {
		v, ok := args[name]
		return v, ok
	})
}

func (b *Bundle) format(lang, key string, arg func(name string) (any, bool)) string {
	msgs, ok := b.msgs[lang]
	if !ok {
		msgs = b.msgs[Default]
	}
	msg, ok := msgs[key]
	if !ok {
		return key
	}
	if !strings.Contains(msg, "{") {
		return msg
	}
	return placeholderRE.ReplaceAllStringFunc(msg, func(ph string) string {
		m := placeholderRE.FindStringSubmatch(ph)
		v, ok := arg(m[1])
		if !ok {
			return ph
		}
		if list, ok := v.([]string); ok {
			// A list reads as its values, each labelled, joined the language's way
			// ("派遣、退单", "Dispatch, Return").
			out := make([]string, len(list))
			for i, s := range list {
				out[i] = labelled(msgs, m[2], s)
			}
			return strings.Join(out, msgs["fmt.list_separator"])
		}
		return labelled(msgs, m[2], fmt.Sprint(v))
	})
}

// labelled returns the message "<label>.<s>" when label is given and msgs has it,
// and s itself otherwise.
func labelled(msgs map[string]string, label, s string) string {
	if label == "" {
		return s
	}
	// An empty value has no label of its own; "<label>.none" says so in words.
	value := s
	if value == "" {
		value = "none"
	}
	if l, ok := msgs[label+"."+value]; ok {
		return l
	}
	return s
}

// Error returns the message a user sees for err in lang: the message "err.<Key>"
// filled with the error's Args, after the field's label ("field.<Field>") when the
// error names a field that has one — "公民身份号码：校验位错误，应为 X". A field without
// a label (an unknown JSON member, an internal id) is left out rather than shown raw.
// Errors that are not domain errors read as the generic "err.internal": their text is
// for the log, not for the user.
func (b *Bundle) Error(lang string, err error) string {
	var e *apperr.Error
	if !errors.As(err, &e) || e == nil {
		return b.T(lang, "err.internal")
	}
	msg := b.Tm(lang, "err."+e.Key, e.Args)
	if e.Field == "" || !b.Has("field."+e.Field) {
		return msg
	}
	return b.T(lang, "fmt.field_message", "field", b.T(lang, "field."+e.Field), "message", msg)
}
