package codes_test

import (
	"slices"
	"testing"

	"shequ/internal/platform/codes"
)

func TestEducation_IsGBT4658_2006(t *testing.T) {
	want := []string{
		"10", "11", "12", "13", "14", "15", "16", "17", "18", "19",
		"20", "21", "22", "23", "28", "30", "31", "32", "33",
		"40", "41", "42", "43", "44", "45", "46", "47", "48", "49",
		"60", "61", "62", "63", "70", "71", "73", "80", "81", "83", "90",
	}
	if got := codesOf(codes.Education()); !slices.Equal(got, want) {
		t.Errorf("codes %v", got)
	}
	lookups(t, codes.Education(), map[string]string{
		"大学本科毕业": "21", "技工学校毕业": "47", "初中肄业": "73",
		// The deviations and the 1984 codes the reference lists are refused.
		"72": "", "82": "", "00": "", "50": "", "99": "", "文盲或半文盲": "",
	})
}

func TestEducationGroupOf_FollowsTheReportsSixGroups(t *testing.T) {
	byDigit := map[byte]string{
		'1': "postgraduate", '2': "bachelor", '3': "junior_college", '4': "technical_secondary",
		'6': "senior_high", '7': "junior_middle_or_below", '8': "junior_middle_or_below", '9': "junior_middle_or_below",
	}
	for _, e := range codes.Education().Entries() {
		if got, ok := codes.EducationGroupOf(e.Code); !ok || got != byDigit[e.Code[0]] {
			t.Errorf("EducationGroupOf(%s %s) = %q, %v", e.Code, e.Name, got, ok)
		}
	}
	if g, ok := codes.EducationGroupOf("50"); ok {
		t.Errorf("EducationGroupOf(50) = %q", g)
	}
}

func TestEducationOfGroup_MigratesWorkersAndRoundTrips(t *testing.T) {
	// internal/staff's keys, lowest first.
	staff := []string{"junior_middle_or_below", "senior_high", "technical_secondary", "junior_college", "bachelor", "postgraduate"}
	if !slices.Equal(codes.EducationGroups(), staff) {
		t.Fatalf("groups %v, want staff's %v", codes.EducationGroups(), staff)
	}
	want := []string{"70", "60", "40", "30", "20", "10"}
	for i, g := range codes.EducationGroups() {
		code, ok := codes.EducationOfGroup(g)
		if !ok || code != want[i] {
			t.Errorf("EducationOfGroup(%s) = %q, %v; want %s", g, code, ok, want[i])
		}
		if back, _ := codes.EducationGroupOf(code); back != g {
			t.Errorf("%s → %s → %s", g, code, back)
		}
	}
	if code, ok := codes.EducationOfGroup("phd"); ok {
		t.Errorf("EducationOfGroup(phd) = %s", code)
	}
}
