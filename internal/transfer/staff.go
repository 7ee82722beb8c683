package transfer

import (
	"context"
	"slices"
	"strings"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/sheet"
	"shequ/internal/staff"
)

// staffImport writes workers one by one: a city has a few hundred.
type staffImport struct {
	run  *run
	seen seenKeys
}

func (s *staffImport) close()                       {}
func (s *staffImport) finish(context.Context) error { return nil }

func (s *staffImport) row(ctx context.Context, rec *record) error {
	r := s.run
	position, ok1 := rec.enum("position", "worker.position")
	education, ok2 := rec.coded("education", s.educationOf)
	hired, ok3 := rec.get("hired_on"), true
	if hired != "" {
		d, err := sheet.ParseDate(hired)
		if err != nil {
			rec.bad(apperr.Invalidf("hired_on", "worker.date"))
			ok3 = false
		} else {
			hired = d.Format(time.DateOnly)
		}
	}
	in := staff.WorkerInput{Name: rec.get("name"), IDNumber: rec.get("id_number"), CommunityCode: rec.get("community_code"),
		Position: position, Education: education, HiredOn: hired, Certificates: rec.get("certificates"),
		GridCodes: splitList(rec.get("grid_codes"))}
	idn, errs := in.Check(r.now)
	if !rec.report(errs, ok1, ok2, ok3) {
		return nil
	}
	if first := s.seen.before(in.IDNumber, rec.line); first != 0 {
		rec.bad(apperr.Invalidf("id_number", "transfer.duplicate").With("row", first))
		return nil
	}
	c, err := org.Lookup(ctx, r.tx, in.CommunityCode)
	if err != nil {
		return err
	}
	if c == nil || c.Level != scope.Community {
		rec.bad(apperr.Invalidf("community_code", "org.not_found"))
		return nil
	}
	if !r.principal.Scope().Contains(c.Code) {
		rec.bad(apperr.Invalidf("community_code", "transfer.out_of_scope"))
		return nil
	}
	id, err := staff.IDByNumber(ctx, r.tx, r.keys, in.IDNumber)
	if err != nil {
		return err
	}
	insert := id == ""
	w := staff.Worker{ID: id, Name: in.Name, IDNumber: idn.Value, Sex: string(idn.Sex), BirthDate: idn.BirthDate(),
		CommunityCode: c.Code, Position: in.Position, Education: in.Education, HiredOn: in.HiredOn,
		Certificates: in.Certificates, GridCodes: in.GridCodes}
	if !insert {
		old, err := staff.Get(ctx, r.tx, r.keys, r.principal.Scope(), id)
		if apperr.Is(err, apperr.NotFound) {
			rec.bad(apperr.Invalidf("id_number", "worker.id_taken"))
			return nil
		}
		if err != nil {
			return err
		}
		w.Phone = old.Phone // the file has no phone column: keep what is stored
		slices.Sort(old.GridCodes)
		if slices.Equal(old.GridCodes, sortedCopy(w.GridCodes)) && old.Name == w.Name && old.CommunityCode == w.CommunityCode &&
			old.Position == w.Position && old.Education == w.Education && old.HiredOn == w.HiredOn && old.Certificates == w.Certificates {
			r.res.Unchanged++
			return nil
		}
	} else {
		w.ID = db.NewID()
	}
	if ok, err := rec.check(staff.Put(ctx, r.tx, r.keys, w, insert, r.now)); !ok {
		return err
	}
	if insert {
		r.res.Inserted++
	} else {
		r.res.Updated++
	}
	return nil
}

// educationOf reads a cell of 学历: what codes.Education reads (a GB/T 4658 code or
// name), and what shequ took and exported before it kept the codes — one of the
// report's six groups, by key or by its label in either language (本科, Bachelor's
// degree) — as the group's own code (codes.EducationOfGroup).
func (s *staffImport) educationOf(c Column, cell string) (string, bool) {
	if code, ok := c.codeOf(cell); ok {
		return code, true
	}
	groups := Column{Enum: "education.", Values: codes.EducationGroups()}
	if g, ok := groups.valueOf(s.run.bundle, strings.TrimSpace(cell)); ok {
		return codes.EducationOfGroup(g)
	}
	return "", false
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
