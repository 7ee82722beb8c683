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

// PopulationTypes lists registered (户籍) and floating (流动) population.
var PopulationTypes = []string{"registered", "floating"}

// Tags lists the care tags: 低保, 残疾, 独居老人, 空巢老人, 优抚, 失业. 党员 was one until
// it became a political status (政治面貌, GB/T 4762), which it is.
var Tags = []string{"dibao", "disabled", "elderly_alone", "empty_nest", "entitled", "unemployed"}

// LegacyPartyTag is the tag 党员 was: still accepted from older clients and files,
// it sets the political status to 01 中国共产党党员.
const LegacyPartyTag = "party_member"

// ContactRoles lists the residents a grid worker keeps in touch with: 居民小组长,
// 居民代表, 楼栋长.
var ContactRoles = []string{"group_leader", "representative", "building_head"}

// Household is a 户: a dwelling's registered group of residents. Its dwelling is
// kept in parts, in the order a worker walks to it (cn-standards §8.2), and Address
// is the full text rendered from them (or, for a household imported from a file with
// one address column, that column as it came).
type Household struct {
	ID          string `json:"id"`
	No          string `json:"household_no"`
	GridCode    string `json:"grid_code"`
	Street      string `json:"street,omitempty"` // 小区或街路巷
	DoorNo      string `json:"door_no,omitempty"`
	Building    string `json:"building,omitempty"`
	BuildingID  string `json:"-"` // for the link to the building's page
	UnitNo      string `json:"unit_no,omitempty"`
	FloorNo     string `json:"floor_no,omitempty"`
	RoomNo      string `json:"room_no,omitempty"`
	Address     string `json:"address"`
	Established string `json:"established_on"`
	Dissolved   string `json:"dissolved_on,omitempty"` // set when merged into another
	Members     int    `json:"members"`
	Head        string `json:"head,omitempty"` // the head of household's name, "" if none is registered
}

// PageKeys say where a page of a list keyed by household number starts: after a
// key (the first page after ""), or, going back, just before one.
type PageKeys struct {
	After, Before string
}

// HouseholdInput is what a user types to create or change a household. Address is
// the full text; when the parts are given it is rendered from them instead.
type HouseholdInput struct {
	No          string `json:"household_no"`
	GridCode    string `json:"grid_code"`
	Address     string `json:"address"`
	Street      string `json:"street"`
	DoorNo      string `json:"door_no"`
	Building    string `json:"building"`
	UnitNo      string `json:"unit_no"`
	FloorNo     string `json:"floor_no"`
	RoomNo      string `json:"room_no"`
	Established string `json:"established_on"` // default today
}

// Validate checks the fields of a household on their own and returns the first
// problem; Check returns them all.
func (in *HouseholdInput) Validate(today time.Time) error {
	if errs := in.Check(today); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Check trims the fields, renders the address from its parts when they are given,
// and returns every problem with them, a field at most once, so that an import can
// list them all.
func (in *HouseholdInput) Check(today time.Time) []*apperr.Error {
	in.No, in.GridCode = strings.TrimSpace(in.No), strings.TrimSpace(in.GridCode)
	var errs []*apperr.Error
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"street", &in.Street, 60}, {"door_no", &in.DoorNo, 20}, {"building", &in.Building, 60}, {"unit_no", &in.UnitNo, 10},
		{"floor_no", &in.FloorNo, 10}, {"room_no", &in.RoomNo, 20}} {
		*f.v = strings.TrimSpace(*f.v)
		if utf8.RuneCountInString(*f.v) > f.max {
			errs = append(errs, apperr.Invalidf(f.name, "too_long").With("max", f.max))
		}
	}
	if rendered := RenderAddress(in.Street, in.DoorNo, in.Building, in.UnitNo, in.FloorNo, in.RoomNo); in.Street != "" {
		in.Address = rendered
	}
	in.Address = strings.TrimSpace(in.Address)
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
	if err := checkDay(&in.Established, "established_on", today, ""); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// RenderAddress writes a dwelling's parts as one line, the way a form or an
// envelope gives it: 民主路12号3栋2单元5楼501. A part that already carries its
// unit word (号, 栋, 单元, 楼, 室) keeps it.
func RenderAddress(street, doorNo, building, unitNo, floorNo, roomNo string) string {
	var b strings.Builder
	part := func(v, suffix string, also ...string) {
		if v == "" {
			return
		}
		b.WriteString(v)
		for _, s := range append(also, suffix) {
			if strings.HasSuffix(v, s) {
				return
			}
		}
		if v[len(v)-1] >= '0' && v[len(v)-1] <= '9' || len(v) == 1 {
			b.WriteString(suffix)
		}
	}
	part(street, "")
	part(doorNo, "号")
	part(building, "栋", "幢", "楼", "座", "号楼")
	part(unitNo, "单元")
	part(floorNo, "楼", "层", "F")
	part(roomNo, "")
	return b.String()
}

// checkDay trims a date typed as YYYY-MM-DD, defaulting an empty one to today, and
// refuses one that does not parse, lies after today, or before notBefore (when
// that is set).
func checkDay(v *string, field string, today time.Time, notBefore string) *apperr.Error {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		*v = today.Format(time.DateOnly)
		return nil
	}
	d, err := time.Parse(time.DateOnly, *v)
	if err != nil {
		return apperr.Invalidf(field, "date")
	}
	*v = d.Format(time.DateOnly)
	switch {
	case *v > today.Format(time.DateOnly):
		return apperr.Invalidf(field, "date.future")
	case notBefore != "" && *v < notBefore:
		return apperr.Invalidf(field, "date.too_early").With("min", notBefore)
	}
	return nil
}

// Resident is a 居民. Sex and BirthDate are derived from the ID number. IDNumber and
// Phone are held here in full, opened from the sealed columns the database keeps
// them in (decision 6); pages and the API show them Masked. Relation and the other
// coded fields hold national codes (internal/platform/codes); pages show their names.
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
	Relation       string   `json:"relation"` // GB/T 4761-2008
	PopulationType string   `json:"population_type"`
	Phone          string   `json:"phone"`
	Tags           []string `json:"tags"`

	Ethnicity       string `json:"ethnicity,omitempty"`        // 民族, GB/T 3304
	MaritalStatus   string `json:"marital_status,omitempty"`   // 婚姻状况, GB/T 2261.2
	Education       string `json:"education,omitempty"`        // 文化程度, GB/T 4658
	PoliticalStatus string `json:"political_status,omitempty"` // 政治面貌, GB/T 4762
	HukouRegion     string `json:"hukou_region,omitempty"`     // 户籍地, GB/T 2260
	HukouAddress    string `json:"hukou_address,omitempty"`    // 户籍地详址
	// LivesInNo and LivesAt are the household whose dwelling the resident lives in
	// (现住址) when it is not their own; empty when they live where they are registered.
	LivesInID       string `json:"-"`
	LivesInNo       string `json:"lives_in_household_no,omitempty"`
	LivesAt         string `json:"lives_at,omitempty"`
	ResidenceStatus string `json:"residence_status"` // 人户状态

	InflowReason       string `json:"inflow_reason,omitempty"` // 流入原因, a local dictionary
	PermitNo           string `json:"permit_no,omitempty"`     // 居住证号
	PermitRegisteredOn string `json:"permit_registered_on,omitempty"`
	PermitExpiresOn    string `json:"permit_expires_on,omitempty"`

	RegisteredOn       string `json:"registered_on"`
	RegisteredReason   string `json:"registered_reason"`
	DeregisteredOn     string `json:"deregistered_on,omitempty"`
	DeregisteredReason string `json:"deregistered_reason,omitempty"`
}

// Current reports whether the resident is on the register now: not deregistered.
func (r Resident) Current() bool { return r.DeregisteredOn == "" }

// IsHead reports whether the resident heads their household.
func (r Resident) IsHead() bool { return isHead(r.Relation) }

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

// ResidentInput is what a user types to create or change a resident. A coded field
// takes the code or the name (and the legacy values the tables list).
type ResidentInput struct {
	Name           string   `json:"name"`
	IDNumber       string   `json:"id_number"`
	HouseholdNo    string   `json:"household_no"`
	Relation       string   `json:"relation"`
	PopulationType string   `json:"population_type"`
	Phone          string   `json:"phone"`
	Tags           []string `json:"tags"`
	// ClearPhone erases the stored phone. An empty or masked phone in an edit keeps
	// it, so clearing one is asked for in so many words.
	ClearPhone bool `json:"clear_phone,omitempty"`

	Ethnicity       string `json:"ethnicity"`
	MaritalStatus   string `json:"marital_status"`
	Education       string `json:"education"`
	PoliticalStatus string `json:"political_status"`
	HukouRegion     string `json:"hukou_region"`
	HukouAddress    string `json:"hukou_address"`
	LivesInNo       string `json:"lives_in_household_no"`
	ResidenceStatus string `json:"residence_status"`

	InflowReason       string `json:"inflow_reason"`
	PermitNo           string `json:"permit_no"`
	PermitRegisteredOn string `json:"permit_registered_on"`
	PermitExpiresOn    string `json:"permit_expires_on"`

	// RegisteredOn and RegisteredReason date a new resident's registration (登记):
	// today and 其他 when not given; a newborn is registered for 出生.
	RegisteredOn     string `json:"registered_on"`
	RegisteredReason string `json:"registered_reason"`
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
// the phone and the codes, and orders the tags.
func (in *ResidentInput) Check(today time.Time) (pii.IDNumber, []*apperr.Error) {
	id, errs := pii.CheckPerson(&in.Name, &in.IDNumber, &in.Phone, today)
	in.HouseholdNo = strings.TrimSpace(in.HouseholdNo)
	if in.HouseholdNo == "" {
		errs = append(errs, apperr.Invalidf("household_no", "required"))
	}
	if i := slices.Index(in.Tags, LegacyPartyTag); i >= 0 {
		in.Tags = slices.Delete(slices.Clone(in.Tags), i, i+1)
		if strings.TrimSpace(in.PoliticalStatus) == "" {
			in.PoliticalStatus = "01"
		}
	}
	errs = append(errs, in.checkCodes()...)
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
	in.HukouAddress, in.LivesInNo = strings.TrimSpace(in.HukouAddress), strings.TrimSpace(in.LivesInNo)
	if utf8.RuneCountInString(in.HukouAddress) > 200 {
		errs = append(errs, apperr.Invalidf("hukou_address", "too_long").With("max", 200))
	}
	in.PermitNo = strings.TrimSpace(in.PermitNo)
	if utf8.RuneCountInString(in.PermitNo) > 30 {
		errs = append(errs, apperr.Invalidf("permit_no", "too_long").With("max", 30))
	}
	errs = append(errs, in.checkDates(id, today)...)
	return id, errs
}

// checkDates checks the registration and permit dates: registered on or after
// birth and not after today; a permit that expires after it was registered.
func (in *ResidentInput) checkDates(id pii.IDNumber, today time.Time) []*apperr.Error {
	var errs []*apperr.Error
	born := ""
	if id.Value != "" {
		born = id.BirthDate()
	}
	if err := checkDay(&in.RegisteredOn, "registered_on", today, born); err != nil {
		errs = append(errs, err)
	}
	in.PermitRegisteredOn, in.PermitExpiresOn = strings.TrimSpace(in.PermitRegisteredOn), strings.TrimSpace(in.PermitExpiresOn)
	if in.PermitRegisteredOn != "" {
		if err := checkDay(&in.PermitRegisteredOn, "permit_registered_on", today, ""); err != nil {
			errs = append(errs, err)
		}
	}
	if in.PermitExpiresOn != "" {
		d, err := time.Parse(time.DateOnly, in.PermitExpiresOn)
		switch {
		case err != nil:
			errs = append(errs, apperr.Invalidf("permit_expires_on", "date"))
		case in.PermitRegisteredOn != "" && d.Format(time.DateOnly) < in.PermitRegisteredOn:
			errs = append(errs, apperr.Invalidf("permit_expires_on", "resident.permit_expires_before_registered"))
		default:
			in.PermitExpiresOn = d.Format(time.DateOnly)
		}
	}
	return errs
}

// Move is one entry of a resident's history of moves between households.
type Move struct {
	ID            string    `json:"id"`
	FromHousehold string    `json:"from_household_no"`
	ToHousehold   string    `json:"to_household_no"`
	FromGridCode  string    `json:"from_grid_code"`
	ToGridCode    string    `json:"to_grid_code"`
	MovedOn       string    `json:"moved_on"` // the day it took effect
	Reason        string    `json:"reason,omitempty"`
	MovedAt       time.Time `json:"moved_at"` // when it was recorded
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
