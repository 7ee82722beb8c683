package codes_test

import (
	"testing"

	"shequ/internal/platform/codes"
)

// FuzzLookup feeds any text to every table's Lookup, which every form and import row
// passes through. It may refuse the text but not panic, and what it finds is an entry
// of the table that its own code reads back as.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"02", "户主", "０２", " 98 ", "汉", "ha", "1", "迁出（离开）本地", "\xff", "族"} {
		f.Add(s)
	}
	tables := codes.All()
	f.Fuzz(func(t *testing.T, s string) {
		for _, tb := range tables {
			e, ok := tb.Lookup(s)
			if !ok {
				continue
			}
			if byCode, found := tb.ByCode(e.Code); !found || byCode != e {
				t.Fatalf("%s: %q found %v, not an entry", tb.ID, s, e)
			}
			if again, found := tb.Lookup(e.Code); !found || again != e {
				t.Fatalf("%s: %q found %v, whose code reads as %v", tb.ID, s, e, again)
			}
		}
	})
}
