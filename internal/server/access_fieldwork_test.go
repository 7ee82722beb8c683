package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"shequ/internal/cases"
	"shequ/internal/fieldwork"
	"shequ/internal/org"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

// fieldwork returns grid work's service on the matrix's database.
func (m *matrix) fieldwork() *fieldwork.Service {
	m.t.Helper()
	cal, err := calendar.NewService(m.db, now, calendar.Settings{Zone: time.UTC})
	if err != nil {
		m.t.Fatal(err)
	}
	cs, err := cases.NewService(context.Background(), m.db, now, time.UTC, cal)
	if err != nil {
		m.t.Fatal(err)
	}
	return fieldwork.NewService(m.db, now, time.UTC, fieldwork.Deps{Org: org.NewService(m.db, now), Registry: registry.NewService(m.db, now, time.UTC),
		Staff: staff.NewService(m.db, now), Cases: cs}, fieldwork.Hooks{})
}

// visitTo records a visit to c's household by the system, its notes and its one
// need the fresh name, for a rule that reads the visit or reports the need.
func (m *matrix) visitTo(c cell) fieldwork.Visit {
	m.t.Helper()
	name := m.newName("走访")
	v, err := m.fieldwork().RecordVisit(context.Background(), auth.System(), fieldwork.VisitInput{HouseholdID: c.household, Purpose: "01",
		Notes: name, Needs: []string{name}}, nil)
	if err != nil {
		m.t.Fatalf("a visit in %s: %v", c.grid, err)
	}
	return v
}

// patrolOf starts a patrol of c's grid by c's user, its route notes the fresh
// name, with the user's consent to points; the user's other patrols end.
func (m *matrix) patrolOf(c cell) string {
	m.t.Helper()
	ctx, user := context.Background(), m.principals[c.user].UserID
	if _, err := m.db.Write().ExecContext(ctx, `UPDATE patrols SET ended_at = 1 WHERE user_id = $1 AND ended_at IS NULL`, user); err != nil {
		m.t.Fatal(err)
	}
	id := db.NewID()
	if _, err := m.db.Write().ExecContext(ctx, `INSERT INTO patrols (id, org_code, user_id, started_at, route_notes, gps_consent) VALUES ($1, $2, $3, $4, $5, 1)`,
		id, c.grid, user, now().UnixMilli(), m.newName("巡查")); err != nil {
		m.t.Fatal(err)
	}
	return id
}

// contactable takes c's resident off the role given in c's grid, so that a rule
// may make them that contact again.
func (m *matrix) contactable(c cell, role string) {
	m.t.Helper()
	if _, err := m.db.Write().ExecContext(context.Background(), `DELETE FROM grid_contacts WHERE resident_id = $1 AND role = $2`, c.resident, role); err != nil {
		m.t.Fatal(err)
	}
}

var (
	// visited: a visit with the fresh notes exists.
	visited = wroteWhere(`SELECT COUNT(*) FROM visits WHERE notes = $1`)
	// contactAdded: a contact answers for the fresh name.
	contactAdded = wroteWhere(`SELECT COUNT(*) FROM grid_contacts WHERE answers_for = $1`)
	// contactEnded: the contact answering for the fresh name is in the history.
	contactEnded = wroteWhere(`SELECT COUNT(*) FROM grid_contact_history WHERE answers_for = $1`)
	// needReported: a case has the fresh description.
	needReported = wroteWhere(`SELECT COUNT(*) FROM cases WHERE description = $1`)
	// found: the fresh patrol has a finding.
	found = wroteWhere(`SELECT COUNT(*) FROM patrol_findings f JOIN patrols p ON p.id = f.patrol_id WHERE p.route_notes = $1`)
	// patrolEnded: a patrol ended with the fresh notes.
	patrolEnded = wroteWhere(`SELECT COUNT(*) FROM patrols WHERE route_notes = $1 AND ended_at IS NOT NULL`)
	// pointsKept: the fresh patrol has points.
	pointsKept = wroteWhere(`SELECT COUNT(*) FROM patrol_points pp JOIN patrols p ON p.id = pp.patrol_id WHERE p.route_notes = $1`)
)

// patrolStarted reports whether the cell's user has a patrol under way.
func patrolStarted(t *testing.T, m *matrix, c cell) bool {
	return m.count(t, `SELECT COUNT(*) FROM patrols WHERE user_id = $1 AND ended_at IS NULL`, m.principals[c.user].UserID) > 0
}

// fieldworkRules are the rules of grid work's pages and API, added to accessRules.
func fieldworkRules() map[string]rule {
	read, write, keep := can(auth.ReadRegister), can(auth.WriteRegister), can(auth.WriteStaff)
	gridName := func(c cell) string { return c.gridName }
	householdNo := func(c cell) string { return c.householdNo }
	return map[string]rule{
		"GET /day":        {kind: "page", may: read, ask: func(*matrix, cell) request { return get("/day") }},
		"GET /api/v1/day": {kind: "self", may: read, ask: func(*matrix, cell) request { return get("/api/v1/day") }},
		"GET /grids/{code}": {kind: "page", targeted: true, may: read, shows: gridName,
			ask: func(_ *matrix, c cell) request { return get("/grids/" + c.grid) }},
		"GET /api/v1/grids/{code}/work": {kind: "page", targeted: true, may: read, shows: householdNo,
			ask: func(_ *matrix, c cell) request { return get("/api/v1/grids/" + c.grid + "/work") }},
		"POST /grids/{code}/team": {kind: "write", targeted: true, may: keep, wrote: assigned(false),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/grids/"+c.grid+"/team", url.Values{"worker_id": {m.assignable(c)}, "assigned_on": {"2020-01-01"}})
			}},
		"POST /grids/{code}/team/{worker}/end": {kind: "write", targeted: true, may: keep, wrote: assigned(true),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/grids/"+c.grid+"/team/"+m.serving(c)+"/end", url.Values{"ended_on": {"2021-01-01"}})
			}},
		"POST /grids/{code}/contacts": {kind: "write", targeted: true, may: keep, wrote: contactAdded,
			ask: func(m *matrix, c cell) request {
				m.contactable(c, "representative")
				return form(http.MethodPost, "/grids/"+c.grid+"/contacts", url.Values{"resident_id": {c.resident}, "role": {"representative"},
					"answers_for": {m.newName("小组")}, "started_on": {"2020-01-01"}})
			}},
		"POST /grids/{code}/contacts/{id}/end": {kind: "write", targeted: true, may: keep, wrote: contactEnded,
			ask: func(m *matrix, c cell) request {
				m.contactable(c, "building_head")
				id := db.NewID()
				if _, err := m.db.Write().ExecContext(context.Background(), `INSERT INTO grid_contacts (id, org_code, resident_id, role, answers_for, started_on)
					VALUES ($1, $2, $3, 'building_head', $4, '2020-01-01')`, id, c.grid, c.resident, m.newName("楼")); err != nil {
					m.t.Fatal(err)
				}
				return form(http.MethodPost, "/grids/"+c.grid+"/contacts/"+id+"/end", url.Values{"ended_on": {"2021-01-01"}})
			}},
		"GET /visits/new": {kind: "page", targeted: true, may: write, shows: func(c cell) string { return c.household },
			ask: func(_ *matrix, c cell) request { return get("/visits/new?household=" + c.household) }},
		"POST /visits": {kind: "write", targeted: true, inBody: true, may: write, wrote: visited,
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/visits", url.Values{"household_id": {c.household}, "purpose": {"01"}, "notes": {m.newName("走访")}})
			}},
		"POST /api/v1/visits": {kind: "write", targeted: true, inBody: true, may: write, wrote: visited,
			ask: func(m *matrix, c cell) request {
				return jsonBody(http.MethodPost, "/api/v1/visits", `{"household_id":"`+c.household+`","purpose":"01","notes":"`+m.newName("走访")+`"}`)
			}},
		"GET /visits/{id}": {kind: "page", targeted: true, may: read, shows: householdNo,
			ask: func(m *matrix, c cell) request { return get("/visits/" + m.visitTo(c).ID) }},
		"POST /visits/{id}/needs/{need}/report": {kind: "case", targeted: true, may: write, wrote: needReported,
			ask: func(m *matrix, c cell) request {
				v := m.visitTo(c)
				return form(http.MethodPost, "/visits/"+v.ID+"/needs/"+v.Needs[0].ID+"/report", url.Values{"category": {"1401"}})
			}},
		"POST /patrols": {kind: "write", targeted: true, inBody: true, may: write, wrote: patrolStarted,
			ask: func(m *matrix, c cell) request {
				if _, err := m.db.Write().ExecContext(context.Background(), `UPDATE patrols SET ended_at = 1 WHERE user_id = $1 AND ended_at IS NULL`,
					m.principals[c.user].UserID); err != nil {
					m.t.Fatal(err)
				}
				return form(http.MethodPost, "/patrols", url.Values{"grid_code": {c.grid}})
			}},
		"GET /patrols/{id}": {kind: "page", targeted: true, may: read, shows: gridName,
			ask: func(m *matrix, c cell) request { return get("/patrols/" + m.patrolOf(c)) }},
		"POST /patrols/{id}/findings": {kind: "write", targeted: true, may: write, wrote: found,
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/patrols/"+m.patrolOf(c)+"/findings", url.Values{"description": {"井盖缺失"}})
			}},
		"POST /patrols/{id}/end": {kind: "write", targeted: true, may: write, wrote: patrolEnded,
			ask: func(m *matrix, c cell) request {
				id := m.patrolOf(c)
				return form(http.MethodPost, "/patrols/"+id+"/end", url.Values{"route_notes": {m.fresh}})
			}},
		"POST /api/v1/patrols/{id}/points": {kind: "write", targeted: true, may: write, wrote: pointsKept,
			ask: func(m *matrix, c cell) request {
				return jsonBody(http.MethodPost, "/api/v1/patrols/"+m.patrolOf(c)+"/points", `{"points":[{"lat":23.48,"lng":111.3}]}`)
			}},
		"GET /visits/sw.js":     {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/visits/sw.js") }},
		"GET /visits/outbox.js": {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/visits/outbox.js") }},
		"GET /fieldwork/{code}": {kind: "page", targeted: true, may: read, shows: func(c cell) string { return c.unitName },
			ask: func(_ *matrix, c cell) request { return get("/fieldwork/" + c.unit) }},
	}
}
