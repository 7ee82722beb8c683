package registry

import (
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/codes"
)

// The codes of registration reasons (登记原因) and deregistration reasons (注销类别,
// GA/T 2000.25) the register itself uses.
const (
	ReasonBirth   = "1" // 出生
	ReasonMoveIn  = "2" // 迁入
	ReasonOther   = "9" // 其他
	ReasonDeath   = "1" // 死亡
	ReasonMissing = "2" // 失踪
	ReasonLeft    = "3" // 迁出(离开)本地
)

// The kinds of a resident's life events besides moves.
const (
	EventRegistered   = "registered"
	EventDeregistered = "deregistered"
)

// Event is one registration or deregistration in a resident's history.
type Event struct {
	Kind       string    `json:"kind"`
	On         string    `json:"on"`
	Reason     string    `json:"reason"`
	Note       string    `json:"note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// DeregisterInput is what a user gives to take a resident off the register (注销):
// the reason (GA/T 2000.25: 死亡, 失踪, 迁出(离开)本地, 其他), the day it took effect,
// and a note.
type DeregisterInput struct {
	Reason string `json:"reason"`
	On     string `json:"on"`
	Note   string `json:"note"`
}

// Check returns every problem with the input on its own; the service checks the
// day against the resident's registration.
func (in *DeregisterInput) Check(today time.Time, registeredOn string) []*apperr.Error {
	var errs []*apperr.Error
	if err := codeOf(codes.Deregistration(), "reason", &in.Reason, true); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(in.On) == "" {
		errs = append(errs, apperr.Invalidf("on", "required"))
	} else if err := checkDay(&in.On, "on", today, registeredOn); err != nil {
		errs = append(errs, err)
	}
	if err := checkNote(&in.Note); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// RegisterInput is what a user gives to put a deregistered resident back on the
// register (登记): into which household, as whose relation, on which day, why.
type RegisterInput struct {
	HouseholdNo string `json:"household_no"`
	Relation    string `json:"relation"`
	Reason      string `json:"reason"`
	On          string `json:"on"`
	Note        string `json:"note"`
}

// Check returns every problem with the input; the day may not come before the
// resident's deregistration.
func (in *RegisterInput) Check(today time.Time, deregisteredOn string) []*apperr.Error {
	var errs []*apperr.Error
	in.HouseholdNo = strings.TrimSpace(in.HouseholdNo)
	if in.HouseholdNo == "" {
		errs = append(errs, apperr.Invalidf("household_no", "required"))
	}
	if err := relationCode(&in.Relation); err != nil {
		errs = append(errs, err)
	}
	if err := codeOf(codes.Registration(), "reason", &in.Reason, true); err != nil {
		errs = append(errs, err)
	}
	if err := checkDay(&in.On, "on", today, deregisteredOn); err != nil {
		errs = append(errs, err)
	}
	if err := checkNote(&in.Note); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// MoveInput is what a user gives to move a resident to another household: where,
// as whose relation, on which day (today when not given), and why.
type MoveInput struct {
	HouseholdNo string `json:"household_no"`
	Relation    string `json:"relation"`
	On          string `json:"on"`
	Reason      string `json:"reason"`
}

// Check returns every problem with the input; the day may not come before the
// resident's current period began.
func (in *MoveInput) Check(today time.Time, since string) []*apperr.Error {
	var errs []*apperr.Error
	in.HouseholdNo = strings.TrimSpace(in.HouseholdNo)
	if in.HouseholdNo == "" {
		errs = append(errs, apperr.Invalidf("household_no", "required"))
	}
	if err := relationCode(&in.Relation); err != nil {
		errs = append(errs, err)
	}
	if err := checkDay(&in.On, "on", today, since); err != nil {
		errs = append(errs, err)
	}
	if err := checkNote(&in.Reason); err != nil {
		err.Field = "reason"
		errs = append(errs, err)
	}
	return errs
}

// Member says which resident goes into a household, and as whose relation.
type Member struct {
	ResidentID string `json:"resident_id"`
	Relation   string `json:"relation"`
}

// SplitInput is what a user gives to split a household (分户): the new household,
// the members who go into it with their relations to its head (one of them the
// head), and the day.
type SplitInput struct {
	Household HouseholdInput `json:"household"`
	Members   []Member       `json:"members"`
	On        string         `json:"on"`
}

// MergeInput is what a user gives to merge a household into this one (合户): the
// other household's number, its members' relations to this one's head, and the day.
// The other household is dissolved on that day.
type MergeInput struct {
	HouseholdNo string   `json:"household_no"`
	Members     []Member `json:"members"`
	On          string   `json:"on"`
}

// checkMembers normalises members' relations and refuses an empty or repeated list.
func checkMembers(members []Member) *apperr.Error {
	if len(members) == 0 {
		return apperr.Invalidf("members", "household.no_members")
	}
	seen := map[string]bool{}
	for i := range members {
		if seen[members[i].ResidentID] {
			return apperr.Invalidf("members", "household.member_twice")
		}
		seen[members[i].ResidentID] = true
		if err := relationCode(&members[i].Relation); err != nil {
			err.Field = "members"
			return err
		}
	}
	return nil
}

// checkNote trims a free-text note and bounds it: notes go into the audit trail.
func checkNote(v *string) *apperr.Error {
	*v = strings.TrimSpace(*v)
	if utf8.RuneCountInString(*v) > 200 {
		return apperr.Invalidf("note", "too_long").With("max", 200)
	}
	return nil
}
