package fieldwork

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/cases"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

// The settings grid work reads (table settings): how many days without a visit make
// a household overdue, and the box a worker's GPS points must fall in
// ("minLat,minLng,maxLat,maxLng").
const (
	SettingOverdueDays = "fieldwork.visit_overdue_days"
	SettingBounds      = "fieldwork.bounds"
)

// DefaultOverdueDays is how long a household may go unvisited before the grid's
// page marks it, when the city set nothing else.
const DefaultOverdueDays = 90

// Deps are the services grid work stands on.
type Deps struct {
	Org      *org.Service
	Registry *registry.Service
	Staff    *staff.Service
	Cases    *cases.Service
}

// Hooks are what other domains add to grid work's pages without grid work
// depending on them: sections of the worker's day ("proposals returned to me")
// and a column of the community's view ("proposals waiting").
type Hooks struct {
	Sections []DaySection
	// Waiting counts, per grid code of a community, what waits at the office for
	// the grid; nil shows no column.
	Waiting func(ctx context.Context, p auth.Principal, community string) (map[string]int, error)
}

// Service holds the rules of grid work: who may keep a grid's team and contacts,
// patrol or visit where, and what a worker's day shows.
type Service struct {
	db    *db.DB
	now   func() time.Time
	zone  *time.Location
	deps  Deps
	hooks Hooks
}

// NewService returns grid work's service on d, its days the city's (zone).
func NewService(d *db.DB, now func() time.Time, zone *time.Location, deps Deps, hooks Hooks) *Service {
	return &Service{db: d, now: now, zone: zone, deps: deps, hooks: hooks}
}

// local is now in the city's zone.
func (s *Service) local() time.Time { return s.now().In(s.zone) }

// today is the city's date now.
func (s *Service) today() string { return s.local().Format(time.DateOnly) }

// OverdueDays returns the setting, DefaultOverdueDays when unset or unreadable.
func (s *Service) OverdueDays(ctx context.Context) int {
	v, err := readSetting(ctx, s.db.Read(), SettingOverdueDays)
	if n, perr := strconv.Atoi(v); err == nil && perr == nil && n > 0 {
		return n
	}
	return DefaultOverdueDays
}

// Bounds returns the box a worker's points must fall in: the city's setting, or
// China when it gave none or one that does not read.
func (s *Service) Bounds(ctx context.Context) Box {
	v, err := readSetting(ctx, s.db.Read(), SettingBounds)
	parts := strings.Split(v, ",")
	if err != nil || len(parts) != 4 {
		return China
	}
	var f [4]float64
	for i, p := range parts {
		if f[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return China
		}
	}
	return Box{MinLat: f[0], MinLng: f[1], MaxLat: f[2], MaxLng: f[3]}
}

// gridIn returns grid if it is a grid's code in p's scope; otherwise not found, as
// a unit outside the scope is.
func gridIn(p auth.Principal, grid string) error {
	if scope.LevelOf(grid) != scope.Grid || !p.Scope().Contains(grid) {
		return apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	return nil
}

// TeamMember is a worker serving a grid now, since AssignedOn; Phone is whole only
// for those who see the grid's work contacts.
type TeamMember struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Position   string `json:"position"`
	Phone      string `json:"phone"`
	Callable   bool   `json:"callable"`
	AssignedOn string `json:"assigned_on"`
}

// GridWork is the grid's work page: its team, its contacts, and its households with
// when each was last visited.
type GridWork struct {
	Grid     org.Unit          `json:"grid"`
	Team     []TeamMember      `json:"team"`
	Contacts []Contact         `json:"contacts"`
	Homes    []HouseholdVisits `json:"households"`
	// OverdueDays is the setting the households were marked by; Overdue and Never
	// count them.
	OverdueDays int `json:"overdue_days"`
	Overdue     int `json:"overdue"`
	Never       int `json:"never_visited"`
	// Candidates are the community's workers not on the team, for those who keep
	// it (staff.write); none for the others.
	Candidates []staff.Worker `json:"-"`
}

// Grid returns a grid's work page. Errors: forbidden without registry.read; not
// found for a grid outside p's scope.
func (s *Service) Grid(ctx context.Context, p auth.Principal, grid string) (GridWork, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return GridWork{}, err
	}
	if err := gridIn(p, grid); err != nil {
		return GridWork{}, err
	}
	u, err := s.deps.Org.Unit(ctx, p, grid)
	if err != nil {
		return GridWork{}, err
	}
	g := GridWork{Grid: u, OverdueDays: s.OverdueDays(ctx)}
	if g.Team, err = s.team(ctx, p, grid); err != nil {
		return GridWork{}, err
	}
	if g.Contacts, err = s.Contacts(ctx, p, grid); err != nil {
		return GridWork{}, err
	}
	if g.Homes, err = lastVisits(ctx, s.db.Read(), grid); err != nil {
		return GridWork{}, err
	}
	cutoff := s.local().AddDate(0, 0, -g.OverdueDays).Format(time.DateOnly)
	for i, h := range g.Homes {
		g.Homes[i].Overdue = h.LastVisited < cutoff
		if h.LastVisited == "" {
			g.Never++
		}
		if g.Homes[i].Overdue {
			g.Overdue++
		}
	}
	if p.Can(auth.WriteStaff) {
		ws, err := s.deps.Staff.Workers(ctx, p, scope.ParentCode(grid), staff.Filter{})
		if err != nil {
			return GridWork{}, err
		}
		for _, w := range ws {
			if !inTeam(g.Team, w.ID) {
				g.Candidates = append(g.Candidates, w)
			}
		}
	}
	return g, nil
}

func inTeam(team []TeamMember, id string) bool {
	for _, m := range team {
		if m.ID == id {
			return true
		}
	}
	return false
}

// team returns the grid's workers now, each with the day their assignment began.
func (s *Service) team(ctx context.Context, p auth.Principal, grid string) ([]TeamMember, error) {
	ws, err := s.deps.Staff.GridWorkers(ctx, p, grid, "")
	if err != nil {
		return nil, err
	}
	out := []TeamMember{}
	for _, w := range ws {
		as, err := staff.Assignments(ctx, s.db.Read(), w.ID)
		if err != nil {
			return nil, err
		}
		m := TeamMember{ID: w.ID, Name: w.Name, Position: w.Position, Phone: w.ShownTo(p).Phone, Callable: p.SeesWorkContactsOf(grid)}
		for _, a := range as {
			if a.GridCode == grid && a.Current() {
				m.AssignedOn = a.AssignedOn
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Assign puts a worker of the grid's community on its team from a day, through
// staff's own rules: at most staff.MaxWorkersPerGrid on any day, dated, audited.
func (s *Service) Assign(ctx context.Context, p auth.Principal, grid, workerID, on string) (staff.Assignment, error) {
	if err := gridIn(p, grid); err != nil {
		return staff.Assignment{}, err
	}
	if strings.TrimSpace(workerID) == "" {
		return staff.Assignment{}, apperr.Invalidf("worker_id", "required")
	}
	if strings.TrimSpace(on) == "" {
		on = s.today()
	}
	return s.deps.Staff.Assign(ctx, p, strings.TrimSpace(workerID), staff.AssignInput{GridCode: grid, AssignedOn: on})
}

// Unassign takes a worker off the grid's team from a day (the first they no longer
// serve it), through staff's rules.
func (s *Service) Unassign(ctx context.Context, p auth.Principal, grid, workerID, on string) (staff.Assignment, error) {
	if err := gridIn(p, grid); err != nil {
		return staff.Assignment{}, err
	}
	if strings.TrimSpace(on) == "" {
		on = s.today()
	}
	return s.deps.Staff.EndAssignment(ctx, p, strings.TrimSpace(workerID), grid, staff.EndInput{EndedOn: on})
}

// Contacts returns a grid's contacts; phones whole, and callable, only for those
// who see the grid's work contacts (decision 18).
func (s *Service) Contacts(ctx context.Context, p auth.Principal, grid string) ([]Contact, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	if err := gridIn(p, grid); err != nil {
		return nil, err
	}
	cs, err := gridContacts(ctx, s.db.Read(), s.db.Keys(), grid)
	if err != nil {
		return nil, err
	}
	whole := p.SeesWorkContactsOf(grid)
	for i := range cs {
		if cs[i].Callable = whole && cs[i].Phone != ""; !whole {
			cs[i].Phone = pii.MaskPhone(cs[i].Phone)
		}
	}
	return cs, nil
}

// AddContact makes a resident of the grid one of its contacts, answering for a
// building or a group, from a day not after today. The community keeps its grids'
// contacts, as it keeps their teams (staff.write).
//
// Errors: forbidden without staff.write; not found for a grid outside p's scope;
// invalid naming resident_id for a resident who does not live in the grid, role for
// an unknown role, started_on for a bad or future date; conflict when the resident
// holds the role in the grid already.
func (s *Service) AddContact(ctx context.Context, p auth.Principal, grid string, in ContactInput) (Contact, error) {
	now := s.now()
	if err := p.Require(auth.WriteStaff); err != nil {
		return Contact{}, audit.Refused(ctx, s.db, audit.Of(p, now, ActContactAdd, "grid:"+grid), err)
	}
	if err := gridIn(p, grid); err != nil {
		return Contact{}, err
	}
	if err := in.check(s.today()); err != nil {
		return Contact{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		lives, err := residentGrid(ctx, tx, in.ResidentID)
		if err != nil {
			return err
		}
		if lives != grid {
			return apperr.Invalidf("resident_id", "fieldwork.contact_not_in_grid")
		}
		if err := insertContact(ctx, tx, id, grid, in); err != nil {
			return err
		}
		e := audit.Of(p, now, ActContactAdd, "grid:"+grid)
		e.Reason = "resident:" + in.ResidentID + " role:" + in.Role + " from:" + in.StartedOn
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return Contact{}, err
	}
	return Contact{ID: id, GridCode: grid, Role: in.Role, ResidentID: in.ResidentID, AnswersFor: in.AnswersFor, StartedOn: in.StartedOn}, nil
}

// EndContact ends a grid contact's role on a day — the first day they no longer
// hold it, not before it began nor after today — keeping it in the grid's contact
// history, ended at that day's first instant in the city.
func (s *Service) EndContact(ctx context.Context, p auth.Principal, grid, id, on string) error {
	now := s.now()
	if err := p.Require(auth.WriteStaff); err != nil {
		return audit.Refused(ctx, s.db, audit.Of(p, now, ActContactEnd, "grid:"+grid), err)
	}
	if err := gridIn(p, grid); err != nil {
		return err
	}
	if err := pastDay("ended_on", &on, s.today()); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := contactOf(ctx, tx, grid, id)
		if err != nil {
			return err
		}
		if on < c.StartedOn {
			return apperr.Invalidf("ended_on", "fieldwork.ended_before_started").With("date", c.StartedOn)
		}
		day, _ := time.ParseInLocation(time.DateOnly, on, s.zone)
		if err := endContact(ctx, tx, id, day); err != nil {
			return err
		}
		e := audit.Of(p, now, ActContactEnd, "grid:"+grid)
		e.Reason = "resident:" + c.ResidentID + " role:" + c.Role + " ended:" + on
		return audit.Record(ctx, tx, e)
	})
}
