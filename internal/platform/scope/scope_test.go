package scope_test

import (
	"testing"

	"shequ/internal/platform/scope"
)

func TestLevelOf(t *testing.T) {
	for code, want := range map[string]scope.Level{
		"450400": scope.City, "450403": scope.District, "450403001": scope.Street,
		"450403001001": scope.Community, "450403001001002": scope.Grid,
		"45040": "", "4504030010011": "", "45040a": "",
	} {
		if got := scope.LevelOf(code); got != want {
			t.Errorf("LevelOf(%s) = %q, want %q", code, got, want)
		}
	}
}

func TestScope_CityCoversItsDistrictsButNotItsNeighbours(t *testing.T) {
	s := scope.Of("450400")
	for code, want := range map[string]bool{"450403": true, "450403001001002": true, "450400": true, "450500": false, "4505": false} {
		if got := s.Contains(code); got != want {
			t.Errorf("Contains(%s) = %v", code, got)
		}
	}
	if lo, hi := s.Range(); lo != "4504" || hi != "4504:" {
		t.Errorf("Range = %s %s", lo, hi)
	}
}

func TestScope_ZeroValueContainsNothing(t *testing.T) {
	var s scope.Scope
	if s.Contains("450403") || s.Contains("") {
		t.Fatal("zero scope contains codes")
	}
	lo, hi := s.Range()
	if lo < hi {
		t.Fatalf("zero scope range [%s,%s) is not empty", lo, hi)
	}
}

func TestScope_Where(t *testing.T) {
	w, args := scope.Of("450403001").Where("r.org_code", 12)
	if w != "r.org_code >= $12 AND r.org_code < $13" || args[0] != "450403001" || args[1] != "450403001:" {
		t.Fatalf("Where = %s %v", w, args)
	}
}
