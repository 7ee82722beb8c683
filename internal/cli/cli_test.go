package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"shequ/internal/cli"
)

// run runs the real program and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	t.Setenv("SHEQU_LANG", "zh-CN")
	code := cli.Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCLI_UsageAndVersion(t *testing.T) {
	if code, out, _ := run(t, "version"); code != 0 || !strings.HasPrefix(out, "shequ ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := run(t, "fly"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := run(t); code != 2 {
		t.Errorf("no command: %d", code)
	}
}

func TestCLI_UserAddExplainsWhatIsWrongInChinese(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	code, _, errOut := run(t, "user", "add", "--db", dbPath, "--name", "wang", "--role", "mayor", "--org", "450400")
	if code != 1 || !strings.Contains(errOut, "角色") {
		t.Errorf("unknown role: exit %d, %q", code, errOut)
	}
	code, _, errOut = run(t, "user", "add", "--db", dbPath, "--name", "wang")
	if code != 2 || !strings.Contains(errOut, "--role") {
		t.Errorf("missing flags: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "stats", "--db", dbPath, "--as-of", "20130520"); code != 2 || !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Errorf("bad date: exit %d, %q", code, errOut)
	}
}

func TestCLI_ANewCitySetsUpItsTreeAndFirstUser(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	for _, args := range [][]string{
		{"--code", "450400", "--name", "梧州市"},
		{"--code", "450403", "--name", "万秀区", "--parent", "450400"},
		{"--code", "450403001", "--name", "城东街道", "--parent", "450403"},
		{"--code", "450403001001", "--name", "东兴社区", "--parent", "450403001", "--founded", "2001", "--area", "120", "--posts", "8"},
	} {
		if code, out, errOut := run(t, append([]string{"org", "add", "--db", dbPath}, args...)...); code != 0 || !strings.HasPrefix(out, "added ") {
			t.Fatalf("org add %v: exit %d %s %s", args, code, out, errOut)
		}
	}
	code, _, errOut := run(t, "org", "add", "--db", dbPath, "--code", "450404001", "--name", "x", "--parent", "450403")
	if code != 1 || !strings.Contains(errOut, "代码") {
		t.Errorf("street code under the wrong district: exit %d %q", code, errOut)
	}
	code, out, _ := run(t, "user", "add", "--db", dbPath, "--name", "li", "--role", "community", "--org", "450403001001")
	if code != 0 || !strings.Contains(out, "initial password: ") {
		t.Errorf("user add: exit %d %q", code, out)
	}
	code, out, _ = run(t, "stats", "--db", dbPath, "--json")
	if code != 0 || !strings.Contains(out, `"communities": 1`) {
		t.Errorf("stats of the new city: exit %d %s", code, out)
	}
}

// TestCLI_StatsOfTheDemoCityReproduceTheReport is the acceptance check:
// `shequ stats --json --as-of 2013-05-20` on the demo city gives every figure of the
// report's first section and its office-space figures.
func TestCLI_StatsOfTheDemoCityReproduceTheReport(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo city")
	}
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	if code, out, errOut := run(t, "demo", "--db", dbPath); code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(out, "demo-grid") {
		t.Errorf("demo printed no logins:\n%s", out)
	}
	code, out, errOut := run(t, "stats", "--db", dbPath, "--json", "--as-of", "2013-05-20")
	if code != 0 {
		t.Fatalf("stats: exit %d %s", code, errOut)
	}
	var st struct {
		Scope struct{ Code, Level string }
		Units struct {
			Districts, Communities int
		}
		Households int
		Residents  struct{ Registered, Floating int }
		ByYear     map[string]int `json:"communities_by_founded_year"`
		Staff      struct {
			AuthorizedPosts int `json:"authorized_posts"`
			Filled          int
			Age             struct {
				Under35 int `json:"under_35"`
				Mid     int `json:"35_to_50"`
				Over50  int `json:"over_50"`
			}
			Education struct {
				Junior  int `json:"junior_middle_or_below"`
				High    int `json:"senior_high_or_technical"`
				College int `json:"college_or_above"`
			}
			Sex struct{ Male, Female int }
		}
		Office struct {
			AtLeast300 int `json:"at_least_300"`
			Below150   int `json:"below_150"`
			Below90    int `json:"below_90"`
		} `json:"office_space"`
		Children []struct {
			Scope struct{ Code string }
			Units struct{ Communities int }
			Staff struct{ Filled int }
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	since2010 := 0
	for y, n := range st.ByYear {
		if y >= "2010" {
			since2010 += n
		}
	}
	got := map[string]int{
		"districts": st.Units.Districts, "communities": st.Units.Communities, "founded since 2010": since2010,
		"households": st.Households, "registered": st.Residents.Registered, "floating": st.Residents.Floating,
		"posts": st.Staff.AuthorizedPosts, "filled": st.Staff.Filled,
		"under 35": st.Staff.Age.Under35, "35 to 50": st.Staff.Age.Mid, "over 50": st.Staff.Age.Over50,
		"junior middle or below": st.Staff.Education.Junior, "senior high or technical": st.Staff.Education.High, "college or above": st.Staff.Education.College,
		"male": st.Staff.Sex.Male, "female": st.Staff.Sex.Female,
		"office ≥ 300": st.Office.AtLeast300, "office < 150": st.Office.Below150, "office < 90": st.Office.Below90,
	}
	want := map[string]int{
		"districts": 3, "communities": 64, "founded since 2010": 10, "households": 142176, "registered": 399839, "floating": 58112,
		"posts": 461, "filled": 436, "under 35": 130, "35 to 50": 282, "over 50": 24,
		"junior middle or below": 8, "senior high or technical": 164, "college or above": 264, "male": 57, "female": 379,
		"office ≥ 300": 19, "office < 150": 36, "office < 90": 23,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %d, the report says %d", k, got[k], w)
		}
	}
	perDistrict := map[string][2]int{"450403": {20, 152}, "450404": {30, 190}, "450405": {14, 94}}
	for _, c := range st.Children {
		if w := perDistrict[c.Scope.Code]; c.Units.Communities != w[0] || c.Staff.Filled != w[1] {
			t.Errorf("district %s: %d communities, %d workers; the report says %v", c.Scope.Code, c.Units.Communities, c.Staff.Filled, w)
		}
	}
	if st.Scope.Code != "450400" || st.Scope.Level != "city" || len(st.Children) != 3 {
		t.Errorf("scope %+v with %d children", st.Scope, len(st.Children))
	}
}
