package pii_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/pii"
)

var today = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func TestParseIDNumber_AcceptsValidNumbersAndDerivesBirthAndSex(t *testing.T) {
	for _, tc := range []struct {
		in, birth string
		sex       pii.Sex
	}{
		{"11010519491231002X", "1949-12-31", pii.Female},
		{"440524188001010014", "1880-01-01", pii.Male},
		{"11010519491231002x", "1949-12-31", pii.Female},
	} {
		n, err := pii.ParseIDNumber(tc.in, today)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if n.BirthDate() != tc.birth || n.Sex != tc.sex {
			t.Errorf("%s: birth %s sex %s, want %s %s", tc.in, n.BirthDate(), n.Sex, tc.birth, tc.sex)
		}
	}
}

func TestParseIDNumber_NamesTheRuleThatFailed(t *testing.T) {
	for _, tc := range []struct{ in, key string }{
		{"", "id_number.length"},
		{"1101051949123100", "id_number.length"},
		{"11010519491231002XX", "id_number.length"},
		{"1101051949123A002X", "id_number.digits"},
		{"11010519491231002Y", "id_number.digits"},
		{"110105194902300021", "id_number.birth_date"}, // 30 February
		{"110105209901010021", "id_number.birth_date"}, // in the future
		{"110105194912310021", "id_number.check_digit"},
	} {
		_, err := pii.ParseIDNumber(tc.in, today)
		e, ok := err.(*apperr.Error)
		if !ok || e.Key != tc.key || e.Field != "id_number" || e.Code != apperr.Invalid {
			t.Errorf("%q: got %v, want %s on id_number", tc.in, err, tc.key)
		}
	}
}

func TestCheckDigit_MatchesTheStandardExample(t *testing.T) {
	if c := pii.CheckDigit("11010519491231002"); c != 'X' {
		t.Fatalf("check digit %c, want X", c)
	}
}

func TestMask_HidesTheMiddle(t *testing.T) {
	if got := pii.MaskIDNumber("450403198001011234"); got != "450403********1234" {
		t.Errorf("MaskIDNumber = %s", got)
	}
	if got := pii.MaskPhone("13812345678"); got != "138****5678" {
		t.Errorf("MaskPhone = %s", got)
	}
	if got := pii.MaskIDNumber("123"); got != "***" {
		t.Errorf("short MaskIDNumber = %s", got)
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{"138 1234 5678": "13812345678", "+8613812345678": "13812345678", "0774-3831234": "07743831234", "": ""} {
		got, err := pii.NormalizePhone(in)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"12345", "1381234567a", "23812345678", "1381234567"} {
		if _, err := pii.NormalizePhone(in); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%q accepted", in)
		}
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "", "450403198001011234", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := pii.ParseIDNumber(s, today)
		if err != nil {
			return
		}
		if len(n.Value) != 18 || pii.CheckDigit(n.Value[:17]) != n.Value[17] {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestCouldEndIDNumber_AcceptsEveryTailOfARealNumber(t *testing.T) {
	for _, id := range []string{"11010519491231002X", "450403200002290017", "450403185001010011", "450403209912310013"} {
		for i := range len(id) {
			if !pii.CouldEndIDNumber(id[i:]) {
				t.Errorf("CouldEndIDNumber(%q) = false, but %s ends in it", id[i:], id)
			}
		}
	}
}

func TestCouldEndIDNumber_RefusesWhatNoNumberEndsIn(t *testing.T) {
	for _, s := range []string{
		"13812345678",         // a mobile: its 1 falls on the year's second digit
		"07745821234",         // a landline: month 45
		"0774582123",          // one digit shorter: month 74
		"191330010011",        // month 30
		"190013010011",        // month 13
		"190000010011",        // month 00
		"190001320011",        // day 32
		"190001000011",        // day 00
		"210001010011",        // year 2100
		"179901010011",        // year 1799
		"12X4",                // X before the check character
		"4504031990010100111", // 19 characters
	} {
		if pii.CouldEndIDNumber(s) {
			t.Errorf("CouldEndIDNumber(%q) = true", s)
		}
	}
}

func TestCheckPerson_NormalisesInPlaceAndNamesEveryFaultyField(t *testing.T) {
	name, id, phone := " 李建国 ", " 11010519491231002x ", "+86 138-1234-5678"
	got, errs := pii.CheckPerson(&name, &id, &phone, today)
	if len(errs) != 0 || name != "李建国" || id != "11010519491231002X" || phone != "13812345678" || got.Value != id {
		t.Errorf("good person: %q %q %q, %+v, %v", name, id, phone, got, errs)
	}
	name, id, phone = strings.Repeat("名", pii.NameMax+1), "110105194912310021", "12345"
	got, errs = pii.CheckPerson(&name, &id, &phone, today)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field+":"+e.Key)
	}
	want := []string{"name:too_long", "id_number:id_number.check_digit", "phone:phone.format"}
	if !slices.Equal(fields, want) || got.Value != "" {
		t.Errorf("faulty person: %v, %+v; want %v and no ID number", fields, got, want)
	}
	name, phone = "  ", ""
	if _, errs := pii.CheckPerson(&name, &id, &phone, today); len(errs) != 2 || errs[0].Field != "name" || errs[0].Key != "required" {
		t.Errorf("no name, no phone: %v", errs)
	}
}
