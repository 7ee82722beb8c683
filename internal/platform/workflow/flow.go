package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"shequ/internal/platform/auth"
)

// Flow is one kind of process as data: its states, the transitions between them,
// who may take each and what each requires, and the time limit of each step, by
// category. A domain ships its flow as a JSON file (ParseFlow) or builds it in Go,
// and hands it to NewEngine; a new flow needs no change here.
type Flow struct {
	Name string `json:"name"` // "case": names the flow in instances, audit records and message keys
	Doc  string `json:"doc,omitempty"`
	// Initial is the state an instance starts in.
	Initial string `json:"initial"`
	// StartRoles may start an instance (上报, 受理).
	StartRoles  []auth.Role  `json:"start_roles"`
	States      []State      `json:"states"`
	Transitions []Transition `json:"transitions"`
	// Limits override a state's own limit for a category: category → state → limit.
	// A state a category does not name keeps its default.
	Limits map[string]map[string]Limit `json:"limits,omitempty"`
}

// State is a step an instance can be at.
type State struct {
	Name string `json:"name"`
	Doc  string `json:"doc,omitempty"` // the Chinese term and what the step is
	// Final states close the instance: no clock runs, and it leaves the
	// supervision board. A final state may still have transitions out (reopen).
	Final bool `json:"final,omitempty"`
	// Limit is the step's time limit by default; Flow.Limits may set another per
	// category.
	Limit Limit `json:"limit,omitzero"`
}

// Unit is what a time limit is counted in.
type Unit string

// The units of a limit. Working time follows the calendar (holidays and 调休).
const (
	WorkDays  Unit = "work_days"  // 工作日
	WorkHours Unit = "work_hours" // 工作时
	Days      Unit = "days"       // 自然日: calendar days, for limits that run over holidays
)

// Limit is a step's time limit (时限): an instance still at the step Yellow units
// after it began shows a yellow card (黄牌), Red units after a red one (红牌). The
// zero Limit is no limit.
type Limit struct {
	Yellow int  `json:"yellow"`
	Red    int  `json:"red"`
	Unit   Unit `json:"unit"`
}

// Actor says which users, relative to the instance, may take a transition. Roles
// narrow them further. An instance carries three units: its place (OrgCode, the
// lowest unit it belongs to), its owner (OwnerOrg, the unit that dispatches and
// verifies it) and its handler (HandlerOrg, the unit assigned to act on it).
type Actor string

// The actors.
const (
	// Owner is a user of the owning unit itself (立案, 派遣, 核查): not a unit above
	// it, which supervises rather than does the owner's work.
	Owner Actor = "owner"
	// Handler is a user of the handling unit itself (处置, 退单, 反馈).
	Handler Actor = "handler"
	// Above is a user of any unit above the owner (上级: 督办).
	Above Actor = "above"
	// Starter is the user who started the instance (上报人: 评价).
	Starter Actor = "starter"
	// Place is any user whose scope holds the instance's place.
	Place Actor = "place"
)

var actors = []Actor{Owner, Handler, Above, Starter, Place}

// Effect is what a transition changes besides the state.
type Effect string

// The effects.
const (
	// AssignHandler sets the handling unit to TakeInput.HandlerOrg (派遣, 改派).
	AssignHandler Effect = "assign_handler"
	// Escalate makes the unit above the owner the owner (越级上报): it dispatches
	// from then on. The place, and so who sees the instance, stays.
	Escalate Effect = "escalate"
	// Recategorise sets the category to TakeInput.Category; the current step's
	// deadlines are counted again from its start with the new category's limit.
	// The old category stays in the timeline.
	Recategorise Effect = "recategorise"
	// Extend moves the current step's deadlines out by TakeInput.Days working
	// days (延期).
	Extend Effect = "extend"
)

var effects = []Effect{"", AssignHandler, Escalate, Recategorise, Extend}

// Clock says what a transition does to the step's clock.
type Clock string

// The clocks. By default a transition that changes the state starts a new step
// (a new clock and deadlines from the new state's limit), and one that stays in
// its state leaves the clock running: 督办 must not give a late case a fresh limit.
const (
	ClockDefault Clock = ""
	Restart      Clock = "restart" // a new step even if the state stays (改派: the new handler's own limit)
	Keep         Clock = "keep"    // the clock runs on even if the state changes (a request for 延期 pending)
)

// Requires is what the user must give to take a transition.
type Requires struct {
	Note   bool `json:"note,omitempty"`   // a note (督办 and its answer)
	Reason bool `json:"reason,omitempty"` // a reason (不予立案, 退单, 核查不通过)
	Result bool `json:"result,omitempty"` // a result (反馈, 评价)
	Photos bool `json:"photos,omitempty"` // at least one photo (反馈)
}

// Transition is a step an instance can take from one of From to To.
type Transition struct {
	Name string   `json:"name"`
	Doc  string   `json:"doc,omitempty"`
	From []string `json:"from"`
	// To is the state after; "" leaves the instance where it is (督办, 改派).
	To string `json:"to,omitempty"`
	// Roles and Actors say who may take it: a user with one of the roles who is
	// one of the actors.
	Roles    []auth.Role `json:"roles"`
	Actors   []Actor     `json:"actors"`
	Requires Requires    `json:"requires,omitzero"`
	// Results, when given, are the results a user may choose from (满意, 基本满意,
	// 不满意); the transition then requires one.
	Results []string `json:"results,omitempty"`
	Effect  Effect   `json:"effect,omitempty"`
	Clock   Clock    `json:"clock,omitempty"`
	// WithinDays, when not 0, offers the transition only that many calendar days
	// after the instance entered its state (reopen within 15 days of closing).
	WithinDays int `json:"within_days,omitempty"`
}

// ParseFlow reads a flow from JSON and checks it. Unknown members are refused, so
// that a misspelt "requries" is not silently a transition that requires nothing.
func ParseFlow(data []byte) (Flow, error) {
	var f Flow
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Flow{}, fmt.Errorf("workflow: %w", err)
	}
	if dec.More() {
		return Flow{}, errors.New("workflow: data after the flow")
	}
	return f, f.Validate()
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate reports every fault of the flow at once: names that are not lower-case
// identifiers, states or transitions named twice, references to unknown states,
// roles or actors, limits that do not make sense, states that cannot be reached
// from the initial one, and states that are not final but have no way out.
func (f Flow) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(f.Name) {
		bad("flow name %q is not a lower-case identifier", f.Name)
	}
	states := map[string]State{}
	for _, s := range f.States {
		if !nameRE.MatchString(s.Name) {
			bad("state name %q is not a lower-case identifier", s.Name)
		}
		if _, dup := states[s.Name]; dup {
			bad("state %q is defined twice", s.Name)
		}
		states[s.Name] = s
		if err := s.Limit.check(); err != nil {
			bad("state %q: %v", s.Name, err)
		}
	}
	known := func(what, name string) {
		if _, ok := states[name]; !ok {
			bad("%s names unknown state %q", what, name)
		}
	}
	known("initial", f.Initial)
	if states[f.Initial].Final {
		bad("the initial state %q is final", f.Initial)
	}
	checkRoles(fmt.Sprintf("flow %q start_roles", f.Name), f.StartRoles, bad)
	seen := map[string]bool{}
	for _, t := range f.Transitions {
		what := fmt.Sprintf("transition %q", t.Name)
		if !nameRE.MatchString(t.Name) {
			bad("transition name %q is not a lower-case identifier", t.Name)
		}
		if seen[t.Name] {
			bad("%s is defined twice", what)
		}
		seen[t.Name] = true
		if len(t.From) == 0 {
			bad("%s starts from no state", what)
		}
		for i, from := range t.From {
			known(what+" from", from)
			if slices.Contains(t.From[:i], from) {
				bad("%s names state %q twice in from", what, from)
			}
		}
		if t.To != "" {
			known(what+" to", t.To)
		}
		checkRoles(what+" roles", t.Roles, bad)
		if len(t.Actors) == 0 {
			bad("%s names no actor", what)
		}
		for _, a := range t.Actors {
			if !slices.Contains(actors, a) {
				bad("%s names unknown actor %q", what, a)
			}
		}
		if !slices.Contains(effects, t.Effect) {
			bad("%s has unknown effect %q", what, t.Effect)
		}
		if t.Clock != ClockDefault && t.Clock != Restart && t.Clock != Keep {
			bad("%s has unknown clock %q", what, t.Clock)
		}
		if t.WithinDays < 0 {
			bad("%s has negative within_days", what)
		}
		for i, r := range t.Results {
			if r == "" || slices.Contains(t.Results[:i], r) {
				bad("%s has an empty or repeated result %q", what, r)
			}
		}
	}
	for category, byState := range f.Limits {
		for name, l := range byState {
			known(fmt.Sprintf("limits of category %q", category), name)
			if err := l.check(); err != nil {
				bad("limit of state %q for category %q: %v", name, category, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("workflow: flow %q: %w", f.Name, errors.Join(errs...))
	}
	return f.checkGraph()
}

// checkGraph finds the states the initial one cannot reach and the states that are
// not final and have no transition to another state, where an instance would stay
// for ever. It runs on a flow whose names all resolve.
func (f Flow) checkGraph() error {
	reached := map[string]bool{f.Initial: true}
	queue := []string{f.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range f.Transitions {
			if t.To != "" && !reached[t.To] && slices.Contains(t.From, s) {
				reached[t.To] = true
				queue = append(queue, t.To)
			}
		}
	}
	var errs []error
	for _, s := range f.States {
		if !reached[s.Name] {
			errs = append(errs, fmt.Errorf("state %q cannot be reached from %q", s.Name, f.Initial))
		}
		if s.Final {
			continue
		}
		out := slices.ContainsFunc(f.Transitions, func(t Transition) bool {
			return t.To != "" && t.To != s.Name && slices.Contains(t.From, s.Name)
		})
		if !out {
			errs = append(errs, fmt.Errorf("state %q is not final and has no transition to another state", s.Name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("workflow: flow %q: %w", f.Name, errors.Join(errs...))
	}
	return nil
}

func checkRoles(what string, roles []auth.Role, bad func(string, ...any)) {
	if len(roles) == 0 {
		bad("%s names no role", what)
	}
	for _, r := range roles {
		if !r.Valid() || r == auth.RoleReadOnly || r.Administrator() {
			bad("%s names %q, which is not a role that does the work", what, r)
		}
	}
}

// check reports what is wrong with a limit: none at all is fine; otherwise both
// cards are at least 1, red no earlier than yellow, in a known unit.
func (l Limit) check() error {
	if l == (Limit{}) {
		return nil
	}
	if l.Unit != WorkDays && l.Unit != WorkHours && l.Unit != Days {
		return fmt.Errorf("unknown unit %q", l.Unit)
	}
	if l.Yellow < 1 || l.Red < l.Yellow {
		return fmt.Errorf("yellow %d and red %d: need 1 <= yellow <= red", l.Yellow, l.Red)
	}
	return nil
}

// state returns the named state.
func (f *Flow) state(name string) (State, bool) {
	i := slices.IndexFunc(f.States, func(s State) bool { return s.Name == name })
	if i < 0 {
		return State{}, false
	}
	return f.States[i], true
}

// transition returns the named transition.
func (f *Flow) transition(name string) (Transition, bool) {
	i := slices.IndexFunc(f.Transitions, func(t Transition) bool { return t.Name == name })
	if i < 0 {
		return Transition{}, false
	}
	return f.Transitions[i], true
}

// limit is the time limit of state for category: the category's own if the flow
// sets one, else the state's.
func (f *Flow) limit(state, category string) Limit {
	if l, ok := f.Limits[category][state]; ok {
		return l
	}
	s, _ := f.state(state)
	return s.Limit
}
