package codes_test

import (
	"slices"
	"strings"
	"testing"

	"shequ/internal/platform/codes"
)

func TestTables_NameTheirStandardAndSource(t *testing.T) {
	want := []struct{ id, standard string }{
		{"relation", "GB/T 4761-2008"},
		{"relation_group", "GB/T 4761-2008"},
		{"ethnicity", "GB/T 3304-1991"},
		{"marital", "GB/T 2261.2-2003"},
		{"education", "GB/T 4658-2006"},
		{"political", "GB/T 4762-1984"},
		{"deregistration", "GA/T 2000.25-2014"},
		{"registration", codes.Local},
		{"residence_status", codes.Local},
		{"residence_flag", "GB/T 31000-2015"},
	}
	all := codes.All()
	if len(all) != len(want) {
		t.Fatalf("%d tables, want %d", len(all), len(want))
	}
	for i, w := range want {
		tb := all[i]
		if tb.ID != w.id || tb.Standard != w.standard {
			t.Errorf("table %d is %s by %q, want %s by %q", i, tb.ID, tb.Standard, w.id, w.standard)
		}
		if tb.Title == "" || !strings.Contains(tb.Source, "cn-standards.md") && !strings.Contains(tb.Source, "issue 10") {
			t.Errorf("%s: title %q, source %q: want a title and a source in the reference", tb.ID, tb.Title, tb.Source)
		}
	}
}

func TestTables_CodesNamesAndLetterCodesAreUnique(t *testing.T) {
	for _, tb := range codes.All() {
		seen := map[string]bool{}
		for _, e := range tb.Entries() {
			for _, v := range []string{"code " + e.Code, "name " + e.Name, "letter " + e.Letter, "en " + e.NameEN} {
				if !strings.HasSuffix(v, " ") && seen[v] {
					t.Errorf("%s: %s twice", tb.ID, v)
				}
				seen[v] = true
			}
		}
	}
}

func TestTables_LookupReadsEachEntryByCodeAndByName(t *testing.T) {
	for _, tb := range codes.All() {
		for _, e := range tb.Entries() {
			for _, s := range []string{e.Code, e.Name, " " + e.Code + "\t", "　" + e.Name + "　"} {
				if got, ok := tb.Lookup(s); !ok || got != e {
					t.Errorf("%s: Lookup(%q) = %v, %v; want %v", tb.ID, s, got, ok, e)
				}
			}
			if got, ok := tb.ByCode(e.Code); !ok || got != e || tb.Name(e.Code) != e.Name {
				t.Errorf("%s: ByCode(%q) = %v, %v; Name %q", tb.ID, e.Code, got, ok, tb.Name(e.Code))
			}
		}
	}
}

func TestTables_RefuseWhatIsNeitherCodeNorName(t *testing.T) {
	for _, tb := range codes.All() {
		for _, s := range []string{"", " ", "x", "00", "000", "100", "其它", "unknown", "\xff", "02 户主", "1.0"} {
			if e, ok := tb.Lookup(s); ok {
				t.Errorf("%s: Lookup(%q) = %v, want refused", tb.ID, s, e)
			}
		}
		if tb.Name("x") != "" || tb.Label("x", "en") != "" {
			t.Errorf("%s: an unknown code has a name", tb.ID)
		}
	}
}

func TestTables_SmallOnesHaveEnglishLabelsAndBigOnesShowChinese(t *testing.T) {
	big := []string{"relation", "ethnicity", "education"}
	for _, tb := range codes.All() {
		for _, e := range tb.Entries() {
			if slices.Contains(big, tb.ID) != (e.NameEN == "") {
				t.Errorf("%s %s: English label %q", tb.ID, e.Code, e.NameEN)
			}
			if e.Label("zh-CN") != e.Name || e.NameEN == "" && e.Label("en") != e.Name || e.NameEN != "" && e.Label("en") != e.NameEN {
				t.Errorf("%s %s: labels %q, %q", tb.ID, e.Code, e.Label("zh-CN"), e.Label("en"))
			}
		}
	}
	if got := codes.Marital().Label("40", "en"); got != "Divorced" {
		t.Errorf("40 in English is %q", got)
	}
	if got := codes.Ethnicity().Label("01", "en"); got != "汉族" {
		t.Errorf("01 in English is %q", got)
	}
}

// codesOf returns a table's codes in order.
func codesOf(tb codes.Table) []string {
	var cs []string
	for _, e := range tb.Entries() {
		cs = append(cs, e.Code)
	}
	return cs
}

// lookups checks a table's Lookup against inputs and the codes they should read as,
// "" for refused.
func lookups(t *testing.T, tb codes.Table, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		e, ok := tb.Lookup(in)
		if ok != (want != "") || e.Code != want {
			t.Errorf("%s: Lookup(%q) = %q, %v; want %q", tb.ID, in, e.Code, ok, want)
		}
	}
}

func TestMarital_IsGBT2261_2(t *testing.T) {
	if got := codesOf(codes.Marital()); !slices.Equal(got, []string{"10", "20", "21", "22", "23", "30", "40", "90"}) {
		t.Errorf("codes %v", got)
	}
	lookups(t, codes.Marital(), map[string]string{"已婚": "20", "复婚": "23", "90": "90", "1": "", "2": "", "未说明": ""})
}

func TestPolitical_IsGBT4762WithPartyMembersApart(t *testing.T) {
	tb := codes.Political()
	if got := codesOf(tb); len(got) != 13 || got[0] != "01" || got[12] != "13" {
		t.Errorf("codes %v", got)
	}
	lookups(t, tb, map[string]string{
		"中国共产党党员": "01", "中国共产党预备党员": "02", "群众": "13",
		"1": "01", "９": "09", "13": "13",
		"98": "", "民主党派": "", "党员": "", "14": "", "0": "",
	})
}

func TestDeregistration_IsGAT2000_25WithALocalOther(t *testing.T) {
	tb := codes.Deregistration()
	if got := codesOf(tb); !slices.Equal(got, []string{"1", "2", "3", "9"}) {
		t.Errorf("codes %v", got)
	}
	for _, e := range tb.Entries() {
		if e.Local != (e.Code == "9") {
			t.Errorf("%s %s: Local %v", e.Code, e.Name, e.Local)
		}
	}
	lookups(t, tb, map[string]string{"死亡": "1", "失踪": "2", "迁出(离开)本地": "3", "迁出（离开）本地": "3", "其他": "9", "01": "", "4": ""})
}

func TestRegistration_IsALocalTable(t *testing.T) {
	tb := codes.Registration()
	if tb.Standard != codes.Local || !slices.Equal(codesOf(tb), []string{"1", "2", "9"}) {
		t.Errorf("%s: %v", tb.Standard, codesOf(tb))
	}
	lookups(t, tb, map[string]string{"出生": "1", "迁入": "2", "其他": "9", "3": ""})
}

func TestValidRegionCode_ChecksTheShapeOnly(t *testing.T) {
	for s, want := range map[string]bool{
		"450403": true, "110000": true, "999999": true,
		"000000": false, "": false, "45040": false, "4504030": false, "45040a": false,
		" 450403": false, "４５０４０３": false, "450403001002": false,
	} {
		if got := codes.ValidRegionCode(s); got != want {
			t.Errorf("ValidRegionCode(%q) = %v", s, got)
		}
	}
}
