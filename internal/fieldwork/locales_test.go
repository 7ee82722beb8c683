package fieldwork_test

import (
	"testing"

	"shequ/internal/fieldwork"
	"shequ/internal/platform/i18n"
	"shequ/internal/server"
)

func TestFieldwork_EveryKeyThePagesUseIsTranslated(t *testing.T) {
	b, err := server.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, fieldwork.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	keys := []string{"dictionary.title.visit_purpose", "dictionary.about.visit_purpose"}
	for _, done := range []string{"assigned", "unassigned", "contact_added", "contact_ended"} {
		keys = append(keys, "fieldwork.done."+done)
	}
	for _, k := range []string{"waiting", "refused", "sent", "saved", "sending", "photos", "discard", "discard_confirm", "edit", "refused_status", "title", "help"} {
		keys = append(keys, "fieldwork.outbox."+k)
	}
	for _, k := range keys {
		if !b.Has(k) { // in every language: the bundle's loading makes sure of that
			t.Errorf("missing %s", k)
		}
	}
}
