// Package fieldwork is a grid worker's day (网格工作): the grid's team and the
// residents it keeps in touch with, patrols (巡查) of the grid with what they found,
// visits (走访) to households with the needs found and the day to go back, and the
// page a worker opens on their phone in the morning. It stands on registry (the
// households and residents visited), staff (who serves which grid) and cases (a
// finding or a need becomes a case through the cases' own service).
package fieldwork

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/registry"
)

// DictVisitPurpose is the local dictionary of visit purposes (日常走访, 关爱探访, 低保核查,
// 诉求回访 …), kept in the browser like 流入原因 (decision 22).
const DictVisitPurpose = "visit_purpose"

// The audit actions of grid work; objects are "grid:<code>", "patrol:<id>",
// "visit:<id>".
const (
	ActContactAdd  = "contact.create"
	ActContactEnd  = "contact.end"
	ActPatrolStart = "patrol.start"
	ActPatrolEnd   = "patrol.end"
	ActPatrolPoint = "patrol.points"
	ActFinding     = "patrol.finding"
	ActVisit       = "visit.create"
	ActNeedReport  = "visit.need_report"
)

// Text limits, in characters.
const (
	maxAnswersFor = 50
	maxNotes      = 2000
	maxMet        = 100
	maxNeed       = 500
	maxNeeds      = 10
	maxPoints     = 500
)

// Contact is a grid contact (楼栋长, 居民小组长, 居民代表): a resident of the grid, the
// building or residents' group they answer for, and the day they began. Phone is
// whole only for those who see the grid's work contacts (auth.SeesWorkContactsOf).
type Contact struct {
	ID         string `json:"id"`
	GridCode   string `json:"grid_code"`
	Role       string `json:"role"`
	ResidentID string `json:"resident_id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	// Callable says the phone is whole, so the page offers tel: and copy.
	Callable   bool   `json:"callable"`
	AnswersFor string `json:"answers_for,omitempty"`
	StartedOn  string `json:"started_on,omitempty"`
}

// ContactInput names a resident of the grid as one of its contacts.
type ContactInput struct {
	ResidentID string `json:"resident_id"`
	Role       string `json:"role"`
	AnswersFor string `json:"answers_for"`
	StartedOn  string `json:"started_on"`
}

// check returns what is wrong with the input's own fields, each naming its field;
// whether the resident lives in the grid is the store's to say.
func (in *ContactInput) check(today string) *apperr.Error {
	in.ResidentID = strings.TrimSpace(in.ResidentID)
	in.Role = strings.TrimSpace(in.Role)
	in.AnswersFor = strings.TrimSpace(in.AnswersFor)
	switch {
	case in.ResidentID == "":
		return apperr.Invalidf("resident_id", "required")
	case !slices.Contains(registry.ContactRoles, in.Role):
		return apperr.Invalidf("role", "fieldwork.contact_role")
	case utf8.RuneCountInString(in.AnswersFor) > maxAnswersFor:
		return apperr.Invalidf("answers_for", "too_long").With("max", maxAnswersFor)
	}
	return pastDay("started_on", &in.StartedOn, today)
}

// pastDay checks a date that may not lie after today; "" is today.
func pastDay(field string, s *string, today string) *apperr.Error {
	if *s = strings.TrimSpace(*s); *s == "" {
		*s = today
	}
	if _, err := time.Parse(time.DateOnly, *s); err != nil {
		return apperr.Invalidf(field, "fieldwork.date")
	}
	if *s > today {
		return apperr.Invalidf(field, "fieldwork.date_future").With("today", today)
	}
	return nil
}

// Point is a place a phone gave, with the instant it gave it. Outside says it lies
// beyond the area the worker serves: kept, flagged, and never used to place
// anything.
type Point struct {
	Lat     float64   `json:"lat"`
	Lng     float64   `json:"lng"`
	At      time.Time `json:"at"`
	Outside bool      `json:"outside,omitempty"`
}

// Box is an area by its corners, in degrees: where a worker's points may fall. Grids
// have no drawn boundary yet, so the box is the city's (the setting
// fieldwork.bounds), or mainland China's when the city gave none.
type Box struct {
	MinLat, MinLng, MaxLat, MaxLng float64
}

// China is the box of mainland China, taken when the city set no box of its own.
var China = Box{MinLat: 3, MinLng: 73, MaxLat: 54, MaxLng: 136}

// Contains reports whether the point lies in the box.
func (b Box) Contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

// Patrol is a worker's patrol (巡查) of a grid.
type Patrol struct {
	ID         string     `json:"id"`
	GridCode   string     `json:"grid_code"`
	GridName   string     `json:"grid_name,omitempty"`
	UserID     string     `json:"user_id"`
	StartedAt  time.Time  `json:"started_at"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	RouteNotes string     `json:"route_notes,omitempty"`
	GPSConsent bool       `json:"gps_consent"`
	Points     []Point    `json:"points,omitempty"`
	Findings   []Finding  `json:"findings,omitempty"`
}

// Open reports whether the patrol goes on.
func (p Patrol) Open() bool { return p.EndedAt == nil }

// Finding is something a patrol found; CaseID is set once it is reported as a case.
type Finding struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	CaseID      string    `json:"case_id,omitempty"`
	CaseNo      string    `json:"case_no,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// StartPatrolInput starts a patrol of a grid. GPSConsent is the worker's explicit
// yes to the phone giving points; without it no point is kept.
type StartPatrolInput struct {
	GridCode   string `json:"grid_code"`
	GPSConsent bool   `json:"gps_consent"`
}

// EndPatrolInput ends a patrol, with the worker's notes on the route and the last
// points the phone gave.
type EndPatrolInput struct {
	RouteNotes string  `json:"route_notes"`
	Points     []Point `json:"points,omitempty"`
}

// FindingInput is a finding of a patrol. With a Category it is reported as a case
// at once ("one tap"), carrying the description, the address, the place the phone
// gave (unless it lies outside the worker's area) and the photos.
type FindingInput struct {
	Description string   `json:"description"`
	Category    string   `json:"category,omitempty"`
	Address     string   `json:"address,omitempty"`
	Lat         *float64 `json:"lat,omitempty"`
	Lng         *float64 `json:"lng,omitempty"`
}

// Visit is a visit (走访) to a household or one of its members.
type Visit struct {
	ID           string    `json:"id"`
	GridCode     string    `json:"grid_code"`
	HouseholdID  string    `json:"household_id"`
	HouseholdNo  string    `json:"household_no,omitempty"`
	Address      string    `json:"address,omitempty"`
	ResidentID   string    `json:"resident_id,omitempty"`
	VisitedOn    string    `json:"visited_on"`
	Met          string    `json:"met,omitempty"`
	Purpose      string    `json:"purpose"`
	PurposeName  string    `json:"purpose_name,omitempty"`
	Notes        string    `json:"notes,omitempty"`
	FollowUpOn   string    `json:"follow_up_on,omitempty"`
	FollowUpDone bool      `json:"follow_up_done,omitempty"`
	UserID       string    `json:"user_id"`
	CreatedAt    time.Time `json:"created_at"`
	Needs        []Need    `json:"needs,omitempty"`
}

// Need is a need found on a visit; CaseID is set once it is reported as a case.
type Need struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	CaseID      string `json:"case_id,omitempty"`
	CaseNo      string `json:"case_no,omitempty"`
}

// VisitInput records a visit. VisitedOn "" is today; FollowUpOn "" is none.
type VisitInput struct {
	HouseholdID string   `json:"household_id"`
	ResidentID  string   `json:"resident_id,omitempty"`
	VisitedOn   string   `json:"visited_on,omitempty"`
	Met         string   `json:"met,omitempty"`
	Purpose     string   `json:"purpose"`
	Notes       string   `json:"notes,omitempty"`
	Needs       []string `json:"needs,omitempty"`
	FollowUpOn  string   `json:"follow_up_on,omitempty"`
}

// check returns what is wrong with the visit's own fields, naming the field; the
// household's grid and the purpose are checked against the register by the
// service.
func (in *VisitInput) check(today string) *apperr.Error {
	in.HouseholdID = strings.TrimSpace(in.HouseholdID)
	in.ResidentID = strings.TrimSpace(in.ResidentID)
	in.Met = strings.TrimSpace(in.Met)
	in.Purpose = strings.TrimSpace(in.Purpose)
	in.Notes = strings.TrimSpace(in.Notes)
	in.FollowUpOn = strings.TrimSpace(in.FollowUpOn)
	needs := in.Needs[:0]
	for _, n := range in.Needs {
		if n = strings.TrimSpace(n); n != "" {
			needs = append(needs, n)
		}
	}
	in.Needs = needs
	if in.HouseholdID == "" {
		return apperr.Invalidf("household_id", "required")
	}
	if err := pastDay("visited_on", &in.VisitedOn, today); err != nil {
		return err
	}
	switch {
	case in.Purpose == "":
		return apperr.Invalidf("purpose", "required")
	case utf8.RuneCountInString(in.Met) > maxMet:
		return apperr.Invalidf("met", "too_long").With("max", maxMet)
	case utf8.RuneCountInString(in.Notes) > maxNotes:
		return apperr.Invalidf("notes", "too_long").With("max", maxNotes)
	case len(in.Needs) > maxNeeds:
		return apperr.Invalidf("needs", "fieldwork.too_many").With("max", maxNeeds)
	}
	for _, n := range in.Needs {
		if utf8.RuneCountInString(n) > maxNeed {
			return apperr.Invalidf("needs", "too_long").With("max", maxNeed)
		}
	}
	if in.FollowUpOn != "" {
		if _, err := time.Parse(time.DateOnly, in.FollowUpOn); err != nil {
			return apperr.Invalidf("follow_up_on", "fieldwork.date")
		}
		if in.FollowUpOn < today {
			return apperr.Invalidf("follow_up_on", "fieldwork.follow_up_past").With("today", today)
		}
	}
	return nil
}

// HouseholdVisits is a household as the grid's work page lists it: when it was last
// visited ("" never), and whether that is longer ago than the overdue setting.
type HouseholdVisits struct {
	ID          string `json:"id"`
	No          string `json:"household_no"`
	Address     string `json:"address"`
	Building    string `json:"building,omitempty"`
	LastVisited string `json:"last_visited,omitempty"`
	Overdue     bool   `json:"overdue"`
}
