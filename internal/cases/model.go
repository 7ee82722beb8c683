// Package cases is "出门一把抓，回来再分家": one intake for anything a grid worker meets
// in the field or a resident reports (a broken lamp, a neighbours' dispute, a blocked
// fire exit, a question about a subsidy), sorted back at the office to whoever must
// act, and followed until it is closed and rated. A case's steps, deadlines and
// timeline run on the platform's workflow engine (flow.json); this package holds
// what a case is (its category, place, description, reporters, number, photos),
// the catalogue of categories with their time limits, the handling units and the
// routing table, and the pages and API workers use.
package cases

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/workflow"
)

// FlowName names the case flow in workflow instances and the audit trail.
const FlowName = "case"

// SubjectKind is the kind of a case's workflow instance's subject.
const SubjectKind = "case"

// Channel is how a case reached shequ (事件来源).
type Channel string

// The channels.
const (
	ChannelWorker  Channel = "worker"  // 网格员走访: a worker took it up in the field
	ChannelVisit   Channel = "visit"   // 来访: a resident came to the office
	ChannelHotline Channel = "hotline" // 热线电话: 12345 or the community's own line
	ChannelApp     Channel = "app"     // 客户端: a client application through Open311
)

// Channels lists the channels in the order forms offer them.
var Channels = []Channel{ChannelWorker, ChannelVisit, ChannelHotline, ChannelApp}

// Ratings are the reporter's 评价 of a closed case.
var Ratings = []string{"satisfied", "basically_satisfied", "dissatisfied"}

// Case is one problem taken up: what it is and where, with its number. Its state
// and deadlines are in Instance.
type Case struct {
	ID       string `json:"id"`
	No       string `json:"no"` // 450403001001-2026-000123: per community per year
	OrgCode  string `json:"org_code"`
	OrgName  string `json:"org_name,omitempty"`
	Category string `json:"category"`
	// CategoryName is the category's name in the reader's language.
	CategoryName string    `json:"category_name,omitempty"`
	Description  string    `json:"description"`
	Address      string    `json:"address"`
	Lat          *float64  `json:"lat,omitempty"`
	Lng          *float64  `json:"lng,omitempty"`
	Channel      Channel   `json:"channel"`
	ReportedBy   string    `json:"reported_by"`
	ReportedAt   time.Time `json:"reported_at"`
	MergedInto   string    `json:"merged_into,omitempty"`
	Rating       string    `json:"rating,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
	// HandlerName names the handling unit, once dispatched.
	HandlerName string            `json:"handler_name,omitempty"`
	Instance    workflow.Instance `json:"workflow"`
}

// Location is the case's coordinates as text, "" when none were given.
func (c Case) Location() string {
	if c.Lat == nil || c.Lng == nil {
		return ""
	}
	return strconv.FormatFloat(*c.Lat, 'f', 6, 64) + ", " + strconv.FormatFloat(*c.Lng, 'f', 6, 64)
}

// Reporter is who reported a case and how to reach them. A merge keeps the
// reporters of both cases. The phone leaves the service masked.
type Reporter struct {
	Kind    string    `json:"kind"` // worker, resident, hotline, app
	Name    string    `json:"name"`
	Phone   string    `json:"phone,omitempty"`
	UserID  string    `json:"user_id,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// Handler is a handling unit (处置单位): a window of a community's service hall, a
// street office, a district department. It sits in an org unit, whose users act
// for it.
type Handler struct {
	ID      string `json:"id"`
	OrgCode string `json:"org_code"`
	Name    string `json:"name"`
	Kind    string `json:"kind"` // window, street, department
}

// Text limits of a report, in characters.
const (
	maxDescription = 2000
	maxAddress     = 200
	maxName        = 50
)

// ReportInput is a case as a worker or a client reports it.
type ReportInput struct {
	// OrgCode is where it happened: a grid, or a community when no grid is known.
	OrgCode     string   `json:"org_code"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Address     string   `json:"address"`
	Lat         *float64 `json:"lat,omitempty"`
	Lng         *float64 `json:"lng,omitempty"`
	Channel     Channel  `json:"channel"`
	// ReporterName and ReporterPhone are the resident who reported it, when one
	// did; a worker's own report leaves them empty.
	ReporterName  string `json:"reporter_name,omitempty"`
	ReporterPhone string `json:"reporter_phone,omitempty"`
}

// normalise trims the text fields and fills the default channel.
func (in *ReportInput) normalise() {
	in.OrgCode = strings.TrimSpace(in.OrgCode)
	in.Category = strings.TrimSpace(in.Category)
	in.Description = strings.TrimSpace(in.Description)
	in.Address = strings.TrimSpace(in.Address)
	in.ReporterName = strings.TrimSpace(in.ReporterName)
	in.ReporterPhone = strings.TrimSpace(in.ReporterPhone)
	if in.Channel == "" {
		in.Channel = ChannelWorker
	}
}

// Check returns what is wrong with the report's own fields, each naming its
// field; the category and the place are checked against the catalogue and the
// org tree by the service.
func (in ReportInput) Check() []error {
	var errs []error
	if in.OrgCode == "" {
		errs = append(errs, apperr.Invalidf("org_code", "required"))
	}
	if in.Category == "" {
		errs = append(errs, apperr.Invalidf("category", "required"))
	}
	switch n := utf8.RuneCountInString(in.Description); {
	case n == 0:
		errs = append(errs, apperr.Invalidf("description", "required"))
	case n > maxDescription:
		errs = append(errs, apperr.Invalidf("description", "too_long").With("max", maxDescription))
	}
	if utf8.RuneCountInString(in.Address) > maxAddress {
		errs = append(errs, apperr.Invalidf("address", "too_long").With("max", maxAddress))
	}
	if (in.Lat == nil) != (in.Lng == nil) {
		errs = append(errs, apperr.Invalidf("lat", "case.coordinates_pair"))
	}
	if in.Lat != nil && (*in.Lat < 3 || *in.Lat > 54) {
		errs = append(errs, apperr.Invalidf("lat", "case.latitude"))
	}
	if in.Lng != nil && (*in.Lng < 73 || *in.Lng > 136) {
		errs = append(errs, apperr.Invalidf("lng", "case.longitude"))
	}
	known := false
	for _, c := range Channels {
		known = known || c == in.Channel
	}
	if !known {
		errs = append(errs, apperr.Invalidf("channel", "case.channel"))
	}
	if utf8.RuneCountInString(in.ReporterName) > maxName {
		errs = append(errs, apperr.Invalidf("reporter_name", "too_long").With("max", maxName))
	}
	return errs
}

// TakeInput is a step taken on a case: the workflow's input, and for a dispatch or
// a reassignment the handling unit chosen, for a merge the case it joins.
type TakeInput struct {
	Transition string `json:"transition"`
	Note       string `json:"note,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Result     string `json:"result,omitempty"`
	HandlerID  string `json:"handler_id,omitempty"`
	Category   string `json:"category,omitempty"`
	Days       int    `json:"days,omitempty"`
	// Into is the number or ID of the open case a duplicate is merged into.
	Into string `json:"into,omitempty"`
}
