package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// WorkingTime counts working time on the calendar of China's holidays and make-up
// working days (调休); internal/platform/calendar satisfies it. It fails for a time
// it cannot count (a year it has no data for): the engine then sets no deadline
// and raises the instance's DeadlineWarning rather than guess from weekdays.
type WorkingTime interface {
	AddWorkingDays(from time.Time, n int) (time.Time, error)
	AddWorkingHours(from time.Time, hours int) (time.Time, error)
}

// Engine runs the flows it was given on a working-time calendar. It holds no
// database: each call takes the caller's transaction, so that the domain's own row,
// the instance and the audit record commit together. It is safe for concurrent use.
type Engine struct {
	wt    WorkingTime
	now   func() time.Time
	flows map[string]*Flow
}

// NewEngine returns an engine running flows, each checked (Flow.Validate), with
// the clock now (time.Now when nil).
func NewEngine(wt WorkingTime, now func() time.Time, flows ...Flow) (*Engine, error) {
	if wt == nil {
		return nil, errors.New("workflow: no working-time calendar")
	}
	if now == nil {
		now = time.Now
	}
	e := &Engine{wt: wt, now: now, flows: make(map[string]*Flow, len(flows))}
	for _, f := range flows {
		if err := f.Validate(); err != nil {
			return nil, err
		}
		if _, dup := e.flows[f.Name]; dup {
			return nil, fmt.Errorf("workflow: flow %q given twice", f.Name)
		}
		e.flows[f.Name] = &f
	}
	return e, nil
}

// Flow returns the named flow, for pages that show its states and steps.
func (e *Engine) Flow(name string) (Flow, bool) {
	f, ok := e.flows[name]
	if !ok {
		return Flow{}, false
	}
	return *f, true
}

// The audit actions the engine records. The object is the subject, kind:id
// ("case:<id>"), as the auditor looks for it; the reason tells the flow and step.
const (
	ActStart      = audit.ActWorkflowStart
	ActTransition = audit.ActWorkflowTransition
)

// Text limits, in characters.
const (
	maxNote   = 2000
	maxReason = 500
	maxResult = 2000
)

// StartInput is what a domain gives to start an instance for its subject.
type StartInput struct {
	Flow        string
	SubjectKind string // "case"
	SubjectID   string
	// OrgCode is the place: the lowest unit the subject belongs to (the grid a
	// case happened in). It must lie in the starter's scope.
	OrgCode string
	// OwnerOrg is the unit that dispatches and verifies it: OrgCode or a unit
	// above it (the grid's community); "" is OrgCode.
	OwnerOrg   string
	HandlerOrg string // optional: a handling unit known from the start
	Category   string
	Note       string
}

// Start starts an instance of in.Flow at its initial state, with the first step's
// deadlines, records the start as the first action of its timeline and in the audit
// trail, all in tx.
//
// Errors: forbidden unless p's role may start the flow; invalid, naming the field,
// for a place outside p's scope, an owner that is not the place or above it, a
// handler that is not a unit code, a note too long; conflict if the subject
// already has an instance of the flow.
func (e *Engine) Start(ctx context.Context, tx *sql.Tx, p auth.Principal, in StartInput) (Instance, error) {
	f, ok := e.flows[in.Flow]
	if !ok {
		return Instance{}, fmt.Errorf("workflow: no flow %q", in.Flow)
	}
	if in.SubjectKind == "" || in.SubjectID == "" {
		return Instance{}, errors.New("workflow: an instance needs its subject")
	}
	if !slices.Contains(f.StartRoles, p.Role) {
		return Instance{}, errForbidden()
	}
	if scope.LevelOf(in.OrgCode) == "" || !p.Scope().Contains(in.OrgCode) {
		return Instance{}, apperr.Invalidf("org_code", "workflow.place_outside_scope")
	}
	if in.OwnerOrg == "" {
		in.OwnerOrg = in.OrgCode
	}
	if scope.LevelOf(in.OwnerOrg) == "" || !scope.Of(in.OwnerOrg).Contains(in.OrgCode) {
		return Instance{}, apperr.Invalidf("owner_org", "workflow.owner_not_above")
	}
	if in.HandlerOrg != "" && scope.LevelOf(in.HandlerOrg) == "" {
		return Instance{}, apperr.Invalidf("handler_org", "workflow.handler")
	}
	in.Note = strings.TrimSpace(in.Note)
	if err := checkLength("note", in.Note, maxNote); err != nil {
		return Instance{}, err
	}
	now := e.now().UTC()
	i := Instance{ID: db.NewID(), Flow: f.Name, SubjectKind: in.SubjectKind, SubjectID: in.SubjectID, OrgCode: in.OrgCode,
		OwnerOrg: in.OwnerOrg, HandlerOrg: in.HandlerOrg, Category: in.Category, State: f.Initial, StarterID: p.UserID,
		Version: 1, CreatedAt: now}
	e.startStep(ctx, f, &i, now)
	if err := insertInstance(ctx, tx, i); err != nil {
		return Instance{}, err
	}
	a := newAction(p, i, StartTransition, "", now, TakeInput{Note: in.Note})
	if err := insertAction(ctx, tx, a); err != nil {
		return Instance{}, err
	}
	entry := audit.Of(p, now, ActStart, i.SubjectKind+":"+i.SubjectID)
	entry.Reason = describe(f.Name, StartTransition, "", i.State, i, TakeInput{})
	return i, audit.Record(ctx, tx, entry)
}

// TakeInput is what the user gives with a transition. Which fields are required
// follows from the transition: its Requires, its Results, and its Effect
// (HandlerOrg for AssignHandler, Category for Recategorise, Days for Extend).
type TakeInput struct {
	Transition string
	Note       string
	Reason     string
	Result     string
	Photos     int // how many photos the domain stored with the action
	HandlerOrg string
	Category   string
	Days       int // working days of an extension
}

// Take takes a transition on instance id, which the caller saw at version ifMatch
// (its ETag; 0 when the request named none), and writes the instance, the action
// and the audit record in tx.
//
// Errors: invalid for a transition the flow does not have, or a required input
// missing or wrong, naming the field; precondition required when ifMatch is 0;
// not found outside p's scope (as an audit.OutOfScope); precondition failed when
// the instance has moved past ifMatch, before or during the call; conflict for a
// transition not allowed from the current state, naming the steps p may take
// now, or one whose time window has closed; forbidden when p's role, or the unit
// p acts for, may not take it. A refusal writes nothing; the caller records it once
// its transaction has rolled back, as every service does: audit.RecordOutOfScope
// for the not found, audit.Refused for the forbidden.
func (e *Engine) Take(ctx context.Context, tx *sql.Tx, p auth.Principal, id string, ifMatch int, in TakeInput) (Instance, error) {
	if ifMatch == 0 {
		return Instance{}, apperr.New(apperr.PreconditionRequired, "workflow.version_required", "")
	}
	i, err := Get(ctx, tx, p.Scope(), id)
	if err != nil {
		return Instance{}, err
	}
	f, ok := e.flows[i.Flow]
	if !ok {
		return Instance{}, fmt.Errorf("workflow: instance %s runs flow %q, which the engine was not given", i.ID, i.Flow)
	}
	t, ok := f.transition(in.Transition)
	if !ok {
		return Instance{}, apperr.Invalidf("transition", "workflow.unknown_transition")
	}
	if i.Version != ifMatch {
		return Instance{}, errStale()
	}
	now := e.now().UTC()
	if !slices.Contains(t.From, i.State) {
		return Instance{}, e.notAllowed(f, p, i, now)
	}
	if !mayAct(p, i, t) {
		return Instance{}, errForbidden()
	}
	if !withinWindow(t, i, now) {
		return Instance{}, apperr.New(apperr.Conflict, "workflow.window_closed", "transition").With("days", t.WithinDays)
	}
	if err := requireInput(f.Name, t, &in); err != nil {
		return Instance{}, err
	}
	was := i
	if err := e.apply(ctx, f, t, &i, in, now); err != nil {
		return Instance{}, err
	}
	ok, err = updateInstance(ctx, tx, i, was)
	if err != nil {
		return Instance{}, err
	}
	if !ok {
		return Instance{}, errStale()
	}
	if err := insertAction(ctx, tx, newAction(p, i, t.Name, was.State, now, in)); err != nil {
		return Instance{}, err
	}
	entry := audit.Of(p, now, ActTransition, i.SubjectKind+":"+i.SubjectID)
	entry.Reason = describe(f.Name, t.Name, was.State, i.State, i, in)
	return i, audit.Record(ctx, tx, entry)
}

// Allowed returns the transitions p may take on i now, in the flow's order: those
// from its state that p's role and unit may take and whose window is open. Pages
// show them as buttons; what each requires is in the Transition.
func (e *Engine) Allowed(p auth.Principal, i Instance) []Transition {
	f, ok := e.flows[i.Flow]
	if !ok {
		return nil
	}
	now := e.now()
	var out []Transition
	for _, t := range f.Transitions {
		if slices.Contains(t.From, i.State) && mayAct(p, i, t) && withinWindow(t, i, now) {
			out = append(out, t)
		}
	}
	return out
}

// notAllowed is the refusal of a transition that does not leave i's state: a
// conflict naming the steps p may take instead, as message keys
// "workflow.step.<flow>.<transition>" label them.
func (e *Engine) notAllowed(f *Flow, p auth.Principal, i Instance, now time.Time) error {
	var names []string
	for _, t := range f.Transitions {
		if slices.Contains(t.From, i.State) && mayAct(p, i, t) && withinWindow(t, i, now) {
			names = append(names, f.Name+"."+t.Name)
		}
	}
	state := f.Name + "." + i.State
	if len(names) == 0 {
		return apperr.New(apperr.Conflict, "workflow.not_allowed_none", "transition").With("state", state)
	}
	return apperr.New(apperr.Conflict, "workflow.not_allowed", "transition").With("state", state).With("allowed", names)
}

// mayAct reports whether p's role is one of t's and p is one of its actors on i.
func mayAct(p auth.Principal, i Instance, t Transition) bool {
	if !slices.Contains(t.Roles, p.Role) {
		return false
	}
	for _, a := range t.Actors {
		switch a {
		case Owner:
			if p.OrgCode == i.OwnerOrg {
				return true
			}
		case Handler:
			if i.HandlerOrg != "" && p.OrgCode == i.HandlerOrg {
				return true
			}
		case Above:
			if p.OrgCode != i.OwnerOrg && p.Scope().Contains(i.OwnerOrg) {
				return true
			}
		case Starter:
			if p.UserID != "" && p.UserID == i.StarterID {
				return true
			}
		case Place:
			if p.Scope().Contains(i.OrgCode) {
				return true
			}
		}
	}
	return false
}

// withinWindow reports whether t's window, counted from when i entered its state,
// is still open at now.
func withinWindow(t Transition, i Instance, now time.Time) bool {
	return t.WithinDays == 0 || now.Before(i.StepStartedAt.AddDate(0, 0, t.WithinDays))
}

// requireInput checks what the user gave against what t requires, trimming the
// text, and names the first field at fault.
func requireInput(flow string, t Transition, in *TakeInput) error {
	in.Note, in.Reason, in.Result = strings.TrimSpace(in.Note), strings.TrimSpace(in.Reason), strings.TrimSpace(in.Result)
	in.HandlerOrg, in.Category = strings.TrimSpace(in.HandlerOrg), strings.TrimSpace(in.Category)
	for _, c := range []struct {
		field, value string
		required     bool
		max          int
	}{
		{"note", in.Note, t.Requires.Note, maxNote},
		{"reason", in.Reason, t.Requires.Reason, maxReason},
		{"result", in.Result, t.Requires.Result || len(t.Results) > 0, maxResult},
	} {
		if c.required && c.value == "" {
			return apperr.Invalidf(c.field, "required")
		}
		if err := checkLength(c.field, c.value, c.max); err != nil {
			return err
		}
	}
	if len(t.Results) > 0 && !slices.Contains(t.Results, in.Result) {
		allowed := make([]string, len(t.Results))
		for k, r := range t.Results {
			allowed[k] = flow + "." + r
		}
		return apperr.Invalidf("result", "workflow.result").With("allowed", allowed)
	}
	if in.Photos < 0 || (t.Requires.Photos && in.Photos == 0) {
		return apperr.Invalidf("photos", "workflow.photos")
	}
	switch t.Effect {
	case AssignHandler:
		if scope.LevelOf(in.HandlerOrg) == "" {
			return apperr.Invalidf("handler_org", "workflow.handler")
		}
	case Recategorise:
		if in.Category == "" {
			return apperr.Invalidf("category", "required")
		}
	case Extend:
		if in.Days < 1 {
			return apperr.Invalidf("days", "workflow.days")
		}
	}
	return nil
}

func checkLength(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return apperr.Invalidf(field, "too_long").With("max", max)
	}
	return nil
}

// apply moves i along t: its effect, its state, and the step's clock.
func (e *Engine) apply(ctx context.Context, f *Flow, t Transition, i *Instance, in TakeInput, now time.Time) error {
	switch t.Effect {
	case AssignHandler:
		i.HandlerOrg = in.HandlerOrg
	case Escalate:
		up := scope.ParentCode(i.OwnerOrg)
		if up == "" {
			return apperr.New(apperr.Conflict, "workflow.no_level_above", "transition")
		}
		i.OwnerOrg = up
	case Recategorise:
		i.Category = in.Category
	}
	from := i.State
	if t.To != "" {
		i.State = t.To
	}
	i.Version++
	restart := t.Clock == Restart || (t.Clock == ClockDefault && i.State != from)
	switch {
	case restart:
		e.startStep(ctx, f, i, now)
	case t.Effect == Recategorise:
		e.countStep(ctx, f, i)
	}
	if t.Effect == Extend {
		e.extend(ctx, i, in.Days)
	}
	// An instance closes when it enters a final state from an open one, and keeps
	// that time while it moves between final states (closed, then rated).
	if st, _ := f.state(i.State); !st.Final {
		i.ClosedAt = time.Time{}
	} else if i.ClosedAt.IsZero() {
		i.ClosedAt = now
	}
	return nil
}

// startStep starts the clock of i's current step at now.
func (e *Engine) startStep(ctx context.Context, f *Flow, i *Instance, now time.Time) {
	i.StepStartedAt = now
	e.countStep(ctx, f, i)
}

// countStep sets the deadlines of i's current step from when it started and the
// limit of its state for its category; a final state has none. If the calendar
// cannot count them, the step has none and i carries the warning.
func (e *Engine) countStep(ctx context.Context, f *Flow, i *Instance) {
	i.YellowAt, i.RedAt, i.DeadlineWarning = time.Time{}, time.Time{}, false
	st, _ := f.state(i.State)
	l := f.limit(i.State, i.Category)
	if st.Final || l == (Limit{}) {
		return
	}
	yellow, err := e.add(i.StepStartedAt, l.Yellow, l.Unit)
	if err == nil {
		var red time.Time
		if red, err = e.add(i.StepStartedAt, l.Red, l.Unit); err == nil {
			i.YellowAt, i.RedAt = yellow, red
			return
		}
	}
	e.warn(ctx, i, err)
}

// extend moves i's deadlines out by days working days, each from where it was.
func (e *Engine) extend(ctx context.Context, i *Instance, days int) {
	if i.YellowAt.IsZero() || i.RedAt.IsZero() {
		return
	}
	yellow, err := e.wt.AddWorkingDays(i.YellowAt, days)
	if err == nil {
		var red time.Time
		if red, err = e.wt.AddWorkingDays(i.RedAt, days); err == nil {
			i.YellowAt, i.RedAt = yellow.UTC(), red.UTC()
			return
		}
	}
	i.YellowAt, i.RedAt = time.Time{}, time.Time{}
	e.warn(ctx, i, err)
}

// warn leaves i without deadlines, flagged, and tells the log why, so that the
// administrator adds the calendar's missing year.
func (e *Engine) warn(ctx context.Context, i *Instance, err error) {
	i.YellowAt, i.RedAt, i.DeadlineWarning = time.Time{}, time.Time{}, true
	web.Logger(ctx).WarnContext(ctx, "workflow: a step has no deadline, as the calendar cannot count it",
		"flow", i.Flow, "instance", i.ID, "state", i.State, "err", err)
}

// add counts n units of working (or calendar) time from from.
func (e *Engine) add(from time.Time, n int, u Unit) (time.Time, error) {
	var t time.Time
	var err error
	switch u {
	case WorkDays:
		t, err = e.wt.AddWorkingDays(from, n)
	case WorkHours:
		t, err = e.wt.AddWorkingHours(from, n)
	default:
		t = from.AddDate(0, 0, n)
	}
	return t.UTC(), err
}

func newAction(p auth.Principal, i Instance, transition, from string, now time.Time, in TakeInput) Action {
	return Action{InstanceID: i.ID, Seq: i.Version, Transition: transition, From: from, To: i.State,
		ActorID: p.UserID, ActorName: p.Name, ActorRole: string(p.Role), ActorOrg: p.OrgCode, At: now,
		Note: in.Note, Reason: in.Reason, Result: in.Result, Photos: in.Photos, Days: in.Days,
		OwnerOrg: i.OwnerOrg, HandlerOrg: i.HandlerOrg, Category: i.Category}
}

// describe is the audit record's reason for a step: the flow, the step, the states,
// the units and category after it, and what the user gave that an auditor weighs.
func describe(flow, transition, from, to string, i Instance, in TakeInput) string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow:%s step:%s from:%s to:%s owner:%s", flow, transition, from, to, i.OwnerOrg)
	if i.HandlerOrg != "" {
		b.WriteString(" handler:" + i.HandlerOrg)
	}
	if i.Category != "" {
		b.WriteString(" category:" + i.Category)
	}
	if in.Days != 0 {
		b.WriteString(" days:" + strconv.Itoa(in.Days))
	}
	if in.Result != "" {
		b.WriteString(" result:" + in.Result)
	}
	if in.Reason != "" {
		b.WriteString(" reason:" + in.Reason)
	}
	return b.String()
}

func errForbidden() error { return apperr.New(apperr.Forbidden, "workflow.forbidden", "transition") }

func errStale() error { return apperr.New(apperr.PreconditionFailed, "workflow.stale", "") }
