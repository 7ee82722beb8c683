package workflow

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Instance is one thing moving through a flow: a case, an application. Version
// counts its actions and is its ETag: a change names the version it was decided on.
type Instance struct {
	ID          string `json:"id"`
	Flow        string `json:"flow"`
	SubjectKind string `json:"subject_kind"` // the domain's kind of thing: "case"
	SubjectID   string `json:"subject_id"`
	// OrgCode is its place, the lowest unit it belongs to: who may see it follows.
	OrgCode    string `json:"org_code"`
	OwnerOrg   string `json:"owner_org"`             // the unit that dispatches and verifies it
	HandlerOrg string `json:"handler_org,omitempty"` // the unit assigned to act on it, once there is one
	Category   string `json:"category,omitempty"`
	State      string `json:"state"`
	StarterID  string `json:"starter_id"`
	Version    int    `json:"version"`
	// StepStartedAt is when the clock of the current step started.
	StepStartedAt time.Time `json:"step_started_at"`
	// YellowAt and RedAt are the step's deadlines, zero when it has none.
	YellowAt time.Time `json:"yellow_at,omitzero"`
	RedAt    time.Time `json:"red_at,omitzero"`
	// DeadlineWarning says the step has a limit but no deadline, because the
	// calendar could not count it (a year it does not have): the page says so
	// instead of showing a date guessed from weekdays.
	DeadlineWarning bool      `json:"deadline_warning,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	ClosedAt        time.Time `json:"closed_at,omitzero"`
}

// Closed reports whether the instance is in a final state.
func (i Instance) Closed() bool { return !i.ClosedAt.IsZero() }

// Flag is where an open instance stands against its step's deadlines.
type Flag string

// The flags, from calm to late. The supervision board lists each apart.
const (
	OnTime  Flag = ""         // no deadline near, or none at all
	DueSoon Flag = "due_soon" // the yellow deadline falls within the horizon the board is given
	Yellow  Flag = "yellow"   // 黄牌: past the first limit
	Red     Flag = "red"      // 红牌: past the second
)

// Flag returns where the instance stands at now: red, yellow, due soon (its yellow
// deadline within soon of now) or on time. A closed instance is on time.
func (i Instance) Flag(now time.Time, soon time.Duration) Flag {
	switch {
	case i.Closed():
		return OnTime
	case !i.RedAt.IsZero() && !now.Before(i.RedAt):
		return Red
	case !i.YellowAt.IsZero() && !now.Before(i.YellowAt):
		return Yellow
	case !i.YellowAt.IsZero() && !now.Add(soon).Before(i.YellowAt):
		return DueSoon
	}
	return OnTime
}

// Action is one entry of an instance's timeline: who took which transition when,
// from which state to which, with what they gave, and the instance's units and
// category after it, so that a reassignment or a new category keeps the old one.
type Action struct {
	InstanceID string    `json:"instance_id"`
	Seq        int       `json:"seq"` // the instance's version after the action: with InstanceID, its key
	Transition string    `json:"transition"`
	From       string    `json:"from"` // "" for the start
	To         string    `json:"to"`
	ActorID    string    `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	ActorRole  string    `json:"actor_role"`
	ActorOrg   string    `json:"actor_org"`
	At         time.Time `json:"at"`
	Note       string    `json:"note,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Result     string    `json:"result,omitempty"`
	Photos     int       `json:"photos,omitempty"`
	Days       int       `json:"days,omitempty"`
	OwnerOrg   string    `json:"owner_org"`
	HandlerOrg string    `json:"handler_org,omitempty"`
	Category   string    `json:"category,omitempty"`
}

// StartTransition names the first action of every timeline, the one that started it.
const StartTransition = "start"

const instanceColumns = `id, flow, subject_kind, subject_id, org_code, owner_org, handler_org, category, state, starter_id,
	version, step_started_at, yellow_at, red_at, deadline_warning, created_at, closed_at`

// InstanceColumns lists an instance's columns qualified by a table alias, for a
// domain that reads its own rows joined to their instances in one query; it
// scans them with ScanInstance.
func InstanceColumns(alias string) string {
	cols := strings.Split(instanceColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// ScanInstance reads an instance from the columns InstanceColumns lists, then the
// domain's own columns into more.
func ScanInstance(row interface{ Scan(...any) error }, more ...any) (Instance, error) {
	return scanInstance(row, more...)
}

func scanInstance(row interface{ Scan(...any) error }, more ...any) (Instance, error) {
	var i Instance
	var started, created int64
	var yellow, red, closed sql.NullInt64
	var warning int
	err := row.Scan(append([]any{&i.ID, &i.Flow, &i.SubjectKind, &i.SubjectID, &i.OrgCode, &i.OwnerOrg, &i.HandlerOrg, &i.Category,
		&i.State, &i.StarterID, &i.Version, &started, &yellow, &red, &warning, &created, &closed}, more...)...)
	i.StepStartedAt, i.CreatedAt = fromMillis(started), fromMillis(created)
	i.YellowAt, i.RedAt, i.ClosedAt = fromNull(yellow), fromNull(red), fromNull(closed)
	i.DeadlineWarning = warning != 0
	return i, err
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func fromNull(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}

// millis is an instant for the database: NULL for none.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// visible is the condition that an instance is in sc: its place, its owner or its
// handler lies in it. A district department handling a community's case sees it
// though the community is not its own. Its placeholders are $n and $n+1; prefix
// qualifies the columns ("i.").
func visible(sc scope.Scope, prefix string, n int) (string, []any) {
	place, args := sc.Where(prefix+"org_code", n)
	owner, _ := sc.Where(prefix+"owner_org", n)
	handler, _ := sc.Where(prefix+"handler_org", n)
	return "((" + place + ") OR (" + owner + ") OR (" + handler + "))", args
}

func errNotFound() error { return apperr.New(apperr.NotFound, "workflow.not_found", "") }

// Get returns an instance by id. One outside sc is not found, as an
// audit.OutOfScope.
func Get(ctx context.Context, q db.Querier, sc scope.Scope, id string) (Instance, error) {
	w, args := visible(sc, "", 2)
	i, err := scanInstance(q.QueryRowContext(ctx, `SELECT `+instanceColumns+` FROM workflow_instances WHERE id = $1 AND `+w,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Instance{}, audit.NotFound(ctx, q, "workflow_instances", "workflow", id, errNotFound())
	}
	return i, err
}

// GetBySubject returns the instance of flow that moves the domain's subject
// kind:id (the case's own instance). One outside sc is not found.
func GetBySubject(ctx context.Context, q db.Querier, sc scope.Scope, flow, kind, id string) (Instance, error) {
	w, args := visible(sc, "", 4)
	i, err := scanInstance(q.QueryRowContext(ctx, `SELECT `+instanceColumns+` FROM workflow_instances
		WHERE flow = $1 AND subject_kind = $2 AND subject_id = $3 AND `+w, append([]any{flow, kind, id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Instance{}, errNotFound()
	}
	return i, err
}

const actionColumns = `a.instance_id, a.seq, a.transition, a.from_state, a.to_state, a.actor_id, a.actor_name, a.actor_role,
	a.actor_org, a.at, a.note, a.reason, a.result, a.photos, a.days, a.owner_org, a.handler_org, a.category`

// Timeline returns every action of an instance, oldest first, in one statement. An
// instance outside sc is not found, as an audit.OutOfScope.
func Timeline(ctx context.Context, q db.Querier, sc scope.Scope, id string) ([]Action, error) {
	w, args := visible(sc, "i.", 2)
	rows, err := q.QueryContext(ctx, `SELECT `+actionColumns+` FROM workflow_actions a
		JOIN workflow_instances i ON i.id = a.instance_id WHERE a.instance_id = $1 AND `+w+` ORDER BY a.seq`,
		append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Action{}
	for rows.Next() {
		var a Action
		var at int64
		if err := rows.Scan(&a.InstanceID, &a.Seq, &a.Transition, &a.From, &a.To, &a.ActorID, &a.ActorName, &a.ActorRole,
			&a.ActorOrg, &at, &a.Note, &a.Reason, &a.Result, &a.Photos, &a.Days, &a.OwnerOrg, &a.HandlerOrg, &a.Category); err != nil {
			return nil, err
		}
		a.At = fromMillis(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// Every instance has its start action: none means none in sc.
		return nil, audit.NotFound(ctx, q, "workflow_instances", "workflow", id, errNotFound())
	}
	return out, nil
}

// LatestNotes returns, for each of the instances ids that lies in sc, the words
// of its latest action that left any: the result, or else the reason. A list of
// instances gets its notes in one statement (Open311's request list shows each
// request's latest note), not one timeline each.
func LatestNotes(ctx context.Context, q db.Querier, sc scope.Scope, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	w, args := visible(sc, "i.", 1)
	ph := make([]string, len(ids))
	for k, id := range ids {
		args = append(args, id)
		ph[k] = "$" + strconv.Itoa(len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT a.instance_id, a.result, a.reason FROM workflow_actions a
		JOIN workflow_instances i ON i.id = a.instance_id
		WHERE a.instance_id IN (`+strings.Join(ph, ", ")+`) AND (a.result <> '' OR a.reason <> '') AND `+w+`
		ORDER BY a.instance_id, a.seq DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, result, reason string
		if err := rows.Scan(&id, &result, &reason); err != nil {
			return nil, err
		}
		if _, seen := out[id]; seen {
			continue
		}
		out[id] = result
		if result == "" {
			out[id] = reason
		}
	}
	return out, rows.Err()
}

// insertInstance adds a new instance.
func insertInstance(ctx context.Context, q db.Querier, i Instance) error {
	_, err := q.ExecContext(ctx, `INSERT INTO workflow_instances (`+instanceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		i.ID, i.Flow, i.SubjectKind, i.SubjectID, i.OrgCode, i.OwnerOrg, i.HandlerOrg, i.Category, i.State, i.StarterID,
		i.Version, i.StepStartedAt.UnixMilli(), millis(i.YellowAt), millis(i.RedAt), boolInt(i.DeadlineWarning),
		i.CreatedAt.UnixMilli(), millis(i.ClosedAt))
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "workflow.already_started", "")
	}
	return err
}

// updateInstance writes i over the row at version was, was being the row as it
// was read, and reports false if the row is no longer at that version: someone
// else's step came first. On PostgreSQL the UPDATE waits for that step to commit
// and then finds the version moved. It sets only the columns that changed, so that
// a step that leaves the state and the clock alone (督办) rewrites no index: SQLite
// rewrites every index on a column it is told to set, and PostgreSQL updates the row
// in place (HOT) only when no indexed value changes. The texts vary with the set of
// changed columns, a few dozen at most, each prepared once.
func updateInstance(ctx context.Context, q db.Querier, i, was Instance) (bool, error) {
	set := "version = $1"
	args := []any{i.Version}
	add := func(column string, v any) {
		args = append(args, v)
		set += ", " + column + " = $" + strconv.Itoa(len(args))
	}
	if i.OwnerOrg != was.OwnerOrg {
		add("owner_org", i.OwnerOrg)
	}
	if i.HandlerOrg != was.HandlerOrg {
		add("handler_org", i.HandlerOrg)
	}
	if i.Category != was.Category {
		add("category", i.Category)
	}
	if i.State != was.State {
		add("state", i.State)
	}
	if !i.StepStartedAt.Equal(was.StepStartedAt) || !i.YellowAt.Equal(was.YellowAt) || !i.RedAt.Equal(was.RedAt) ||
		i.DeadlineWarning != was.DeadlineWarning {
		add("step_started_at", i.StepStartedAt.UnixMilli())
		add("yellow_at", millis(i.YellowAt))
		add("red_at", millis(i.RedAt))
		add("deadline_warning", boolInt(i.DeadlineWarning))
	}
	if !i.ClosedAt.Equal(was.ClosedAt) {
		add("closed_at", millis(i.ClosedAt))
	}
	args = append(args, i.ID, was.Version)
	res, err := q.ExecContext(ctx, `UPDATE workflow_instances SET `+set+` WHERE id = $`+strconv.Itoa(len(args)-1)+
		` AND version = $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// insertAction appends an action to its instance's timeline.
func insertAction(ctx context.Context, q db.Querier, a Action) error {
	_, err := q.ExecContext(ctx, `INSERT INTO workflow_actions (instance_id, seq, transition, from_state, to_state, actor_id,
		actor_name, actor_role, actor_org, at, note, reason, result, photos, days, owner_org, handler_org, category)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		a.InstanceID, a.Seq, a.Transition, a.From, a.To, a.ActorID, a.ActorName, a.ActorRole, a.ActorOrg, a.At.UnixMilli(),
		a.Note, a.Reason, a.Result, a.Photos, a.Days, a.OwnerOrg, a.HandlerOrg, a.Category)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BoardFilter selects a page of the supervision board (督办台).
type BoardFilter struct {
	Flow string
	// Unit narrows the board to a grid, community, street or district in the
	// caller's scope; "" is the whole scope.
	Unit string
	// Show picks the list: OnTime ("") every open instance, oldest first; DueSoon
	// those whose yellow deadline falls within Soon; Yellow those past it and not
	// yet red; Red those past the red one. Each but the first is ordered by its
	// deadline, the longest overdue first.
	Show Flag
	Soon time.Duration
	// Limit is the page size; After, the Next of the page before ("" for the first).
	Limit int
	After string
}

// Board returns a page of the open instances of a flow whose place lies in sc (and
// under f.Unit) that f.Show selects, and the key of the next page, "" after the
// last. Only open instances are indexed for it, so a city's history of closed
// cases does not slow it: each list is one range of a partial index on
// (flow, org_code, deadline) where closed_at IS NULL, and is sorted after.
func Board(ctx context.Context, q db.Querier, sc scope.Scope, now time.Time, f BoardFilter) ([]Instance, string, error) {
	if f.Unit != "" {
		if !sc.Contains(f.Unit) {
			return []Instance{}, "", nil
		}
		sc = scope.Of(f.Unit)
	}
	w, args := sc.Where("org_code", 2)
	args = append([]any{f.Flow}, args...)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var cond, key string
	switch f.Show {
	case Red:
		key = "red_at"
		cond = "red_at <= " + arg(now.UnixMilli())
	case Yellow:
		key = "yellow_at"
		n := arg(now.UnixMilli())
		cond = "yellow_at <= " + n + " AND (red_at IS NULL OR red_at > " + n + ")"
	case DueSoon:
		key = "yellow_at"
		cond = "yellow_at > " + arg(now.UnixMilli()) + " AND yellow_at <= " + arg(now.Add(f.Soon).UnixMilli())
	default:
		key, cond = "created_at", "1 = 1"
	}
	if f.After != "" {
		at, id, err := parseCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		a := arg(at)
		cond += " AND (" + key + " > " + a + " OR (" + key + " = " + a + " AND id > " + arg(id) + "))"
	}
	limit := max(f.Limit, 1)
	// The page's ids are chosen from the index alone, and only its rows are read.
	query := `SELECT ` + instanceColumns + ` FROM workflow_instances WHERE id IN (SELECT id FROM workflow_instances
		WHERE flow = $1 AND ` + w + ` AND closed_at IS NULL AND ` + cond + ` ORDER BY ` + key + `, id LIMIT ` + arg(limit+1) + `)
		ORDER BY ` + key + `, id`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []Instance{}
	for rows.Next() {
		i, err := scanInstance(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		at := last.CreatedAt
		switch key {
		case "red_at":
			at = last.RedAt
		case "yellow_at":
			at = last.YellowAt
		}
		next = strconv.FormatInt(at.UnixMilli(), 10) + "." + last.ID
	}
	return out, next, nil
}

// parseCursor reads a board page key "<unix ms>.<id>".
func parseCursor(s string) (int64, string, error) {
	ms, id, ok := strings.Cut(s, ".")
	at, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", apperr.Invalidf("after", "workflow.bad_cursor")
	}
	return at, id, nil
}

// Counts are how many open instances each list of the board holds.
type Counts struct {
	Open    int `json:"open"`
	DueSoon int `json:"due_soon"`
	Yellow  int `json:"yellow"`
	Red     int `json:"red"`
}

// BoardCounts counts the board's lists at once, for its tabs and the navigation:
// one pass over the open instances under the unit, read from the index alone.
func BoardCounts(ctx context.Context, q db.Querier, sc scope.Scope, now time.Time, flow, unit string, soon time.Duration) (Counts, error) {
	if unit != "" {
		if !sc.Contains(unit) {
			return Counts{}, nil
		}
		sc = scope.Of(unit)
	}
	w, args := sc.Where("org_code", 2)
	var c Counts
	n, s := now.UnixMilli(), now.Add(soon).UnixMilli()
	err := q.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN yellow_at > $4 AND yellow_at <= $5 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN yellow_at <= $4 AND (red_at IS NULL OR red_at > $4) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN red_at <= $4 THEN 1 ELSE 0 END), 0)
		FROM workflow_instances WHERE flow = $1 AND `+w+` AND closed_at IS NULL`,
		append([]any{flow}, append(args, n, s)...)...).Scan(&c.Open, &c.DueSoon, &c.Yellow, &c.Red)
	return c, err
}
