// Package staff is the community workforce (社区工作者): who works in which community,
// in what position, with what education and certificates, and which grids each one
// serves. It stands on org.
package staff

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/pii"
)

// Positions lists the posts of a community's two committees: 书记兼主任 (one person
// holding both top posts), 书记, 主任, 副书记, 副主任, 委员, 网格员.
var Positions = []string{"secretary_director", "secretary", "director", "deputy_secretary", "deputy_director", "member", "grid_worker"}

// MaxWorkersPerGrid is the size of a grid team: one or two workers.
const MaxWorkersPerGrid = 2

// Worker is a community worker. Sex and BirthDate come from the ID number;
// GridCodes are the grids they serve, now or on the day the worker was read as of.
type Worker struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	IDNumber      string `json:"id_number"`
	Sex           string `json:"sex"`
	BirthDate     string `json:"birth_date"`
	CommunityCode string `json:"community_code"`
	Position      string `json:"position"`
	// Education is the worker's 学历, a GB/T 4658-2006 code (21 大学本科毕业);
	// EducationName is its name and EducationGroup the report's group it falls in
	// (codes.EducationGroupOf), both derived from the code when it is read.
	Education      string   `json:"education"`
	EducationName  string   `json:"education_name"`
	EducationGroup string   `json:"education_group"`
	HiredOn        string   `json:"hired_on"`
	Certificates   string   `json:"certificates"`
	Phone          string   `json:"phone"`
	GridCodes      []string `json:"grid_codes"`
}

// WorkerInput is what a user types to create or change a worker. GridCodes are the
// grids the worker serves from then on: a new worker serves them from the day they
// were hired, and a change of grids takes effect on the day it is made (see Put).
type WorkerInput struct {
	Name          string `json:"name"`
	IDNumber      string `json:"id_number"`
	CommunityCode string `json:"community_code"`
	Position      string `json:"position"`
	// Education is a GB/T 4658 code or name, or one of the report's six groups,
	// which the workforce took before the codes (bachelor), and which becomes the
	// group's own code (codes.EducationOfGroup).
	Education    string   `json:"education"`
	HiredOn      string   `json:"hired_on"`
	Certificates string   `json:"certificates"`
	Phone        string   `json:"phone"`
	GridCodes    []string `json:"grid_codes"`
}

// Validate checks the fields on their own and returns the parsed ID number, or the
// first problem; Check returns them all.
func (in *WorkerInput) Validate(today time.Time) (pii.IDNumber, error) {
	id, errs := in.Check(today)
	if len(errs) > 0 {
		return pii.IDNumber{}, errs[0]
	}
	return id, nil
}

// Check returns the parsed ID number and every problem with the fields, a field at
// most once, so that an import can list them all. It trims the fields, normalises
// the phone and drops repeated grids.
func (in *WorkerInput) Check(today time.Time) (pii.IDNumber, []*apperr.Error) {
	id, errs := pii.CheckPerson(&in.Name, &in.IDNumber, &in.Phone, today)
	if !slices.Contains(Positions, in.Position) {
		errs = append(errs, apperr.Invalidf("position", "worker.position"))
	}
	if err := educationCode(&in.Education); err != nil {
		errs = append(errs, err)
	}
	d, derr := time.Parse(time.DateOnly, in.HiredOn)
	if derr != nil || d.After(today) || d.Before(id.Birth) {
		errs = append(errs, apperr.Invalidf("hired_on", "worker.date"))
	}
	if utf8.RuneCountInString(in.Certificates) > 200 {
		errs = append(errs, apperr.Invalidf("certificates", "too_long").With("max", 200))
	}
	seen := map[string]bool{}
	grids := in.GridCodes[:0:0]
	for _, g := range in.GridCodes {
		g = strings.TrimSpace(g)
		if g != "" && !seen[g] {
			seen[g] = true
			grids = append(grids, g)
		}
	}
	in.GridCodes = grids
	return id, errs
}

// educationCode turns a worker's 学历 as typed into its GB/T 4658 code: a code, a
// name (codes.Table.Lookup), or a group of the report as the workforce kept it
// before the codes, by key. It is required.
func educationCode(v *string) *apperr.Error {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		return apperr.Invalidf("education", "required")
	}
	if e, ok := codes.Education().Lookup(*v); ok {
		*v = e.Code
		return nil
	}
	if code, ok := codes.EducationOfGroup(*v); ok {
		*v = code
		return nil
	}
	return apperr.Invalidf("education", "code.unknown").With("table", codes.Education().Standard)
}

// named fills in what a worker's education code gives: its name and its group.
func (w *Worker) named() {
	w.EducationName = codes.Education().Name(w.Education)
	w.EducationGroup, _ = codes.EducationGroupOf(w.Education)
}

// Masked returns a copy with the ID number and phone masked.
func (w Worker) Masked() Worker {
	w.IDNumber = pii.MaskIDNumber(w.IDNumber)
	w.Phone = pii.MaskPhone(w.Phone)
	return w
}

// ShownTo returns the worker as p may see them: the ID number masked, and the
// phone, a work contact, in full only to the worker's colleagues of the same
// community (auth.Principal.SeesWorkContactsOf).
func (w Worker) ShownTo(p auth.Principal) Worker {
	phone := w.Phone
	w = w.Masked()
	if p.SeesWorkContactsOf(w.CommunityCode) {
		w.Phone = phone
	}
	return w
}
