package server

import (
	"io/fs"
	"testing"

	"shequ/internal/platform/i18n"
	"shequ/internal/platform/scope"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := fs.Sub(templates, "templates")
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, pages)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	// Keys the templates build from a level at run time.
	for _, level := range scope.Levels[1:] {
		for _, prefix := range []string{"home.children.", "home.chart."} {
			if !b.Has(prefix + string(level)) {
				t.Errorf("missing %s%s", prefix, level)
			}
		}
	}
}
