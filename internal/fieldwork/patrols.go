package fieldwork

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/audit"
	"shequ/internal/cases"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/files"
	"shequ/internal/platform/idem"
)

// mayWork returns a forbidden error unless p works grids in the field: patrols and
// visits are written by those who change the register (grid and community workers,
// and the levels above in their scope), not by the read-only role.
func mayWork(p auth.Principal) error { return p.Require(auth.WriteRegister) }

// StartPatrol starts p's patrol of a grid in scope. A worker has one patrol under
// way at a time.
//
// Errors: forbidden without registry.write; not found for a grid outside p's
// scope; conflict while another patrol of p's goes on.
func (s *Service) StartPatrol(ctx context.Context, p auth.Principal, in StartPatrolInput) (Patrol, error) {
	now := s.now().UTC()
	in.GridCode = strings.TrimSpace(in.GridCode)
	if err := mayWork(p); err != nil {
		return Patrol{}, audit.Refused(ctx, s.db, audit.Of(p, now, ActPatrolStart, "grid:"+in.GridCode), err)
	}
	if in.GridCode == "" {
		return Patrol{}, apperr.Invalidf("grid_code", "required")
	}
	if err := gridIn(p, in.GridCode); err != nil {
		return Patrol{}, apperr.Invalidf("grid_code", "fieldwork.outside_grid")
	}
	pt := Patrol{ID: db.NewID(), GridCode: in.GridCode, UserID: p.UserID, StartedAt: now, GPSConsent: in.GPSConsent}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if open, ok, err := openPatrolOf(ctx, tx, p.UserID); err != nil || ok {
			if err == nil {
				err = apperr.New(apperr.Conflict, "fieldwork.patrol_open", "grid_code").With("id", open.ID)
			}
			return err
		}
		if err := insertPatrol(ctx, tx, pt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, now, ActPatrolStart, "patrol:"+pt.ID))
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.Patrol(ctx, p, pt.ID)
}

// Patrol returns a patrol in p's scope with its points and findings.
func (s *Service) Patrol(ctx context.Context, p auth.Principal, id string) (Patrol, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Patrol{}, err
	}
	w, args := p.Scope().Where("p.org_code", 2)
	pt, err := getPatrol(ctx, s.db.Read(), id, w, args)
	if err != nil {
		return Patrol{}, err
	}
	return pt, patrolDetail(ctx, s.db.Read(), &pt)
}

// OpenPatrol returns p's patrol under way, if any.
func (s *Service) OpenPatrol(ctx context.Context, p auth.Principal) (Patrol, bool, error) {
	pt, ok, err := openPatrolOf(ctx, s.db.Read(), p.UserID)
	if err != nil || !ok {
		return Patrol{}, false, err
	}
	return pt, true, patrolDetail(ctx, s.db.Read(), &pt)
}

// RecentPatrols returns p's last patrols, the newest first.
func (s *Service) RecentPatrols(ctx context.Context, p auth.Principal, limit int) ([]Patrol, error) {
	return recentPatrols(ctx, s.db.Read(), p.UserID, limit)
}

// ownPatrol returns p's own patrol id under way, in tx: only the worker walking it
// adds to it.
func ownPatrol(ctx context.Context, tx *sql.Tx, p auth.Principal, id string) (Patrol, error) {
	w, args := p.Scope().Where("p.org_code", 2)
	pt, err := getPatrol(ctx, tx, id, w, args)
	switch {
	case err != nil:
		return Patrol{}, err
	case pt.UserID != p.UserID:
		return Patrol{}, apperr.New(apperr.Forbidden, "fieldwork.not_your_patrol", "id")
	case !pt.Open():
		return Patrol{}, apperr.New(apperr.Conflict, "fieldwork.patrol_ended", "id")
	}
	return pt, nil
}

// flag marks the points that fall outside box, and checks what a phone cannot have
// meant: a latitude or longitude off the globe, or more points than a patrol
// keeps. Flagged points are kept; nothing is moved or placed by them.
func flag(ps []Point, box Box, now time.Time) ([]Point, error) {
	if len(ps) > maxPoints {
		return nil, apperr.Invalidf("points", "fieldwork.too_many").With("max", maxPoints)
	}
	out := make([]Point, len(ps))
	for i, pt := range ps {
		if pt.Lat < -90 || pt.Lat > 90 || pt.Lng < -180 || pt.Lng > 180 {
			return nil, apperr.Invalidf("points", "fieldwork.point").With("n", i+1)
		}
		if pt.At.IsZero() {
			pt.At = now
		}
		pt.Outside = !box.Contains(pt.Lat, pt.Lng)
		out[i] = pt
	}
	return out, nil
}

// AddPoints keeps the points a phone gave during p's patrol, flagging those outside
// the worker's area. Errors: invalid naming points when the worker gave no consent
// to record them, for a point off the globe, or too many.
func (s *Service) AddPoints(ctx context.Context, p auth.Principal, id string, ps []Point) (Patrol, error) {
	return s.onPatrol(ctx, p, id, ActPatrolPoint, ps, nil)
}

// onPatrol is a step of p's own patrol under way: its points kept (flagged, with
// the worker's consent), then, when given, more of the step in the same
// transaction, with the audit record of action.
func (s *Service) onPatrol(ctx context.Context, p auth.Principal, id, action string, ps []Point, more func(tx *sql.Tx, now time.Time) error) (Patrol, error) {
	now := s.now().UTC()
	if err := mayWork(p); err != nil {
		return Patrol{}, err
	}
	ps, err := flag(ps, s.Bounds(ctx), now)
	if err != nil {
		return Patrol{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		pt, err := ownPatrol(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := keepPoints(ctx, tx, pt, ps); err != nil {
			return err
		}
		if more != nil {
			if err := more(tx, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Of(p, now, action, "patrol:"+id))
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.Patrol(ctx, p, id)
}

// keepPoints keeps points of a patrol whose worker consented; without consent
// there must be none.
func keepPoints(ctx context.Context, tx *sql.Tx, pt Patrol, ps []Point) error {
	if len(ps) == 0 {
		return nil
	}
	if !pt.GPSConsent {
		return apperr.Invalidf("points", "fieldwork.no_consent")
	}
	return insertPoints(ctx, tx, pt.ID, ps)
}

// EndPatrol ends p's patrol with the route's notes and the last points.
func (s *Service) EndPatrol(ctx context.Context, p auth.Principal, id string, in EndPatrolInput) (Patrol, error) {
	in.RouteNotes = strings.TrimSpace(in.RouteNotes)
	if utf8.RuneCountInString(in.RouteNotes) > maxNotes {
		return Patrol{}, apperr.Invalidf("route_notes", "too_long").With("max", maxNotes)
	}
	return s.onPatrol(ctx, p, id, ActPatrolEnd, in.Points, func(tx *sql.Tx, now time.Time) error {
		return finishPatrol(ctx, tx, id, in.RouteNotes, now)
	})
}

// AddFinding records what p's patrol found. With a category it is reported as a
// case in the same tap, through cases.Service.Report: at the patrol's grid, with
// the description, the address and the photos, and with the place the phone gave
// unless that lies outside the worker's area (a flagged point moves nothing). A
// finding sent again with its Idempotency-Key is the first one, its case too.
//
// Errors: as cases.Report for the case; invalid naming description; conflict for a
// patrol that has ended.
func (s *Service) AddFinding(ctx context.Context, p auth.Principal, patrolID string, in FindingInput, photos []files.Prepared, key *idem.Request) (Finding, error) {
	now := s.now().UTC()
	if err := mayWork(p); err != nil {
		return Finding{}, err
	}
	if id, err := idem.Lookup(ctx, s.db.Read(), key); err != nil || id != "" {
		if err != nil {
			return Finding{}, err
		}
		return s.finding(ctx, p, patrolID, id)
	}
	in.Description = strings.TrimSpace(in.Description)
	switch n := utf8.RuneCountInString(in.Description); {
	case n == 0:
		return Finding{}, apperr.Invalidf("description", "required")
	case n > maxNeed:
		return Finding{}, apperr.Invalidf("description", "too_long").With("max", maxNeed)
	}
	pt, err := s.Patrol(ctx, p, patrolID)
	if err != nil {
		return Finding{}, err
	}
	if !pt.Open() {
		return Finding{}, apperr.New(apperr.Conflict, "fieldwork.patrol_ended", "id")
	}
	f := Finding{ID: db.NewID(), Description: in.Description, CreatedAt: now}
	if strings.TrimSpace(in.Category) != "" {
		report := cases.ReportInput{OrgCode: pt.GridCode, Category: in.Category, Description: in.Description, Address: in.Address, Channel: cases.ChannelWorker}
		if in.Lat != nil && in.Lng != nil && s.Bounds(ctx).Contains(*in.Lat, *in.Lng) {
			report.Lat, report.Lng = in.Lat, in.Lng
		}
		c, err := s.deps.Cases.Report(ctx, p, report, photos, derived(key, "case"))
		if err != nil {
			return Finding{}, err
		}
		f.CaseID, f.CaseNo = c.ID, c.No
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := ownPatrol(ctx, tx, p, patrolID); err != nil {
			return err
		}
		if err := insertFinding(ctx, tx, patrolID, f); err != nil {
			return err
		}
		e := audit.Of(p, now, ActFinding, "patrol:"+patrolID)
		if f.CaseNo != "" {
			e.Reason = "case:" + f.CaseNo
		}
		if err := audit.Record(ctx, tx, e); err != nil {
			return err
		}
		return idem.Record(ctx, tx, key, f.ID, now)
	})
	if key != nil && db.IsUniqueViolation(err) {
		return s.AddFinding(ctx, p, patrolID, in, photos, key)
	}
	return f, err
}

// finding returns one finding of a patrol in p's scope.
func (s *Service) finding(ctx context.Context, p auth.Principal, patrolID, id string) (Finding, error) {
	pt, err := s.Patrol(ctx, p, patrolID)
	if err != nil {
		return Finding{}, err
	}
	for _, f := range pt.Findings {
		if f.ID == id {
			return f, nil
		}
	}
	return Finding{}, apperr.New(apperr.NotFound, "fieldwork.finding_not_found", "id")
}

// derived is the key of what a request creates besides its own record (the case a
// finding becomes): the request's key with a suffix, so that a retry of the
// request finds that too, and the two records do not share one key.
func derived(key *idem.Request, what string) *idem.Request {
	if key == nil {
		return nil
	}
	d := *key
	d.Key += "/" + what
	return &d
}
