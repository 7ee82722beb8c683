// Package proposals is information collected in the field and reviewed at the
// office (信息采集): a grid worker does not change the register, they propose a
// change — a new resident, a newborn, a move out, a death, a changed phone, a tag,
// a new household, a floating resident's permit — and the community approves it
// (the register changes through the registry's own service, dated, in one
// transaction with the outcome) or rejects it with a reason the worker sees. It
// stands on registry, files and the platform; nothing stands on it but the
// server and the worker's day page (ReturnedTo, Waiting).
package proposals

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/pii"
	"shequ/internal/registry"
)

// Kind is what a proposal changes.
type Kind string

// The kinds of proposal.
const (
	NewResident  Kind = "new_resident"  // 新增居民: someone who moved in
	Newborn      Kind = "newborn"       // 新生儿: registered for 出生 on the birth date
	MoveOut      Kind = "move_out"      // 迁出: deregistered, 迁出(离开)本地
	Death        Kind = "death"         // 死亡: deregistered, 死亡
	Phone        Kind = "phone"         // 联系电话变更
	TagAdd       Kind = "tag_add"       // 增加标签
	TagRemove    Kind = "tag_remove"    // 去掉标签
	NewHousehold Kind = "new_household" // 新立户
	Permit       Kind = "permit"        // 流动人口的新居住证
)

// Kinds lists every kind, in the order the form offers them.
var Kinds = []Kind{Newborn, NewResident, MoveOut, Death, Phone, TagAdd, TagRemove, Permit, NewHousehold}

// AboutResident reports whether a proposal of kind k changes a resident already
// on the register, whose record it keeps as it was when proposed.
func (k Kind) AboutResident() bool {
	switch k {
	case MoveOut, Death, Phone, TagAdd, TagRemove, Permit:
		return true
	}
	return false
}

// The states of a proposal.
const (
	Waiting  = "waiting"  // 待审核
	Approved = "approved" // 已通过: the register changed
	Rejected = "rejected" // 已退回, with a reason
	Applied  = "applied"  // 直接生效: a trusted worker's, applied on submit
)

// States lists the states, in the order the worker's list shows them.
var States = []string{Waiting, Rejected, Approved, Applied}

// Input is a proposal as a worker sends it. The resident it is about is named by
// id (from the resident's page) or, from a phone in a stairwell that cannot look
// one up, by household number and name. Payload is the change, its shape the
// kind's: a registry.ResidentInput for a new resident or a newborn, a
// registry.HouseholdInput for a new household, a Change for the rest.
type Input struct {
	Kind        Kind            `json:"kind"`
	ResidentID  string          `json:"resident_id,omitempty"`
	HouseholdNo string          `json:"household_no,omitempty"`
	Name        string          `json:"name,omitempty"`
	Payload     json.RawMessage `json:"payload"`
	Note        string          `json:"note"`
}

// Change is the payload of a proposal about a resident on the register: the
// fields its kind uses. A phone left empty clears the stored one.
type Change struct {
	Phone              string `json:"phone,omitempty"`
	Tag                string `json:"tag,omitempty"`
	PermitNo           string `json:"permit_no,omitempty"`
	PermitRegisteredOn string `json:"permit_registered_on,omitempty"`
	PermitExpiresOn    string `json:"permit_expires_on,omitempty"`
	On                 string `json:"on,omitempty"` // the day of a move out or a death
}

// maxNote bounds a note and a rejection's reason, in characters.
const maxNote = 500

// checkText trims v and checks it is given and not too long, naming field.
func checkText(v *string, field string) error {
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "":
		return apperr.Invalidf(field, "required")
	case utf8.RuneCountInString(*v) > maxNote:
		return apperr.Invalidf(field, "too_long").With("max", maxNote)
	}
	return nil
}

// decode reads a payload strictly: a field the kind does not know is a mistake
// the worker should hear of, not a change silently dropped.
func decode(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Invalidf("payload", "proposal.payload")
	}
	return nil
}

// inputOf is a resident's record as the registry's edit takes it, so that a
// change to one field goes through the same checks and the same write as the
// resident form.
func inputOf(r registry.Resident) registry.ResidentInput {
	return registry.ResidentInput{Name: r.Name, IDNumber: r.IDNumber, HouseholdNo: r.HouseholdNo, Relation: r.Relation,
		PopulationType: r.PopulationType, Phone: r.Phone, Tags: slices.Clone(r.Tags), ClearPhone: r.Phone == "",
		Ethnicity: r.Ethnicity, MaritalStatus: r.MaritalStatus, Education: r.Education, PoliticalStatus: r.PoliticalStatus,
		HukouRegion: r.HukouRegion, HukouAddress: r.HukouAddress, LivesInNo: r.LivesInNo, ResidenceStatus: r.ResidenceStatus,
		InflowReason: r.InflowReason, PermitNo: r.PermitNo, PermitRegisteredOn: r.PermitRegisteredOn,
		PermitExpiresOn: r.PermitExpiresOn, RegisteredOn: r.RegisteredOn, RegisteredReason: r.RegisteredReason}
}

// edited applies change c of kind k to resident r's record and checks the result
// as the registry's edit will: the first problem names the field.
func edited(k Kind, r registry.Resident, c *Change, today time.Time) (registry.ResidentInput, error) {
	in := inputOf(r)
	switch k {
	case Phone:
		in.Phone, in.ClearPhone = c.Phone, strings.TrimSpace(c.Phone) == ""
	case TagAdd, TagRemove:
		c.Tag = strings.TrimSpace(c.Tag)
		if c.Tag == "" {
			return in, apperr.Invalidf("tag", "required")
		}
		if !slices.Contains(registry.Tags, c.Tag) {
			return in, apperr.Invalidf("tag", "resident.tag").With("tag", c.Tag)
		}
		has := slices.Contains(in.Tags, c.Tag)
		if k == TagAdd {
			if has {
				return in, apperr.Invalidf("tag", "proposal.tag_present")
			}
			in.Tags = append(in.Tags, c.Tag)
		} else {
			if !has {
				return in, apperr.Invalidf("tag", "proposal.tag_absent")
			}
			in.Tags = slices.DeleteFunc(in.Tags, func(t string) bool { return t == c.Tag })
		}
	case Permit:
		if r.PopulationType != "floating" {
			return in, apperr.Invalidf("permit_no", "proposal.not_floating")
		}
		if strings.TrimSpace(c.PermitNo) == "" {
			return in, apperr.Invalidf("permit_no", "required")
		}
		in.PermitNo, in.PermitRegisteredOn, in.PermitExpiresOn = c.PermitNo, c.PermitRegisteredOn, c.PermitExpiresOn
	}
	if _, err := in.Validate(today); err != nil {
		return in, err
	}
	switch k {
	case Phone:
		c.Phone = in.Phone
	case Permit:
		c.PermitNo, c.PermitRegisteredOn, c.PermitExpiresOn = in.PermitNo, in.PermitRegisteredOn, in.PermitExpiresOn
	}
	return in, nil
}

// deregistration is the registry's input for a move out or a death on day on.
func deregistration(k Kind, on, note string) registry.DeregisterInput {
	reason := registry.ReasonLeft
	if k == Death {
		reason = registry.ReasonDeath
	}
	return registry.DeregisterInput{Reason: reason, On: on, Note: note}
}

// newPerson prepares the input of a new resident or a newborn: a newborn is
// registered for 出生, on the birth date in the ID number unless a day is given;
// someone who moved in, for 迁入 unless another reason is given.
func newPerson(k Kind, in *registry.ResidentInput, today time.Time) {
	if k == Newborn {
		in.RegisteredReason = registry.ReasonBirth
		if strings.TrimSpace(in.RegisteredOn) == "" {
			if id, err := pii.ParseIDNumber(in.IDNumber, today); err == nil {
				in.RegisteredOn = id.BirthDate()
			}
		}
		if in.PopulationType == "" {
			in.PopulationType = "registered"
		}
		return
	}
	if strings.TrimSpace(in.RegisteredReason) == "" {
		in.RegisteredReason = registry.ReasonMoveIn
	}
}

// Proposal is a proposal as kept: the change as data (Payload, the kind's JSON),
// the record as the worker saw it (Snapshot, for a proposal about a resident on
// the register), and its outcome.
type Proposal struct {
	ID           string             `json:"id"`
	OrgCode      string             `json:"org_code"`
	Kind         Kind               `json:"kind"`
	ResidentID   string             `json:"resident_id,omitempty"`
	Subject      string             `json:"subject"`
	Payload      json.RawMessage    `json:"payload"`
	Snapshot     *registry.Resident `json:"snapshot,omitempty"`
	Note         string             `json:"note"`
	State        string             `json:"state"`
	Reason       string             `json:"reason,omitempty"`
	ResultID     string             `json:"result_id,omitempty"`
	ProposedBy   string             `json:"proposed_by"`
	ProposerName string             `json:"proposer_name"`
	ProposedAt   time.Time          `json:"proposed_at"`
	DecidedBy    string             `json:"decided_by,omitempty"`
	DeciderName  string             `json:"decider_name,omitempty"`
	DecidedAt    *time.Time         `json:"decided_at,omitempty"`
	Seen         bool               `json:"-"`
	Current      *registry.Resident `json:"current,omitempty"`
	Stale        bool               `json:"stale"`
}

// Masked returns the proposal as it leaves the server: ID numbers and phones in
// its payload and records masked.
func (p Proposal) Masked() Proposal {
	p.Payload = maskPayload(p.Payload)
	if p.Snapshot != nil {
		m := p.Snapshot.Masked()
		p.Snapshot = &m
	}
	if p.Current != nil {
		m := p.Current.Masked()
		p.Current = &m
	}
	return p
}

// maskPayload masks the ID number and phone of a payload.
func maskPayload(raw json.RawMessage) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	if v, ok := m["id_number"].(string); ok && v != "" {
		m["id_number"] = pii.MaskIDNumber(v)
	}
	if v, ok := m["phone"].(string); ok && v != "" {
		m["phone"] = pii.MaskPhone(v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}
