package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/registry"
)

// household makes a household in c's grid, with a head and members-1 more members,
// for a rule that changes one: every cell has its own, so that no cell's write
// depends on another's. Its number and its members' names are fresh, the last
// member's last.
func (m *matrix) household(c cell, members int) (registry.Household, []registry.Resident) {
	m.t.Helper()
	ctx, reg := context.Background(), registry.NewService(m.db, now, time.UTC)
	h, err := reg.CreateHousehold(ctx, auth.System(), registry.HouseholdInput{No: m.newName("户"), GridCode: c.grid, Address: "变动路1号"})
	if err != nil {
		m.t.Fatalf("a household in %s: %v", c.grid, err)
	}
	var rs []registry.Resident
	for i := range members {
		relation := map[bool]string{true: "02", false: "20"}[i == 0]
		r, err := reg.CreateResident(ctx, auth.System(), registry.ResidentInput{Name: m.newName("变动居民"), IDNumber: m.newIDNumber(),
			HouseholdNo: h.No, Relation: relation, PopulationType: "registered"})
		if err != nil {
			m.t.Fatalf("a resident in %s: %v", h.No, err)
		}
		rs = append(rs, r)
	}
	return h, rs
}

// deregistered makes a resident of their own in c's grid, off the register.
func (m *matrix) deregistered(c cell) (registry.Household, registry.Resident) {
	m.t.Helper()
	h, rs := m.household(c, 1)
	if _, err := registry.NewService(m.db, now, time.UTC).Deregister(context.Background(), auth.System(), rs[0].ID,
		registry.DeregisterInput{Reason: "3", On: "2026-11-27"}); err != nil {
		m.t.Fatal(err)
	}
	return h, rs[0]
}

// building returns a building of c's grid, for a rule that reads one, or one of its
// own with a fresh name, for a rule that changes one; made with a household in it.
func (m *matrix) building(c cell, own bool) string {
	m.t.Helper()
	ctx := context.Background()
	if !own {
		var id string
		err := m.db.Read().QueryRowContext(ctx, `SELECT MIN(id) FROM buildings WHERE org_code = $1`, c.grid).Scan(&id)
		if err == nil && id != "" {
			return id
		}
	}
	h, err := registry.NewService(m.db, now, time.UTC).CreateHousehold(ctx, auth.System(),
		registry.HouseholdInput{No: "B" + strconv.Itoa(m.seq+1), GridCode: c.grid, Address: "楼栋路1号", Building: m.newName("楼")})
	if err != nil {
		m.t.Fatalf("a building in %s: %v", c.grid, err)
	}
	return h.BuildingID
}

// dictionaryEntry adds an entry of its own with a fresh name to the 流入原因
// dictionary, for a rule that retires one, and returns its code.
func (m *matrix) dictionaryEntry() string {
	m.t.Helper()
	code := "R" + strconv.Itoa(m.seq+1)
	if _, err := registry.NewService(m.db, now, time.UTC).AddDictionaryEntry(context.Background(), auth.System(), registry.DictInflowReason,
		registry.DictionaryInput{Code: code, Name: m.newName("待停用原因")}); err != nil {
		m.t.Fatal(err)
	}
	return code
}

// wroteWhere reports whether a query about the fresh name finds a row.
func wroteWhere(query string) func(*testing.T, *matrix, cell) bool {
	return func(t *testing.T, m *matrix, _ cell) bool { return m.count(t, query, m.fresh) > 0 }
}

var (
	// movedIn: the fresh household holds a resident now.
	movedIn = wroteWhere(`SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id WHERE h.household_no = $1`)
	// offTheRegister: the fresh resident is deregistered.
	offTheRegister = wroteWhere(`SELECT COUNT(*) FROM residents WHERE name = $1 AND deregistered_on IS NOT NULL`)
	// onTheRegister: the fresh resident is registered.
	onTheRegister = wroteWhere(`SELECT COUNT(*) FROM residents WHERE name = $1 AND deregistered_on IS NULL`)
	// mergedAway: the household the fresh resident left is dissolved.
	mergedAway = wroteWhere(`SELECT COUNT(*) FROM households WHERE dissolved_on IS NOT NULL AND id IN
		(SELECT v.from_household_id FROM resident_moves v JOIN residents r ON r.id = v.resident_id WHERE r.name = $1)`)
)

// registryRules are the rules of the register's forms, lists and life events, the
// pages' and the API's, added to accessRules.
func registryRules() map[string]rule {
	read, write := can(auth.ReadRegister), can(auth.WriteRegister)
	residentName := func(c cell) string { return c.residentName }
	householdNo := func(c cell) string { return c.householdNo }
	unitName := func(c cell) string { return c.unitName }
	onResident := func(suffix string) func(*matrix, cell) request {
		return func(_ *matrix, c cell) request { return get("/residents/" + c.resident + suffix) }
	}
	onHousehold := func(suffix string) func(*matrix, cell) request {
		return func(_ *matrix, c cell) request { return get("/households/" + c.household + suffix) }
	}
	onUnit := func(suffix string) func(*matrix, cell) request {
		return func(_ *matrix, c cell) request { return get("/org/" + c.unit + suffix) }
	}
	// The same writes, asked as JSON or as a form.
	move := func(m *matrix, c cell) (string, url.Values) {
		_, rs := m.household(c, 1)
		to, _ := m.household(c, 0)
		return rs[0].ID, url.Values{"household_no": {to.No}, "relation": {"02"}, "on": {"2026-11-27"}, "reason": {"购房"}}
	}
	deregister := func(m *matrix, c cell) (string, url.Values) {
		_, rs := m.household(c, 1)
		return rs[0].ID, url.Values{"reason": {"1"}, "on": {"2026-11-27"}}
	}
	register := func(m *matrix, c cell) (string, url.Values) {
		h, r := m.deregistered(c)
		return r.ID, url.Values{"household_no": {h.No}, "relation": {"02"}, "reason": {"2"}, "on": {"2026-11-27"}}
	}
	split := func(m *matrix, c cell) (string, url.Values) {
		h, rs := m.household(c, 2)
		return h.ID, url.Values{"member": {rs[1].ID}, "relation_" + rs[1].ID: {"02"}, "household_no": {m.newName("分户")},
			"grid_code": {c.grid}, "address": {"分户路1号"}, "on": {"2026-11-27"}}
	}
	merge := func(m *matrix, c cell) (string, url.Values) {
		h, _ := m.household(c, 1)
		other, rs := m.household(c, 1)
		return h.ID, url.Values{"household_no": {other.No}, "relation_" + rs[0].ID: {"10"}, "on": {"2026-11-27"}}
	}
	formAt := func(prefix, suffix string, write func(*matrix, cell) (string, url.Values)) func(*matrix, cell) request {
		return func(m *matrix, c cell) request {
			id, v := write(m, c)
			return form(http.MethodPost, prefix+id+suffix, v)
		}
	}
	jsonAt := func(prefix, suffix string, body func(url.Values) string, write func(*matrix, cell) (string, url.Values)) func(*matrix, cell) request {
		return func(m *matrix, c cell) request {
			id, v := write(m, c)
			return jsonBody(http.MethodPost, prefix+id+suffix, body(v))
		}
	}
	fields := func(names ...string) func(url.Values) string {
		return func(v url.Values) string {
			s := "{"
			for i, n := range names {
				if i > 0 {
					s += ","
				}
				s += `"` + n + `":"` + v.Get(n) + `"`
			}
			return s + "}"
		}
	}
	members := func(v url.Values, ids ...string) string {
		s := `"members":[`
		for i, id := range ids {
			if i > 0 {
				s += ","
			}
			s += `{"resident_id":"` + id + `","relation":"` + v.Get("relation_"+id) + `"}`
		}
		return s + "]"
	}
	relationOf := func(v url.Values) string {
		for k := range v {
			if len(k) > len("relation_") && k[:len("relation_")] == "relation_" {
				return k[len("relation_"):]
			}
		}
		return ""
	}
	return map[string]rule{
		"POST /api/v1/residents/{id}/move": {kind: "write", targeted: true, may: write, wrote: movedIn,
			ask: jsonAt("/api/v1/residents/", "/move", fields("household_no", "relation", "on", "reason"), move)},
		"POST /api/v1/residents/{id}/deregister": {kind: "write", targeted: true, may: write, wrote: offTheRegister,
			ask: jsonAt("/api/v1/residents/", "/deregister", fields("reason", "on"), deregister)},
		"POST /api/v1/residents/{id}/register": {kind: "write", targeted: true, may: write, wrote: onTheRegister,
			ask: jsonAt("/api/v1/residents/", "/register", fields("household_no", "relation", "reason", "on"), register)},
		"GET /api/v1/residents/{id}/events": {kind: "detail", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/residents/" + c.resident + "/events") },
			shows: func(cell) string { return `"kind":"registered"` }},
		"POST /api/v1/households/{id}/split": {kind: "write", targeted: true, may: write, wrote: exists("households"),
			ask: jsonAt("/api/v1/households/", "/split", func(v url.Values) string {
				return `{"household":` + fields("household_no", "grid_code", "address")(v) + `,` + members(v, v.Get("member")) + `,"on":"` + v.Get("on") + `"}`
			}, split)},
		"POST /api/v1/households/{id}/merge": {kind: "write", targeted: true, may: write, wrote: mergedAway,
			ask: jsonAt("/api/v1/households/", "/merge", func(v url.Values) string {
				return `{"household_no":"` + v.Get("household_no") + `",` + members(v, relationOf(v)) + `,"on":"` + v.Get("on") + `"}`
			}, merge)},

		"GET /households/new": {kind: "page", targeted: true, may: write,
			ask: func(_ *matrix, c cell) request { return get("/households/new?unit=" + c.unit) }},
		"POST /households/new": {kind: "write", targeted: true, may: write, inBody: true, wrote: exists("households"),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/households/new", url.Values{"household_no": {m.newName("N")}, "grid_code": {c.grid}, "address": {"新路1号"}})
			}},
		"GET /households/{id}/edit": {kind: "page", targeted: true, may: write, ask: onHousehold("/edit"), shows: householdNo},
		"POST /households/{id}/edit": {kind: "write", targeted: true, may: write,
			wrote: func(t *testing.T, m *matrix, c cell) bool {
				return m.count(t, `SELECT COUNT(*) FROM households WHERE id = $1 AND address = $2`, c.household, m.fresh) > 0
			},
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/households/"+c.household+"/edit",
					url.Values{"household_no": {c.householdNo}, "grid_code": {c.grid}, "address": {m.newName("新址路")}})
			}},
		"GET /households/{id}/residents/new": {kind: "page", targeted: true, may: write, ask: onHousehold("/residents/new"), shows: householdNo},
		"POST /households/{id}/residents/new": {kind: "write", targeted: true, may: write, wrote: exists("residents"),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/households/"+c.household+"/residents/new", url.Values{"name": {m.newName("新成员")},
					"id_number": {m.newIDNumber()}, "relation": {"20"}, "population_type": {"registered"}, "residence_status": {"1"}})
			}},
		"GET /households/{id}/split":  {kind: "page", targeted: true, may: write, ask: onHousehold("/split"), shows: residentName},
		"POST /households/{id}/split": {kind: "write", targeted: true, may: write, wrote: exists("households"), ask: formAt("/households/", "/split", split)},
		"GET /households/{id}/merge":  {kind: "page", targeted: true, may: write, ask: onHousehold("/merge"), shows: residentName},
		"POST /households/{id}/merge": {kind: "write", targeted: true, may: write, wrote: mergedAway, ask: formAt("/households/", "/merge", merge)},

		"GET /residents/{id}/edit": {kind: "page", targeted: true, may: write, ask: onResident("/edit"), shows: residentName},
		"POST /residents/{id}/edit": {kind: "write", targeted: true, may: write, wrote: exists("residents"),
			ask: func(m *matrix, c cell) request {
				_, rs := m.household(c, 1)
				return form(http.MethodPost, "/residents/"+rs[0].ID+"/edit", url.Values{"name": {m.newName("改名")}, "relation": {"02"},
					"population_type": {"registered"}, "residence_status": {"1"}})
			}},
		"GET /residents/{id}/move":        {kind: "page", targeted: true, may: write, ask: onResident("/move"), shows: residentName},
		"POST /residents/{id}/move":       {kind: "write", targeted: true, may: write, wrote: movedIn, ask: formAt("/residents/", "/move", move)},
		"GET /residents/{id}/deregister":  {kind: "page", targeted: true, may: write, ask: onResident("/deregister"), shows: residentName},
		"POST /residents/{id}/deregister": {kind: "write", targeted: true, may: write, wrote: offTheRegister, ask: formAt("/residents/", "/deregister", deregister)},
		"GET /residents/{id}/register":    {kind: "page", targeted: true, may: write, ask: onResident("/register"), shows: residentName},
		"POST /residents/{id}/register":   {kind: "write", targeted: true, may: write, wrote: onTheRegister, ask: formAt("/residents/", "/register", register)},

		// The 流入原因 dictionary is the city's, kept by the city and the district.
		"GET /dictionaries/{name}": {kind: "page", may: registry.MayKeepDictionaries,
			ask: func(*matrix, cell) request { return get("/dictionaries/inflow_reason") }, shows: func(cell) string { return "务工" }},
		"POST /dictionaries/{name}": {kind: "write", may: registry.MayKeepDictionaries,
			wrote: wroteWhere(`SELECT COUNT(*) FROM dictionary_entries WHERE name = $1`),
			ask: func(m *matrix, _ cell) request {
				name := m.newName("新原因")
				return form(http.MethodPost, "/dictionaries/inflow_reason", url.Values{"code": {"N" + strconv.Itoa(m.seq)}, "entry_name": {name}})
			}},
		"GET /dictionaries/{name}/{code}/edit": {kind: "page", may: registry.MayKeepDictionaries,
			ask: func(*matrix, cell) request { return get("/dictionaries/inflow_reason/01/edit") }, shows: func(cell) string { return "务工" }},
		"POST /dictionaries/{name}/{code}/edit": {kind: "write", may: registry.MayKeepDictionaries,
			wrote: wroteWhere(`SELECT COUNT(*) FROM dictionary_entries WHERE code = '02' AND name = $1`),
			ask: func(m *matrix, _ cell) request {
				return form(http.MethodPost, "/dictionaries/inflow_reason/02/edit", url.Values{"entry_name": {m.newName("经商改名")}})
			}},
		"GET /dictionaries/{name}/{code}/retire": {kind: "page", may: registry.MayKeepDictionaries,
			ask: func(*matrix, cell) request { return get("/dictionaries/inflow_reason/01/retire") }, shows: func(cell) string { return "务工" }},
		"POST /dictionaries/{name}/{code}/retire": {kind: "write", may: registry.MayKeepDictionaries,
			wrote: wroteWhere(`SELECT COUNT(*) FROM dictionary_entries WHERE name = $1 AND retired_on IS NOT NULL`),
			ask: func(m *matrix, _ cell) request {
				return form(http.MethodPost, "/dictionaries/inflow_reason/"+m.dictionaryEntry()+"/retire", url.Values{})
			}},

		"GET /buildings/{id}": {kind: "page", targeted: true, may: read, shows: func(c cell) string { return c.gridName },
			ask: func(m *matrix, c cell) request { return get("/buildings/" + m.building(c, false)) }},
		"GET /buildings/{id}/edit": {kind: "page", targeted: true, may: write, shows: func(c cell) string { return c.gridName },
			ask: func(m *matrix, c cell) request { return get("/buildings/" + m.building(c, false) + "/edit") }},
		"POST /buildings/{id}/edit": {kind: "write", targeted: true, may: write,
			wrote: wroteWhere(`SELECT COUNT(*) FROM buildings WHERE name = $1 AND floors = 6`),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/buildings/"+m.building(c, true)+"/edit", url.Values{"floors": {"6"}})
			}},

		"GET /org/{code}/households": {kind: "list", targeted: true, may: read, ask: onUnit("/households"), shows: unitName},
		"GET /org/{code}/residents":  {kind: "list", targeted: true, may: read, ask: onUnit("/residents"), shows: unitName},
		"GET /org/{code}/permits":    {kind: "list", targeted: true, may: read, ask: onUnit("/permits"), shows: unitName},
	}
}
