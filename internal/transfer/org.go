package transfer

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
	"shequ/internal/platform/scope"
)

// orgImport holds the rows of an org file back until the end and writes them top
// down, so a file may list a grid before its community. Org files are small: a city
// has a few thousand units.
type orgImport struct {
	run  *run
	rows []*record
}

func (o *orgImport) row(_ context.Context, rec *record) error {
	o.rows = append(o.rows, rec)
	return nil
}

func (o *orgImport) close() {}

func (o *orgImport) finish(ctx context.Context) error {
	seen := seenKeys{}
	slices.SortStableFunc(o.rows, func(a, b *record) int { return len(a.get("code")) - len(b.get("code")) })
	for _, rec := range o.rows {
		if first := seen.before(rec.get("code"), rec.line); first != 0 {
			rec.bad(apperr.Invalidf("code", "transfer.duplicate").With("row", first))
			continue
		}
		if err := o.unit(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}

// intCell reads a whole number; empty is 0.
func intCell(rec *record, field string) (int, bool) {
	s := rec.get(field)
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64) // Excel may store 120 as 120.0
		if ferr != nil || f != float64(int(f)) {
			rec.bad(apperr.Invalidf(field, "transfer.number"))
			return 0, false
		}
		n = int(f)
	}
	return n, true
}

// areaCell reads an area in m², such as 149.5 or 149.50 (see area.Parse); empty is
// 0. A workbook holds a number as a binary fraction and may write 149.45 as
// 149.44999999999999: a cell of more than 15 significant digits, which is all
// Excel shows, is read as Excel shows it before the rule of two decimals applies.
func areaCell(rec *record, field string) (area.Area, bool) {
	s := rec.get(field)
	if excelNoise(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			shown, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
			s = strconv.FormatFloat(shown, 'f', -1, 64)
		}
	}
	a, err := area.Parse(field, s)
	ok, _ := rec.check(err) // Parse's errors are all the row's problems, never fatal
	return a, ok
}

// blankArea writes an area for an export, with its two decimals (149.50), or ""
// when none is recorded.
func blankArea(a area.Area) string {
	if a == 0 {
		return ""
	}
	return a.String()
}

// excelNoise reports whether s is a decimal of more significant digits than Excel
// keeps (15).
func excelNoise(s string) bool {
	whole, frac, ok := strings.Cut(s, ".")
	digits := strings.TrimLeft(whole+frac, "0")
	return ok && len(digits) > 15 && strings.Trim(whole+frac, "0123456789") == ""
}

func (o *orgImport) unit(ctx context.Context, rec *record) error {
	r := o.run
	level, ok := rec.enum("level", "org.level")
	founded, ok2 := intCell(rec, "founded_year")
	office, ok3 := areaCell(rec, "office_area_m2")
	posts, ok4 := intCell(rec, "authorized_posts")
	if !ok || !ok2 || !ok3 || !ok4 {
		return nil
	}
	u := org.Unit{Code: rec.get("code"), Name: rec.get("name"), Level: scope.Level(level), ParentCode: rec.get("parent_code"),
		FoundedYear: founded, OfficeArea: office, AuthorizedPosts: posts}
	if !r.principal.Scope().Contains(u.Code) {
		rec.bad(apperr.Invalidf("code", "transfer.out_of_scope"))
		return nil
	}
	var parent *org.Unit
	if u.ParentCode != "" {
		var err error
		if parent, err = org.Lookup(ctx, r.tx, u.ParentCode); err != nil {
			return err
		}
		if parent == nil {
			rec.bad(apperr.Invalidf("parent_code", "org.not_found"))
			return nil
		}
	}
	if ok, err := rec.check(u.Validate(parent, r.now.Year())); !ok {
		return err
	}
	old, err := org.Lookup(ctx, r.tx, u.Code)
	if err != nil {
		return err
	}
	switch {
	case old == nil:
		r.res.Inserted++
		return org.Insert(ctx, r.tx, u, r.now.UnixMilli())
	case old.Level != u.Level || old.ParentCode != u.ParentCode:
		rec.bad(apperr.Invalidf("parent_code", "transfer.org_moved").With("parent", old.ParentCode))
		return nil
	case *old == u:
		r.res.Unchanged++
		return nil
	}
	r.res.Updated++
	return org.Update(ctx, r.tx, u)
}
