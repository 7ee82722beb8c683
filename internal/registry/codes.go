package registry

import (
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/codes"
)

// isHead reports whether a relation code names the head of the household: 02 户主,
// 01 本人 as some grid platforms write it, and the legacy 03 小集体户户主.
func isHead(relation string) bool { return codes.IsHead(relation) }

// headRelations is the SQL list of the codes isHead accepts.
const headRelations = `('01', '02', '03')`

// codeOf normalises a coded field to its code: the code itself, its name, or a
// legacy value the table lists. An empty value is allowed unless required.
func codeOf(t codes.Table, field string, v *string, required bool) *apperr.Error {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		if required {
			return apperr.Invalidf(field, "required")
		}
		return nil
	}
	e, ok := t.Lookup(*v)
	if !ok {
		return apperr.Invalidf(field, "code.unknown").With("table", t.Standard)
	}
	*v = e.Code
	return nil
}

// relationCode accepts a GB/T 4761 code or name, and the seven words the API took
// before the codes (head, spouse, child, …), so that older clients keep working.
func relationCode(v *string) *apperr.Error {
	if code, ok := codes.RelationOfKin(strings.TrimSpace(*v), false); ok {
		*v = code
		return nil
	}
	return codeOf(codes.Relation(), "relation", v, true)
}

// checkCodes normalises every coded field of a resident and returns the problems.
func (in *ResidentInput) checkCodes() []*apperr.Error {
	var errs []*apperr.Error
	add := func(err *apperr.Error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(relationCode(&in.Relation))
	add(codeOf(codes.Ethnicity(), "ethnicity", &in.Ethnicity, false))
	add(codeOf(codes.Marital(), "marital_status", &in.MaritalStatus, false))
	add(codeOf(codes.Education(), "education", &in.Education, false))
	add(codeOf(codes.Political(), "political_status", &in.PoliticalStatus, false))
	add(codeOf(codes.Registration(), "registered_reason", &in.RegisteredReason, false))
	add(codeOf(codes.ResidenceStatus(), "residence_status", &in.ResidenceStatus, false))
	if in.RegisteredReason == "" {
		in.RegisteredReason = ReasonOther
	}
	if in.ResidenceStatus == "" {
		// Derived when not given (cn-standards §2.8): a floating resident lives here
		// with a 户籍 elsewhere (人在户不在); a registered one, as far as the register
		// knows, lives where they are registered (人户一致). 户在人不在 is said by a worker.
		in.ResidenceStatus, _ = codes.ResidenceStatusOf(in.PopulationType != "floating", true)
	}
	in.HukouRegion = strings.TrimSpace(in.HukouRegion)
	if in.HukouRegion != "" && !codes.ValidRegionCode(in.HukouRegion) {
		add(apperr.Invalidf("hukou_region", "resident.region"))
	}
	in.InflowReason = strings.TrimSpace(in.InflowReason)
	return errs
}
