package workflow_test

import (
	"os"
	"strings"
	"testing"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/workflow"
)

// caseFlow is the case flow the cases domain will ship, read from testdata.
func caseFlow(t testing.TB) workflow.Flow {
	t.Helper()
	data, err := os.ReadFile("testdata/case.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := workflow.ParseFlow(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseFlow_ReadsTheCaseFlow(t *testing.T) {
	f := caseFlow(t)
	if f.Name != "case" || f.Initial != "reported" || len(f.States) != 10 || len(f.Transitions) != 18 {
		t.Errorf("flow %s from %s with %d states and %d transitions", f.Name, f.Initial, len(f.States), len(f.Transitions))
	}
}

func TestParseFlow_RefusesUnknownMembers(t *testing.T) {
	_, err := workflow.ParseFlow([]byte(`{"name": "x", "initial": "a", "states": [{"name": "a", "fianl": true}]}`))
	if err == nil || !strings.Contains(err.Error(), "fianl") {
		t.Errorf("a misspelt member: %v", err)
	}
}

// approval is the smallest flow: submitted, then approved or refused by the unit
// above the one that submitted it.
func approval() workflow.Flow {
	return workflow.Flow{
		Name: "approval", Initial: "submitted", StartRoles: []auth.Role{auth.RoleCommunity},
		States: []workflow.State{
			{Name: "submitted", Limit: workflow.Limit{Yellow: 2, Red: 3, Unit: workflow.WorkDays}},
			{Name: "approved", Final: true},
			{Name: "refused", Final: true},
		},
		Transitions: []workflow.Transition{
			{Name: "approve", From: []string{"submitted"}, To: "approved", Roles: []auth.Role{auth.RoleStreet}, Actors: []workflow.Actor{workflow.Above}},
			{Name: "refuse", From: []string{"submitted"}, To: "refused", Roles: []auth.Role{auth.RoleStreet}, Actors: []workflow.Actor{workflow.Above},
				Requires: workflow.Requires{Reason: true}},
		},
	}
}

func TestValidate_RefusesBrokenFlows(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *workflow.Flow)
		want   string
	}{
		{"unknown initial", func(f *workflow.Flow) { f.Initial = "draft" }, `initial names unknown state "draft"`},
		{"final initial", func(f *workflow.Flow) { f.Initial = "approved" }, `initial state "approved" is final`},
		{"state twice", func(f *workflow.Flow) { f.States = append(f.States, workflow.State{Name: "refused", Final: true}) }, `state "refused" is defined twice`},
		{"transition twice", func(f *workflow.Flow) { f.Transitions = append(f.Transitions, f.Transitions[0]) }, `transition "approve" is defined twice`},
		{"unknown from", func(f *workflow.Flow) { f.Transitions[0].From = []string{"sent"} }, `transition "approve" from names unknown state "sent"`},
		{"from twice", func(f *workflow.Flow) { f.Transitions[0].From = []string{"submitted", "submitted"} }, `names state "submitted" twice`},
		{"unknown to", func(f *workflow.Flow) { f.Transitions[1].To = "denied" }, `transition "refuse" to names unknown state "denied"`},
		{"no from", func(f *workflow.Flow) { f.Transitions[0].From = nil }, `transition "approve" starts from no state`},
		{"unreachable", func(f *workflow.Flow) { f.States = append(f.States, workflow.State{Name: "archived", Final: true}) }, `state "archived" cannot be reached`},
		{"dead end", func(f *workflow.Flow) { f.Transitions[0].To, f.Transitions[1].To = "", "" }, `state "submitted" is not final and has no transition`},
		{"no role", func(f *workflow.Flow) { f.Transitions[0].Roles = nil }, `transition "approve" roles names no role`},
		{"read-only role", func(f *workflow.Flow) { f.Transitions[0].Roles = []auth.Role{auth.RoleReadOnly} }, `not a role that does the work`},
		{"administrator", func(f *workflow.Flow) { f.StartRoles = []auth.Role{auth.RoleSysAdmin} }, `not a role that does the work`},
		{"unknown role", func(f *workflow.Flow) { f.Transitions[0].Roles = []auth.Role{"mayor"} }, `"mayor", which is not a role`},
		{"no actor", func(f *workflow.Flow) { f.Transitions[0].Actors = nil }, `transition "approve" names no actor`},
		{"unknown actor", func(f *workflow.Flow) { f.Transitions[0].Actors = []workflow.Actor{"boss"} }, `unknown actor "boss"`},
		{"unknown effect", func(f *workflow.Flow) { f.Transitions[0].Effect = "teleport" }, `unknown effect "teleport"`},
		{"unknown clock", func(f *workflow.Flow) { f.Transitions[0].Clock = "pause" }, `unknown clock "pause"`},
		{"repeated result", func(f *workflow.Flow) { f.Transitions[0].Results = []string{"ok", "ok"} }, `repeated result "ok"`},
		{"limit unit", func(f *workflow.Flow) { f.States[0].Limit.Unit = "weeks" }, `unknown unit "weeks"`},
		{"red before yellow", func(f *workflow.Flow) { f.States[0].Limit.Red = 1 }, `need 1 <= yellow <= red`},
		{"category limit of unknown state", func(f *workflow.Flow) {
			f.Limits = map[string]map[string]workflow.Limit{"urgent": {"pending": {Yellow: 1, Red: 1, Unit: workflow.Days}}}
		}, `limits of category "urgent" names unknown state "pending"`},
		{"bad name", func(f *workflow.Flow) { f.States[1].Name, f.Transitions[0].To = "Approved", "Approved" }, `state name "Approved" is not a lower-case identifier`},
	} {
		f := approval()
		tc.change(&f)
		err := f.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if err := approval().Validate(); err != nil {
		t.Errorf("the valid flow: %v", err)
	}
}

func TestNewEngine_RefusesAFlowTwiceAndABrokenOne(t *testing.T) {
	w := weekdays{years: []int{2026}}
	if _, err := workflow.NewEngine(w, nil, approval(), approval()); err == nil {
		t.Error("the same flow twice was accepted")
	}
	broken := approval()
	broken.Initial = ""
	if _, err := workflow.NewEngine(w, nil, broken); err == nil {
		t.Error("a broken flow was accepted")
	}
	if _, err := workflow.NewEngine(nil, nil, approval()); err == nil {
		t.Error("an engine without a calendar was made")
	}
}

func TestIfMatch_ReadsOnlyOurStrongTags(t *testing.T) {
	for h, want := range map[string]int{
		``: 0, `*`: 0, ` "3" `: 3, `"12"`: 12, `W/"3"`: -1, `"3", "4"`: -1, `3`: -1, `"0"`: -1, `"-1"`: -1, `"03"`: -1, `"x"`: -1,
	} {
		if got := workflow.IfMatch(h); got != want {
			t.Errorf("IfMatch(%q) = %d, want %d", h, got, want)
		}
	}
	if got := workflow.ETag(7); workflow.IfMatch(got) != 7 {
		t.Errorf("ETag(7) = %s does not read back", got)
	}
}

// TestActors_SayWhichUsersRelativeToTheInstanceMayTakeAStep pins each actor on an
// instance that happened in a grid, is owned by its community and handled by its
// street, and was started by the grid worker.
func TestActors_SayWhichUsersRelativeToTheInstanceMayTakeAStep(t *testing.T) {
	every := []auth.Role{auth.RoleGrid, auth.RoleCommunity, auth.RoleStreet, auth.RoleDistrict, auth.RoleCity}
	var steps []workflow.Transition
	for _, a := range []workflow.Actor{workflow.Owner, workflow.Handler, workflow.Above, workflow.Starter, workflow.Place} {
		steps = append(steps, workflow.Transition{Name: string(a), From: []string{"open"}, Roles: every, Actors: []workflow.Actor{a}})
	}
	steps = append(steps, workflow.Transition{Name: "close", From: []string{"open"}, To: "done", Roles: every, Actors: []workflow.Actor{workflow.Owner}})
	f := workflow.Flow{Name: "actors", Initial: "open", StartRoles: every, Transitions: steps,
		States: []workflow.State{{Name: "open"}, {Name: "done", Final: true}}}
	e, err := workflow.NewEngine(weekdays{}, nil, f)
	if err != nil {
		t.Fatal(err)
	}
	i := workflow.Instance{Flow: "actors", State: "open", OrgCode: gridCode, OwnerOrg: communityCode, HandlerOrg: streetCode, StarterID: gridWorker.UserID}
	for _, tc := range []struct {
		p    auth.Principal
		want string
	}{
		{gridWorker, "starter place"},
		{community, "owner place close"},
		{street, "handler above place"},
		{district, "above place"},
		{city, "above place"},
		{neighbour, ""},
		{streetB, ""},
		{readOnly, ""}, // the read-only role is none of the step's roles
	} {
		var got []string
		for _, s := range e.Allowed(tc.p, i) {
			got = append(got, s.Name)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %v, want %q", tc.p.Name, got, tc.want)
		}
	}
}
