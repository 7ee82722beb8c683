package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
)

func TestCLI_PlanRefusesATargetOrToleranceOutOfRange(t *testing.T) {
	dbPath := newCity(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--target-households", "0"}, "--target-households"},
		{[]string{"--target-households", "-3000"}, "--target-households"},
		{[]string{"--tolerance", "0"}, "--tolerance"},
		{[]string{"--tolerance", "1"}, "--tolerance"},
		{[]string{"--tolerance", "1.5"}, "--tolerance"},
	} {
		args := append([]string{"plan", "consolidation", "--db", dbPath, "--scope", orgtest.District}, c.args...)
		if code, _, errOut := run(t, args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, errOut)
		}
	}
}

func TestCLI_PlanPrintsTheStableJSONOfAPlanOnTheImportedGraph(t *testing.T) {
	dbPath := newCity(t)
	adjacency := file(t, "adjacency.csv", lines("网格代码A,网格代码B", orgtest.Grid+","+orgtest.GridB))
	out := mustRun(t, "import", "grid_adjacency", adjacency, "--db", dbPath)
	if !strings.Contains(out, orgtest.Grid2) {
		t.Errorf("the grid left alone is not reported: %q", out)
	}
	bad := file(t, "bad.csv", lines("网格代码A,网格代码B", orgtest.Grid+",450403001009009"))
	if code, out, _ := run(t, "import", "grid_adjacency", bad, "--db", dbPath); code != 1 || !strings.Contains(out, "第 2 行") || !strings.Contains(out, "450403001009009") {
		t.Errorf("an unknown grid: exit %d, %q", code, out)
	}
	out = mustRun(t, "plan", "consolidation", "--db", dbPath, "--scope", orgtest.District, "--target-households", "3000", "--json")
	var plan struct {
		Scope            string  `json:"scope"`
		TargetHouseholds int     `json:"target_households"`
		Tolerance        float64 `json:"tolerance"`
		Communities      []struct {
			Code       string   `json:"code"`
			New        bool     `json:"new"`
			District   string   `json:"district"`
			Grids      []string `json:"grids"`
			Contiguous bool     `json:"contiguous"`
		} `json:"communities"`
		Objective  map[string]float64 `json:"objective"`
		Infeasible []struct {
			Grids  []string `json:"grids"`
			Reason string   `json:"reason"`
		} `json:"infeasible"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if plan.Scope != orgtest.District || plan.TargetHouseholds != 3000 || plan.Tolerance != 0.1 || len(plan.Communities) == 0 {
		t.Errorf("plan %+v", plan)
	}
	for _, k := range []string{"deviation", "cut_edges", "moved_households"} {
		if _, ok := plan.Objective[k]; !ok {
			t.Errorf("objective lacks %s: %s", k, out)
		}
	}
	grids := 0
	for _, c := range plan.Communities {
		grids += len(c.Grids)
		if c.District != orgtest.District || !c.Contiguous || (c.Code == "") != c.New {
			t.Errorf("community %+v", c)
		}
	}
	if grids != 3 {
		t.Errorf("%d grids in the plan's communities, want 3", grids)
	}
}
