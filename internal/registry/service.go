package registry

import (
	"context"
	"database/sql"
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
	db  *db.DB
	now func() time.Time
}

// NewService returns the register's service.
func NewService(d *db.DB, now func() time.Time) *Service { return &Service{db: d, now: now} }

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
	if err := in.Validate(); err != nil {
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
	if err := in.Validate(); err != nil {
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
		if err := UpdateHousehold(ctx, tx, s.db.Dialect, id, db.NewID(), in, s.now()); err != nil {
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
	id, err := in.Validate(s.now())
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
		if err := s.numberFree(ctx, tx, p, lookups, id.Value, ""); err != nil {
			return err
		}
		r = Resident{ID: db.NewID(), Name: in.Name, IDNumber: id.Value, Sex: string(id.Sex), BirthDate: id.BirthDate(),
			HouseholdID: h.ID, HouseholdNo: h.No, GridCode: h.GridCode, Address: h.Address, Relation: in.Relation,
			PopulationType: in.PopulationType, Phone: in.Phone, Tags: in.Tags}
		if err := InsertResident(ctx, tx, s.db.Keys(), r, s.now()); err != nil {
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

// UpdateResident changes a resident in scope. Naming another household moves the
// resident there, and the move is kept in their history. A new ID number is
// checked as CreateResident checks one.
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
		id, err := in.Validate(s.now())
		if err != nil {
			return err
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
			from, err := GetHousehold(ctx, tx, p.Scope(), old.HouseholdID)
			if err != nil {
				return err
			}
			if err := InsertMove(ctx, tx, db.NewID(), residentID, from, h, p.UserID, s.now()); err != nil {
				return err
			}
			e.Action, e.Reason = audit.ActResidentMove, "household:"+from.No+" → household:"+h.No
		}
		r = Resident{ID: residentID, Name: in.Name, IDNumber: id.Value, Sex: string(id.Sex), BirthDate: id.BirthDate(),
			HouseholdID: h.ID, HouseholdNo: h.No, GridCode: h.GridCode, Address: h.Address, Relation: in.Relation,
			PopulationType: in.PopulationType, Phone: in.Phone, Tags: in.Tags}
		if err := UpdateResident(ctx, tx, s.db.Keys(), r, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	return r, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActResidentEdit, lookups.Done(ctx, s.db, err))
}

// keepUnrevealed keeps the stored ID number and phone when an update leaves them
// empty or sends back the masked form it was shown: a client that never saw the
// full values can still save the rest of the record.
func keepUnrevealed(in *ResidentInput, old Resident) {
	if in.IDNumber == "" || in.IDNumber == pii.MaskIDNumber(old.IDNumber) {
		in.IDNumber = old.IDNumber
	}
	if strings.Contains(in.Phone, "*") && in.Phone == pii.MaskPhone(old.Phone) {
		in.Phone = old.Phone
	}
}

// MoveResident moves a resident in scope to another household in scope with a new
// relation to its head, keeping the rest of the record.
func (s *Service) MoveResident(ctx context.Context, p auth.Principal, residentID, toHouseholdNo, relation string) (Resident, error) {
	r, _, err := s.Resident(ctx, p, residentID)
	if err != nil {
		return Resident{}, err
	}
	if r.HouseholdNo == toHouseholdNo {
		return Resident{}, apperr.Invalidf("household_no", "resident.same_household")
	}
	return s.UpdateResident(ctx, p, residentID, ResidentInput{Name: r.Name, IDNumber: r.IDNumber, HouseholdNo: toHouseholdNo,
		Relation: relation, PopulationType: r.PopulationType, Phone: r.Phone, Tags: r.Tags})
}
