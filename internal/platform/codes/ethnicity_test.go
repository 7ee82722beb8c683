package codes_test

import (
	"testing"

	"shequ/internal/platform/codes"
)

func TestEthnicity_IsGBT3304WithLetterCodes(t *testing.T) {
	tb := codes.Ethnicity()
	got := codesOf(tb)
	if len(got) != 58 || got[0] != "01" || got[55] != "56" || got[56] != "97" || got[57] != "98" {
		t.Fatalf("codes %v", got)
	}
	for _, e := range tb.Entries() {
		if (e.Letter == "") != (e.Code == "97" || e.Code == "98") {
			t.Errorf("%s %s: letter %q", e.Code, e.Name, e.Letter)
		}
	}
	for code, name := range map[string]string{"01": "汉族", "25": "水族", "36": "毛南族", "46": "德昂族", "97": "其他", "98": "外国血统中国籍人士"} {
		if tb.Name(code) != name {
			t.Errorf("%s is %q, want %s", code, tb.Name(code), name)
		}
	}
}

func TestEthnicity_LookupTakesLettersShortNamesAndLegacyNames(t *testing.T) {
	lookups(t, codes.Ethnicity(), map[string]string{
		"01": "01", "1": "01", "１": "01", "汉族": "01", "汉": "01", "HA": "01", "ha": "01", "ＨＡ": "01",
		"土族": "30", "土": "30", "土家": "15", "蒙古": "02", "SU": "25",
		"崩龙族": "46", "崩龙": "46", "毛难族": "36", "毛难": "36",
		// Local deviations the reference says not to adopt.
		"57": "", "58": "", "99": "", "其它": "", "穿青人": "", "SW": "", "族": "", "0": "",
	})
}
