package fieldwork

import (
	"context"
	"time"

	"shequ/internal/cases"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
)

// Section is a part of the worker's day that another domain fills: a title (a
// message key), its lines, how many there are in all, and where the whole list is.
type Section struct {
	ID    string        `json:"id"`
	Title string        `json:"title"`
	Items []SectionItem `json:"items"`
	Total int           `json:"total"`
	More  string        `json:"more,omitempty"`
}

// SectionItem is one line of a section: what it is, a line under it, and its page.
type SectionItem struct {
	Label string `json:"label"`
	Meta  string `json:"meta,omitempty"`
	URL   string `json:"url"`
}

// DaySection gives a section of p's day. The proposals domain gives "proposals
// returned to me"; an error leaves the section out, not the day.
type DaySection func(ctx context.Context, p auth.Principal) (Section, error)

// dayListLength is how many lines each list of the day shows; the rest are a link
// away.
const dayListLength = 8

// Day is what a worker opens on their phone in the morning: what is due now.
type Day struct {
	Today     string       `json:"today"`
	Grid      string       `json:"grid,omitempty"`
	FollowUps []Visit      `json:"follow_ups"`
	Cases     []cases.Case `json:"cases"`
	CaseTotal int          `json:"case_total"`
	// Overdue are the households of p's grid not visited for longer than the
	// setting (only for a user bound to a grid).
	Overdue      []HouseholdVisits   `json:"overdue_households"`
	OverdueTotal int                 `json:"overdue_total"`
	OverdueDays  int                 `json:"overdue_days"`
	Permits      []registry.Resident `json:"permits_expiring"`
	PermitTotal  int                 `json:"permit_total"`
	Patrol       *Patrol             `json:"patrol,omitempty"`
	Sections     []Section           `json:"sections"`
}

// Day returns p's day. Errors: forbidden without registry.read.
func (s *Service) Day(ctx context.Context, p auth.Principal, lang string) (Day, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Day{}, err
	}
	d := Day{Today: s.today(), OverdueDays: s.OverdueDays(ctx), Sections: []Section{}}
	var err error
	if d.FollowUps, err = s.FollowUpsDue(ctx, p); err != nil {
		return Day{}, err
	}
	if d.Cases, d.CaseTotal, err = s.deps.Cases.List(ctx, p, cases.Filter{Mine: true, Limit: dayListLength}, lang); err != nil {
		return Day{}, err
	}
	if scope.LevelOf(p.OrgCode) == scope.Grid {
		d.Grid = p.OrgCode
		homes, err := lastVisits(ctx, s.db.Read(), p.OrgCode)
		if err != nil {
			return Day{}, err
		}
		cutoff := s.local().AddDate(0, 0, -d.OverdueDays).Format(time.DateOnly)
		for _, h := range homes {
			if h.Overdue = h.LastVisited < cutoff; h.Overdue {
				d.OverdueTotal++
				if len(d.Overdue) < dayListLength {
					d.Overdue = append(d.Overdue, h)
				}
			}
		}
	}
	if p.OrgCode != "" {
		permits, err := s.deps.Registry.ExpiringPermits(ctx, p, p.OrgCode, dayListLength, 0)
		if err != nil {
			return Day{}, err
		}
		d.Permits, d.PermitTotal = permits.Items, permits.Total
	}
	if pt, ok, err := s.OpenPatrol(ctx, p); err != nil {
		return Day{}, err
	} else if ok {
		d.Patrol = &pt
	}
	for _, section := range s.hooks.Sections {
		if sec, err := section(ctx, p); err == nil {
			d.Sections = append(d.Sections, sec)
		}
	}
	return d, nil
}

// Community returns the community's view of its grids: this month's visits and
// patrols, and the households never visited; with the count of what waits at the
// office per grid when a domain gives it (Hooks.Waiting).
func (s *Service) Community(ctx context.Context, p auth.Principal, community string) ([]GridFigures, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	if _, err := s.deps.Org.Unit(ctx, p, community); err != nil {
		return nil, err
	}
	local := s.local()
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, s.zone)
	gs, err := gridFigures(ctx, s.db.Read(), community, first.Format(time.DateOnly), first)
	if err != nil || s.hooks.Waiting == nil {
		return gs, err
	}
	waiting, err := s.hooks.Waiting(ctx, p, community)
	if err != nil {
		return gs, nil
	}
	for i := range gs {
		gs[i].ProposalsOpen = waiting[gs[i].Code]
	}
	return gs, nil
}

// HasWaitingColumn reports whether the community's view has the column that
// Hooks.Waiting fills.
func (s *Service) HasWaitingColumn() bool { return s.hooks.Waiting != nil }
