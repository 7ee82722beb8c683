package codes_test

import (
	"testing"

	"shequ/internal/platform/codes"
)

func TestResidenceStatusOf_DerivesFromWhereRegisteredAndWhereLiving(t *testing.T) {
	for _, c := range []struct {
		registered, living bool
		want               string
	}{
		{true, true, "1"}, {false, true, "2"}, {true, false, "3"}, {false, false, ""},
	} {
		got, ok := codes.ResidenceStatusOf(c.registered, c.living)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ResidenceStatusOf(%v, %v) = %q, %v; want %q", c.registered, c.living, got, ok, c.want)
		}
	}
	lookups(t, codes.ResidenceStatus(), map[string]string{"人户一致": "1", "人在户不在": "2", "户在人不在": "3", "人户分离": "", "01": ""})
}

func TestResidenceFlagOf_IsGBT31000sTwoValues(t *testing.T) {
	want := map[string]string{"1": "01", "2": "02", "3": "02"}
	for _, e := range codes.ResidenceStatus().Entries() {
		flag, ok := codes.ResidenceFlagOf(e.Code)
		if !ok || flag != want[e.Code] || codes.ResidenceFlag().Name(flag) == "" {
			t.Errorf("ResidenceFlagOf(%s) = %q, %v; want %s", e.Code, flag, ok, want[e.Code])
		}
	}
	if codes.ResidenceFlag().Name("01") != "一致" || codes.ResidenceFlag().Name("02") != "不一致" {
		t.Errorf("flags %v", codes.ResidenceFlag().Entries())
	}
	if f, ok := codes.ResidenceFlagOf("01"); ok {
		t.Errorf("ResidenceFlagOf(01) = %s", f)
	}
}
