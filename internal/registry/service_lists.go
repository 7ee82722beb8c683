package registry

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/scope"
)

// Today returns the city's date today as YYYY-MM-DD: the day a form's dates
// default to, and the first day of the permits about to expire.
func (s *Service) Today() string { return s.day() }

// HouseholdList is a page of a household list and the length of the whole list.
type HouseholdList struct {
	Items []Household
	Total int
}

// ResidentList is a page of a list of residents and the length of the whole list.
type ResidentList struct {
	Items []Resident
	Total int
}

// addressMinAbove is the shortest address fragment searched for above a community:
// below three characters the address index cannot serve it, and a city's
// households would be read one by one.
const addressMinAbove = 3

// FindHouseholds returns a page of the current households a filter selects, in
// order o, and how many it selects: limit households after the first offset. A
// community or a grid is listed whole; above a community only an address search
// is, of at least three characters.
//
// Errors: forbidden without auth.ReadRegister; not found for a unit outside p's
// scope; invalid, naming the filter at fault.
func (s *Service) FindHouseholds(ctx context.Context, p auth.Principal, f HouseholdFilter, o HouseholdOrder, limit, offset int) (HouseholdList, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return HouseholdList{}, err
	}
	if !p.Scope().Contains(f.Unit) {
		return HouseholdList{}, apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	if err := f.check(); err != nil {
		return HouseholdList{}, err
	}
	n, err := CountHouseholds(ctx, s.db.Read(), s.db.Dialect, p.Scope(), f)
	if err != nil || n == 0 || offset >= n {
		return HouseholdList{Items: []Household{}, Total: n}, err
	}
	hs, err := FindHouseholds(ctx, s.db.Read(), s.db.Dialect, p.Scope(), f, o, limit, offset)
	return HouseholdList{Items: hs, Total: n}, err
}

// check trims the filter and refuses values no household can match: a grid not
// under the unit, a tag, type or status not in their lists, an address too short to
// search for where the unit is wider than a community.
func (f *HouseholdFilter) check() error {
	for _, v := range []*string{&f.Grid, &f.Building, &f.Tag, &f.PopulationType, &f.ResidenceStatus, &f.Address} {
		*v = strings.TrimSpace(*v)
	}
	level := scope.LevelOf(f.Unit)
	switch {
	case f.Grid != "" && (scope.LevelOf(f.Grid) != scope.Grid || !scope.Of(f.Unit).Contains(f.Grid)):
		return apperr.Invalidf("grid_code", "household.grid_not_found")
	case f.Tag != "" && !slices.Contains(Tags, f.Tag):
		return apperr.Invalidf("tags", "resident.tag").With("tag", f.Tag)
	case f.PopulationType != "" && !slices.Contains(PopulationTypes, f.PopulationType):
		return apperr.Invalidf("population_type", "resident.population_type")
	case f.ResidenceStatus != "":
		if _, ok := codes.ResidenceStatus().ByCode(f.ResidenceStatus); !ok {
			return apperr.Invalidf("residence_status", "code.unknown").With("table", codes.ResidenceStatus().Standard)
		}
	}
	if level != scope.Community && level != scope.Grid && utf8.RuneCountInString(f.Address) < addressMinAbove {
		return apperr.Invalidf("address", "search.too_short")
	}
	return nil
}

// Buildings returns the names of the buildings under a unit in scope, for a
// list's filter.
func (s *Service) Buildings(ctx context.Context, p auth.Principal, unit string) ([]string, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return BuildingNames(ctx, s.db.Read(), p.Scope(), unit)
}

// FormerMembers returns the deregistered residents of a household in scope.
func (s *Service) FormerMembers(ctx context.Context, p auth.Principal, householdID string) ([]Resident, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, err
	}
	return FormerMembers(ctx, s.db.Read(), s.db.Keys(), p.Scope(), householdID)
}

// GridResidents returns a page of a grid's current residents whose names start
// with surname (a surname of one character is enough within a grid, where a
// search of the whole scope asks for two), in name order, and how many there are.
//
// Errors: forbidden without auth.ReadRegister; not found for a grid outside p's
// scope; invalid for a code that is not a grid's.
func (s *Service) GridResidents(ctx context.Context, p auth.Principal, grid, surname string, limit, offset int) (ResidentList, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return ResidentList{}, err
	}
	if !p.Scope().Contains(grid) {
		return ResidentList{}, apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	if scope.LevelOf(grid) != scope.Grid {
		return ResidentList{}, apperr.Invalidf("grid_code", "household.grid_not_found")
	}
	surname = strings.TrimSpace(surname)
	if utf8.RuneCountInString(surname) > 20 {
		return ResidentList{}, apperr.Invalidf("surname", "too_long").With("max", 20)
	}
	n, err := CountGridResidents(ctx, s.db.Read(), grid, surname)
	if err != nil || n == 0 || offset >= n {
		return ResidentList{Items: []Resident{}, Total: n}, err
	}
	rs, err := GridResidents(ctx, s.db.Read(), s.db.Keys(), grid, surname, limit, offset)
	return ResidentList{Items: rs, Total: n}, err
}

// PermitDays is how far ahead the list of expiring residence permits looks.
const PermitDays = 30

// ExpiringPermits returns a page of the current floating residents under a unit in
// scope whose residence permits (居住证) expire within the next PermitDays days,
// today included, by grid and the soonest first, and how many there are.
func (s *Service) ExpiringPermits(ctx context.Context, p auth.Principal, unit string, limit, offset int) (ResidentList, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return ResidentList{}, err
	}
	if !p.Scope().Contains(unit) {
		return ResidentList{}, apperr.New(apperr.NotFound, "org.not_found", "code")
	}
	from, to := s.day(), s.today().AddDate(0, 0, PermitDays).Format(time.DateOnly)
	n, err := CountExpiringPermits(ctx, s.db.Read(), unit, from, to)
	if err != nil || n == 0 || offset >= n {
		return ResidentList{Items: []Resident{}, Total: n}, err
	}
	rs, err := ExpiringPermits(ctx, s.db.Read(), s.db.Keys(), unit, from, to, limit, offset)
	return ResidentList{Items: rs, Total: n}, err
}

// ResidentRecord is all a resident's page shows: the record, its moves and its
// registrations and deregistrations, and the grid contact roles it holds.
type ResidentRecord struct {
	Resident Resident
	Moves    []Move
	Events   []Event
	Contact  []string
}

// ResidentRecord returns a resident in scope with their history and contact roles,
// the scope checked once.
func (s *Service) ResidentRecord(ctx context.Context, p auth.Principal, id string) (ResidentRecord, error) {
	r, moves, err := s.Resident(ctx, p, id)
	if err != nil {
		return ResidentRecord{}, err
	}
	rec := ResidentRecord{Resident: r, Moves: moves}
	if rec.Events, err = Events(ctx, s.db.Read(), id); err != nil {
		return ResidentRecord{}, err
	}
	rec.Contact, err = ContactRolesOf(ctx, s.db.Read(), id)
	return rec, err
}

// Dictionary returns a local dictionary's entries (流入原因), for a form's choices.
func (s *Service) Dictionary(ctx context.Context, dictionary string) ([]DictionaryEntry, error) {
	return Dictionary(ctx, s.db.Read(), dictionary)
}

// HouseholdByNo returns a household in scope by its number, with its members, for
// a form that names another household (合户). A number not found in scope is a
// problem with the field that gave it.
func (s *Service) HouseholdByNo(ctx context.Context, p auth.Principal, no string) (Household, []Resident, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Household{}, nil, err
	}
	no = strings.TrimSpace(no)
	if no == "" {
		return Household{}, nil, apperr.Invalidf("household_no", "required")
	}
	h, err := GetHouseholdByNo(ctx, s.db.Read(), p.Scope(), no)
	if apperr.Is(err, apperr.NotFound) {
		return Household{}, nil, apperr.Invalidf("household_no", "household.not_found")
	}
	if err != nil {
		return Household{}, nil, err
	}
	members, err := HouseholdMembers(ctx, s.db.Read(), s.db.Keys(), p.Scope(), h.ID)
	return h, members, err
}
