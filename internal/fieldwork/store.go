package fieldwork

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
)

// e6 turns degrees into the micro-degrees the tables keep, as cases' do.
func e6(v float64) int64 { return int64(math.Round(v * 1e6)) }

// fromE6 turns micro-degrees back into degrees.
func fromE6(v int64) float64 { return float64(v) / 1e6 }

// gridContacts returns a grid's current contacts, by role and name, with their
// phones opened: residents who live in the grid now (registry ends a role when its
// resident moves away).
func gridContacts(ctx context.Context, q db.Querier, keys crypt.Keyring, grid string) ([]Contact, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.role, r.id, r.name, r.phone_sealed, c.answers_for, c.started_on
		FROM grid_contacts c JOIN residents r ON r.id = c.resident_id
		WHERE c.org_code = $1 AND r.org_code = c.org_code ORDER BY c.role, c.answers_for, r.name`, grid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		c := Contact{GridCode: grid}
		var phone []byte
		if err := rows.Scan(&c.ID, &c.Role, &c.ResidentID, &c.Name, &phone, &c.AnswersFor, &c.StartedOn); err != nil {
			return nil, err
		}
		if c.Phone, err = crypt.OpenPhone(keys, phone); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// residentGrid returns the grid a current resident lives in, "" for one who is not
// in the register or has left it.
func residentGrid(ctx context.Context, q db.Querier, residentID string) (string, error) {
	var grid string
	err := q.QueryRowContext(ctx, `SELECT org_code FROM residents WHERE id = $1 AND deregistered_on IS NULL`, residentID).Scan(&grid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return grid, err
}

func insertContact(ctx context.Context, tx *sql.Tx, id, grid string, in ContactInput) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO grid_contacts (id, org_code, resident_id, role, answers_for, started_on)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, grid, in.ResidentID, in.Role, in.AnswersFor, in.StartedOn)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "fieldwork.contact_held", "role")
	}
	return err
}

// contactOf returns a grid's current contact by id.
func contactOf(ctx context.Context, q db.Querier, grid, id string) (Contact, error) {
	c := Contact{ID: id, GridCode: grid}
	err := q.QueryRowContext(ctx, `SELECT role, resident_id, answers_for, started_on FROM grid_contacts WHERE id = $1 AND org_code = $2`,
		id, grid).Scan(&c.Role, &c.ResidentID, &c.AnswersFor, &c.StartedOn)
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, apperr.New(apperr.NotFound, "fieldwork.contact_not_found", "id")
	}
	return c, err
}

// endContact moves a contact role into grid_contact_history, ended at the instant
// given, as registry does when a resident moves away.
func endContact(ctx context.Context, tx *sql.Tx, id string, ended time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO grid_contact_history (id, org_code, resident_id, role, ended_at, answers_for, started_on)
		SELECT id, org_code, resident_id, role, $2, answers_for, started_on FROM grid_contacts WHERE id = $1`, id, ended.UnixMilli()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM grid_contacts WHERE id = $1`, id)
	return err
}

// patrolColumns and scanPatrol read a patrol's own row.
const patrolColumns = `p.id, p.org_code, COALESCE(o.name, ''), p.user_id, p.started_at, p.ended_at, p.route_notes, p.gps_consent
	FROM patrols p LEFT JOIN org_units o ON o.code = p.org_code `

func scanPatrol(row interface{ Scan(...any) error }) (Patrol, error) {
	var p Patrol
	var started int64
	var ended sql.NullInt64
	var consent int
	if err := row.Scan(&p.ID, &p.GridCode, &p.GridName, &p.UserID, &started, &ended, &p.RouteNotes, &consent); err != nil {
		return Patrol{}, err
	}
	p.StartedAt, p.GPSConsent = time.UnixMilli(started).UTC(), consent == 1
	if ended.Valid {
		t := time.UnixMilli(ended.Int64).UTC()
		p.EndedAt = &t
	}
	return p, nil
}

// getPatrol returns a patrol whose grid lies in [lo, hi): the caller's scope.
func getPatrol(ctx context.Context, q db.Querier, id string, where string, args []any) (Patrol, error) {
	p, err := scanPatrol(q.QueryRowContext(ctx, `SELECT `+patrolColumns+`WHERE p.id = $1 AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Patrol{}, apperr.New(apperr.NotFound, "fieldwork.patrol_not_found", "id")
	}
	return p, err
}

// openPatrolOf returns the patrol a user has under way, if any.
func openPatrolOf(ctx context.Context, q db.Querier, userID string) (Patrol, bool, error) {
	p, err := scanPatrol(q.QueryRowContext(ctx, `SELECT `+patrolColumns+`WHERE p.user_id = $1 AND p.ended_at IS NULL
		ORDER BY p.started_at DESC LIMIT 1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Patrol{}, false, nil
	}
	return p, err == nil, err
}

// recentPatrols returns a user's last patrols, the newest first.
func recentPatrols(ctx context.Context, q db.Querier, userID string, limit int) ([]Patrol, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+patrolColumns+`WHERE p.user_id = $1 ORDER BY p.started_at DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Patrol
	for rows.Next() {
		p, err := scanPatrol(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func insertPatrol(ctx context.Context, tx *sql.Tx, p Patrol) error {
	consent := 0
	if p.GPSConsent {
		consent = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO patrols (id, org_code, user_id, started_at, route_notes, gps_consent) VALUES ($1, $2, $3, $4, '', $5)`,
		p.ID, p.GridCode, p.UserID, p.StartedAt.UnixMilli(), consent)
	return err
}

func finishPatrol(ctx context.Context, tx *sql.Tx, id, notes string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE patrols SET ended_at = $2, route_notes = $3 WHERE id = $1`, id, at.UnixMilli(), notes)
	return err
}

// insertPoints appends points to a patrol's, numbered after those it has.
func insertPoints(ctx context.Context, tx *sql.Tx, patrolID string, ps []Point) error {
	var next int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM patrol_points WHERE patrol_id = $1`, patrolID).Scan(&next); err != nil {
		return err
	}
	for _, pt := range ps {
		next++
		outside := 0
		if pt.Outside {
			outside = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_points (patrol_id, seq, lat_e6, lng_e6, recorded_at, outside) VALUES ($1, $2, $3, $4, $5, $6)`,
			patrolID, next, e6(pt.Lat), e6(pt.Lng), pt.At.UnixMilli(), outside); err != nil {
			return err
		}
	}
	return nil
}

// patrolDetail adds a patrol's points and findings (with their cases' numbers).
func patrolDetail(ctx context.Context, q db.Querier, p *Patrol) error {
	rows, err := q.QueryContext(ctx, `SELECT lat_e6, lng_e6, recorded_at, outside FROM patrol_points WHERE patrol_id = $1 ORDER BY seq`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var lat, lng, at int64
		var outside int
		if err := rows.Scan(&lat, &lng, &at, &outside); err != nil {
			return err
		}
		p.Points = append(p.Points, Point{Lat: fromE6(lat), Lng: fromE6(lng), At: time.UnixMilli(at).UTC(), Outside: outside == 1})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	frows, err := q.QueryContext(ctx, `SELECT f.id, f.description, COALESCE(f.case_id, ''), COALESCE(c.no, ''), f.created_at
		FROM patrol_findings f LEFT JOIN cases c ON c.id = f.case_id WHERE f.patrol_id = $1 ORDER BY f.created_at, f.id`, p.ID)
	if err != nil {
		return err
	}
	defer frows.Close()
	for frows.Next() {
		var f Finding
		var at int64
		if err := frows.Scan(&f.ID, &f.Description, &f.CaseID, &f.CaseNo, &at); err != nil {
			return err
		}
		f.CreatedAt = time.UnixMilli(at).UTC()
		p.Findings = append(p.Findings, f)
	}
	return frows.Err()
}

func insertFinding(ctx context.Context, tx *sql.Tx, patrolID string, f Finding) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO patrol_findings (id, patrol_id, description, case_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		f.ID, patrolID, f.Description, nullable(f.CaseID), f.CreatedAt.UnixMilli())
	return err
}

// nullable is s, or NULL for "".
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func insertVisit(ctx context.Context, tx *sql.Tx, v Visit) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO visits (id, org_code, household_id, resident_id, visited_on, met, purpose, notes, follow_up_on, user_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		v.ID, v.GridCode, v.HouseholdID, nullable(v.ResidentID), v.VisitedOn, v.Met, v.Purpose, v.Notes, nullable(v.FollowUpOn), v.UserID, v.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}
	for _, n := range v.Needs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_needs (id, visit_id, description) VALUES ($1, $2, $3)`, n.ID, v.ID, n.Description); err != nil {
			return err
		}
	}
	return nil
}

// closeFollowUps marks done the follow-ups of a household's earlier visits that
// fall due by day: going back is itself a visit.
func closeFollowUps(ctx context.Context, tx *sql.Tx, householdID, except, day string) error {
	_, err := tx.ExecContext(ctx, `UPDATE visits SET follow_up_done = 1
		WHERE household_id = $1 AND id <> $2 AND follow_up_on IS NOT NULL AND follow_up_done = 0 AND follow_up_on <= $3`, householdID, except, day)
	return err
}

// visitColumns and scanVisit read a visit with its household's number and address.
const visitColumns = `v.id, v.org_code, v.household_id, h.household_no, h.address, COALESCE(v.resident_id, ''), v.visited_on, v.met,
	v.purpose, v.notes, COALESCE(v.follow_up_on, ''), v.follow_up_done, v.user_id, v.created_at
	FROM visits v JOIN households h ON h.id = v.household_id `

func scanVisit(row interface{ Scan(...any) error }) (Visit, error) {
	var v Visit
	var done int
	var at int64
	err := row.Scan(&v.ID, &v.GridCode, &v.HouseholdID, &v.HouseholdNo, &v.Address, &v.ResidentID, &v.VisitedOn, &v.Met,
		&v.Purpose, &v.Notes, &v.FollowUpOn, &done, &v.UserID, &at)
	v.FollowUpDone, v.CreatedAt = done == 1, time.UnixMilli(at).UTC()
	return v, err
}

func queryVisits(ctx context.Context, q db.Querier, where string, args ...any) ([]Visit, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+visitColumns+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Visit{}
	for rows.Next() {
		v, err := scanVisit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// getVisit returns a visit in scope (where, args) with its needs.
func getVisit(ctx context.Context, q db.Querier, id, where string, args []any) (Visit, error) {
	vs, err := queryVisits(ctx, q, `WHERE v.id = $1 AND `+where, append([]any{id}, args...)...)
	if err != nil {
		return Visit{}, err
	}
	if len(vs) == 0 {
		return Visit{}, apperr.New(apperr.NotFound, "fieldwork.visit_not_found", "id")
	}
	v := vs[0]
	rows, err := q.QueryContext(ctx, `SELECT n.id, n.description, COALESCE(n.case_id, ''), COALESCE(c.no, '')
		FROM visit_needs n LEFT JOIN cases c ON c.id = n.case_id WHERE n.visit_id = $1 ORDER BY n.id`, v.ID)
	if err != nil {
		return Visit{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var n Need
		if err := rows.Scan(&n.ID, &n.Description, &n.CaseID, &n.CaseNo); err != nil {
			return Visit{}, err
		}
		v.Needs = append(v.Needs, n)
	}
	return v, rows.Err()
}

// setNeedCase records the case a need became, unless it became one already.
func setNeedCase(ctx context.Context, tx *sql.Tx, needID, caseID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE visit_needs SET case_id = $2 WHERE id = $1 AND case_id IS NULL`, needID, caseID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// lastVisits lists a grid's current households in number order with the day each
// was last visited: one index probe of visits_household per household.
func lastVisits(ctx context.Context, q db.Querier, grid string) ([]HouseholdVisits, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.household_no, h.address, COALESCE(b.name, ''),
		COALESCE((SELECT MAX(v.visited_on) FROM visits v WHERE v.household_id = h.id), '')
		FROM households h LEFT JOIN buildings b ON b.id = h.building_id
		WHERE h.org_code = $1 AND h.dissolved_on IS NULL ORDER BY h.household_no`, grid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HouseholdVisits{}
	for rows.Next() {
		var h HouseholdVisits
		if err := rows.Scan(&h.ID, &h.No, &h.Address, &h.Building, &h.LastVisited); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// GridFigures is one grid's line of the community's view.
type GridFigures struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Households    int    `json:"households"`
	VisitsMonth   int    `json:"visits_this_month"`
	NeverVisited  int    `json:"never_visited"`
	PatrolsMonth  int    `json:"patrols_this_month"`
	ProposalsOpen int    `json:"proposals_waiting,omitempty"`
}

// gridFigures counts, for every grid of a community, its current households, the
// visits and patrols since the month began (from, a date, and fromAt, its first
// instant), and the households never visited.
func gridFigures(ctx context.Context, q db.Querier, community, from string, fromAt time.Time) ([]GridFigures, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.code, o.name,
		(SELECT COUNT(*) FROM households h WHERE h.org_code = o.code AND h.dissolved_on IS NULL),
		(SELECT COUNT(*) FROM visits v WHERE v.org_code = o.code AND v.visited_on >= $2),
		(SELECT COUNT(*) FROM households h WHERE h.org_code = o.code AND h.dissolved_on IS NULL
			AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id)),
		(SELECT COUNT(*) FROM patrols p WHERE p.org_code = o.code AND p.started_at >= $3)
		FROM org_units o WHERE o.parent_code = $1 AND o.level = 'grid' ORDER BY o.code`, community, from, fromAt.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []GridFigures{}
	for rows.Next() {
		var g GridFigures
		if err := rows.Scan(&g.Code, &g.Name, &g.Households, &g.VisitsMonth, &g.NeverVisited, &g.PatrolsMonth); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// readSetting returns a row of settings, "" when there is none.
func readSetting(ctx context.Context, q db.Querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}
