package fieldwork

import (
	"context"
	"database/sql"
	"strings"

	"shequ/internal/audit"
	"shequ/internal/cases"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
)

// Purposes returns the visit purposes a form offers (retired ones left out), named
// in lang.
func (s *Service) Purposes(ctx context.Context) ([]registry.DictionaryEntry, error) {
	es, err := registry.Dictionary(ctx, s.db.Read(), DictVisitPurpose)
	return registry.Offered(es, ""), err
}

// RecordVisit records p's visit to a household of a grid in p's scope, and to one
// of its members when ResidentID names one. The visit closes the household's
// earlier follow-ups that fall due by its day: going back is a visit. A visit sent
// again with its Idempotency-Key is the first one.
//
// Errors: forbidden without registry.write; invalid naming household_id for a
// household outside p's grid (or scope), resident_id for someone not of the
// household, purpose for a code not in the dictionary or retired, visited_on for a
// bad or future date, follow_up_on for a bad date or one in the past; unprocessable
// for a key used before with another body.
func (s *Service) RecordVisit(ctx context.Context, p auth.Principal, in VisitInput, key *idem.Request) (Visit, error) {
	now := s.now().UTC()
	if err := mayWork(p); err != nil {
		return Visit{}, audit.Refused(ctx, s.db, audit.Of(p, now, ActVisit, "household:"+in.HouseholdID), err)
	}
	if id, err := idem.Lookup(ctx, s.db.Read(), key); err != nil || id != "" {
		if err != nil {
			return Visit{}, err
		}
		return s.Visit(ctx, p, id)
	}
	if err := in.check(s.today()); err != nil {
		return Visit{}, err
	}
	if in.FollowUpOn != "" && in.FollowUpOn < in.VisitedOn {
		return Visit{}, apperr.Invalidf("follow_up_on", "fieldwork.follow_up_past").With("today", in.VisitedOn)
	}
	h, err := registry.GetHousehold(ctx, s.db.Read(), p.Scope(), in.HouseholdID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			_ = audit.RecordOutOfScope(ctx, s.db, p, now, ActVisit, err)
			return Visit{}, apperr.Invalidf("household_id", "fieldwork.outside_grid")
		}
		return Visit{}, err
	}
	if h.Dissolved != "" {
		return Visit{}, apperr.Invalidf("household_id", "fieldwork.household_dissolved")
	}
	known, err := registry.DictionaryHas(ctx, s.db.Read(), DictVisitPurpose, in.Purpose)
	if err != nil {
		return Visit{}, err
	}
	if !known || !s.offered(ctx, in.Purpose) {
		return Visit{}, apperr.Invalidf("purpose", "fieldwork.purpose")
	}
	v := Visit{ID: db.NewID(), GridCode: h.GridCode, HouseholdID: h.ID, ResidentID: in.ResidentID, VisitedOn: in.VisitedOn,
		Met: in.Met, Purpose: in.Purpose, Notes: in.Notes, FollowUpOn: in.FollowUpOn, UserID: p.UserID, CreatedAt: now}
	for _, n := range in.Needs {
		v.Needs = append(v.Needs, Need{ID: db.NewID(), Description: n})
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if v.ResidentID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM residents WHERE id = $1 AND household_id = $2`, v.ResidentID, v.HouseholdID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.Invalidf("resident_id", "fieldwork.not_of_household")
			}
		}
		if err := insertVisit(ctx, tx, v); err != nil {
			return err
		}
		if err := closeFollowUps(ctx, tx, v.HouseholdID, v.ID, v.VisitedOn); err != nil {
			return err
		}
		e := audit.Of(p, now, ActVisit, "visit:"+v.ID)
		e.Reason = "household:" + h.No + " purpose:" + v.Purpose
		if err := audit.Record(ctx, tx, e); err != nil {
			return err
		}
		return idem.Record(ctx, tx, key, v.ID, now)
	})
	if err != nil {
		if key != nil && db.IsUniqueViolation(err) {
			return s.RecordVisit(ctx, p, in, key)
		}
		return Visit{}, err
	}
	return s.Visit(ctx, p, v.ID)
}

// offered reports whether a purpose is one a new visit may take: not retired.
func (s *Service) offered(ctx context.Context, code string) bool {
	es, err := s.Purposes(ctx)
	if err != nil {
		return false
	}
	for _, e := range es {
		if e.Code == code {
			return true
		}
	}
	return false
}

// Visit returns a visit in p's scope with its needs.
func (s *Service) Visit(ctx context.Context, p auth.Principal, id string) (Visit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Visit{}, err
	}
	w, args := p.Scope().Where("v.org_code", 2)
	return getVisit(ctx, s.db.Read(), id, w, args)
}

// HouseholdVisitsOf returns a household's visits in p's scope, the latest first.
func (s *Service) HouseholdVisitsOf(ctx context.Context, p auth.Principal, householdID string, limit int) ([]Visit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	w, args := p.Scope().Where("v.org_code", 1)
	return queryVisits(ctx, s.db.Read(), `WHERE `+w+` AND v.household_id = $3 ORDER BY v.visited_on DESC, v.created_at DESC LIMIT $4`,
		append(args, householdID, limit)...)
}

// ReportNeed reports a need found on a visit as a case, at the visit's grid with
// the household's address. A need becomes one case: asked again, it is refused.
//
// Errors: as cases.Report; not found for a visit or need outside p's scope;
// conflict for a need that is a case already.
func (s *Service) ReportNeed(ctx context.Context, p auth.Principal, visitID, needID, category string, photos []files.Prepared) (cases.Case, error) {
	now := s.now().UTC()
	if err := mayWork(p); err != nil {
		return cases.Case{}, err
	}
	v, err := s.Visit(ctx, p, visitID)
	if err != nil {
		return cases.Case{}, err
	}
	var need *Need
	for i := range v.Needs {
		if v.Needs[i].ID == needID {
			need = &v.Needs[i]
		}
	}
	if need == nil {
		return cases.Case{}, apperr.New(apperr.NotFound, "fieldwork.need_not_found", "need_id")
	}
	if need.CaseID != "" {
		return cases.Case{}, apperr.New(apperr.Conflict, "fieldwork.need_reported", "need_id").With("no", need.CaseNo)
	}
	key := &idem.Request{UserID: p.UserID, Key: "need/" + needID, BodyHash: strings.TrimSpace(category)}
	c, err := s.deps.Cases.Report(ctx, p, cases.ReportInput{OrgCode: v.GridCode, Category: category, Description: need.Description,
		Address: v.Address, Channel: cases.ChannelWorker}, photos, key)
	if err != nil {
		return cases.Case{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		set, err := setNeedCase(ctx, tx, needID, c.ID)
		if err != nil {
			return err
		}
		if !set {
			return apperr.New(apperr.Conflict, "fieldwork.need_reported", "need_id")
		}
		e := audit.Of(p, now, ActNeedReport, "visit:"+visitID)
		e.Reason = "case:" + c.No
		return audit.Record(ctx, tx, e)
	})
	return c, err
}

// FollowUpsDue returns the follow-ups that fall due by today and are not done, the
// oldest due first: for a user bound to a grid, those of the grid's visits, as its
// team of one or two shares the grid's households; for anyone else, their own.
func (s *Service) FollowUpsDue(ctx context.Context, p auth.Principal) ([]Visit, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	w, args := p.Scope().Where("v.org_code", 2)
	mine, who := `v.user_id = $1`, p.UserID
	if scope.LevelOf(p.OrgCode) == scope.Grid {
		mine, who = `v.org_code = $1`, p.OrgCode
	}
	return queryVisits(ctx, s.db.Read(), `WHERE `+mine+` AND `+w+` AND v.follow_up_on IS NOT NULL AND v.follow_up_done = 0
		AND v.follow_up_on <= $4 ORDER BY v.follow_up_on, v.created_at LIMIT 50`, append([]any{who}, append(args, s.today())...)...)
}
