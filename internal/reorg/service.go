package reorg

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

// The actions a change of the tree records, beside org.create for a new unit.
const (
	ActGridMove       = "org.grid_move"       // a grid moved into another community under a new code
	ActDissolve       = "org.dissolve"        // a community left without grids, dissolved
	ActWorkerTransfer = "worker.transfer"     // a worker posted to another community
	ActPlanApply      = "consolidation.apply" // a plan's proposed community applied
)

// Service holds the rules of a dated change of the tree.
type Service struct {
	db   *db.DB
	now  func() time.Time
	zone *time.Location
}

// NewService returns the service; days are the city's, in zone.
func NewService(d *db.DB, now func() time.Time, zone *time.Location) *Service {
	return &Service{db: d, now: now, zone: zone}
}

func (s *Service) today() string { return s.now().In(s.zone).Format(time.DateOnly) }

// midnight is the instant day began in the city: when a contact role ended by a
// change of that day ended.
func (s *Service) midnight(day string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, day, s.zone)
	return t
}

// Apply makes the change, whole or not at all, in one transaction with its audit
// records.
//
// Errors: forbidden without org.write; invalid, naming the field, for a day in the
// future or before the last dated change of a unit, household, resident or worker
// it touches (reorg.before_last_change, with the unit and the day), a unit that is
// not what it should be or not in the principal's scope, a grid moved across a
// district's border, a community left with no grids that still has workers the
// staff list does not post (reorg.staff_unlisted, naming them), accounts, or
// households outside its grids; conflict for a plan's proposal applied already.
func (s *Service) Apply(ctx context.Context, p auth.Principal, ch Change) (Result, error) {
	if err := p.Require(auth.WriteOrg); err != nil {
		return Result{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActGridMove, "org:"), err)
	}
	if err := ch.check(s.today()); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		a := &applying{s: s, tx: tx, p: p, ch: ch, codes: map[string]string{}, moved: map[string]string{},
			served: map[string][]string{}, losing: map[string][]string{}}
		var err error
		res, err = a.run(ctx)
		return err
	})
	return res, err
}

// applying is one Apply in its transaction.
type applying struct {
	s  *Service
	tx *sql.Tx
	p  auth.Principal
	ch Change

	codes  map[string]string   // community key → code
	moved  map[string]string   // old grid code → new
	served map[string][]string // new grid code → workers who served it under the old
	losing map[string][]string // community code → the communities its moved grids went to
}

func (a *applying) record(ctx context.Context, action, object, reason string) error {
	e := audit.Of(a.p, a.s.now(), action, object)
	e.Reason = reason
	return audit.Record(ctx, a.tx, e)
}

// notBefore refuses the change when its day comes before last, a change of unit.
func (a *applying) notBefore(last, unit string) error {
	if last > a.ch.On {
		return apperr.Invalidf("on", "reorg.before_last_change").With("date", last).With("unit", unit)
	}
	return nil
}

// standing returns a unit of level in the principal's scope that has not ended.
func (a *applying) standing(ctx context.Context, field, code string, level scope.Level) (*org.Unit, error) {
	u, err := org.Lookup(ctx, a.tx, code)
	if err != nil {
		return nil, err
	}
	if u == nil || !a.p.Scope().Contains(code) {
		return nil, apperr.Invalidf(field, "org.not_found").With("code", code)
	}
	if u.Level != level {
		return nil, apperr.Invalidf(field, "org.parent_level").With("want", string(level))
	}
	if u.DissolvedOn != "" {
		return nil, apperr.Invalidf(field, "reorg.dissolved").With("code", code).With("date", u.DissolvedOn)
	}
	established, _, err := org.Dates(ctx, a.tx, code)
	if err != nil {
		return nil, err
	}
	return u, a.notBefore(established, code)
}

func (a *applying) run(ctx context.Context) (Result, error) {
	res := Result{On: a.ch.On, Dissolved: []string{}, Communities: []CommunityDone{}}
	// A proposal applied already is told as such, before whatever else changed.
	for _, c := range a.ch.Communities {
		if c.Plan == "" {
			continue
		}
		applied, err := Applied(ctx, a.tx, c.Plan)
		if err != nil {
			return Result{}, err
		}
		if code, ok := applied[c.PlanNo]; ok {
			return Result{}, apperr.New(apperr.Conflict, "reorg.plan_applied", "plan").With("plan", c.Plan).With("no", c.PlanNo).With("code", code)
		}
	}
	if a.ch.Check != nil {
		if err := a.ch.Check(ctx, a.tx); err != nil {
			return Result{}, err
		}
	}
	for i, c := range a.ch.Communities {
		field := "communities[" + strconv.Itoa(i) + "]"
		done, err := a.community(ctx, field, c)
		if err != nil {
			return Result{}, err
		}
		if c.Plan != "" {
			if err := markApplied(ctx, a.tx, c.Plan, c.PlanNo, done.Code, a.ch.On, a.p.UserID, a.s.now()); err != nil {
				return Result{}, err
			}
			if err := a.record(ctx, ActPlanApply, "plan:"+c.Plan, strconv.Itoa(c.PlanNo)+"@"+done.Code+"@"+a.ch.On); err != nil {
				return Result{}, err
			}
			res.Plan = append(res.Plan, PlanCommunity{Plan: c.Plan, No: c.PlanNo, Code: done.Code})
		}
		res.Communities = append(res.Communities, done)
	}
	n, err := a.post(ctx)
	if err != nil {
		return Result{}, err
	}
	res.Transferred = n
	if res.Dissolved, err = a.dissolve(ctx); err != nil {
		return Result{}, err
	}
	return res, nil
}

// community brings one community of the change about: created if new, then each
// of its grids not yet under it moved in.
func (a *applying) community(ctx context.Context, field string, c Community) (CommunityDone, error) {
	done := CommunityDone{Key: c.Key, Code: c.Code, New: c.New(), Moves: []Moved{}}
	district := ""
	if c.New() {
		street, err := a.standing(ctx, field+".street", c.Street, scope.Street)
		if err != nil {
			return done, err
		}
		if done.Code, err = org.AllocateCode(ctx, a.tx, street.Code, scope.Community); err != nil {
			return done, err
		}
		// A residents' committee set up on the day is founded in its year.
		u := org.Unit{Code: done.Code, Name: c.Name, Level: scope.Community, ParentCode: street.Code, FoundedYear: founded(a.ch.On)}
		if err := u.Validate(street, a.s.now().Year()); err != nil {
			return done, err
		}
		if err := org.Establish(ctx, a.tx, u, a.ch.On, a.s.now().UnixMilli()); err != nil {
			return done, err
		}
		if err := a.record(ctx, audit.ActOrgCreate, "org:"+done.Code, "on "+a.ch.On); err != nil {
			return done, err
		}
		district = street.Code[:6]
	} else {
		if _, err := a.standing(ctx, field+".code", c.Code, scope.Community); err != nil {
			return done, err
		}
		district = c.Code[:6]
	}
	a.codes[c.Key] = done.Code
	for _, g := range c.Grids {
		grid, err := a.standing(ctx, field+".grids", g, scope.Grid)
		if err != nil {
			return done, err
		}
		if grid.ParentCode == done.Code {
			continue
		}
		if g[:6] != district {
			return done, apperr.Invalidf(field+".grids", "reorg.other_district").With("code", g).With("district", district)
		}
		m, err := a.moveGrid(ctx, *grid, done.Code)
		if err != nil {
			return done, err
		}
		done.Moves = append(done.Moves, m)
	}
	return done, nil
}

// moveGrid moves grid into community under a new code, with all it holds.
func (a *applying) moveGrid(ctx context.Context, grid org.Unit, community string) (Moved, error) {
	for _, last := range []func(context.Context, db.Querier, string) (string, error){registry.GridLastChange, assignmentDates} {
		day, err := last(ctx, a.tx, grid.Code)
		if err != nil {
			return Moved{}, err
		}
		if err := a.notBefore(day, grid.Code); err != nil {
			return Moved{}, err
		}
	}
	to, err := org.AllocateCode(ctx, a.tx, community, scope.Grid)
	if err != nil {
		return Moved{}, err
	}
	if err := org.Establish(ctx, a.tx, org.Unit{Code: to, Name: grid.Name, Level: scope.Grid, ParentCode: community}, a.ch.On, a.s.now().UnixMilli()); err != nil {
		return Moved{}, err
	}
	n, err := registry.MoveGrid(ctx, a.tx, grid.Code, to, a.ch.On, a.s.midnight(a.ch.On))
	if err != nil {
		return Moved{}, err
	}
	relieved, err := staff.EndGridAssignments(ctx, a.tx, grid.Code, a.ch.On)
	if err != nil {
		return Moved{}, err
	}
	for _, r := range relieved {
		a.served[to] = append(a.served[to], r.WorkerID)
	}
	if err := moveAccounts(ctx, a.tx, grid.Code, to); err != nil {
		return Moved{}, err
	}
	if err := moveOpenCases(ctx, a.tx, grid.Code, to); err != nil {
		return Moved{}, err
	}
	if err := copyGridMap(ctx, a.tx, grid.Code, to); err != nil {
		return Moved{}, err
	}
	if err := org.End(ctx, a.tx, grid.Code, a.ch.On, to); err != nil {
		return Moved{}, err
	}
	a.moved[grid.Code] = to
	if !slices.Contains(a.losing[grid.ParentCode], community) {
		a.losing[grid.ParentCode] = append(a.losing[grid.ParentCode], community)
	}
	m := Moved{From: grid.Code, To: to, Households: n.Households, Residents: n.Residents, Contacts: n.Contacts, Workers: len(relieved)}
	reason := to + "@" + a.ch.On + " households=" + strconv.Itoa(m.Households) + " residents=" + strconv.Itoa(m.Residents)
	return m, a.record(ctx, ActGridMove, "org:"+grid.Code, reason)
}

// post carries out the staff list, then lets a worker who served a moved grid and
// now belongs to its community serve it on under its new code.
func (a *applying) post(ctx context.Context) (int, error) {
	listed := map[string]bool{}
	for i, ps := range a.ch.Staff {
		field := "staff[" + strconv.Itoa(i) + "]"
		community, ok := a.codes[ps.Community]
		if !ok {
			u, err := a.standing(ctx, field+".community", ps.Community, scope.Community)
			if err != nil {
				return 0, err
			}
			community = u.Code
		}
		if len(ps.Worker) == 18 {
			id, err := staff.IDByNumber(ctx, a.tx, a.s.db.Keys(), strings.ToUpper(ps.Worker))
			if err != nil {
				return 0, err
			}
			if id == "" {
				return 0, apperr.Invalidf(field+".worker", "worker.not_found")
			}
			ps.Worker = id
		}
		var from string
		err := a.tx.QueryRowContext(ctx, `SELECT org_code FROM workers WHERE id = $1`, ps.Worker).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !a.p.Scope().Contains(from) {
			return 0, apperr.Invalidf(field+".worker", "worker.not_found").With("worker", ps.Worker)
		}
		if err != nil {
			return 0, err
		}
		last, err := staff.LastChange(ctx, a.tx, ps.Worker)
		if err != nil {
			return 0, err
		}
		if err := a.notBefore(last, ps.Worker); err != nil {
			return 0, err
		}
		if err := staff.Transfer(ctx, a.tx, ps.Worker, community, a.ch.On); err != nil {
			return 0, err
		}
		if err := a.record(ctx, ActWorkerTransfer, "worker:"+ps.Worker, from+"→"+community+"@"+a.ch.On); err != nil {
			return 0, err
		}
		listed[ps.Worker] = len(ps.Grids) > 0
		for _, g := range ps.Grids {
			if to, ok := a.moved[g]; ok {
				g = to
			}
			if _, err := staff.AssignFrom(ctx, a.tx, ps.Worker, g, a.ch.On); err != nil {
				return 0, apperr.Invalidf(field+".grids", "reorg.assign").With("code", g).With("worker", ps.Worker).With("reason", err.Error())
			}
			if err := a.record(ctx, audit.ActWorkerAssign, "worker:"+ps.Worker, g+"@"+a.ch.On); err != nil {
				return 0, err
			}
		}
	}
	grids := make([]string, 0, len(a.served))
	for g := range a.served {
		grids = append(grids, g)
	}
	slices.Sort(grids)
	for _, g := range grids {
		for _, w := range a.served[g] {
			var community string
			if err := a.tx.QueryRowContext(ctx, `SELECT org_code FROM workers WHERE id = $1`, w).Scan(&community); err != nil {
				return 0, err
			}
			if listed[w] || community != scope.ParentCode(g) {
				continue
			}
			if _, err := staff.AssignFrom(ctx, a.tx, w, g, a.ch.On); err != nil {
				return 0, err
			}
			if err := a.record(ctx, audit.ActWorkerAssign, "worker:"+w, g+"@"+a.ch.On); err != nil {
				return 0, err
			}
		}
	}
	return len(listed), nil
}

// dissolve ends each community that the change left without grids, and refuses the
// change if one of them still has people bound to it: workers the staff list did
// not post, accounts, or households outside its grids.
func (a *applying) dissolve(ctx context.Context) ([]string, error) {
	codes := make([]string, 0, len(a.losing))
	for c := range a.losing {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	out := []string{}
	for _, c := range codes {
		left, err := org.StandingChildren(ctx, a.tx, c)
		if err != nil {
			return nil, err
		}
		if len(left) > 0 {
			continue
		}
		workers, err := staff.In(ctx, a.tx, c)
		if err != nil {
			return nil, err
		}
		if len(workers) > 0 {
			names := make([]string, len(workers))
			for i, w := range workers {
				names[i] = w.Name + " (" + w.ID + ")"
			}
			return nil, apperr.Invalidf("staff", "reorg.staff_unlisted").With("community", c).With("workers", strings.Join(names, "、"))
		}
		accounts, err := accountsIn(ctx, a.tx, c)
		if err != nil {
			return nil, err
		}
		if len(accounts) > 0 {
			return nil, apperr.Invalidf("staff", "reorg.accounts_bound").With("community", c).With("users", strings.Join(accounts, "、"))
		}
		if n, err := registry.StandingHouseholds(ctx, a.tx, c); err != nil || n > 0 {
			if err == nil {
				err = apperr.Invalidf("communities", "reorg.households_outside_grids").With("community", c).With("n", n)
			}
			return nil, err
		}
		successor := ""
		if to := a.losing[c]; len(to) == 1 {
			successor = to[0]
		}
		if err := org.End(ctx, a.tx, c, a.ch.On, successor); err != nil {
			return nil, err
		}
		if err := a.record(ctx, ActDissolve, "org:"+c, a.ch.On); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// founded is the year of a day YYYY-MM-DD.
func founded(day string) int {
	y, _ := strconv.Atoi(day[:4])
	return y
}
