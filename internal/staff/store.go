package staff

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// Workers' ID numbers and phones are sealed in the database, with blind indexes to
// find them by (decision 6); the functions that read or write them take the keyring.

const workerColumns = `w.id, w.name, w.id_number_sealed, w.sex, w.birth_date, w.org_code, w.position, w.education, w.hired_on,
	w.certificates, w.phone_sealed`

// Current is the day to read the register as of for how it stands now: the last day
// a date can name. No date the register keeps lies in the future, so what holds on
// it is what has not ended, without asking the clock.
const Current = "9999-12-31"

// scanWorker reads a row of workerColumns, then extra, and opens the ID number and
// phone.
func scanWorker(keys crypt.Keyring, row interface{ Scan(...any) error }, extra ...any) (Worker, error) {
	var w Worker
	var id, phone []byte
	err := row.Scan(append([]any{&w.ID, &w.Name, &id, &w.Sex, &w.BirthDate, &w.CommunityCode, &w.Position, &w.Education, &w.HiredOn,
		&w.Certificates, &phone}, extra...)...)
	w.GridCodes = []string{}
	if err != nil {
		return w, err
	}
	w.named()
	if w.IDNumber, err = keys.Open(crypt.IDNumber, id); err != nil {
		return w, err
	}
	w.Phone, err = crypt.OpenPhone(keys, phone)
	return w, err
}

// held is the condition for the assignment g holding on the day bound to $n.
func held(g string, n int) string {
	d := "$" + strconv.Itoa(n)
	return g + ".assigned_on <= " + d + " AND (" + g + ".ended_on IS NULL OR " + g + ".ended_on > " + d + ")"
}

// visible is the condition for a worker being on the roster of the unit code, as a
// scope sees it on a day: hired by then by a community in both, or serving then a
// grid in both (a grid worker sees their own team). Its five placeholders start at
// n: the scope's range, the range of the unit asked about, then the day.
func visible(sc scope.Scope, code string, n int, day string) (string, []any) {
	w1, a1 := sc.Where("w.org_code", n)
	w2, a2 := scope.Of(code).Where("w.org_code", n+2)
	g1, _ := sc.Where("g.grid_code", n)
	g2, _ := scope.Of(code).Where("g.grid_code", n+2)
	return `((` + w1 + ` AND ` + w2 + ` AND w.hired_on <= $` + strconv.Itoa(n+4) + `) OR EXISTS (SELECT 1 FROM worker_grids g
		WHERE g.worker_id = w.id AND ` + g1 + ` AND ` + g2 + ` AND ` + held("g", n+4) + `))`,
		append(append(a1, a2...), day)
}

// Filter narrows and orders a roster. The zero Filter is the whole roster as it
// stands, in RosterSorting's default order.
type Filter struct {
	AsOf      string   // the day the roster is read as of, YYYY-MM-DD; "" is Current
	Name      string   // a piece of the name
	Position  string   // one of Positions, or "" for all
	Education string   // one of the report's groups (codes.EducationGroups), or "" for all
	Sex       string   // "M", "F", or "" for both
	Sort      web.Sort // from RosterSorting; the zero Sort is its default
}

// RosterSorting is the roster's whitelist of orders: by community then name (the
// default), by name, by position from the head of the community down, by hiring
// date, by education from the lowest group. Ties fall to the community and the name, and
// the id keeps a page the same each time it is read.
var RosterSorting = web.Sorting{Columns: web.SortColumns{
	"community": {"w.org_code", "w.name"},
	"name":      {"w.name"},
	"position":  {rank("w.position", Positions), "w.org_code", "w.name"},
	"hired_on":  {"w.hired_on", "w.org_code", "w.name"},
	"education": {rank(educationGroup(), codes.EducationGroups()), "w.org_code", "w.name"},
}, Default: "community"}

// orderBy is the ORDER BY of a roster sorted by sort; the zero Sort, of a caller
// that asks for none (an export), is the default order.
func orderBy(sort web.Sort) string {
	if sort.Key == "" {
		return "w.org_code, w.name, w.id"
	}
	return sort.OrderBy("w.id")
}

// educationGroup is a SQL expression for the report's group of a worker's
// education code, listing each code of the table with codes.EducationGroupOf's
// answer: the roster filters and sorts by group with the rule the statistics use.
var educationGroup = sync.OnceValue(func() string {
	var b strings.Builder
	b.WriteString("CASE w.education")
	for _, e := range codes.Education().Entries() {
		g, _ := codes.EducationGroupOf(e.Code)
		b.WriteString(" WHEN '" + e.Code + "' THEN '" + g + "'")
	}
	b.WriteString(" END")
	return b.String()
})

// rank is a SQL expression for the place of column's value in values.
func rank(column string, values []string) string {
	var b strings.Builder
	b.WriteString("CASE " + column)
	for i, v := range values {
		b.WriteString(" WHEN '" + v + "' THEN " + strconv.Itoa(i))
	}
	b.WriteString(" END")
	return b.String()
}

// likeEscape escapes s for a LIKE pattern whose escape character is \.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace

// asOf is the day to read the register as of: day, or Current for "".
func asOf(day string) string {
	if day == "" {
		return Current
	}
	return day
}

// narrowed is the condition and arguments for the workers of a roster that f keeps.
func narrowed(sc scope.Scope, code string, f Filter) (string, []any) {
	cond, args := visible(sc, code, 1, asOf(f.AsOf))
	return cond + ` AND ($6 = '' OR w.position = $6) AND ($7 = '' OR ` + educationGroup() + ` = $7) AND ($8 = '' OR w.sex = $8)
		AND w.name LIKE $9 ESCAPE '\'`,
		append(args, f.Position, f.Education, f.Sex, "%"+likeEscape(f.Name)+"%")
}

// Roster returns limit workers from offset of the roster of the unit code that sc
// sees (so asking about a unit above the caller's own yields the caller's scope),
// narrowed and ordered by f, each with the grids they served on f's day; and the
// number of workers f keeps in all. One statement counts, one reads the page.
func Roster(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, code string, f Filter, limit, offset int) ([]Worker, int, error) {
	cond, args := narrowed(sc, code, f)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM workers w WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := orderBy(f.Sort)
	rows, err := q.QueryContext(ctx, `SELECT `+workerColumns+`, g.grid_code
		FROM (SELECT `+workerColumns+` FROM workers w WHERE `+cond+` ORDER BY `+order+` LIMIT $10 OFFSET $11) w
		LEFT JOIN worker_grids g ON g.worker_id = w.id AND `+held("g", 5)+`
		ORDER BY `+order+`, g.grid_code`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Worker{}
	for rows.Next() {
		var grid sql.NullString
		w, err := scanWorker(keys, rows, &grid)
		if err != nil {
			return nil, 0, err
		}
		if n := len(out); n == 0 || out[n-1].ID != w.ID {
			out = append(out, w)
		}
		if grid.Valid {
			last := &out[len(out)-1]
			last.GridCodes = append(last.GridCodes, grid.String)
		}
	}
	return out, total, rows.Err()
}

// List returns the whole roster of the unit code that sc sees, as Roster does.
func List(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, code string, f Filter) ([]Worker, error) {
	ws, _, err := Roster(ctx, q, keys, sc, code, f, 1<<30, 0)
	return ws, err
}

// Profile is what the report counts a worker by; Education is the GB/T 4658 code.
type Profile struct {
	Sex, BirthDate, Education string
}

// Profiles returns the profiles of the roster of the unit code that sc sees on day
// ("" for Current),
// for its summary: a few hundred rows for a whole city, and nothing to open.
func Profiles(ctx context.Context, q db.Querier, sc scope.Scope, code, day string) ([]Profile, error) {
	cond, args := visible(sc, code, 1, asOf(day))
	rows, err := q.QueryContext(ctx, `SELECT w.sex, w.birth_date, w.education FROM workers w WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Profile
	for rows.Next() {
		var p Profile
		if err := rows.Scan(&p.Sex, &p.BirthDate, &p.Education); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Get returns one worker in scope with the grids they serve now; one outside the
// scope is not found, as an audit.OutOfScope.
func Get(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, id string) (Worker, error) {
	cond, args := visible(sc, "", 2, Current)
	wk, err := scanWorker(keys, q.QueryRowContext(ctx, `SELECT `+workerColumns+` FROM workers w WHERE w.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Worker{}, audit.NotFound(ctx, q, "workers", "worker", id, apperr.New(apperr.NotFound, "worker.not_found", "id"))
	}
	if err != nil {
		return Worker{}, err
	}
	history, err := Assignments(ctx, q, id)
	for _, a := range history {
		if a.Current() {
			wk.GridCodes = append(wk.GridCodes, a.GridCode)
		}
	}
	slices.Sort(wk.GridCodes)
	return wk, err
}

// GridWorkers returns the workers who served a grid in scope on day, by name.
func GridWorkers(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, grid, day string) ([]Worker, error) {
	out := []Worker{}
	if !sc.Contains(grid) {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+workerColumns+` FROM worker_grids g JOIN workers w ON w.id = g.worker_id
		WHERE g.grid_code = $1 AND `+held("g", 2)+` ORDER BY w.name, w.id`, grid, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		w, err := scanWorker(keys, rows)
		if err != nil {
			return nil, err
		}
		w.GridCodes = []string{grid}
		out = append(out, w)
	}
	return out, rows.Err()
}

// assignmentsWhere returns the assignments that cond (on worker_grids, with args)
// picks, oldest first.
func assignmentsWhere(ctx context.Context, q db.Querier, cond string, args ...any) ([]Assignment, error) {
	rows, err := q.QueryContext(ctx, `SELECT worker_id, grid_code, assigned_on, COALESCE(ended_on, '') FROM worker_grids
		WHERE `+cond+` ORDER BY assigned_on, grid_code, worker_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Assignment{}
	for rows.Next() {
		var a Assignment
		if err := rows.Scan(&a.WorkerID, &a.GridCode, &a.AssignedOn, &a.EndedOn); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Assignments returns a worker's assignments, past and present, oldest first.
func Assignments(ctx context.Context, q db.Querier, workerID string) ([]Assignment, error) {
	return assignmentsWhere(ctx, q, `worker_id = $1`, workerID)
}

// gridAssignments returns the assignments to grid of the workers other than except.
func gridAssignments(ctx context.Context, q db.Querier, grid, except string) ([]Assignment, error) {
	return assignmentsWhere(ctx, q, `grid_code = $1 AND worker_id <> $2`, grid, except)
}

// assign checks and adds the assignment of w to grid from day on; history is w's.
// The grid must be one of w's community.
func assign(ctx context.Context, q db.Querier, w Worker, grid, on string, history []Assignment) (Assignment, error) {
	u, err := org.Lookup(ctx, q, grid)
	if err != nil {
		return Assignment{}, err
	}
	if u == nil || u.Level != scope.Grid || u.ParentCode != w.CommunityCode {
		return Assignment{}, apperr.Invalidf("grid_code", "worker.grid").With("grid", grid)
	}
	others, err := gridAssignments(ctx, q, grid, w.ID)
	if err != nil {
		return Assignment{}, err
	}
	if err := checkAssign(w, grid, on, history, others); err != nil {
		return Assignment{}, err
	}
	a := Assignment{WorkerID: w.ID, GridCode: grid, AssignedOn: on}
	_, err = q.ExecContext(ctx, `INSERT INTO worker_grids (worker_id, grid_code, assigned_on) VALUES ($1, $2, $3)`, w.ID, grid, on)
	return a, err
}

// end ends a current assignment on day on. One ending on the day it began never
// held, and goes.
func end(ctx context.Context, q db.Querier, a Assignment, on string) (Assignment, error) {
	if on <= a.AssignedOn {
		_, err := q.ExecContext(ctx, `DELETE FROM worker_grids WHERE worker_id = $1 AND grid_code = $2 AND assigned_on = $3`,
			a.WorkerID, a.GridCode, a.AssignedOn)
		a.EndedOn = a.AssignedOn
		return a, err
	}
	a.EndedOn = on
	_, err := q.ExecContext(ctx, `UPDATE worker_grids SET ended_on = $4 WHERE worker_id = $1 AND grid_code = $2 AND assigned_on = $3`,
		a.WorkerID, a.GridCode, a.AssignedOn, on)
	return a, err
}

// IDByNumber returns the id of the worker with this ID number anywhere in the city,
// or "".
func IDByNumber(ctx context.Context, q db.Querier, keys crypt.Keyring, idNumber string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM workers WHERE id_number_bidx = $1`, keys.Index(crypt.IDNumber, idNumber)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// Put inserts or rewrites a worker, sealing the ID number and phone, and brings the
// grids they serve to w.GridCodes: a new worker serves them from the day they were
// hired; for a worker already kept, the change takes effect on the day of now —
// the assignments to grids no longer listed end, and new grids are assigned — and
// the hiring date may not move after an assignment began. Every grid must be one
// of w's community, with room in its team. A problem with the input is an Invalid
// error naming the field, found before anything is written.
func Put(ctx context.Context, q db.Querier, keys crypt.Keyring, w Worker, insert bool, now time.Time) error {
	on, history := w.HiredOn, []Assignment{}
	if !insert {
		var err error
		if history, err = Assignments(ctx, q, w.ID); err != nil {
			return err
		}
		on = dateOf(now)
		for _, a := range history {
			if a.AssignedOn < w.HiredOn {
				return apperr.Invalidf("hired_on", "worker.hired_after_assignment").With("grid", a.GridCode).With("date", a.AssignedOn)
			}
		}
	}
	current := map[string]Assignment{}
	for _, a := range history {
		if a.Current() {
			current[a.GridCode] = a
		}
	}
	for _, g := range w.GridCodes {
		u, err := org.Lookup(ctx, q, g)
		if err != nil {
			return err
		}
		if u == nil || u.Level != scope.Grid || u.ParentCode != w.CommunityCode {
			return apperr.Invalidf("grid_codes", "worker.grid").With("grid", g)
		}
		if _, ok := current[g]; ok {
			continue
		}
		others, err := gridAssignments(ctx, q, g, w.ID)
		if err != nil {
			return err
		}
		if err := checkAssign(w, g, on, history, others); err != nil {
			return err.InField("grid_codes")
		}
	}
	if !insert {
		if err := closeOrgPeriod(ctx, q, w.ID, w.CommunityCode, on); err != nil {
			return err
		}
	}
	if err := save(ctx, q, keys, w, insert, now); err != nil {
		return err
	}
	for g, a := range current {
		if !slices.Contains(w.GridCodes, g) {
			if _, err := end(ctx, q, a, on); err != nil {
				return err
			}
		}
	}
	for _, g := range w.GridCodes {
		if _, ok := current[g]; !ok {
			if _, err := q.ExecContext(ctx, `INSERT INTO worker_grids (worker_id, grid_code, assigned_on) VALUES ($1, $2, $3)`, w.ID, g, on); err != nil {
				return err
			}
		}
	}
	return nil
}

// save inserts or rewrites a worker's row, sealing the ID number and phone.
func save(ctx context.Context, q db.Querier, keys crypt.Keyring, w Worker, insert bool, now time.Time) error {
	p, err := crypt.SealPerson(keys, w.IDNumber, w.Phone)
	if err != nil {
		return err
	}
	if insert {
		_, err = q.ExecContext(ctx, `INSERT INTO workers (id, name, id_number_sealed, id_number_bidx, sex, birth_date, org_code, position,
			education, hired_on, certificates, phone_sealed, phone_bidx, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
			w.ID, w.Name, p.IDNumber, p.IDIndex, w.Sex, w.BirthDate, w.CommunityCode, w.Position, w.Education, w.HiredOn, w.Certificates,
			p.PhoneArg(), p.PhoneIndex, now.UnixMilli())
	} else {
		_, err = q.ExecContext(ctx, `UPDATE workers SET name = $2, id_number_sealed = $3, id_number_bidx = $4, sex = $5, birth_date = $6,
			org_code = $7, position = $8, education = $9, hired_on = $10, certificates = $11, phone_sealed = $12, phone_bidx = $13,
			updated_at = $14 WHERE id = $1`,
			w.ID, w.Name, p.IDNumber, p.IDIndex, w.Sex, w.BirthDate, w.CommunityCode, w.Position, w.Education, w.HiredOn, w.Certificates,
			p.PhoneArg(), p.PhoneIndex, now.UnixMilli())
	}
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "worker.id_taken", "id_number")
	}
	return err
}
