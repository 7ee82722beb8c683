package codes_test

import (
	"testing"

	"shequ/internal/platform/codes"
)

func TestRelation_HasEveryTwoDigitCodeOfGBT4761(t *testing.T) {
	tb := codes.Relation()
	var want []string
	want = append(want, "01", "02", "03", "10", "11", "12")
	for n := 20; n <= 97; n++ {
		want = append(want, string(rune('0'+n/10))+string(rune('0'+n%10)))
	}
	want = append(want, "99")
	got := codesOf(tb)
	if len(got) != len(want) {
		t.Fatalf("%d codes, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("code %d is %s, want %s", i, got[i], want[i])
		}
	}
	for code, name := range map[string]string{"01": "本人", "02": "户主", "20": "子", "28": "女婿", "38": "儿媳", "53": "公公", "65": "配偶的祖父母或外祖父母", "84": "婶母", "97": "其他亲属", "99": "非亲属"} {
		if tb.Name(code) != name {
			t.Errorf("%s is %q, want %s", code, tb.Name(code), name)
		}
	}
	for _, e := range tb.Entries() {
		if e.Legacy != (e.Code == "03") {
			t.Errorf("%s %s: Legacy %v", e.Code, e.Name, e.Legacy)
		}
	}
}

func TestRelation_LookupTakesLegacyAndVariantValuesAndIsStrictAboutCodes(t *testing.T) {
	lookups(t, codes.Relation(), map[string]string{
		"02": "02", "户主": "02", "０２": "02", " 02 ": "02", "　户主": "02", "本人": "01",
		"03": "03", "小集体户户主": "03",
		"98": "99", "保姆": "99",
		"兄、弟、姐、妹": "70", "其他祖父母或外祖父母关系": "69",
		// One-digit codes of the same standard mean something else: 2 is 子, 1 配偶.
		"2": "", "1": "", "8": "",
		"孀母": "", "head": "", "child": "", "100": "",
	})
}

func TestIsHead_IsTrueFor01_02AndLegacy03Only(t *testing.T) {
	for _, e := range codes.Relation().Entries() {
		want := e.Code == "01" || e.Code == "02" || e.Code == "03"
		if codes.IsHead(e.Code) != want {
			t.Errorf("IsHead(%s %s) = %v", e.Code, e.Name, !want)
		}
	}
	for _, s := range []string{"", "0", "2", "户主", "98"} {
		if codes.IsHead(s) {
			t.Errorf("IsHead(%q)", s)
		}
	}
}

func TestRelationGroupOf_IsTheFirstDigitWith9xInOther(t *testing.T) {
	for code, group := range map[string]string{
		"01": "0", "02": "0", "03": "0", "12": "1", "28": "2", "38": "3", "49": "4",
		"53": "5", "65": "6", "72": "7", "80": "8", "90": "8", "97": "8", "99": "8",
	} {
		g, ok := codes.RelationGroupOf(code)
		if !ok || g.Code != group {
			t.Errorf("RelationGroupOf(%s) = %v, %v; want %s", code, g, ok, group)
		}
	}
	if g, _ := codes.RelationGroupOf("65"); g.Name != "祖父母或外祖父母" || g.Label("en") != "Grandparent" {
		t.Errorf("group 6 is %v", g)
	}
	for _, e := range codes.Relation().Entries() {
		if _, ok := codes.RelationGroupOf(e.Code); !ok {
			t.Errorf("%s has no group", e.Code)
		}
	}
	for _, s := range []string{"", "2", "98", "户主"} {
		if g, ok := codes.RelationGroupOf(s); ok {
			t.Errorf("RelationGroupOf(%q) = %v", s, g)
		}
	}
}

func TestKinOf_FollowsTheGroupsWithGrandparentsAndNonRelativesApart(t *testing.T) {
	for code, kin := range map[string]string{
		"01": codes.KinHead, "02": codes.KinHead, "03": codes.KinHead,
		"10": codes.KinSpouse, "12": codes.KinSpouse,
		"20": codes.KinChild, "28": codes.KinChild, "30": codes.KinChild, "38": codes.KinChild,
		"40": codes.KinGrandchild, "46": codes.KinGrandchild,
		"50": codes.KinParent, "53": codes.KinParent, "59": codes.KinParent,
		"60": codes.KinGrandparent, "69": codes.KinGrandparent,
		"70": codes.KinSibling, "72": codes.KinSibling,
		"80": codes.KinOther, "90": codes.KinOther, "97": codes.KinOther,
		"99": codes.KinNonRelative,
	} {
		if got, ok := codes.KinOf(code); !ok || got != kin {
			t.Errorf("KinOf(%s) = %q, %v; want %s", code, got, ok, kin)
		}
	}
	for _, e := range codes.Relation().Entries() {
		if _, ok := codes.KinOf(e.Code); !ok {
			t.Errorf("%s has no kin", e.Code)
		}
	}
	if k, ok := codes.KinOf("98"); ok {
		t.Errorf("KinOf(98) = %q: a legacy spelling is not a stored code", k)
	}
}

func TestRelationOfKin_MigratesTheSevenOldValuesAndRoundTrips(t *testing.T) {
	for kin, code := range map[string]string{
		"head": "02", "spouse": "10", "child": "20", "parent": "50", "grandchild": "40", "sibling": "70", "other": "80",
	} {
		if got, ok := codes.RelationOfKin(kin, false); !ok || got != code {
			t.Errorf("RelationOfKin(%s) = %q, %v; want %s", kin, got, ok, code)
		}
	}
	if got, _ := codes.RelationOfKin(codes.KinChild, true); got != "30" {
		t.Errorf("a daughter becomes %s, want 30 女", got)
	}
	for _, kin := range codes.Kins() {
		for _, female := range []bool{false, true} {
			code, ok := codes.RelationOfKin(kin, female)
			if back, _ := codes.KinOf(code); !ok || back != kin {
				t.Errorf("%s (female %v) → %q → %q", kin, female, code, back)
			}
		}
	}
	if code, ok := codes.RelationOfKin("aunt", false); ok {
		t.Errorf("RelationOfKin(aunt) = %s", code)
	}
}
