// Package registry is the register of people (人口信息): buildings 楼栋, households 户
// and residents 居民 with their care tags and the history of their moves. Every row
// carries the code of its grid, so every read and write is bounded by the caller's
// data scope. It stands on org; staff and later domains stand on it.
package registry

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/pii"
)

// Relation is a resident's relation to the head of the household (与户主关系).
type Relation string

// Relations lists the accepted relations.
var Relations = []string{"head", "spouse", "child", "parent", "grandchild", "sibling", "other"}

// PopulationTypes lists registered (户籍) and floating (流动) population.
var PopulationTypes = []string{"registered", "floating"}

// Tags lists the care tags: 低保, 残疾, 独居老人, 空巢老人, 优抚, 失业, 党员.
var Tags = []string{"dibao", "disabled", "elderly_alone", "empty_nest", "entitled", "unemployed", "party_member"}

// ContactRoles lists the residents a grid worker keeps in touch with: 居民小组长,
// 居民代表, 楼栋长.
var ContactRoles = []string{"group_leader", "representative", "building_head"}

// Household is a 户: a dwelling's registered group of residents.
type Household struct {
	ID       string `json:"id"`
	No       string `json:"household_no"`
	GridCode string `json:"grid_code"`
	Building string `json:"building,omitempty"`
	Address  string `json:"address"`
	Members  int    `json:"members"`
	Head     string `json:"head,omitempty"` // the head of household's name, "" if none is registered
}

// PageKeys say where a page of a list keyed by household number starts: after a
// key (the first page after ""), or, going back, just before one.
type PageKeys struct {
	After, Before string
}

// HouseholdInput is what a user types to create or change a household.
type HouseholdInput struct {
	No       string `json:"household_no"`
	GridCode string `json:"grid_code"`
	Address  string `json:"address"`
	Building string `json:"building"`
}

// Validate checks the fields of a household on their own and returns the first
// problem; Check returns them all.
func (in *HouseholdInput) Validate() error {
	if errs := in.Check(); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Check trims the fields and returns every problem with them, a field at most once,
// so that an import can list them all.
func (in *HouseholdInput) Check() []*apperr.Error {
	in.No, in.GridCode = strings.TrimSpace(in.No), strings.TrimSpace(in.GridCode)
	in.Address, in.Building = strings.TrimSpace(in.Address), strings.TrimSpace(in.Building)
	var errs []*apperr.Error
	switch {
	case in.No == "":
		errs = append(errs, apperr.Invalidf("household_no", "required"))
	case len(in.No) > 32:
		errs = append(errs, apperr.Invalidf("household_no", "too_long").With("max", 32))
	}
	if in.GridCode == "" {
		errs = append(errs, apperr.Invalidf("grid_code", "required"))
	}
	switch {
	case in.Address == "":
		errs = append(errs, apperr.Invalidf("address", "required"))
	case utf8.RuneCountInString(in.Address) > 200:
		errs = append(errs, apperr.Invalidf("address", "too_long").With("max", 200))
	}
	if utf8.RuneCountInString(in.Building) > 60 {
		errs = append(errs, apperr.Invalidf("building", "too_long").With("max", 60))
	}
	return errs
}

// Resident is a 居民. Sex and BirthDate are derived from the ID number. IDNumber and
// Phone are held here in full, opened from the sealed columns the database keeps
// them in (decision 6); pages and the API show them Masked.
type Resident struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	IDNumber       string   `json:"id_number"`
	Sex            string   `json:"sex"`
	BirthDate      string   `json:"birth_date"`
	HouseholdID    string   `json:"household_id"`
	HouseholdNo    string   `json:"household_no"`
	GridCode       string   `json:"grid_code"`
	Address        string   `json:"address"`
	Relation       string   `json:"relation"`
	PopulationType string   `json:"population_type"`
	Phone          string   `json:"phone"`
	Tags           []string `json:"tags"`
}

// Age returns the resident's age in whole years on day.
func (r Resident) Age(day time.Time) int { return AgeOn(r.BirthDate, day) }

// AgeOn returns the age in whole years on day of someone born on birth (YYYY-MM-DD).
func AgeOn(birth string, day time.Time) int {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return 0
	}
	age := day.Year() - b.Year()
	if day.Month() < b.Month() || (day.Month() == b.Month() && day.Day() < b.Day()) {
		age--
	}
	return age
}

// ResidentInput is what a user types to create or change a resident.
type ResidentInput struct {
	Name           string   `json:"name"`
	IDNumber       string   `json:"id_number"`
	HouseholdNo    string   `json:"household_no"`
	Relation       string   `json:"relation"`
	PopulationType string   `json:"population_type"`
	Phone          string   `json:"phone"`
	Tags           []string `json:"tags"`
}

// Validate checks the fields of a resident on their own and returns the parsed ID
// number, or the first problem; Check returns them all.
func (in *ResidentInput) Validate(today time.Time) (pii.IDNumber, error) {
	id, errs := in.Check(today)
	if len(errs) > 0 {
		return pii.IDNumber{}, errs[0]
	}
	return id, nil
}

// Check returns the parsed ID number and every problem with the fields, a field at
// most once, so that an import can list them all. It trims the fields, normalises
// the phone and orders the tags.
func (in *ResidentInput) Check(today time.Time) (pii.IDNumber, []*apperr.Error) {
	id, errs := pii.CheckPerson(&in.Name, &in.IDNumber, &in.Phone, today)
	in.HouseholdNo = strings.TrimSpace(in.HouseholdNo)
	if in.HouseholdNo == "" {
		errs = append(errs, apperr.Invalidf("household_no", "required"))
	}
	if !slices.Contains(Relations, in.Relation) {
		errs = append(errs, apperr.Invalidf("relation", "resident.relation"))
	}
	if !slices.Contains(PopulationTypes, in.PopulationType) {
		errs = append(errs, apperr.Invalidf("population_type", "resident.population_type"))
	}
	tags := make([]string, 0, len(in.Tags))
	for _, t := range Tags {
		if slices.Contains(in.Tags, t) {
			tags = append(tags, t)
		}
	}
	for _, t := range in.Tags {
		if !slices.Contains(Tags, t) {
			errs = append(errs, apperr.Invalidf("tags", "resident.tag").With("tag", t))
			break
		}
	}
	in.Tags = tags
	return id, errs
}

// Move is one entry of a resident's history of moves between households.
type Move struct {
	ID            string    `json:"id"`
	FromHousehold string    `json:"from_household_no"`
	ToHousehold   string    `json:"to_household_no"`
	FromGridCode  string    `json:"from_grid_code"`
	ToGridCode    string    `json:"to_grid_code"`
	MovedAt       time.Time `json:"moved_at"`
	MovedBy       string    `json:"moved_by"`
}

// Contact is a resident a grid worker keeps in touch with.
type Contact struct {
	Role       string `json:"role"`
	ResidentID string `json:"resident_id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
}

// Grounds lists the legal grounds on which a resident's record may be erased, the
// cases of 个人信息保护法 art. 47 that a register a city must keep can meet: its
// purpose achieved, unachievable or no longer needing the record
// (处理目的已实现、无法实现或者为实现处理目的不再必要); consent withdrawn (个人撤回同意);
// the retention period over (保存期限已届满), as when the person has died or left for
// good; processing against the law (违反法律、行政法规或者违反约定处理个人信息).
var Grounds = []string{"purpose_fulfilled", "consent_withdrawn", "retention_expired", "unlawful_processing"}

// Revealable lists what Reveal may show in full.
var Revealable = []string{"id_number", "phone"}

// RevealInput is what a user gives to see one resident's number in full: which of
// Revealable, and why.
type RevealInput struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Validate trims the reason and returns the first problem with the input; Check
// returns them all.
func (in *RevealInput) Validate() error {
	if errs := in.Check(); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Check trims the reason and returns every problem with the input, a field at most
// once. The reason is kept in the audit trail: 2 to 200 characters.
func (in *RevealInput) Check() []*apperr.Error {
	in.Reason = strings.TrimSpace(in.Reason)
	var errs []*apperr.Error
	if !slices.Contains(Revealable, in.Field) {
		errs = append(errs, apperr.Invalidf("field", "reveal.field"))
	}
	switch n := utf8.RuneCountInString(in.Reason); {
	case n < 2:
		errs = append(errs, apperr.Invalidf("reason", "reveal.reason"))
	case n > 200:
		errs = append(errs, apperr.Invalidf("reason", "too_long").With("max", 200))
	}
	return errs
}

// EraseInput is what a user gives to erase a resident's record: the legal ground,
// one of Grounds, and in their own words why.
type EraseInput struct {
	Ground string `json:"ground"`
	Reason string `json:"reason"`
}

// Validate trims the fields and returns the first problem with them; Check returns
// them all.
func (in *EraseInput) Validate() error {
	if errs := in.Check(); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Check trims the fields and returns every problem with them, a field at most once.
// The reason is kept in the audit trail for as long as the trail is kept, so it has
// the bounds of a reveal's: 2 to 200 characters.
func (in *EraseInput) Check() []*apperr.Error {
	in.Ground, in.Reason = strings.TrimSpace(in.Ground), strings.TrimSpace(in.Reason)
	var errs []*apperr.Error
	switch {
	case in.Ground == "":
		errs = append(errs, apperr.Invalidf("ground", "required"))
	case !slices.Contains(Grounds, in.Ground):
		errs = append(errs, apperr.Invalidf("ground", "erase.ground"))
	}
	switch n := utf8.RuneCountInString(in.Reason); {
	case n < 2:
		errs = append(errs, apperr.Invalidf("reason", "erase.reason"))
	case n > 200:
		errs = append(errs, apperr.Invalidf("reason", "too_long").With("max", 200))
	}
	return errs
}

// Erasure is what remains to be said of a resident once erased: where they were
// registered, and on what ground they were erased — nothing to know them by.
type Erasure struct {
	ResidentID  string `json:"id"`
	HouseholdID string `json:"household_id"`
	HouseholdNo string `json:"household_no"`
	Ground      string `json:"ground"`
}

// ConfirmErasure checks what a user typed to confirm erasing r: the last four
// characters of r's ID number, which the masked number on screen shows. Typing
// them makes the user look at whose record goes, not only click.
func (r Resident) ConfirmErasure(typed string) error {
	typed = strings.ToUpper(strings.TrimSpace(typed))
	if len(r.IDNumber) < 4 || typed != r.IDNumber[len(r.IDNumber)-4:] {
		return apperr.Invalidf("confirm", "erase.confirm")
	}
	return nil
}

// Masked returns a copy with the ID number and phone masked, as every screen and
// API answer shows them by default.
func (r Resident) Masked() Resident {
	r.IDNumber = pii.MaskIDNumber(r.IDNumber)
	r.Phone = pii.MaskPhone(r.Phone)
	return r
}

// Masked returns a copy with the phone masked.
func (c Contact) Masked() Contact {
	c.Phone = pii.MaskPhone(c.Phone)
	return c
}
