package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/server"
	"shequ/internal/staff"
	"shequ/internal/transfer"
)

var update = flag.Bool("update", false, "write the access matrix into the documentation")

// TestAccessMatrix asks every route of the server, as a user of every role and as
// nobody, for something in the user's own unit, in a sibling unit and in the unit
// above, and holds each answer to the route's rule: allowed (2xx or 3xx, showing
// what was asked for) or refused (403, 404, or an answer without any of the unit's
// records), and never any record of a unit the user may not see. A route without a
// rule fails the test by name. The answers, as a table, must match the one in the
// documentation; -update writes it there.
func TestAccessMatrix(t *testing.T) {
	var mu sync.Mutex
	tables := map[db.Dialect]string{}
	t.Run("ask", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			t.Parallel() // each database has a server of its own
			table := askAll(t, d)
			mu.Lock()
			defer mu.Unlock()
			tables[d.Dialect] = table
		})
	})
	if t.Failed() || len(tables) == 0 {
		return
	}
	table := tables[db.SQLite]
	for dialect, other := range tables {
		if other != table {
			t.Errorf("%s answers differently from SQLite:\n%s", dialect, other)
		}
	}
	checkMatrixDoc(t, table)
}

// askAll builds the matrix's city in d, asks every route about it and returns the
// answers as a Markdown table.
func askAll(t *testing.T, d *db.DB) string {
	m := newMatrix(t, d)
	rules := accessRules()
	maps.Copy(rules, registryRules())
	maps.Copy(rules, casesRules())
	maps.Copy(rules, proposalsRules())
	maps.Copy(rules, fieldworkRules())
	maps.Copy(rules, consolidationRules())
	var rows []matrixRow
	for _, pattern := range m.srv.Routes() {
		r, ok := rules[pattern]
		if !ok {
			t.Errorf("route %q has no rule in accessRules: say who may reach it and how to ask it for a unit", pattern)
			continue
		}
		delete(rules, pattern)
		rows = append(rows, m.row(t, pattern, r))
	}
	for pattern := range rules {
		t.Errorf("accessRules has a rule for %q, which is no route", pattern)
	}
	return renderMatrix(rows)
}

// relation is where a request's target lies, seen from the user's unit.
type relation int

const (
	own     relation = iota // the user's unit, or a record in it
	sibling                 // a unit beside it, under the same parent, or a record there
	parent                  // the unit above it, or a record under that unit outside the user's
)

var relations = []relation{own, sibling, parent}

// place is a target: the unit a request names and the records it reaches.
type place struct {
	unit     string // "" when there is none (a city has no parent)
	unitName string
	records
	// job is an import job uploaded by an importer bound to unit ("" when nobody
	// there may import).
	job string
}

// records are the things in a unit's first grid: a household, its resident, who is
// the grid's group leader, the worker of the grid, and a case with a photo.
type records struct {
	grid, gridName                                 string
	household, householdNo, resident, residentName string
	worker, workerName                             string
	caseNo, caseID, caseDescription, casePhoto     string
}

// markers are what must not appear in an answer that refuses a place, and what an
// answer that allows it may show.
func (r records) markers() []string {
	return []string{r.household, r.resident, r.worker, r.residentName, r.workerName, r.gridName, r.caseNo, r.caseDescription}
}

// The places of the matrix. For every unit a user of the matrix is bound to, a
// sibling and a second other child of its parent, each with a chain of units down
// to a grid holding records. orgtest's city has some of them already.
var (
	// user's unit → its sibling, its parent, and another child of its parent
	family = map[string][3]string{
		orgtest.City:      {"450500", "", ""},
		orgtest.District:  {orgtest.District2, orgtest.City, "450405"},
		orgtest.Street:    {orgtest.Street2, orgtest.District, "450403003"},
		orgtest.Community: {"450403001002", orgtest.Street, "450403001003"},
		orgtest.Grid:      {orgtest.GridB, orgtest.Community, "450403001001003"},
	}
	// new units: a chain from each down to a grid, named after base
	chains = []struct{ code, parent, base string }{
		{"450500", "", "北海"},
		{"450405", orgtest.City, "长洲"},
		{"450404001", orgtest.District2, "蝶山"},
		{"450403003", orgtest.District, "城西"},
		{"450403001002", orgtest.Street, "东湖"},
		{"450403001003", orgtest.Street, "东园"},
		{"450403001001003", orgtest.Community, "东兴第三"},
	}
	// the grid holding the records of each unit a request may name
	dataGrid = map[string]string{
		orgtest.City: orgtest.Grid, orgtest.District: orgtest.Grid, orgtest.Street: orgtest.Grid,
		orgtest.Community: orgtest.Grid, orgtest.Grid: orgtest.Grid,
		orgtest.GridB: orgtest.GridB, orgtest.Street2: orgtest.Grid2, orgtest.District2: "450404001001001",
		"450500": "450502001001001", "450405": "450405001001001", "450403003": "450403003001001",
		"450403001002": "450403001002001", "450403001003": "450403001003001", "450403001001003": "450403001001003",
	}
	// importers bound to other units than the matrix's users, so that every
	// sibling holds an import job of someone else's
	siblingImporters = map[string]auth.Role{
		"450500": auth.RoleCity, orgtest.District2: auth.RoleDistrict, orgtest.Street2: auth.RoleStreet,
		"450403001002": auth.RoleCommunity, orgtest.GridB: auth.RoleGrid,
	}
)

// userUnit is the unit the matrix binds a user of each role to.
func userUnit(r auth.Role) string {
	switch r.Level() {
	case scope.City:
		return orgtest.City
	case scope.District:
		return orgtest.District
	case scope.Street:
		return orgtest.Street
	case scope.Grid:
		return orgtest.Grid
	}
	return orgtest.Community // community users, and auditors, who may sit anywhere
}

// matrix is the city the matrix asks about, and its server.
type matrix struct {
	t          *testing.T // the test asking, for rules that prepare what they ask about
	srv        *server.Server
	db         *db.DB
	tokens     map[string]string // user name → bearer token
	passwords  map[string]string
	principals map[string]auth.Principal
	byGrid     map[string]records
	jobs       map[string]string // unit → the job of the importer bound to it
	names      map[string]string // unit → name
	ids, seq   int               // for new ID numbers and names, unique in the city
	fresh      string            // the name the last write asked gave its record
}

func newMatrix(t *testing.T, d *db.DB) *matrix {
	t.Helper()
	ctx := context.Background()
	m := &matrix{t: t, db: d, tokens: map[string]string{}, passwords: map[string]string{}, principals: map[string]auth.Principal{},
		byGrid: map[string]records{}, jobs: map[string]string{}, names: map[string]string{}}
	orgtest.Build(t, d)
	for _, u := range orgtest.Units() {
		m.names[u.Code] = u.Name
	}
	for _, c := range chains {
		m.addChain(t, c.code, c.parent, c.base)
	}

	reg, stf, sys := registry.NewService(d, now, time.UTC), staff.NewService(d, now), auth.System()
	grids := []string{orgtest.Grid}
	for _, g := range dataGrid {
		if !slices.Contains(grids, g) {
			grids = append(grids, g)
		}
	}
	slices.Sort(grids)
	for i, grid := range grids {
		letter := string(rune('A' + i))
		community := grid[:12]
		h, err := reg.CreateHousehold(ctx, sys, registry.HouseholdInput{No: "H" + letter, GridCode: grid, Address: "测试路" + letter + "号"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := reg.CreateResident(ctx, sys, registry.ResidentInput{Name: "居民" + letter, IDNumber: m.newIDNumber(), HouseholdNo: h.No,
			Relation: "head", PopulationType: "registered", Phone: fmt.Sprintf("138%08d", i)})
		if err != nil {
			t.Fatal(err)
		}
		wk, err := stf.Create(ctx, sys, staff.WorkerInput{Name: "社工" + letter, IDNumber: m.newIDNumber(), CommunityCode: community,
			Position: "grid_worker", Education: "bachelor", HiredOn: "2012-01-01", GridCodes: []string{grid}, Phone: fmt.Sprintf("139%08d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO grid_contacts (id, org_code, resident_id, role) VALUES ($1, $2, $3, 'group_leader')`,
			db.NewID(), grid, r.ID); err != nil {
			t.Fatal(err)
		}
		m.byGrid[grid] = records{grid: grid, gridName: m.names[grid], household: h.ID, householdNo: h.No,
			resident: r.ID, residentName: r.Name, worker: wk.ID, workerName: wk.Name}
	}

	as := auth.NewService(d, now)
	addUser := func(name string, role auth.Role, unit string) {
		pw, err := as.AddUser(ctx, name, role, unit)
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		tok, err := as.NewAPIToken(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := as.Principal(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		m.tokens[name], m.passwords[name], m.principals[name] = tok, pw, p
	}
	for _, r := range auth.Roles {
		addUser(string(r), r, userUnit(r))
	}
	for unit, r := range siblingImporters {
		addUser(string(r)+"-"+unit, r, unit)
	}
	m.addCases()
	srv, err := server.New(server.Config{DB: d, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	m.srv = srv

	// Every importer uploads a file with a problem: its job stays checked, with an
	// error report, whatever the matrix asks of it.
	for name, p := range m.principals {
		if !imports(p) {
			continue
		}
		id := m.newIDNumber()
		bad := id[:17] + map[bool]string{true: "1", false: "0"}[id[17] == '0']
		rec := m.send(name, "192.0.2.250:1", uploadFile("residents", "姓名,公民身份号码,户编号,与户主关系,人口类型\n坏号码,"+bad+",HA,子女,户籍\n"))
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/imports/") {
			t.Fatalf("%s uploads: %d %s", name, rec.Code, loc)
		}
		m.settle(t, name, loc)
		m.jobs[p.OrgCode] = strings.TrimPrefix(loc, "/imports/")
	}
	return m
}

// addChain adds unit code under parent, and under it one unit of each level down to
// a grid, named base + the level.
func (m *matrix) addChain(t *testing.T, code, parentCode, base string) {
	t.Helper()
	suffix := map[scope.Level]string{scope.City: "市", scope.District: "区", scope.Street: "街道", scope.Community: "社区", scope.Grid: "网格"}
	for {
		u := org.Unit{Code: code, Name: base + suffix[scope.LevelOf(code)], Level: scope.LevelOf(code), ParentCode: parentCode}
		if err := org.Insert(context.Background(), m.db.Write(), u, 0); err != nil {
			t.Fatalf("unit %s: %v", code, err)
		}
		m.names[code] = u.Name
		if u.Level == scope.Grid {
			return
		}
		parentCode = code
		if u.Level == scope.City {
			code = code[:4] + "02"
		} else {
			code += "001"
		}
	}
}

// newIDNumber returns a valid ID number nobody in the city has.
func (m *matrix) newIDNumber() string {
	m.ids++
	return idNumber(fmt.Sprintf("19%02d0101", 90+m.ids/1000), fmt.Sprintf("%03d", m.ids%1000))
}

// newName returns what + a number nobody's record has, and remembers it for wrote.
func (m *matrix) newName(what string) string {
	m.seq++
	m.fresh = what + strconv.Itoa(m.seq)
	return m.fresh
}

// exists reports whether the last write asked wrote a record of table (households,
// residents or org_units) with the name it gave.
func exists(table string) func(*testing.T, *matrix, cell) bool {
	column := map[string]string{"households": "household_no", "residents": "name", "org_units": "name"}[table]
	return func(t *testing.T, m *matrix, _ cell) bool {
		return m.count(t, `SELECT COUNT(*) FROM `+table+` WHERE `+column+` = $1`, m.fresh) > 0
	}
}

// erasable adds a resident to c's household for a rule that erases one, so that
// every cell has its own to erase, and returns its id and ID number. The name is
// fresh, for gone.
func (m *matrix) erasable(c cell) (id, idNumber string) {
	m.t.Helper()
	idNumber = m.newIDNumber()
	r, err := registry.NewService(m.db, now, time.UTC).CreateResident(context.Background(), auth.System(), registry.ResidentInput{
		Name: m.newName("待删居民"), IDNumber: idNumber, HouseholdNo: c.householdNo, Relation: "child", PopulationType: "registered"})
	if err != nil {
		m.t.Fatalf("a resident to erase in %s: %v", c.householdNo, err)
	}
	return r.ID, idNumber
}

// userAt returns the id of an account bound to unit that is no administrator's,
// the first by name.
func (m *matrix) userAt(unit string) string {
	m.t.Helper()
	var id string
	err := m.db.Read().QueryRowContext(context.Background(), `SELECT id FROM users WHERE org_code = $1
		AND role NOT IN ('sysadmin', 'secadmin', 'auditadmin') ORDER BY name LIMIT 1`, unit).Scan(&id)
	if err != nil {
		m.t.Fatalf("an account at %s: %v", unit, err)
	}
	return id
}

// disposableUser adds a read-only account at unit, with a fresh name, for a rule
// that changes one, and returns its id.
func (m *matrix) disposableUser(unit string) string {
	m.t.Helper()
	ctx, name := context.Background(), m.newName("待停用户")
	as := auth.NewService(m.db, now)
	if _, err := as.AddUser(ctx, name, auth.RoleReadOnly, unit); err != nil {
		m.t.Fatalf("an account to change at %s: %v", unit, err)
	}
	p, err := as.Principal(ctx, name)
	if err != nil {
		m.t.Fatal(err)
	}
	return p.UserID
}

// gone reports whether the resident the last erasure asked about is no more.
func gone(t *testing.T, m *matrix, _ cell) bool {
	return m.count(t, `SELECT COUNT(*) FROM residents WHERE name = $1`, m.fresh) == 0
}

// assignable adds a worker without a grid to c's community for a rule that assigns
// one, so that every cell has its own to assign, and takes off c's grid the
// workers earlier cells put there, leaving its own: the team has room for one.
// The worker's name is fresh, for assigned.
func (m *matrix) assignable(c cell) string {
	m.t.Helper()
	ctx := context.Background()
	w, err := staff.NewService(m.db, now).Create(ctx, auth.System(), staff.WorkerInput{Name: m.newName("待派社工"), IDNumber: m.newIDNumber(),
		CommunityCode: c.grid[:12], Position: "member", Education: "bachelor", HiredOn: "2012-01-01"})
	if err != nil {
		m.t.Fatalf("a worker to assign in %s: %v", c.grid, err)
	}
	if _, err := m.db.Write().ExecContext(ctx, `DELETE FROM worker_grids WHERE grid_code = $1 AND worker_id <> $2`, c.grid, c.worker); err != nil {
		m.t.Fatal(err)
	}
	return w.ID
}

// serving adds, as assignable does, a worker who serves c's grid since 2020, for a
// rule that ends the assignment.
func (m *matrix) serving(c cell) string {
	m.t.Helper()
	id := m.assignable(c)
	if _, err := staff.NewService(m.db, now).Assign(context.Background(), auth.System(), id,
		staff.AssignInput{GridCode: c.grid, AssignedOn: "2020-01-01"}); err != nil {
		m.t.Fatalf("assign in %s: %v", c.grid, err)
	}
	return id
}

// assigned reports whether the worker the last assignment asked about serves a
// grid, or has ended serving one when ended.
func assigned(ended bool) func(*testing.T, *matrix, cell) bool {
	return func(t *testing.T, m *matrix, _ cell) bool {
		cond := "g.ended_on IS NULL"
		if ended {
			cond = "g.ended_on IS NOT NULL"
		}
		return m.count(t, `SELECT COUNT(*) FROM worker_grids g JOIN workers w ON w.id = g.worker_id WHERE w.name = $1 AND `+cond, m.fresh) > 0
	}
}

// place returns the target of relation for a user bound to unit.
func (m *matrix) place(unit string, rel relation) place {
	f := family[unit]
	var p place
	switch rel {
	case own:
		p.unit = unit
		p.records = m.byGrid[dataGrid[unit]]
	case sibling:
		p.unit = f[0]
		p.records = m.byGrid[dataGrid[f[0]]]
	case parent:
		if f[1] == "" {
			return place{}
		}
		p.unit = f[1]
		// The parent's records outside the user's unit are in another child of it.
		p.records = m.byGrid[dataGrid[f[2]]]
	}
	p.unitName, p.job = m.names[p.unit], m.jobs[p.unit]
	return p
}

// cell is one question of the matrix: who asks about what.
type cell struct {
	user string    // user name, "" for nobody
	role auth.Role // "" for nobody
	rel  relation
	place
	addr string // the client's address, one per user, so that no sign-in limit is shared
}

// request is what a rule asks the server.
type request struct {
	method, path string
	body         []byte
	contentType  string
	header       map[string]string
}

func get(path string) request { return request{method: http.MethodGet, path: path} }

func jsonBody(method, path, body string) request {
	return request{method: method, path: path, body: []byte(body), contentType: "application/json"}
}

func form(method, path string, values url.Values) request {
	return request{method: method, path: path, body: []byte(values.Encode()), contentType: "application/x-www-form-urlencoded"}
}

// send asks the server req as user ("" for nobody) from addr.
func (m *matrix) send(user, addr string, req request) *httptest.ResponseRecorder {
	hr := httptest.NewRequest(req.method, req.path, bytes.NewReader(req.body))
	hr.RemoteAddr = addr
	if req.contentType != "" {
		hr.Header.Set("Content-Type", req.contentType)
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	if user != "" {
		hr.Header.Set("Authorization", "Bearer "+m.tokens[user])
	}
	rec := httptest.NewRecorder()
	m.srv.ServeHTTP(rec, hr)
	return rec
}

// uploadFile is the import page's form with a register file of kind.
func uploadFile(kind, file string) request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", "居民.csv")
	_, _ = fw.Write([]byte(file))
	_ = mw.Close()
	return request{method: http.MethodPost, path: "/imports", body: body.Bytes(), contentType: mw.FormDataContentType()}
}

// settle polls a job's page, as the browser does, until the job stops running.
func (m *matrix) settle(t *testing.T, user, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := m.send(user, "192.0.2.250:1", get(path))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s as %s: %d", path, user, rec.Code)
		}
		if rec.Header().Get("Refresh") == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still running", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// count runs a COUNT query.
func (m *matrix) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := m.db.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rule says how to ask a route about a place and who may.
type rule struct {
	// kind is what the route does, as the matrix shows it.
	kind string
	// ask builds the request for a cell. Untargeted routes name no unit: they are
	// asked once per user, about their own things.
	ask      func(m *matrix, c cell) request
	targeted bool
	// may says which principals may use the route (at their own unit, if it is
	// targeted); nil: any signed-in user. Public routes need no sign-in at all.
	may    func(p auth.Principal) bool
	public bool
	// operators: a public route that answers only the networks of
	// Config.MetricsFrom (loopback by default), none of which the matrix's clients
	// are in: every cell must be refused with 403, signed in or not.
	operators bool
	// filters: the route answers a place out of scope with 200 and none of its
	// records (a list or a search) rather than 404.
	filters bool
	// inBody: the place is named in the body, and a place out of scope is refused as
	// a field that names nothing: 400, or 422 for a file, as for a unit that does
	// not exist.
	inBody bool
	// elsewhere: a refusal may send the user to another page (303), which must not
	// be the sign-in form.
	elsewhere bool
	// shows is what an allowed answer must contain ("" for nothing in particular).
	shows func(c cell) string
	// wrote reports whether the cell's write reached the database: it must exactly
	// when the cell is allowed.
	wrote func(t *testing.T, m *matrix, c cell) bool
	// follow continues a request that answered status, as a browser would, and
	// returns the status that stands for the outcome.
	follow func(t *testing.T, m *matrix, c cell, rec *httptest.ResponseRecorder) int
}

func can(a auth.Action) func(auth.Principal) bool {
	return func(p auth.Principal) bool { return p.Can(a) }
}

func imports(p auth.Principal) bool { return len(transfer.Importable(p)) > 0 }

// residentRow is one line of a residents file, for a new resident of c's household.
func residentRow(m *matrix, name string, c cell) string {
	return "姓名,公民身份号码,户编号,与户主关系,人口类型\n" + name + "," + m.newIDNumber() + "," + c.householdNo + ",子女,户籍\n"
}

// accessRules is the rule of every route. A route missing here fails TestAccessMatrix.
func accessRules() map[string]rule {
	read := can(auth.ReadRegister)
	write := can(auth.WriteRegister)
	resident := func(c cell) string { return c.resident }
	residentName := func(c cell) string { return c.residentName }
	return map[string]rule{
		"GET /static/":             {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/static/app.css") }},
		"GET /favicon.ico":         {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/favicon.ico") }},
		"GET /healthz":             {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/healthz") }},
		"GET /metrics":             {kind: "operators", public: true, operators: true, ask: func(*matrix, cell) request { return get("/metrics") }},
		"GET /api/v1/openapi.json": {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/api/v1/openapi.json") }},
		"GET /login":               {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/login") }},
		"POST /login": {kind: "public", public: true, ask: func(m *matrix, c cell) request {
			return form(http.MethodPost, "/login", url.Values{"name": {c.user}, "password": {m.passwords[c.user]}})
		}},
		"GET /login/totp": {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/login/totp") }},
		"POST /login/totp": {kind: "public", public: true, ask: func(*matrix, cell) request {
			return form(http.MethodPost, "/login/totp", url.Values{"totp_code": {"000000"}})
		}},

		"POST /logout":      {kind: "self", ask: func(*matrix, cell) request { return form(http.MethodPost, "/logout", nil) }},
		"GET /api/v1/me":    {kind: "self", ask: func(*matrix, cell) request { return get("/api/v1/me") }},
		"GET /account":      {kind: "self", ask: func(*matrix, cell) request { return get("/account") }},
		"GET /account/totp": {kind: "self", ask: func(*matrix, cell) request { return get("/account/totp") }},
		"POST /account/totp": {kind: "self", ask: func(*matrix, cell) request {
			return form(http.MethodPost, "/account/totp", url.Values{"action": {"renew"}})
		}},
		"GET /account/password": {kind: "self", ask: func(*matrix, cell) request { return get("/account/password") }},
		"POST /account/password": {kind: "self", ask: func(m *matrix, c cell) request {
			next := auth.GeneratePassword(c.user)
			return form(http.MethodPost, "/account/password", url.Values{"current_password": {m.passwords[c.user]}, "password": {next}, "password_repeat": {next}})
		}},
		// The home page is every user's landing page, but its figures are the
		// register's: a user who may not read it is refused or sent elsewhere.
		"GET /{$}": {kind: "page", may: read, elsewhere: true, ask: func(*matrix, cell) request { return get("/") }},

		"GET /api/v1/org/{code}": {kind: "detail", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/org/" + c.unit) },
			shows: func(c cell) string { return `"code":"` + c.unit + `"` }},
		"GET /api/v1/org/{code}/children": {kind: "list", targeted: true, may: read,
			ask: func(_ *matrix, c cell) request { return get("/api/v1/org/" + c.unit + "/children") }},
		"GET /api/v1/org/{code}/households": {kind: "list", targeted: true, may: read, filters: true,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/org/" + c.unit + "/households") },
			shows: func(c cell) string { return c.household }},
		"GET /api/v1/org/{code}/contacts": {kind: "list", targeted: true, may: read, filters: true,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/org/" + c.grid + "/contacts") },
			shows: residentName},
		"GET /api/v1/org/{code}/workers": {kind: "list", targeted: true, may: read, filters: true,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/org/" + c.grid + "/workers") },
			shows: func(c cell) string { return c.worker }},
		"GET /api/v1/households/{id}": {kind: "detail", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/households/" + c.household) },
			shows: resident},
		"GET /api/v1/residents/{id}": {kind: "detail", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/residents/" + c.resident) },
			shows: residentName},
		"GET /api/v1/residents": {kind: "search", targeted: true, may: read, filters: true,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/residents?q=" + url.QueryEscape(c.residentName)) },
			shows: resident},
		"GET /api/v1/staff": {kind: "list", targeted: true, may: read, filters: true,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/staff?scope=" + c.unit) },
			shows: func(c cell) string { return c.worker }},
		"GET /api/v1/staff/{id}": {kind: "detail", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/staff/" + c.worker) },
			shows: func(c cell) string { return c.workerName }},
		"GET /api/v1/staff/{id}/assignments": {kind: "detail", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/staff/" + c.worker + "/assignments") },
			shows: func(c cell) string { return c.worker }},
		"POST /api/v1/staff/{id}/assignments": {kind: "write", targeted: true, may: can(auth.WriteStaff), wrote: assigned(false),
			ask: func(m *matrix, c cell) request {
				return jsonBody(http.MethodPost, "/api/v1/staff/"+m.assignable(c)+"/assignments", `{"grid_code":"`+c.grid+`","assigned_on":"2020-01-01"}`)
			}},
		"POST /api/v1/staff/{id}/assignments/{grid}/end": {kind: "write", targeted: true, may: can(auth.WriteStaff), wrote: assigned(true),
			ask: func(m *matrix, c cell) request {
				return jsonBody(http.MethodPost, "/api/v1/staff/"+m.serving(c)+"/assignments/"+c.grid+"/end", `{"ended_on":"2021-01-01"}`)
			}},
		"GET /api/v1/stats": {kind: "list", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/stats?scope=" + c.unit) },
			shows: func(c cell) string { return `"code":"` + c.unit + `"` }},
		"GET /api/v1/exports/{kind}": {kind: "export", targeted: true, may: can(auth.ExportRegister),
			ask:   func(_ *matrix, c cell) request { return get("/api/v1/exports/residents?scope=" + c.unit) },
			shows: residentName},
		"GET /api/v1/templates/{kind}": {kind: "page", ask: func(*matrix, cell) request { return get("/api/v1/templates/residents") }},

		"POST /api/v1/households": {kind: "write", targeted: true, may: write, inBody: true, wrote: exists("households"),
			ask: func(m *matrix, c cell) request {
				no := m.newName("N")
				return jsonBody(http.MethodPost, "/api/v1/households", `{"household_no":"`+no+`","grid_code":"`+c.grid+`","address":"新路1号"}`)
			}},
		"PUT /api/v1/households/{id}": {kind: "write", targeted: true, may: write,
			wrote: func(t *testing.T, m *matrix, c cell) bool {
				return m.count(t, `SELECT COUNT(*) FROM households WHERE id = $1 AND address = $2`, c.household, m.fresh) > 0
			},
			ask: func(m *matrix, c cell) request {
				address := m.newName("新址路")
				return jsonBody(http.MethodPut, "/api/v1/households/"+c.household,
					`{"household_no":"`+c.householdNo+`","grid_code":"`+c.grid+`","address":"`+address+`"}`)
			}},
		"POST /api/v1/residents": {kind: "write", targeted: true, may: write, wrote: exists("residents"),
			ask: func(m *matrix, c cell) request {
				name := m.newName("新居民")
				return jsonBody(http.MethodPost, "/api/v1/residents", `{"name":"`+name+`","id_number":"`+m.newIDNumber()+
					`","household_no":"`+c.householdNo+`","relation":"child","population_type":"registered"}`)
			}},
		"PUT /api/v1/residents/{id}": {kind: "write", targeted: true, may: write,
			ask: func(_ *matrix, c cell) request {
				return jsonBody(http.MethodPut, "/api/v1/residents/"+c.resident, `{"name":"`+c.residentName+
					`","household_no":"`+c.householdNo+`","relation":"head","population_type":"registered"}`)
			}},
		"POST /api/v1/residents/{id}/reveal": {kind: "reveal", targeted: true, may: can(auth.RevealRegister),
			ask: func(_ *matrix, c cell) request {
				return jsonBody(http.MethodPost, "/api/v1/residents/"+c.resident+"/reveal", `{"field":"id_number","reason":"核对身份"}`)
			}},
		"POST /api/v1/residents/{id}/erase": {kind: "erase", targeted: true, may: can(auth.EraseRegister), wrote: gone,
			ask: func(m *matrix, c cell) request {
				id, _ := m.erasable(c)
				return jsonBody(http.MethodPost, "/api/v1/residents/"+id+"/erase", `{"ground":"consent_withdrawn","reason":"本人申请删除"}`)
			}},
		"POST /api/v1/imports": {kind: "import", targeted: true, may: write, inBody: true, wrote: exists("residents"),
			ask: func(m *matrix, c cell) request {
				name := m.newName("导入居民")
				return request{method: http.MethodPost, path: "/api/v1/imports?kind=residents&filename=in.csv", body: []byte(residentRow(m, name, c)),
					contentType: "text/csv"}
			}},

		"GET /org/{code}": {kind: "page", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/org/" + c.unit) },
			shows: func(c cell) string { return c.unitName }},
		"GET /org/{code}/edit": {kind: "page", targeted: true, may: can(auth.WriteOrg),
			ask:   func(_ *matrix, c cell) request { return get("/org/" + c.unit + "/edit") },
			shows: func(c cell) string { return c.unitName }},
		"POST /org/{code}/edit": {kind: "write", targeted: true, may: can(auth.WriteOrg),
			ask: func(_ *matrix, c cell) request {
				return form(http.MethodPost, "/org/"+c.unit+"/edit", url.Values{"name": {c.unitName}})
			},
			wrote: func(t *testing.T, m *matrix, c cell) bool {
				return m.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'org.update' AND outcome = 'ok' AND object = $1 AND user_name = $2`,
					"org:"+c.unit, c.user) > 0
			}},
		"GET /org/{code}/grids/new": {kind: "page", targeted: true, may: can(auth.WriteOrg),
			ask: func(_ *matrix, c cell) request { return get("/org/" + c.grid[:12] + "/grids/new") }},
		"POST /org/{code}/grids/new": {kind: "write", targeted: true, may: can(auth.WriteOrg), wrote: exists("org_units"),
			ask: func(m *matrix, c cell) request {
				name := m.newName("新网格")
				return form(http.MethodPost, "/org/"+c.grid[:12]+"/grids/new", url.Values{"code": {fmt.Sprintf("%03d", 100+m.seq%899)}, "name": {name}})
			}},
		"GET /households/{id}": {kind: "page", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/households/" + c.household) },
			shows: residentName},
		"GET /residents/{id}": {kind: "page", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/residents/" + c.resident) },
			shows: residentName},
		"POST /residents/{id}/reveal": {kind: "reveal", targeted: true, may: can(auth.RevealRegister),
			ask: func(_ *matrix, c cell) request {
				return form(http.MethodPost, "/residents/"+c.resident+"/reveal", url.Values{"field": {"phone"}, "reason": {"电话回访"}})
			},
			shows: residentName},
		"GET /residents/{id}/erase": {kind: "erase", targeted: true, may: can(auth.EraseRegister),
			ask:   func(_ *matrix, c cell) request { return get("/residents/" + c.resident + "/erase") },
			shows: residentName},
		"POST /residents/{id}/erase": {kind: "erase", targeted: true, may: can(auth.EraseRegister), wrote: gone,
			ask: func(m *matrix, c cell) request {
				id, idNumber := m.erasable(c)
				return form(http.MethodPost, "/residents/"+id+"/erase",
					url.Values{"ground": {"purpose_fulfilled"}, "reason": {"已迁出本市"}, "confirm": {idNumber[14:]}})
			}},
		"GET /search": {kind: "search", targeted: true, may: read, filters: true,
			ask:   func(_ *matrix, c cell) request { return get("/search?q=" + url.QueryEscape(c.residentName)) },
			shows: resident},
		// The roster is paged, and the rules that assign add workers: it is asked for
		// the cell's worker by name.
		"GET /staff": {kind: "page", targeted: true, may: read,
			ask: func(_ *matrix, c cell) request {
				return get("/staff?scope=" + c.unit + "&q=" + url.QueryEscape(c.workerName))
			},
			shows: func(c cell) string { return c.workerName }},
		"GET /staff/{id}": {kind: "page", targeted: true, may: read,
			ask:   func(_ *matrix, c cell) request { return get("/staff/" + c.worker) },
			shows: func(c cell) string { return c.workerName }},
		"POST /staff/{id}/assignments": {kind: "write", targeted: true, may: can(auth.WriteStaff), wrote: assigned(false),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/staff/"+m.assignable(c)+"/assignments", url.Values{"grid_code": {c.grid}, "assigned_on": {"2020-01-01"}})
			}},
		"POST /staff/{id}/assignments/{grid}/end": {kind: "write", targeted: true, may: can(auth.WriteStaff), wrote: assigned(true),
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/staff/"+m.serving(c)+"/assignments/"+c.grid+"/end", url.Values{"ended_on": {"2021-01-01"}})
			}},
		"GET /exports/{file}": {kind: "export", targeted: true, may: can(auth.ExportRegister),
			ask:   func(_ *matrix, c cell) request { return get("/exports/residents.csv?scope=" + c.unit) },
			shows: residentName},
		"GET /audit":        {kind: "page", may: can(auth.ReadAudit), ask: func(*matrix, cell) request { return get("/audit") }},
		"GET /audit/export": {kind: "export", may: can(auth.ReadAudit), ask: func(*matrix, cell) request { return get("/audit/export?format=csv") }},
		"GET /imports":      {kind: "page", may: imports, ask: func(*matrix, cell) request { return get("/imports") }},

		"GET /users":     {kind: "page", may: auth.Principal.MayListUsers, ask: func(*matrix, cell) request { return get("/users") }},
		"GET /users/new": {kind: "page", may: can(auth.ManageUsers), ask: func(*matrix, cell) request { return get("/users/new") }},
		"POST /users": {kind: "account", targeted: true, may: can(auth.ManageUsers), inBody: true,
			wrote: func(t *testing.T, m *matrix, _ cell) bool {
				return m.count(t, `SELECT COUNT(*) FROM users WHERE name = $1`, m.fresh) > 0
			},
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/users", url.Values{"name": {m.newName("新用户")}, "role": {"readonly"}, "unit": {c.unit}})
			}},
		"GET /users/{id}": {kind: "account", targeted: true, may: auth.Principal.MayListUsers,
			ask:   func(m *matrix, c cell) request { return get("/users/" + m.userAt(c.unit)) },
			shows: func(c cell) string { return `<h1>` }},
		"GET /users/{id}/{action}": {kind: "account", targeted: true, may: can(auth.ManageUsers),
			ask: func(m *matrix, c cell) request { return get("/users/" + m.userAt(c.unit) + "/disable") }},
		"POST /users/{id}/{action}": {kind: "account", targeted: true, may: can(auth.ManageUsers),
			wrote: func(t *testing.T, m *matrix, _ cell) bool {
				return m.count(t, `SELECT COUNT(*) FROM users WHERE name = $1 AND disabled = 1`, m.fresh) > 0
			},
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/users/"+m.disposableUser(c.unit)+"/disable", nil)
			}},
		"POST /imports": {kind: "import", targeted: true, may: write, inBody: true, wrote: exists("residents"),
			ask: func(m *matrix, c cell) request {
				name := m.newName("上传居民")
				return uploadFile("residents", residentRow(m, name, c))
			},
			// The upload is checked in the background; the user confirms a clean file.
			follow: func(t *testing.T, m *matrix, c cell, rec *httptest.ResponseRecorder) int {
				loc := rec.Header().Get("Location")
				if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/imports/") {
					return rec.Code
				}
				m.settle(t, c.user, loc)
				if got := m.send(c.user, c.addr, form(http.MethodPost, loc+"/confirm", nil)); got.Code != http.StatusSeeOther {
					t.Fatalf("confirming %s: %d", loc, got.Code)
				}
				m.settle(t, c.user, loc)
				if !exists("residents")(t, m, c) {
					return http.StatusUnprocessableEntity // the check found the row's problem
				}
				return http.StatusOK
			}},
		"GET /imports/{id}": {kind: "job", targeted: true, may: imports,
			ask: func(_ *matrix, c cell) request { return get("/imports/" + c.job) }},
		"POST /imports/{id}/confirm": {kind: "job", targeted: true, may: imports,
			ask: func(_ *matrix, c cell) request { return form(http.MethodPost, "/imports/"+c.job+"/confirm", nil) }},
		"POST /imports/{id}/map": {kind: "job", targeted: true, may: imports,
			ask: func(_ *matrix, c cell) request { return form(http.MethodPost, "/imports/"+c.job+"/map", nil) }},
		"GET /imports/{id}/report.xlsx": {kind: "job", targeted: true, may: imports,
			ask: func(_ *matrix, c cell) request { return get("/imports/" + c.job + "/report.xlsx") }},
	}
}

// matrixRow is a route's answers: column (role, or "" for nobody) → the outcome at
// the user's own unit, a sibling and the parent, or only the first for a route that
// names no unit.
type matrixRow struct {
	pattern, kind string
	targeted      bool
	cells         map[auth.Role][]string
}

// columns are the matrix's columns: every role, then nobody.
func columns() []auth.Role { return append(slices.Clone(auth.Roles), "") }

// row asks route pattern everything its rule says and checks every answer.
func (m *matrix) row(t *testing.T, pattern string, r rule) matrixRow {
	t.Helper()
	row := matrixRow{pattern: pattern, kind: r.kind, targeted: r.targeted, cells: map[auth.Role][]string{}}
	asked := relations
	if !r.targeted {
		asked = relations[:1]
	}
	for i, role := range columns() {
		for _, rel := range asked {
			p := m.place(userUnit(role), rel)
			if p.unit == "" {
				row.cells[role] = append(row.cells[role], none)
				continue
			}
			c := cell{user: string(role), role: role, rel: rel, place: p, addr: "192.0.2." + strconv.Itoa(i+1) + ":1234"}
			row.cells[role] = append(row.cells[role], m.check(t, pattern, r, c))
		}
	}
	return row
}

// Outcomes as the matrix shows them.
const (
	allowed  = "✓"
	filtered = "∅" // 200, without any record of the place
	toLogin  = "→" // nobody: sent to sign in (401 from the API)
	none     = "·" // no such place: a city has no parent
	refused3 = "403"
	refused4 = "404"
)

// check asks the server one cell and holds the answer to the rule; it returns the
// outcome.
func (m *matrix) check(t *testing.T, pattern string, r rule, c cell) string {
	t.Helper()
	who := c.user
	if who == "" {
		who = "nobody"
	}
	name := fmt.Sprintf("%s as %s, %s", pattern, who, relationName(c.rel))
	req := r.ask(m, c)
	rec := m.send(c.user, c.addr, req)
	status, body := rec.Code, rec.Body.String()
	if c.user != "" && c.gridName == m.names[userUnit(c.role)] {
		c.gridName = "" // every page shows the name of the user's own unit
	}
	bounced := (strings.HasPrefix(req.path, "/api/") && status == http.StatusUnauthorized) ||
		(status == http.StatusSeeOther && rec.Header().Get("Location") == "/login?next="+url.QueryEscape(req.path))
	if status >= 500 {
		t.Errorf("%s: %d %.300s", name, status, body)
		return strconv.Itoa(status)
	}
	checkHeaders(t, name, rec, shows(body, c.records, req))
	if r.public {
		if bounced {
			t.Errorf("%s: a public route sent the user to sign in", name)
		}
		if r.operators {
			if status != http.StatusForbidden {
				t.Errorf("%s: answered %d to an address outside the operators' networks", name, status)
			}
			return refused3
		}
		return allowed
	}
	if c.user == "" {
		if !bounced {
			t.Errorf("%s: answered %d without sign-in: %.300s", name, status, body)
		}
		if shows(body, c.records, req) {
			t.Errorf("%s: shows records without sign-in", name)
		}
		return toLogin
	}
	if bounced {
		t.Fatalf("%s: the user's token was refused", name)
	}
	if r.follow != nil {
		status = r.follow(t, m, c, rec)
	}
	may := r.may == nil || r.may(m.principals[c.user])
	if r.targeted {
		may = may && c.rel == own
	}
	var outcome string
	switch {
	case status < 400 && r.filters && !shows(body, c.records, req):
		outcome = filtered
	case status == http.StatusSeeOther && r.elsewhere:
		outcome = "303"
	case status < 400:
		outcome = allowed
	default:
		outcome = strconv.Itoa(status)
	}
	if may {
		if outcome != allowed {
			t.Errorf("%s: %s, want allowed: %.300s", name, outcome, body)
		}
		if r.shows != nil && !strings.Contains(body, r.shows(c)) {
			t.Errorf("%s: allowed, but the answer lacks %q: %.300s", name, r.shows(c), body)
		}
	} else {
		ok := outcome == refused3 || outcome == refused4 || (r.filters && outcome == filtered) ||
			(r.inBody && (outcome == "400" || outcome == "422")) || (r.elsewhere && outcome == "303")
		if !ok {
			t.Errorf("%s: %s, want refused: %.300s", name, outcome, body)
		}
		if shows(body, c.records, req) {
			t.Errorf("%s: refused, but the answer shows a record of the place: %.300s", name, body)
		}
	}
	if r.wrote != nil && r.wrote(t, m, c) != may {
		t.Errorf("%s: written %v, want %v", name, !may, may)
	}
	return outcome
}

// checkHeaders holds an answer to the headers every answer carries, and an answer
// with records in it to no-store: a shared office computer must not keep them.
func checkHeaders(t *testing.T, name string, rec *httptest.ResponseRecorder, records bool) {
	t.Helper()
	h := rec.Header()
	// A stored file is served with a stricter policy of its own (files.Write).
	csp := h.Get("Content-Security-Policy")
	if !(strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "default-src 'none'")) || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("%s: security headers missing: %v", name, h)
	}
	if records && !strings.Contains(h.Get("Cache-Control"), "no-store") {
		t.Errorf("%s: an answer with records may be cached: Cache-Control %q", name, h.Get("Cache-Control"))
	}
}

// shows reports whether body holds any of the records that req did not carry
// itself: an ID in the path comes back in links to the same page in another
// language, a search's text in its box.
func shows(body string, r records, req request) bool {
	for _, s := range r.markers() {
		if s != "" && strings.Contains(body, s) && !strings.Contains(req.path, url.PathEscape(s)) &&
			!strings.Contains(req.path, url.QueryEscape(s)) && !bytes.Contains(req.body, []byte(s)) {
			return true
		}
	}
	return false
}

func relationName(r relation) string {
	return [...]string{"own unit", "sibling unit", "parent unit"}[r]
}

// renderMatrix writes the rows as a Markdown table: a route per row, a column per
// role and one for nobody.
func renderMatrix(rows []matrixRow) string {
	var b strings.Builder
	b.WriteString("| route | kind |")
	for _, r := range columns() {
		if r == "" {
			r = "nobody"
		}
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(columns())) + "\n")
	for _, row := range rows {
		b.WriteString("| `" + row.pattern + "` | " + row.kind + " |")
		for _, r := range columns() {
			b.WriteString(" " + strings.Join(row.cells[r], " ") + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// The access matrix stands in the documentation between these marks.
const (
	matrixBegin = "<!-- access matrix: generated by `go test ./internal/server -run TestAccessMatrix -update`; do not edit by hand -->"
	matrixEnd   = "<!-- end of the access matrix -->"
)

// checkMatrixDoc holds the documented matrix to table, or with -update writes it.
func checkMatrixDoc(t *testing.T, table string) {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range docs {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		before, rest, ok := strings.Cut(string(text), matrixBegin+"\n")
		if !ok {
			continue
		}
		documented, after, ok := strings.Cut(rest, matrixEnd)
		if !ok {
			t.Fatalf("%s: the access matrix has no end mark %q", name, matrixEnd)
		}
		if *update {
			if err := os.WriteFile(name, []byte(before+matrixBegin+"\n\n"+table+"\n"+matrixEnd+after), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if strings.TrimSpace(documented) != strings.TrimSpace(table) {
			t.Errorf("%s: the access matrix is not the server's; run go test ./internal/server -run TestAccessMatrix -update, "+
				"and read the difference before committing it. The server's:\n%s", name, table)
		}
		return
	}
	t.Errorf("no file in docs/ holds the access matrix's mark %q", matrixBegin)
}

// checkRefusalShape asks of a cross-site refusal what every refusal gives: under
// /api/ the API's one JSON error shape, code "forbidden", with a translated message;
// elsewhere the error page.
func checkRefusalShape(t *testing.T, pattern string, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	ct := rec.Header().Get("Content-Type")
	if !strings.HasPrefix(req.URL.Path, "/api/") {
		if !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: a page refused as %q, want the error page", pattern, ct)
		}
		return
	}
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || ct != "application/json; charset=utf-8" {
		t.Errorf("%s: refused as %q %q, want the API's JSON error (%v)", pattern, ct, rec.Body, err)
		return
	}
	if body.Error.Code != "forbidden" || body.Error.Message == "" || strings.Contains(body.Error.Message, "err.") {
		t.Errorf("%s: error %+v, want code forbidden with a translated message", pattern, body.Error)
	}
}

// TestAccess_CrossSiteRequestsChangeNothing sends every route that changes
// something, as a signed-in city user, the way a page of another site would make
// the browser send it: the server refuses each with 403 before it reaches the
// handler, so no session cookie can be ridden. Requests of the site itself, and
// of programs (no browser headers), pass.
func TestAccess_CrossSiteRequestsChangeNothing(t *testing.T) {
	m := newMatrix(t, dbtest.SQLite(t))
	rules := accessRules()
	home := m.place(userUnit(auth.RoleCity), own)
	for _, pattern := range m.srv.Routes() {
		method, _, _ := strings.Cut(pattern, " ")
		r, ok := rules[pattern]
		if !ok || method == http.MethodGet {
			continue
		}
		c := cell{user: string(auth.RoleCity), role: auth.RoleCity, rel: own, place: home, addr: "198.51.100.1:1234"}
		for _, origin := range []struct{ site, origin string }{{"cross-site", "https://evil.example"}, {"same-site", "https://other.shequ.example"}} {
			req := r.ask(m, c)
			hr := httptest.NewRequest(req.method, req.path, bytes.NewReader(req.body))
			hr.RemoteAddr = c.addr
			hr.Header.Set("Content-Type", req.contentType)
			hr.Header.Set("Authorization", "Bearer "+m.tokens[c.user])
			hr.Header.Set("Sec-Fetch-Site", origin.site)
			hr.Header.Set("Origin", origin.origin)
			rec := httptest.NewRecorder()
			m.srv.ServeHTTP(rec, hr)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s from a %s page: %d, want 403", pattern, origin.site, rec.Code)
			}
			checkRefusalShape(t, pattern, hr, rec)
			if r.wrote != nil && r.wrote(t, m, c) {
				t.Errorf("%s from a %s page: written", pattern, origin.site)
			}
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Authorization", "Bearer "+m.tokens[string(auth.RoleCity)])
	rec := httptest.NewRecorder()
	m.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Errorf("POST /logout from the site itself: %d", rec.Code)
	}
}
