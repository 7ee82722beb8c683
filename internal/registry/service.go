package registry

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
)

// Service holds the rules of the register: who may read and change what, and the
// checks that span rows (one person, one record; a household in a grid).
type Service struct {
	db   *db.DB
	now  func() time.Time
	zone *time.Location
}

// NewService returns the register's service. Days — of a registration, a move,
// "today" — are the city's, in zone.
func NewService(d *db.DB, now func() time.Time, zone *time.Location) *Service {
	return &Service{db: d, now: now, zone: zone}
}

// today is the city's date now, as a time at its midnight.
func (s *Service) today() time.Time {
	y, m, d := s.now().In(s.zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// day is today as YYYY-MM-DD.
func (s *Service) day() string { return s.today().Format(time.DateOnly) }

// Household returns a household in scope with its members. Asked for one outside
// p's scope, it answers not found and records the attempt as denied (decision 8);
// so do the other methods that take a resident's or a household's id.
func (s *Service) Household(ctx context.Context, p auth.Principal, id string) (Household, []Resident, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Household{}, nil, err
	}
	h, err := GetHousehold(ctx, s.db.Read(), p.Scope(), id)
	if err != nil {
		return Household{}, nil, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, err)
	}
	members, err := HouseholdMembers(ctx, s.db.Read(), s.db.Keys(), p.Scope(), id)
	return h, members, err
}

// HouseholdPage is a page of a household list and the keys of the pages beside it.
type HouseholdPage struct {
	Items []Household
	Next  string // the key to ask the next page after; "" on the last page
	Prev  string // the key to ask the previous page before; "" on the first
}

// Households returns a page of up to limit households under a unit in scope, where
// k says; one statement, which reads one row more than the page to know whether
// another follows.
func (s *Service) Households(ctx context.Context, p auth.Principal, code string, limit int, k PageKeys) (HouseholdPage, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return HouseholdPage{}, err
	}
	if !p.Scope().Contains(code) {
		return HouseholdPage{}, apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	hs, err := ListHouseholds(ctx, s.db.Read(), p.Scope(), code, limit+1, k)
	if err != nil {
		return HouseholdPage{}, err
	}
	var pg HouseholdPage
	more := len(hs) > limit
	if len(hs) == 0 {
		pg.Items = hs
		return pg, nil
	}
	if k.Before != "" {
		if more {
			hs = hs[1:]
		}
		pg.Next = hs[len(hs)-1].No
		if more {
			pg.Prev = hs[0].No
		}
	} else {
		hs = hs[:min(len(hs), limit)]
		if more {
			pg.Next = hs[len(hs)-1].No
		}
		if k.After != "" && len(hs) > 0 {
			pg.Prev = hs[0].No
		}
	}
	pg.Items = hs
	return pg, nil
}

// Contacts returns a grid's contacts.
func (s *Service) Contacts(ctx context.Context, p auth.Principal, grid string) ([]Contact, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return GridContacts(ctx, s.db.Read(), s.db.Keys(), p.Scope(), grid)
}

// Resident returns a resident in scope with their history of moves.
func (s *Service) Resident(ctx context.Context, p auth.Principal, id string) (Resident, []Move, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Resident{}, nil, err
	}
	r, err := GetResident(ctx, s.db.Read(), s.db.Keys(), p.Scope(), id)
	if err != nil {
		return Resident{}, nil, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, err)
	}
	moves, err := Moves(ctx, s.db.Read(), id)
	return r, moves, err
}

// Events returns the registrations and deregistrations of a resident in scope.
func (s *Service) Events(ctx context.Context, p auth.Principal, id string) ([]Event, error) {
	if _, _, err := s.Resident(ctx, p, id); err != nil {
		return nil, err
	}
	return Events(ctx, s.db.Read(), id)
}

// Reveal returns one resident's full ID number or phone for a user allowed to see
// it, who must say why (个人信息保护法: access to sensitive personal information
// only as the work needs). The reveal is in the audit trail, with the reason,
// written in the same transaction as the read: no record, no number.
func (s *Service) Reveal(ctx context.Context, p auth.Principal, residentID string, in RevealInput) (string, error) {
	object := "resident:" + residentID
	if err := p.Require(auth.RevealRegister); err != nil {
		return "", audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActReveal, object), err)
	}
	if err := in.Validate(); err != nil {
		return "", err
	}
	field, reason := in.Field, in.Reason
	var value string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID)
		if err != nil {
			return err
		}
		value = r.IDNumber
		if field == "phone" {
			value = r.Phone
		}
		e := audit.Of(p, s.now(), audit.ActReveal, object)
		e.Reason = field + ": " + reason
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return "", audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActReveal, err)
	}
	return value, nil
}

// ActErase is the audit action of erasing a resident's record. Its prefix puts its
// records among those kept at least three years (个人信息保护法 art. 56).
const ActErase = audit.ActResidentErase

// Erasable returns a resident in scope whom p may erase, for the form that asks to
// confirm it. A user without the permission who asks for the form is refused and
// recorded, as an attempt to erase.
func (s *Service) Erasable(ctx context.Context, p auth.Principal, residentID string) (Resident, error) {
	if err := p.Require(auth.EraseRegister); err != nil {
		return Resident{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActErase, "resident:"+residentID), err)
	}
	r, err := GetResident(ctx, s.db.Read(), s.db.Keys(), p.Scope(), residentID)
	return r, audit.RecordOutOfScope(ctx, s.db, p, s.now(), ActErase, err)
}

// Erase deletes one resident's record for good, at the person's request or where
// the law requires it (个人信息保护法 art. 47): the resident, their tags, history of
// moves and places among a grid's contacts. The household stays, even empty: it is
// an address. As nothing brings the record back, the user names the legal ground
// and says why, and the audit trail keeps both with the household and the masked
// ID number — enough to answer whether a person was erased, never their name, full
// number or phone — written in the same transaction: no record, no erasure.
//
// Errors: forbidden without auth.EraseRegister (recorded as denied); invalid,
// naming ground or reason; not found for a resident outside p's scope.
func (s *Service) Erase(ctx context.Context, p auth.Principal, residentID string, in EraseInput) (Erasure, error) {
	object := "resident:" + residentID
	if err := p.Require(auth.EraseRegister); err != nil {
		return Erasure{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActErase, object), err)
	}
	if err := in.Validate(); err != nil {
		return Erasure{}, err
	}
	var done Erasure
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID)
		if err != nil {
			return err
		}
		if err := DeleteResident(ctx, tx, p.Scope(), residentID); err != nil {
			return err
		}
		done = Erasure{ResidentID: r.ID, HouseholdID: r.HouseholdID, HouseholdNo: r.HouseholdNo, Ground: in.Ground}
		e := audit.Of(p, s.now(), ActErase, object)
		e.Reason = "ground:" + in.Ground + " household:" + r.HouseholdNo + " id_number:" + pii.MaskIDNumber(r.IDNumber) + " reason:" + in.Reason
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return Erasure{}, audit.RecordOutOfScope(ctx, s.db, p, s.now(), ActErase, err)
	}
	return done, nil
}

// Search finds up to limit residents in scope; see the store's Search for the forms
// a query may take.
func (s *Service) Search(ctx context.Context, p auth.Principal, query string, limit int) ([]Resident, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return Search(ctx, s.db.Read(), s.db.Dialect, s.db.Keys(), p.Scope(), query, limit)
}

// gridInScope checks that code is an existing grid the principal may write to.
func gridInScope(ctx context.Context, q db.Querier, p auth.Principal, code string) error {
	u, err := org.Lookup(ctx, q, code)
	if err != nil {
		return err
	}
	if u == nil || u.Level != scope.Grid || !p.Scope().Contains(code) {
		return apperr.Invalidf("grid_code", "household.grid_not_found")
	}
	return nil
}

// CreateHousehold adds a household to a grid in scope.
func (s *Service) CreateHousehold(ctx context.Context, p auth.Principal, in HouseholdInput) (Household, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Household{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActHouseholdNew, "household:"+in.No), err)
	}
	if err := in.Validate(s.today()); err != nil {
		return Household{}, err
	}
	var h Household
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := gridInScope(ctx, tx, p, in.GridCode); err != nil {
			return err
		}
		id := db.NewID()
		if err := InsertHousehold(ctx, tx, s.db.Dialect, id, db.NewID(), in, s.now()); err != nil {
			return err
		}
		var err error
		if h, err = GetHousehold(ctx, tx, p.Scope(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, s.now(), audit.ActHouseholdNew, "household:"+h.No))
	})
	return h, err
}

// UpdateHousehold changes a household in scope; moving it to another grid needs that
// grid in scope too.
func (s *Service) UpdateHousehold(ctx context.Context, p auth.Principal, id string, in HouseholdInput) (Household, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Household{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActHouseholdEdit, "household:"+in.No), err)
	}
	if err := in.Validate(s.today()); err != nil {
		return Household{}, err
	}
	var h Household
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := GetHousehold(ctx, tx, p.Scope(), id); err != nil {
			return err
		}
		if err := gridInScope(ctx, tx, p, in.GridCode); err != nil {
			return err
		}
		if err := UpdateHousehold(ctx, tx, s.db.Dialect, id, db.NewID(), in, s.now(), s.day()); err != nil {
			return err
		}
		var err error
		if h, err = GetHousehold(ctx, tx, p.Scope(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, s.now(), audit.ActHouseholdEdit, "household:"+h.No))
	})
	return h, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActHouseholdEdit, err)
}

// CreateResident adds a resident to a household in scope. One person, one record:
// an ID number already registered anywhere in the city is a conflict, which names
// no household or unit outside p's scope; each such conflict is a lookup outside
// scope, audited and limited (IDLookups, decision 8).
//
// Errors: forbidden without auth.WriteRegister (recorded as denied), or past
// OutsideLookupsPerHour (recorded, with an alert); invalid, naming the field; not
// found for a household outside p's scope; conflict for an ID number taken.
func (s *Service) CreateResident(ctx context.Context, p auth.Principal, in ResidentInput) (Resident, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Resident{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActResidentNew, "household:"+in.HouseholdNo), err)
	}
	id, err := in.Validate(s.today())
	if err != nil {
		return Resident{}, err
	}
	lookups, err := StartIDLookups(ctx, s.db.Read(), p, s.now(), audit.ActResidentNew)
	if err != nil {
		return Resident{}, lookups.Done(ctx, s.db, err)
	}
	var r Resident
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		h, err := GetHouseholdByNo(ctx, tx, p.Scope(), in.HouseholdNo)
		if err != nil {
			return err
		}
		if h.Dissolved != "" {
			return apperr.Invalidf("household_no", "household.dissolved")
		}
		if err := s.numberFree(ctx, tx, p, lookups, id.Value, ""); err != nil {
			return err
		}
		r = fromInput(in, id, h)
		r.ID = db.NewID()
		if err := s.livesIn(ctx, tx, p, &r); err != nil {
			return err
		}
		if err := InsertResident(ctx, tx, s.db.Keys(), r, s.now()); err != nil {
			return err
		}
		if err := InsertEvent(ctx, tx, r.ID, Event{Kind: EventRegistered, On: r.RegisteredOn, Reason: r.RegisteredReason, RecordedAt: s.now()}, p.UserID); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), audit.ActResidentNew, "resident:"+r.ID)
		e.Reason = "household:" + h.No
		return audit.Record(ctx, tx, e)
	})
	return r, lookups.Done(ctx, s.db, err)
}

// numberFree checks that no resident but self holds idNumber. A holder outside
// p's scope is noted in lookups, which may refuse p for having met too many; the
// conflict is the same either way.
func (s *Service) numberFree(ctx context.Context, q db.Querier, p auth.Principal, lookups *IDLookups, idNumber, self string) error {
	other, grid, err := residentByNumber(ctx, q, s.db.Keys(), idNumber)
	if err != nil || other == "" || other == self {
		return err
	}
	if !p.Scope().Contains(grid) {
		if err := lookups.Outside(other); err != nil {
			return err
		}
	}
	return apperr.New(apperr.Conflict, "resident.id_taken", "id_number")
}

// fromInput is the resident an input describes, in household h.
func fromInput(in ResidentInput, id pii.IDNumber, h Household) Resident {
	return Resident{Name: in.Name, IDNumber: id.Value, Sex: string(id.Sex), BirthDate: id.BirthDate(),
		HouseholdID: h.ID, HouseholdNo: h.No, GridCode: h.GridCode, Address: h.Address, Relation: in.Relation,
		PopulationType: in.PopulationType, Phone: in.Phone, Tags: in.Tags,
		Ethnicity: in.Ethnicity, MaritalStatus: in.MaritalStatus, Education: in.Education, PoliticalStatus: in.PoliticalStatus,
		HukouRegion: in.HukouRegion, HukouAddress: in.HukouAddress, LivesInNo: in.LivesInNo, ResidenceStatus: in.ResidenceStatus,
		InflowReason: in.InflowReason, PermitNo: in.PermitNo, PermitRegisteredOn: in.PermitRegisteredOn,
		PermitExpiresOn: in.PermitExpiresOn, RegisteredOn: in.RegisteredOn, RegisteredReason: in.RegisteredReason}
}

// livesIn finds the household whose dwelling r lives in (现住址), which must exist
// in p's scope, and checks the 流入原因 against the local dictionary.
func (s *Service) livesIn(ctx context.Context, q db.Querier, p auth.Principal, r *Resident) error {
	if r.InflowReason != "" {
		ok, err := DictionaryHas(ctx, q, DictInflowReason, r.InflowReason)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalidf("inflow_reason", "code.unknown").With("table", DictInflowReason)
		}
	}
	if r.LivesInNo == "" || r.LivesInNo == r.HouseholdNo {
		r.LivesInNo, r.LivesInID, r.LivesAt = "", "", ""
		return nil
	}
	h, err := GetHouseholdByNo(ctx, q, p.Scope(), r.LivesInNo)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Invalidf("lives_in_household_no", "household.not_found")
	}
	if err != nil {
		return err
	}
	r.LivesInID, r.LivesAt = h.ID, h.Address
	return nil
}

// UpdateResident changes a resident in scope. Naming another household moves the
// resident there today, and the move is kept in their history (MoveResident dates
// one). A new ID number is checked as CreateResident checks one. An empty or masked
// ID number or phone keeps the stored one; ClearPhone erases the phone.
func (s *Service) UpdateResident(ctx context.Context, p auth.Principal, residentID string, in ResidentInput) (Resident, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Resident{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActResidentEdit, "resident:"+residentID), err)
	}
	var r Resident
	var lookups *IDLookups
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID)
		if err != nil {
			return err
		}
		keepUnrevealed(&in, old)
		in.RegisteredOn, in.RegisteredReason = old.RegisteredOn, old.RegisteredReason
		id, err := in.Validate(s.today())
		if err != nil {
			return err
		}
		if !old.Current() {
			return apperr.Invalidf("id", "resident.deregistered")
		}
		h, err := GetHouseholdByNo(ctx, tx, p.Scope(), in.HouseholdNo)
		if err != nil {
			return err
		}
		if id.Value != old.IDNumber {
			if lookups, err = StartIDLookups(ctx, tx, p, s.now(), audit.ActResidentEdit); err != nil {
				return err
			}
			if err := s.numberFree(ctx, tx, p, lookups, id.Value, residentID); err != nil {
				return err
			}
		}
		e := audit.Of(p, s.now(), audit.ActResidentEdit, "resident:"+residentID)
		if h.ID != old.HouseholdID {
			if h.Dissolved != "" {
				return apperr.Invalidf("household_no", "household.dissolved")
			}
			if err := InsertMove(ctx, tx, db.NewID(), residentID, Household{ID: old.HouseholdID, GridCode: old.GridCode}, h, p.UserID, s.now(), s.day(), ""); err != nil {
				return err
			}
			e.Action, e.Reason = audit.ActResidentMove, "household:"+old.HouseholdNo+" → household:"+h.No
		}
		r = fromInput(in, id, h)
		r.ID = residentID
		if err := s.livesIn(ctx, tx, p, &r); err != nil {
			return err
		}
		if err := UpdateResident(ctx, tx, s.db.Keys(), r, s.now()); err != nil {
			return err
		}
		if err := SyncPeriod(ctx, tx, residentID, s.day()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	return r, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActResidentEdit, lookups.Done(ctx, s.db, err))
}

// keepUnrevealed keeps the stored ID number and phone when an update leaves them
// empty or sends back the masked form it was shown: a client that never saw the
// full values can still save the rest of the record. Only ClearPhone erases a
// phone.
func keepUnrevealed(in *ResidentInput, old Resident) {
	if in.IDNumber == "" || in.IDNumber == pii.MaskIDNumber(old.IDNumber) {
		in.IDNumber = old.IDNumber
	}
	switch {
	case in.ClearPhone:
		in.Phone = ""
	case strings.TrimSpace(in.Phone) == "", strings.Contains(in.Phone, "*") && in.Phone == pii.MaskPhone(old.Phone):
		in.Phone = old.Phone
	}
}

// MoveResident moves a resident in scope to another household in scope on a day,
// with a new relation to its head and a reason, keeping the rest of the record.
// The move is kept in the resident's history, and the register as of any day
// before it still has them where they were.
//
// Errors: forbidden without auth.WriteRegister; invalid, naming the field (a day
// before the resident's current period began or after today, the same household,
// a dissolved one, a deregistered resident); not found for a household or resident
// outside p's scope.
func (s *Service) MoveResident(ctx context.Context, p auth.Principal, residentID string, in MoveInput) (Resident, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Resident{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActResidentMove, "resident:"+residentID), err)
	}
	var r Resident
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID); err != nil {
			return err
		}
		since, err := PeriodStart(ctx, tx, residentID)
		if err != nil {
			return err
		}
		if errs := in.Check(s.today(), since); len(errs) > 0 {
			return errs[0]
		}
		if !r.Current() {
			return apperr.Invalidf("id", "resident.deregistered")
		}
		from := r.HouseholdNo
		if err := s.moveInTx(ctx, tx, p, &r, in.HouseholdNo, in.Relation, in.On, in.Reason); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), audit.ActResidentMove, "resident:"+residentID)
		e.Reason = "household:" + from + " → household:" + r.HouseholdNo + " on:" + in.On
		return audit.Record(ctx, tx, e)
	})
	return r, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActResidentMove, err)
}

// moveInTx moves r into the household numbered no on the day on, in tx.
func (s *Service) moveInTx(ctx context.Context, tx *sql.Tx, p auth.Principal, r *Resident, no, relation, on, reason string) error {
	to, err := GetHouseholdByNo(ctx, tx, p.Scope(), no)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Invalidf("household_no", "household.not_found")
	}
	if err != nil {
		return err
	}
	switch {
	case to.ID == r.HouseholdID:
		return apperr.Invalidf("household_no", "resident.same_household")
	case to.Dissolved != "":
		return apperr.Invalidf("household_no", "household.dissolved")
	}
	from := Household{ID: r.HouseholdID, GridCode: r.GridCode}
	if err := InsertMove(ctx, tx, db.NewID(), r.ID, from, to, p.UserID, s.now(), on, reason); err != nil {
		return err
	}
	r.HouseholdID, r.HouseholdNo, r.GridCode, r.Address, r.Relation = to.ID, to.No, to.GridCode, to.Address, relation
	if r.LivesInID == to.ID {
		r.LivesInID, r.LivesInNo, r.LivesAt = "", "", ""
	}
	if err := UpdateResident(ctx, tx, s.db.Keys(), *r, s.now()); err != nil {
		return err
	}
	return SyncPeriod(ctx, tx, r.ID, on)
}

// Deregister takes a resident off the register (注销) on a day, for a reason of
// GA/T 2000.25: 死亡, 失踪, 迁出(离开)本地 or 其他. The record stays, with its status,
// out of current lists and counts from that day; Register puts it back. This is not
// erasure (Erase), which deletes a record for good under 个人信息保护法 art. 47.
//
// Errors: forbidden without auth.WriteRegister; invalid, naming the field (no
// reason, a day before the registration or the current period, a day in the future,
// a resident already deregistered); not found outside p's scope.
func (s *Service) Deregister(ctx context.Context, p auth.Principal, residentID string, in DeregisterInput) (Resident, error) {
	object := "resident:" + residentID
	if err := p.Require(auth.WriteRegister); err != nil {
		return Resident{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActDeregister, object), err)
	}
	var r Resident
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID); err != nil {
			return err
		}
		if !r.Current() {
			return apperr.Invalidf("id", "resident.deregistered")
		}
		since, err := PeriodStart(ctx, tx, residentID)
		if err != nil {
			return err
		}
		if errs := in.Check(s.today(), max(since, r.RegisteredOn)); len(errs) > 0 {
			return errs[0]
		}
		if err := SetDeregistered(ctx, tx, residentID, in.On, in.Reason, s.now()); err != nil {
			return err
		}
		if err := InsertEvent(ctx, tx, residentID, Event{Kind: EventDeregistered, On: in.On, Reason: in.Reason, Note: in.Note, RecordedAt: s.now()}, p.UserID); err != nil {
			return err
		}
		if err := endContacts(ctx, tx, residentID, s.now()); err != nil {
			return err
		}
		r.DeregisteredOn, r.DeregisteredReason = in.On, in.Reason
		e := audit.Of(p, s.now(), audit.ActDeregister, object)
		e.Reason = "reason:" + in.Reason + " on:" + in.On
		return audit.Record(ctx, tx, e)
	})
	return r, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActDeregister, err)
}

// Register puts a deregistered resident back on the register (登记) on a day, into
// a household in scope, for a reason (出生, 迁入, 其他).
//
// Errors: forbidden without auth.WriteRegister; invalid, naming the field (a
// resident on the register, a day before the deregistration or in the future, a
// household not found or dissolved); not found outside p's scope.
func (s *Service) Register(ctx context.Context, p auth.Principal, residentID string, in RegisterInput) (Resident, error) {
	object := "resident:" + residentID
	if err := p.Require(auth.WriteRegister); err != nil {
		return Resident{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActRegister, object), err)
	}
	var r Resident
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID); err != nil {
			return err
		}
		if r.Current() {
			return apperr.Invalidf("id", "resident.registered")
		}
		if errs := in.Check(s.today(), r.DeregisteredOn); len(errs) > 0 {
			return errs[0]
		}
		to, err := GetHouseholdByNo(ctx, tx, p.Scope(), in.HouseholdNo)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Invalidf("household_no", "household.not_found")
		}
		if err != nil {
			return err
		}
		if to.Dissolved != "" {
			return apperr.Invalidf("household_no", "household.dissolved")
		}
		if err := SetRegistered(ctx, tx, residentID, to, in.Relation, in.On, in.Reason, s.now()); err != nil {
			return err
		}
		if err := InsertEvent(ctx, tx, residentID, Event{Kind: EventRegistered, On: in.On, Reason: in.Reason, Note: in.Note, RecordedAt: s.now()}, p.UserID); err != nil {
			return err
		}
		if r, err = GetResident(ctx, tx, s.db.Keys(), p.Scope(), residentID); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), audit.ActRegister, object)
		e.Reason = "household:" + to.No + " reason:" + in.Reason + " on:" + in.On
		return audit.Record(ctx, tx, e)
	})
	return r, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRegister, err)
}

// Split divides a household (分户): a new household in a grid in scope, and the
// members who go into it, each with their relation to its head, one of whom is the
// head. What remains keeps a head, unless nobody remains.
//
// Errors: forbidden without auth.WriteRegister; invalid, naming the field (no
// head in the new household, one left without a head, a member not of this
// household, the new household's own fields); not found outside p's scope;
// conflict for a household number taken.
func (s *Service) Split(ctx context.Context, p auth.Principal, householdID string, in SplitInput) (Household, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Household{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActHouseholdSplit, "household:"+householdID), err)
	}
	if err := checkDay(&in.On, "on", s.today(), ""); err != nil {
		return Household{}, err
	}
	in.Household.Established = in.On
	if err := in.Household.Validate(s.today()); err != nil {
		return Household{}, err
	}
	if err := checkMembers(in.Members); err != nil {
		return Household{}, err
	}
	var nh Household
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, members, err := s.householdInTx(ctx, tx, p, householdID)
		if err != nil {
			return err
		}
		if err := gridInScope(ctx, tx, p, in.Household.GridCode); err != nil {
			return err
		}
		going, staying, err := partition(members, in.Members)
		if err != nil {
			return err
		}
		if !anyHead(in.Members) {
			return apperr.Invalidf("members", "household.split_no_head")
		}
		if len(staying) > 0 && !slices.ContainsFunc(staying, Resident.IsHead) {
			return apperr.Invalidf("members", "household.split_leaves_no_head")
		}
		id := db.NewID()
		if err := InsertHousehold(ctx, tx, s.db.Dialect, id, db.NewID(), in.Household, s.now()); err != nil {
			return err
		}
		if nh, err = GetHousehold(ctx, tx, p.Scope(), id); err != nil {
			return err
		}
		for i, m := range in.Members {
			if err := s.checkOn(ctx, tx, going[i], in.On); err != nil {
				return err
			}
			if err := s.moveInTx(ctx, tx, p, &going[i], nh.No, m.Relation, in.On, "split"); err != nil {
				return err
			}
		}
		e := audit.Of(p, s.now(), audit.ActHouseholdSplit, "household:"+old.No)
		e.Reason = "new:" + nh.No + " on:" + in.On
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return Household{}, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActHouseholdSplit, err)
	}
	return s.householdAfter(ctx, p, nh.ID)
}

// Merge brings the members of another household into this one (合户), each with
// their relation to this one's head, and dissolves the other on the day. The
// members given must be all of the other household's current members.
//
// Errors: forbidden without auth.WriteRegister; invalid, naming the field (the
// same household, a member missing or not of the other household, a second head);
// not found outside p's scope.
func (s *Service) Merge(ctx context.Context, p auth.Principal, householdID string, in MergeInput) (Household, error) {
	if err := p.Require(auth.WriteRegister); err != nil {
		return Household{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), audit.ActHouseholdMerge, "household:"+householdID), err)
	}
	if err := checkDay(&in.On, "on", s.today(), ""); err != nil {
		return Household{}, err
	}
	if err := checkMembers(in.Members); err != nil {
		return Household{}, err
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		into, intoMembers, err := s.householdInTx(ctx, tx, p, householdID)
		if err != nil {
			return err
		}
		other, err := GetHouseholdByNo(ctx, tx, p.Scope(), strings.TrimSpace(in.HouseholdNo))
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Invalidf("household_no", "household.not_found")
		}
		if err != nil {
			return err
		}
		if other.ID == into.ID || other.Dissolved != "" {
			return apperr.Invalidf("household_no", "household.merge_same")
		}
		otherMembers, err := HouseholdMembers(ctx, tx, s.db.Keys(), p.Scope(), other.ID)
		if err != nil {
			return err
		}
		going, staying, err := partition(otherMembers, in.Members)
		if err != nil {
			return err
		}
		if len(staying) > 0 {
			return apperr.Invalidf("members", "household.merge_all_members")
		}
		if anyHead(in.Members) && slices.ContainsFunc(intoMembers, Resident.IsHead) {
			return apperr.Invalidf("members", "household.second_head")
		}
		for i, m := range in.Members {
			if err := s.checkOn(ctx, tx, going[i], in.On); err != nil {
				return err
			}
			if err := s.moveInTx(ctx, tx, p, &going[i], into.No, m.Relation, in.On, "merge"); err != nil {
				return err
			}
		}
		if err := DissolveHousehold(ctx, tx, other.ID, in.On, s.now()); err != nil {
			return err
		}
		e := audit.Of(p, s.now(), audit.ActHouseholdMerge, "household:"+into.No)
		e.Reason = "merged:" + other.No + " on:" + in.On
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return Household{}, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActHouseholdMerge, err)
	}
	return s.householdAfter(ctx, p, householdID)
}

// householdInTx returns a current household in scope and its current members.
func (s *Service) householdInTx(ctx context.Context, tx *sql.Tx, p auth.Principal, id string) (Household, []Resident, error) {
	h, err := GetHousehold(ctx, tx, p.Scope(), id)
	if err != nil {
		return Household{}, nil, err
	}
	if h.Dissolved != "" {
		return Household{}, nil, apperr.Invalidf("household_id", "household.dissolved")
	}
	members, err := HouseholdMembers(ctx, tx, s.db.Keys(), p.Scope(), id)
	return h, members, err
}

// householdAfter reads a household back after a write.
func (s *Service) householdAfter(ctx context.Context, p auth.Principal, id string) (Household, error) {
	h, _, err := s.Household(ctx, p, id)
	return h, err
}

// checkOn refuses a day before the resident's current period began.
func (s *Service) checkOn(ctx context.Context, q db.Querier, r Resident, on string) error {
	since, err := PeriodStart(ctx, q, r.ID)
	if err != nil {
		return err
	}
	if on < since {
		return apperr.Invalidf("on", "date.too_early").With("min", since)
	}
	return nil
}

// partition returns the current members named in chosen, in chosen's order, and
// the current members not named; a name that is not a current member is invalid.
func partition(members []Resident, chosen []Member) (going, staying []Resident, err error) {
	current := map[string]Resident{}
	for _, r := range members {
		if r.Current() {
			current[r.ID] = r
		}
	}
	for _, m := range chosen {
		r, ok := current[m.ResidentID]
		if !ok {
			return nil, nil, apperr.Invalidf("members", "household.not_a_member")
		}
		going = append(going, r)
		delete(current, m.ResidentID)
	}
	for _, r := range members {
		if _, ok := current[r.ID]; ok {
			staying = append(staying, r)
		}
	}
	return going, staying, nil
}

// anyHead reports whether one of the members is to head the household.
func anyHead(members []Member) bool {
	return slices.ContainsFunc(members, func(m Member) bool { return isHead(m.Relation) })
}
