package proposals

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
)

// The audit trail's actions of proposals.
const (
	ActSubmit  = "proposal.submit"
	ActApprove = "proposal.approve"
	ActReject  = "proposal.reject"
	ActTrust   = "proposal.trust"
)

// FileKind is the owner kind of a proposal's photo of a document.
const FileKind = "proposal"

// Service holds the rules of proposals: what a worker may propose about whom, who
// reviews, and what an approval changes — always through the registry's service,
// so that a reviewed change is checked, dated and audited as a direct one is.
type Service struct {
	db    *db.DB
	reg   *registry.Service
	now   func() time.Time
	zone  *time.Location
	files files.Store
}

// NewService returns the proposals' service on d, changing the register through
// reg; days are the city's, in zone.
func NewService(d *db.DB, reg *registry.Service, now func() time.Time, zone *time.Location) *Service {
	return &Service{db: d, reg: reg, now: now, zone: zone, files: files.NewStore(files.InDatabase{})}
}

// today is the city's date now, at midnight, as the registry's checks take it.
func (s *Service) today() time.Time {
	y, m, d := s.now().In(s.zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CanReview reports whether p reviews proposals: the community's own users, who
// answer for its register (community-level roles).
func CanReview(p auth.Principal) bool { return p.Role == auth.RoleCommunity }

// communityOf is the community a grid or community code belongs to.
func communityOf(code string) string {
	if scope.LevelOf(code) == scope.Grid {
		return scope.ParentCode(code)
	}
	return code
}

// Submit keeps a worker's proposal: it finds the record it is about in p's
// scope, checks the change as the registry's own write will (the first problem
// names the field), keeps the record as it stands and the note and photo, in one
// transaction with its audit record. A worker whose community trusts them with
// the kind has it applied at once, through the same registry call as an approval,
// and kept with the outcome "applied". A request with an Idempotency-Key that has
// made a proposal already gets that proposal again.
//
// Errors: forbidden for a role that does not keep the register; invalid, naming
// the field; not found for a resident outside p's scope (recorded as denied);
// unprocessable for an Idempotency-Key used before with another body.
func (s *Service) Submit(ctx context.Context, p auth.Principal, in Input, photo *files.Prepared, key *idem.Request) (Proposal, error) {
	if id, err := idem.Lookup(ctx, s.db.Read(), key); err != nil || id != "" {
		if err != nil {
			return Proposal{}, err
		}
		return s.Get(ctx, p, id)
	}
	if err := p.Require(auth.WriteRegister); err != nil {
		return Proposal{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActSubmit, "proposal:"+string(in.Kind)), err)
	}
	pr, err := s.prepare(ctx, p, &in)
	if err != nil {
		return Proposal{}, err
	}
	now := s.now().UTC()
	pr.ID, pr.State, pr.ProposedBy, pr.ProposerName, pr.ProposedAt = db.NewID(), Waiting, p.UserID, p.Name, now
	direct := false
	if p.Role == auth.RoleGrid {
		if direct, err = trusted(ctx, s.db.Read(), communityOf(pr.OrgCode), p.UserID, pr.Kind); err != nil {
			return Proposal{}, err
		}
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if direct {
			pr.State, pr.DecidedBy, pr.DeciderName, pr.DecidedAt = Applied, p.UserID, p.Name, &now
			var err error
			if pr.ResultID, err = s.apply(db.Joining(ctx, tx), tx, p, pr); err != nil {
				return err
			}
		}
		if err := insert(ctx, tx, s.db.Keys(), pr); err != nil {
			return err
		}
		if photo != nil {
			owner := files.Owner{Kind: FileKind, ID: pr.ID, OrgCode: pr.OrgCode}
			if _, err := s.files.Save(ctx, tx, p.Scope(), *photo, owner, p.UserID, now); err != nil {
				return err
			}
		}
		e := audit.Of(p, now, ActSubmit, "proposal:"+pr.ID)
		e.Reason = "kind:" + string(pr.Kind) + " state:" + pr.State
		if err := audit.Record(ctx, tx, e); err != nil {
			return err
		}
		return idem.Record(ctx, tx, key, pr.ID, now)
	})
	if err != nil && key != nil && db.IsUniqueViolation(err) {
		// Another request with the key committed first: it is the answer.
		return s.Submit(ctx, p, in, photo, key)
	}
	return pr, err
}

// prepare checks in and returns the proposal it makes, without its id and
// outcome.
func (s *Service) prepare(ctx context.Context, p auth.Principal, in *Input) (Proposal, error) {
	if !slices.Contains(Kinds, in.Kind) {
		return Proposal{}, apperr.Invalidf("kind", "proposal.kind")
	}
	if err := checkText(&in.Note, "note"); err != nil {
		return Proposal{}, err
	}
	today := s.today()
	pr := Proposal{Kind: in.Kind, Note: in.Note}
	var payload any
	switch in.Kind {
	case NewResident, Newborn:
		var ri registry.ResidentInput
		if err := decode(in.Payload, &ri); err != nil {
			return Proposal{}, err
		}
		newPerson(in.Kind, &ri, today)
		if _, err := ri.Validate(today); err != nil {
			return Proposal{}, err
		}
		h, err := s.household(ctx, p, ri.HouseholdNo)
		if err != nil {
			return Proposal{}, err
		}
		pr.OrgCode, pr.Subject, payload = h.GridCode, ri.Name+" · "+h.No, ri
	case NewHousehold:
		var hi registry.HouseholdInput
		if err := decode(in.Payload, &hi); err != nil {
			return Proposal{}, err
		}
		if hi.GridCode == "" && scope.LevelOf(p.OrgCode) == scope.Grid {
			hi.GridCode = p.OrgCode
		}
		if err := hi.Validate(today); err != nil {
			return Proposal{}, err
		}
		if scope.LevelOf(hi.GridCode) != scope.Grid || !p.Scope().Contains(hi.GridCode) {
			return Proposal{}, apperr.Invalidf("grid_code", "household.grid_not_found")
		}
		pr.OrgCode, pr.Subject, payload = hi.GridCode, hi.No+" · "+hi.Address, hi
	default:
		r, err := s.resident(ctx, p, in)
		if err != nil {
			return Proposal{}, err
		}
		var c Change
		if err := decode(in.Payload, &c); err != nil {
			return Proposal{}, err
		}
		if c, err = s.checkChange(ctx, in.Kind, r, c, today); err != nil {
			return Proposal{}, err
		}
		pr.ResidentID, pr.OrgCode, pr.Subject, pr.Snapshot, payload = r.ID, r.GridCode, r.Name+" · "+r.HouseholdNo, &r, c
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return Proposal{}, err
	}
	pr.Payload = b
	return pr, nil
}

// checkChange checks a change to resident r as the registry will, and returns it
// with only the fields of its kind, normalised.
func (s *Service) checkChange(ctx context.Context, k Kind, r registry.Resident, c Change, today time.Time) (Change, error) {
	if !r.Current() {
		return c, apperr.Invalidf("resident_id", "resident.deregistered")
	}
	switch k {
	case MoveOut, Death:
		since, err := registry.PeriodStart(ctx, s.db.Read(), r.ID)
		if err != nil {
			return c, err
		}
		d := deregistration(k, c.On, "")
		if errs := d.Check(today, max(since, r.RegisteredOn)); len(errs) > 0 {
			return c, errs[0]
		}
		return Change{On: d.On}, nil
	}
	if _, err := edited(k, r, &c, today); err != nil {
		return c, err
	}
	switch k {
	case Phone:
		return Change{Phone: c.Phone}, nil
	case Permit:
		return Change{PermitNo: c.PermitNo, PermitRegisteredOn: c.PermitRegisteredOn, PermitExpiresOn: c.PermitExpiresOn}, nil
	}
	return Change{Tag: c.Tag}, nil
}

// resident finds the resident a proposal is about in p's scope: by id, or by
// household number and name.
func (s *Service) resident(ctx context.Context, p auth.Principal, in *Input) (registry.Resident, error) {
	if in.ResidentID != "" {
		r, _, err := s.reg.Resident(ctx, p, in.ResidentID)
		return r, err
	}
	if err := checkText(&in.Name, "name"); err != nil {
		return registry.Resident{}, err
	}
	h, err := s.household(ctx, p, in.HouseholdNo)
	if err != nil {
		return registry.Resident{}, err
	}
	members, err := registry.HouseholdMembers(ctx, s.db.Read(), s.db.Keys(), p.Scope(), h.ID)
	if err != nil {
		return registry.Resident{}, err
	}
	for _, m := range members {
		if m.Name == in.Name && m.Current() {
			return m, nil
		}
	}
	return registry.Resident{}, apperr.Invalidf("name", "proposal.resident_not_found")
}

// household finds a household by number in p's scope; one outside it is recorded
// as a denied read, and named to the worker as not found.
func (s *Service) household(ctx context.Context, p auth.Principal, no string) (registry.Household, error) {
	if err := checkText(&no, "household_no"); err != nil {
		return registry.Household{}, err
	}
	h, err := registry.GetHouseholdByNo(ctx, s.db.Read(), p.Scope(), no)
	if err != nil {
		if err := audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, err); !apperr.Is(err, apperr.NotFound) {
			return h, err
		}
		return h, apperr.Invalidf("household_no", "household.not_found")
	}
	if h.Dissolved != "" {
		return h, apperr.Invalidf("household_no", "household.dissolved")
	}
	return h, nil
}

// apply changes the register as pr proposes, as p, through the registry's
// service in the transaction tx that ctx joins; it returns the id of the resident
// or household changed or made.
func (s *Service) apply(ctx context.Context, tx *sql.Tx, p auth.Principal, pr Proposal) (string, error) {
	switch pr.Kind {
	case NewResident, Newborn:
		var in registry.ResidentInput
		if err := json.Unmarshal(pr.Payload, &in); err != nil {
			return "", err
		}
		r, err := s.reg.CreateResident(ctx, p, in)
		return r.ID, err
	case NewHousehold:
		var in registry.HouseholdInput
		if err := json.Unmarshal(pr.Payload, &in); err != nil {
			return "", err
		}
		h, err := s.reg.CreateHousehold(ctx, p, in)
		return h.ID, err
	}
	var c Change
	if err := json.Unmarshal(pr.Payload, &c); err != nil {
		return "", err
	}
	if pr.Kind == MoveOut || pr.Kind == Death {
		_, err := s.reg.Deregister(ctx, p, pr.ResidentID, deregistration(pr.Kind, c.On, "proposal:"+pr.ID))
		return pr.ResidentID, err
	}
	r, err := registry.GetResident(ctx, tx, s.db.Keys(), p.Scope(), pr.ResidentID)
	if err != nil {
		return "", err
	}
	in, err := edited(pr.Kind, r, &c, s.today())
	if err != nil {
		return "", err
	}
	_, err = s.reg.UpdateResident(ctx, p, r.ID, in)
	return r.ID, err
}

// errStale refuses to approve a proposal whose resident changed since.
func errStale() error { return apperr.New(apperr.Conflict, "proposal.stale", "id") }

// Approve applies a waiting proposal to the register, as p, and records the
// outcome, in one transaction with the registry's write and both audit records.
//
// Errors: forbidden unless p reviews (CanReview); not found outside p's scope;
// conflict for a proposal decided already, or about a resident whose record has
// changed since it was made ("proposal.stale": the detail shows both versions);
// the registry's own refusals (an ID number taken, a household number taken).
func (s *Service) Approve(ctx context.Context, p auth.Principal, id string) (Proposal, error) {
	object := "proposal:" + id
	if !CanReview(p) {
		return Proposal{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActApprove, object), apperr.New(apperr.Forbidden, "auth.forbidden", ""))
	}
	now := s.now().UTC()
	var pr Proposal
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if pr, err = get(ctx, tx, s.db.Keys(), p.Scope(), id); err != nil {
			return err
		}
		if pr.State != Waiting {
			return apperr.New(apperr.Conflict, "proposal.decided", "id")
		}
		if pr.Kind.AboutResident() {
			cur, err := registry.GetResident(ctx, tx, s.db.Keys(), p.Scope(), pr.ResidentID)
			if apperr.Is(err, apperr.NotFound) || (err == nil && !same(pr.Snapshot, &cur)) {
				return errStale()
			}
			if err != nil {
				return err
			}
		}
		if pr.ResultID, err = s.apply(db.Joining(ctx, tx), tx, p, pr); err != nil {
			return err
		}
		// A second reviewer approving at the same moment finds it decided here,
		// and their change to the register rolls back with it.
		if err := decide(ctx, tx, id, Approved, "", pr.ResultID, p.UserID, p.Name, now); err != nil {
			return err
		}
		pr.State, pr.DecidedBy, pr.DeciderName, pr.DecidedAt = Approved, p.UserID, p.Name, &now
		e := audit.Of(p, now, ActApprove, object)
		e.Reason = "kind:" + string(pr.Kind)
		return audit.Record(ctx, tx, e)
	})
	return pr, audit.RecordOutOfScope(ctx, s.db, p, s.now(), ActApprove, err)
}

// same reports whether a resident's record is as it was when proposed.
func same(was, now *registry.Resident) bool {
	if was == nil || now == nil {
		return false
	}
	a, err1 := json.Marshal(was)
	b, err2 := json.Marshal(now)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// Reject returns a waiting proposal to its worker with a reason they see; the
// register is unchanged.
//
// Errors: forbidden unless p reviews; invalid without a reason, naming "reason";
// not found outside p's scope; conflict for a proposal decided already.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id, reason string) (Proposal, error) {
	object := "proposal:" + id
	if !CanReview(p) {
		return Proposal{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActReject, object), apperr.New(apperr.Forbidden, "auth.forbidden", ""))
	}
	if err := checkText(&reason, "reason"); err != nil {
		return Proposal{}, err
	}
	now := s.now().UTC()
	var pr Proposal
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if pr, err = get(ctx, tx, s.db.Keys(), p.Scope(), id); err != nil {
			return err
		}
		if err := decide(ctx, tx, id, Rejected, reason, "", p.UserID, p.Name, now); err != nil {
			return err
		}
		pr.State, pr.Reason, pr.DecidedBy, pr.DeciderName, pr.DecidedAt = Rejected, reason, p.UserID, p.Name, &now
		e := audit.Of(p, now, ActReject, object)
		e.Reason = "kind:" + string(pr.Kind)
		return audit.Record(ctx, tx, e)
	})
	return pr, audit.RecordOutOfScope(ctx, s.db, p, s.now(), ActReject, err)
}

// Get returns a proposal in p's scope. One that waits and is about a resident
// comes with the resident's record as it stands now, and Stale when it is no
// longer the record the worker saw.
//
// Errors: forbidden to those who do not read the register; not found outside
// p's scope (recorded as denied).
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Proposal, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Proposal{}, err
	}
	pr, err := get(ctx, s.db.Read(), s.db.Keys(), p.Scope(), id)
	if err != nil {
		return pr, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, err)
	}
	if pr.State == Waiting && pr.Kind.AboutResident() {
		cur, err := registry.GetResident(ctx, s.db.Read(), s.db.Keys(), p.Scope(), pr.ResidentID)
		switch {
		case apperr.Is(err, apperr.NotFound):
			pr.Stale = true
		case err != nil:
			return pr, err
		default:
			pr.Current, pr.Stale = &cur, !same(pr.Snapshot, &cur)
		}
	}
	return pr, nil
}

// Files returns the photo of a proposal's document, if one was taken.
func (s *Service) Files(ctx context.Context, p auth.Principal, id string) ([]files.File, error) {
	return files.List(ctx, s.db.Read(), p.Scope(), FileKind, id)
}

// Mine returns p's own proposals, newest first, in state ("" for all).
func (s *Service) Mine(ctx context.Context, p auth.Principal, state string, limit, offset int) ([]Proposal, int, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, 0, err
	}
	return list(ctx, s.db.Read(), s.db.Keys(), p.Scope(), Filter{By: p.UserID, State: state, Limit: limit, Offset: offset})
}

// Queue returns the proposals waiting under unit in p's scope ("" for the whole
// scope), oldest first: the community's review queue.
func (s *Service) Queue(ctx context.Context, p auth.Principal, unit string, limit, offset int) ([]Proposal, int, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, 0, err
	}
	return list(ctx, s.db.Read(), s.db.Keys(), p.Scope(), Filter{Unit: unit, State: Waiting, Oldest: true, Limit: limit, Offset: offset})
}

// MarkSeen notes that p has seen the reasons their rejected proposals came back
// with, so that ReturnedTo stops counting them.
func (s *Service) MarkSeen(ctx context.Context, p auth.Principal) error {
	n, err := returned(ctx, s.db.Read(), p.UserID)
	if err != nil || n == 0 {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error { return markSeen(ctx, tx, p.UserID, s.now()) })
}

// ReturnedTo counts p's proposals that came back rejected and p has not seen:
// for the worker's day page and the navigation.
func (s *Service) ReturnedTo(ctx context.Context, p auth.Principal) (n int, err error) {
	return returned(ctx, s.db.Read(), p.UserID)
}

// Waiting counts the proposals waiting for review under unit in p's scope (p's
// own unit when unit is ""), and gives when the oldest was made (zero when none
// waits): for the community's view and the review queue's count.
func (s *Service) Waiting(ctx context.Context, p auth.Principal, unit string) (count int, oldest time.Time, err error) {
	if unit == "" {
		unit = p.OrgCode
	}
	if !p.Can(auth.ReadRegister) || !p.Scope().Contains(unit) {
		return 0, time.Time{}, nil
	}
	return waiting(ctx, s.db.Read(), p.Scope(), unit)
}

// WaitingByGrid counts the proposals waiting for review under community in p's
// scope, by grid: the community's view of its grids shows them.
func (s *Service) WaitingByGrid(ctx context.Context, p auth.Principal, community string) (map[string]int, error) {
	if !p.Can(auth.ReadRegister) || !p.Scope().Contains(community) {
		return map[string]int{}, nil
	}
	return waitingByGrid(ctx, s.db.Read(), p.Scope(), community)
}

// Trusts returns the settings of trusted workers of p's community, and its grid
// workers who could be trusted: a grid worker sees their own community's, so
// that they know what of theirs applies directly; a user above a community has
// none.
func (s *Service) Trusts(ctx context.Context, p auth.Principal) ([]Trust, []Worker, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, nil, err
	}
	community := communityOf(p.OrgCode)
	if scope.LevelOf(community) != scope.Community {
		return []Trust{}, []Worker{}, nil
	}
	ts, err := trusts(ctx, s.db.Read(), community)
	if err != nil {
		return nil, nil, err
	}
	ws, err := workers(ctx, s.db.Read(), community)
	return ts, ws, err
}

// SetTrust lets a grid worker of p's community have their proposals of kind
// apply directly (on), or no longer.
//
// Errors: forbidden unless p reviews; invalid for an unknown kind ("kind") or a
// user who is not a grid worker of the community ("user_id").
func (s *Service) SetTrust(ctx context.Context, p auth.Principal, userID string, kind Kind, on bool) error {
	object := "user:" + userID
	if !CanReview(p) {
		return audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActTrust, object), apperr.New(apperr.Forbidden, "auth.forbidden", ""))
	}
	if !slices.Contains(Kinds, kind) {
		return apperr.Invalidf("kind", "proposal.kind")
	}
	ws, err := workers(ctx, s.db.Read(), p.OrgCode)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ws, func(w Worker) bool { return w.ID == userID }) {
		return apperr.Invalidf("user_id", "proposal.not_worker")
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := setTrust(ctx, tx, p.OrgCode, userID, kind, on, p.UserID, now); err != nil {
			return err
		}
		e := audit.Of(p, now, ActTrust, object)
		e.Reason = "kind:" + string(kind) + " direct:" + map[bool]string{true: "on", false: "off"}[on]
		return audit.Record(ctx, tx, e)
	})
}
