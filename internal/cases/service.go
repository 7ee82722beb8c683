package cases

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/workflow"
)

// Service holds the rules of cases: who may report what where, how a case is
// numbered, what a dispatch, a merge or a rating changes besides the workflow's
// state, and what each user sees.
type Service struct {
	db   *db.DB
	now  func() time.Time
	wt   workflow.WorkingTime
	zone *time.Location
	// files keeps photos (bytes in the database, decision 24).
	files files.Store
	// run holds the catalogue and the engine built on its limits; a change to the
	// catalogue, here or in another process, swaps both at once.
	run   atomic.Pointer[running]
	watch *changes.Watch
}

// catalogueTopic is the catalogue's row of change_versions.
const catalogueTopic changes.Topic = "case_catalogue"

type running struct {
	cat    *Catalogue
	engine *workflow.Engine
	gen    uint64
}

// NewService returns the cases service on d, counting deadlines on wt in the
// city's zone, with the catalogue as the database holds it.
func NewService(ctx context.Context, d *db.DB, now func() time.Time, zone *time.Location, wt workflow.WorkingTime) (*Service, error) {
	s := &Service{db: d, now: now, wt: wt, zone: zone, files: files.NewStore(files.InDatabase{}),
		watch: changes.NewWatch(d, catalogueTopic, changes.DefaultInterval)}
	return s, s.Reload(ctx)
}

// current returns the catalogue and engine as the database holds them now,
// rebuilt when another process (or this one) changed the catalogue; on a failure
// to look, what is held.
func (s *Service) current(ctx context.Context) *running {
	run := s.run.Load()
	if gen, err := s.watch.Generation(ctx); err == nil && gen != run.gen {
		if s.Reload(ctx) == nil {
			run = s.run.Load()
		}
	}
	return run
}

// Reload reads the catalogue again and rebuilds the engine on its limits.
func (s *Service) Reload(ctx context.Context) error {
	gen, err := s.watch.Generation(ctx)
	if err != nil {
		return err
	}
	cat, err := loadCatalogue(ctx, s.db.Read())
	if err != nil {
		return err
	}
	f, err := cat.flow()
	if err != nil {
		return err
	}
	e, err := workflow.NewEngine(s.wt, s.now, f)
	if err != nil {
		return err
	}
	s.run.Store(&running{cat: cat, engine: e, gen: gen})
	return nil
}

// Catalogue returns the categories.
func (s *Service) Catalogue() *Catalogue { return s.current(context.Background()).cat }

// Engine returns the workflow engine the cases run on, for pages that show the
// flow's steps.
func (s *Service) Engine() *workflow.Engine { return s.current(context.Background()).engine }

// Report takes a case into the intake of the community where it happened: checks
// it, numbers it, records the reporter (the user, and the resident who reported it
// when one did), keeps its photos (already stripped of EXIF by files.Prepare),
// starts its workflow at 上报 with the 立案 clock running, and records it in the
// audit trail, all in one transaction. A request carrying an
// Idempotency-Key that has created a case already gets that case again.
//
// Errors: forbidden for a role that may not report; invalid, naming the field, for
// a missing or over-long field, an unknown or retired category, a place that is not
// a grid or community in p's scope, a reporter's phone that is not a phone;
// unprocessable for an Idempotency-Key used before with another body.
func (s *Service) Report(ctx context.Context, p auth.Principal, in ReportInput, photos []files.Prepared, key *idem.Request) (Case, error) {
	if id, err := idem.Lookup(ctx, s.db.Read(), key); err != nil || id != "" {
		if err != nil {
			return Case{}, err
		}
		return s.Get(ctx, p, id, "")
	}
	run := s.current(ctx)
	in.normalise()
	errs := in.Check()
	if in.Category != "" && !run.cat.Reportable(in.Category) {
		errs = append(errs, apperr.Invalidf("category", "case.category"))
	}
	if in.OrgCode != "" {
		if l := scope.LevelOf(in.OrgCode); (l != scope.Grid && l != scope.Community) || !p.Scope().Contains(in.OrgCode) {
			errs = append(errs, apperr.Invalidf("org_code", "case.place"))
		}
	}
	if in.ReporterPhone != "" {
		phone, err := pii.NormalizePhone(in.ReporterPhone)
		if err != nil {
			errs = append(errs, apperr.Invalidf("reporter_phone", "phone.format"))
		}
		in.ReporterPhone = phone
	}
	if len(errs) > 0 {
		return Case{}, errs[0]
	}
	now := s.now().UTC()
	c := Case{ID: db.NewID(), OrgCode: in.OrgCode, Category: in.Category, Description: in.Description, Address: in.Address,
		Lat: in.Lat, Lng: in.Lng, Channel: in.Channel, ReportedBy: p.UserID, ReportedAt: now, UpdatedAt: now}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_units WHERE code = $1`, c.OrgCode).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return apperr.Invalidf("org_code", "case.place")
		}
		var err error
		if c.No, err = nextNumber(ctx, tx, c.OrgCode, now.In(s.zone).Year()); err != nil {
			return err
		}
		if err := insertCase(ctx, tx, c); err != nil {
			return err
		}
		if err := insertReporter(ctx, tx, s.db.Keys(), c.ID, Reporter{Kind: string(ChannelWorker), Name: p.Name, UserID: p.UserID, AddedAt: now}); err != nil {
			return err
		}
		if in.ReporterName != "" || in.ReporterPhone != "" {
			r := Reporter{Kind: "resident", Name: in.ReporterName, Phone: in.ReporterPhone, AddedAt: now}
			if err := insertReporter(ctx, tx, s.db.Keys(), c.ID, r); err != nil {
				return err
			}
		}
		if err := s.savePhotos(ctx, tx, p, c, photos, now); err != nil {
			return err
		}
		if _, err := run.engine.Start(ctx, tx, p, workflow.StartInput{Flow: FlowName, SubjectKind: SubjectKind, SubjectID: c.ID,
			OrgCode: c.OrgCode, OwnerOrg: communityOf(c.OrgCode), Category: c.Category, Note: c.No}); err != nil {
			return err
		}
		return idem.Record(ctx, tx, key, c.ID, now)
	})
	if err != nil {
		if key != nil && db.IsUniqueViolation(err) {
			// Another request with the key committed first: it is the answer.
			return s.Report(ctx, p, in, photos, key)
		}
	}
	return s.refused(ctx, p, now, workflow.ActStart, "case:"+c.ID, err, c.ID)
}

// Get returns the case with id or number idOrNo in p's scope, its category named
// in lang. Errors: forbidden to those who do not read the register (the three
// administrators); not found outside p's scope.
func (s *Service) Get(ctx context.Context, p auth.Principal, idOrNo, lang string) (Case, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Case{}, err
	}
	c, err := getCase(ctx, s.db.Read(), p.Scope(), idOrNo, lang)
	if err != nil {
		return Case{}, err
	}
	c.CategoryName = s.current(ctx).cat.Name(c.Category, lang)
	return c, nil
}

// Detail is a case with what its page shows: reporters (phones masked), the
// timeline, the steps the user may take now, the handlers a dispatch may choose
// from with the routing table's suggestion, and the case's flag.
type Detail struct {
	Case      Case                  `json:"case"`
	Reporters []Reporter            `json:"reporters"`
	Timeline  []workflow.Action     `json:"timeline"`
	Allowed   []workflow.Transition `json:"allowed"`
	Handlers  []Handler             `json:"handlers,omitempty"`
	Suggested string                `json:"suggested_handler,omitempty"`
	Flag      workflow.Flag         `json:"flag,omitempty"`
}

// dueSoon is how near a deadline must be for a case to count as due soon.
const dueSoon = 24 * time.Hour

// Detail returns the case with its page's parts.
func (s *Service) Detail(ctx context.Context, p auth.Principal, idOrNo, lang string) (Detail, error) {
	c, err := s.Get(ctx, p, idOrNo, lang)
	if err != nil {
		return Detail{}, err
	}
	// What the user may do is decided before the read transaction: the engine may
	// look up the catalogue's version on the read pool, which a transaction holding
	// one of its connections must not wait for.
	d := Detail{Case: c, Flag: c.Instance.Flag(s.now(), dueSoon), Allowed: s.current(ctx).engine.Allowed(p, c.Instance)}
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		if d.Reporters, err = reporters(ctx, q, s.db.Keys(), c.ID); err != nil {
			return err
		}
		for i := range d.Reporters {
			d.Reporters[i].Phone = pii.MaskPhone(d.Reporters[i].Phone)
		}
		if d.Timeline, err = workflow.Timeline(ctx, q, p.Scope(), c.Instance.ID); err != nil {
			return err
		}
		for _, t := range d.Allowed {
			if t.Effect == workflow.AssignHandler {
				if d.Handlers, err = handlers(ctx, q, c.OrgCode, lang); err != nil {
					return err
				}
				d.Suggested, err = route(ctx, q, c.OrgCode, c.Category)
				return err
			}
		}
		return nil
	})
	return d, err
}

// Take takes a step on the case idOrNo, which the user saw at version ifMatch (its
// ETag): the workflow's transition with what the case itself keeps of it — the
// handling unit of a dispatch or a reassignment, the case a duplicate joins (and
// its reporters, who are kept there), the new category, the rating — in one
// transaction with the audit record.
//
// Errors: as workflow.Engine.Take (precondition required or failed, conflict
// naming the steps allowed now, forbidden, invalid naming the field); invalid for a
// handler that does not serve the case's place, a merge into a case that is not
// open and in scope, an unknown category, a rating that is not one of Ratings.
func (s *Service) Take(ctx context.Context, p auth.Principal, idOrNo string, ifMatch int, in TakeInput, photos []files.Prepared) (Case, error) {
	run := s.current(ctx)
	now := s.now().UTC()
	var id string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := getCase(ctx, tx, p.Scope(), idOrNo, "")
		if err != nil {
			return err
		}
		id = c.ID
		wf := workflow.TakeInput{Transition: in.Transition, Note: in.Note, Reason: in.Reason, Result: in.Result, Days: in.Days, Photos: len(photos)}
		t, _ := flowTransition(run.engine, in.Transition)
		set := map[string]any{}
		switch t.Effect {
		case workflow.AssignHandler:
			h, err := s.handlerFor(ctx, tx, c, in.HandlerID)
			if err != nil {
				return err
			}
			wf.HandlerOrg = h.OrgCode
			set["handler_id"] = h.ID
		case workflow.Recategorise:
			if !run.cat.Reportable(in.Category) {
				return apperr.Invalidf("category", "case.category")
			}
			wf.Category = in.Category
			set["category_code"] = in.Category
		}
		switch in.Transition {
		case "merge":
			into, err := getCase(ctx, tx, p.Scope(), strings.TrimSpace(in.Into), "")
			if err != nil || into.ID == c.ID || into.Instance.Closed() {
				return apperr.Invalidf("into", "case.merge_into")
			}
			if wf.Reason == "" {
				wf.Reason = into.No
			}
			if err := copyReporters(ctx, tx, c.ID, into.ID); err != nil {
				return err
			}
			set["merged_into"] = into.ID
		case "rate":
			set["rating"] = in.Result
		}
		if _, err := run.engine.Take(ctx, tx, p, c.Instance.ID, ifMatch, wf); err != nil {
			return err
		}
		if err := s.savePhotos(ctx, tx, p, c, photos, now); err != nil {
			return err
		}
		return updateCase(ctx, tx, c.ID, set, now)
	})
	return s.refused(ctx, p, now, workflow.ActTransition, "case:"+idOrNo, err, id)
}

// refused ends a write: the case on success; a refusal for want of a permission
// recorded as denied, and a case out of scope as a denied read, in the audit trail.
func (s *Service) refused(ctx context.Context, p auth.Principal, now time.Time, action, object string, err error, id string) (Case, error) {
	switch {
	case err == nil:
		return s.Get(ctx, p, id, "")
	case apperr.Is(err, apperr.Forbidden):
		return Case{}, audit.Refused(ctx, s.db, audit.Of(p, now, action, object), err)
	}
	return Case{}, audit.RecordOutOfScope(ctx, s.db, p, now, action, err)
}

// savePhotos keeps a case's photos, scoped like the case.
func (s *Service) savePhotos(ctx context.Context, tx *sql.Tx, p auth.Principal, c Case, photos []files.Prepared, now time.Time) error {
	for _, ph := range photos {
		if _, err := s.files.Save(ctx, tx, p.Scope(), ph, files.Owner{Kind: SubjectKind, ID: c.ID, OrgCode: c.OrgCode}, p.UserID, now); err != nil {
			return err
		}
	}
	return nil
}

// Files lists the photos of a case in p's scope, in the order they came.
func (s *Service) Files(ctx context.Context, p auth.Principal, caseID string) ([]files.File, error) {
	return files.List(ctx, s.db.Read(), p.Scope(), SubjectKind, caseID)
}

// flowTransition returns the case flow's transition named name.
func flowTransition(e *workflow.Engine, name string) (workflow.Transition, bool) {
	f, _ := e.Flow(FlowName)
	for _, t := range f.Transitions {
		if t.Name == name {
			return t, true
		}
	}
	return workflow.Transition{}, false
}

// handlerFor returns the handling unit id if it serves c's place: it sits in a
// unit on the path from the city down to the place.
func (s *Service) handlerFor(ctx context.Context, q db.Querier, c Case, id string) (Handler, error) {
	if id == "" {
		return Handler{}, apperr.Invalidf("handler_id", "required")
	}
	hs, err := handlers(ctx, q, c.OrgCode, "")
	if err != nil {
		return Handler{}, err
	}
	for _, h := range hs {
		if h.ID == id {
			return h, nil
		}
	}
	return Handler{}, apperr.Invalidf("handler_id", "case.handler")
}

// updateCase sets the columns of set (from a fixed list) and updated_at.
func updateCase(ctx context.Context, tx *sql.Tx, id string, set map[string]any, now time.Time) error {
	query, args := "UPDATE cases SET updated_at = $1", []any{now.UnixMilli()}
	for _, col := range []string{"handler_id", "category_code", "merged_into", "rating"} {
		if v, ok := set[col]; ok {
			args = append(args, v)
			query += ", " + col + " = $" + strconv.Itoa(len(args))
		}
	}
	args = append(args, id)
	_, err := tx.ExecContext(ctx, query+" WHERE id = $"+strconv.Itoa(len(args)), args...)
	return err
}

// List returns a page of the cases in p's scope that f selects, and their number.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, lang string) ([]Case, int, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, 0, err
	}
	if f.Mine {
		f.MineOrg = p.OrgCode
	}
	var cs []Case
	var n int
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		cs, n, err = listCases(ctx, q, p.Scope(), f, lang)
		return err
	})
	for i := range cs {
		cs[i].CategoryName = s.current(ctx).cat.Name(cs[i].Category, lang)
	}
	return cs, n, err
}

// MyWorkCount is how many cases wait for p's unit, for the navigation.
func (s *Service) MyWorkCount(ctx context.Context, p auth.Principal) (int, error) {
	if !p.Can(auth.ReadRegister) {
		return 0, nil
	}
	return countCases(ctx, s.db.Read(), p.Scope(), Filter{Mine: true, MineOrg: p.OrgCode})
}

// Board returns a page of the supervision board (督办台) of unit in p's scope: the
// open cases that show selects, the longest overdue first, the counts of every
// list, and the key of the next page.
func (s *Service) Board(ctx context.Context, p auth.Principal, unit string, show workflow.Flag, after string, limit int, lang string) ([]Case, workflow.Counts, string, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, workflow.Counts{}, "", err
	}
	now := s.now()
	var cs []Case
	var counts workflow.Counts
	var next string
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		if counts, err = workflow.BoardCounts(ctx, q, p.Scope(), now, FlowName, unit, dueSoon); err != nil {
			return err
		}
		is, n, err := workflow.Board(ctx, q, p.Scope(), now, workflow.BoardFilter{Flow: FlowName, Unit: unit, Show: show, Soon: dueSoon, Limit: limit, After: after})
		if err != nil {
			return err
		}
		next = n
		cs, err = casesOf(ctx, q, p.Scope(), is, lang)
		return err
	})
	for i := range cs {
		cs[i].CategoryName = s.current(ctx).cat.Name(cs[i].Category, lang)
	}
	return cs, counts, next, err
}

// Versioned names a case as the user saw it: its ID or number and its version.
type Versioned struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// maxBatch is the most cases one batch dispatch takes.
const maxBatch = 100

// DispatchMany dispatches several cases to one handling unit at once ("回来再分家"
// for a morning's reports): each a 派遣 step on the version the user saw, all in
// one transaction, so that either every case is dispatched or none is, and the
// error names the case that stopped them.
//
// Errors: invalid for none or more than maxBatch cases, or naming handler_id; as
// Take for each case, with the case's number in the error's "case" argument.
func (s *Service) DispatchMany(ctx context.Context, p auth.Principal, cases []Versioned, handlerID string) ([]Case, error) {
	if len(cases) == 0 || len(cases) > maxBatch {
		return nil, apperr.Invalidf("cases", "case.batch").With("max", maxBatch)
	}
	run := s.current(ctx)
	now := s.now().UTC()
	var ids []string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, v := range cases {
			c, err := getCase(ctx, tx, p.Scope(), v.ID, "")
			if err != nil {
				return err
			}
			h, err := s.handlerFor(ctx, tx, c, handlerID)
			if err != nil {
				return err
			}
			if _, err := run.engine.Take(ctx, tx, p, c.Instance.ID, v.Version, workflow.TakeInput{Transition: "dispatch", HandlerOrg: h.OrgCode}); err != nil {
				var e *apperr.Error
				if errors.As(err, &e) {
					return e.With("case", c.No)
				}
				return err
			}
			if err := updateCase(ctx, tx, c.ID, map[string]any{"handler_id": h.ID}, now); err != nil {
				return err
			}
			ids = append(ids, c.ID)
		}
		return nil
	})
	if err != nil {
		_, err = s.refused(ctx, p, now, workflow.ActTransition, "case:batch", err, "")
		return nil, err
	}
	out := make([]Case, 0, len(ids))
	for _, id := range ids {
		c, err := s.Get(ctx, p, id, "")
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Handlers returns the handling units that serve p's unit and the units under it:
// those on the path from the city down to p's unit, the nearest first, for a
// dispatcher choosing where several cases go.
func (s *Service) Handlers(ctx context.Context, p auth.Principal, lang string) ([]Handler, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return handlers(ctx, s.db.Read(), p.OrgCode, lang)
}
