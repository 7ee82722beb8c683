package i18n

import (
	"strconv"
	"strings"
)

// Default is the language of a request that asks for none we have.
const Default = "zh-CN"

// supported lists the languages, the default first. A function rather than a
// variable, so no caller can change the list under another.
func supported() []string { return []string{Default, "en"} }

// Canonical returns the supported language a tag names — "zh", "zh-CN", "zh-Hans-CN"
// → "zh-CN"; "en", "en-GB" → "en" — and whether there is one. Only the primary
// subtag counts: we have one Chinese and one English, and a reader of zh-TW is better
// served by simplified Chinese than by English.
func Canonical(tag string) (string, bool) {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	switch strings.ToLower(primary) {
	case "zh":
		return Default, true
	case "en":
		return "en", true
	}
	return "", false
}

// Match picks the language for an Accept-Language header: the supported language
// with the highest quality value, the earlier one on a tie, and Default when the
// header names none of ours.
func Match(acceptLanguage string) string {
	best, bestQ := Default, 0.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		lang, ok := Canonical(tag)
		if strings.TrimSpace(tag) == "*" {
			lang, ok = Default, true
		}
		if ok && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}
