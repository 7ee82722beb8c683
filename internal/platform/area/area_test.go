package area_test

import (
	"encoding/json"
	"errors"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
)

func TestParse_ReadsAreasAsPeopleWriteThem(t *testing.T) {
	for in, want := range map[string]area.Area{
		"149.5":       14950,
		"149.50":      14950,
		"150":         15000,
		"0.01":        1,
		"0":           0,
		"":            0,
		"  88.8 ":     8880,
		"１４９．５":       14950,
		"149.5㎡":      14950,
		"149.5 m²":    14950,
		"149.5m2":     14950,
		"300 平方米":     30000,
		"96平米":        9600,
		"149.500":     14950,
		"0149.05":     14905,
		"10000000":    area.Max,
		"10000000.00": area.Max,
		"9999999.99":  area.Max - 1,
		"1.10\u3000㎡": 110,
	} {
		got, err := area.Parse("office_area_m2", in)
		if err != nil || got != want {
			t.Errorf("%q: got %v %v, want %v", in, got, err, want)
		}
	}
}

func TestParse_RefusesEachMistakeWithItsOwnKeyNamingTheField(t *testing.T) {
	for in, key := range map[string]string{
		"149.505":                 "area.decimals",
		"149.001":                 "area.decimals",
		"0.005":                   "area.decimals",
		"-1":                      "area.negative",
		"-149.5":                  "area.negative",
		"-0.5㎡":                   "area.negative",
		"abc":                     "area.format",
		"一百五十":                    "area.format",
		"1,500":                   "area.format",
		"149,5":                   "area.format",
		".5":                      "area.format",
		"150.":                    "area.format",
		"1e3":                     "area.format",
		"+150":                    "area.format",
		"㎡":                       "area.format",
		"1.5.3":                   "area.format",
		"--5":                     "area.format",
		"150 cm":                  "area.format",
		"10000000.01":             "area.too_large",
		"99999999999999999999999": "area.too_large",
	} {
		_, err := area.Parse("office_area_m2", in)
		e, ok := err.(*apperr.Error)
		if !ok || e.Code != apperr.Invalid || e.Key != key || e.Field != "office_area_m2" {
			t.Errorf("%q: got %v, want %s on office_area_m2", in, err, key)
		}
	}
}

func TestString_WritesTwoDecimals(t *testing.T) {
	for a, want := range map[area.Area]string{0: "0.00", 1: "0.01", 14950: "149.50", 15000: "150.00", 1234567: "12345.67", -150: "-1.50"} {
		if got := a.String(); got != want {
			t.Errorf("%d: %q, want %q", int64(a), got, want)
		}
	}
}

func TestArea_149Point5IsBelow150(t *testing.T) {
	a, err := area.Parse("", "149.5")
	if err != nil || !(a < area.M2(150)) || a < area.M2(149) {
		t.Errorf("149.5 → %v %v: not between 149 and 150", a, err)
	}
}

func TestCheck_RefusesWhatParseWouldNot(t *testing.T) {
	for a, key := range map[area.Area]string{-1: "area.negative", area.Max + 1: "area.too_large", 0: "", area.Max: ""} {
		err := a.Check("f")
		if key == "" {
			if err != nil {
				t.Errorf("%v: %v", a, err)
			}
			continue
		}
		if e, ok := err.(*apperr.Error); !ok || e.Key != key || e.Field != "f" {
			t.Errorf("%v: %v, want %s", a, err, key)
		}
	}
}

// The JSON API writes an area as a number with two decimals and reads it back
// under Parse's rules, with either JSON library the module uses.
func TestJSON_IsANumberWithTwoDecimals(t *testing.T) {
	type unit struct {
		Area area.Area `json:"office_area_m2,omitempty"`
	}
	out, err := json.Marshal(unit{Area: 14950})
	if err != nil || string(out) != `{"office_area_m2":149.50}` {
		t.Fatalf("marshal: %s %v", out, err)
	}
	if out, _ := json.Marshal(unit{}); string(out) != `{}` {
		t.Errorf("zero area written as %s", out)
	}
	for in, want := range map[string]area.Area{`{"office_area_m2":149.5}`: 14950, `{"office_area_m2":150}`: 15000, `{"office_area_m2":null}`: 0, `{}`: 0} {
		var u unit
		if err := jsonv2.Unmarshal([]byte(in), &u); err != nil || u.Area != want {
			t.Errorf("%s: %v %v, want %v", in, u.Area, err, want)
		}
	}
	for in, key := range map[string]string{`{"office_area_m2":149.505}`: "area.decimals", `{"office_area_m2":-1}`: "area.negative",
		`{"office_area_m2":"149.5"}`: "area.format", `{"office_area_m2":1e3}`: "area.format"} {
		var u unit
		err := jsonv2.Unmarshal([]byte(in), &u)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Key != key {
			t.Errorf("%s: %v, want %s", in, err, key)
		}
	}
}

// FuzzParse holds Parse to its promise for any text: it never panics, what it
// accepts lies in [0, Max], and its String reads back as the same area.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"149.5", "１４９．５㎡", "-1", "149.505", "10000000.01", "0.00", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := area.Parse("f", s)
		if err != nil {
			if _, ok := err.(*apperr.Error); !ok {
				t.Fatalf("%q: %v is not a domain error", s, err)
			}
			return
		}
		if a < 0 || a > area.Max {
			t.Fatalf("%q: %v out of range", s, a)
		}
		if b, err := area.Parse("f", a.String()); err != nil || b != a {
			t.Fatalf("%q: %v read back as %v %v", s, a, b, err)
		}
	})
}
