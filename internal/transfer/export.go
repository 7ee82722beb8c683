package transfer

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/sheet"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

// Export writes the register of kind under the unit code (the principal's own unit
// when empty) to w: the header row in lang, then one row per record, in the same
// columns an import reads. ID numbers and phones are written in full only for
// principals allowed to (auth.ExportFull); otherwise masked, as on screen. It
// returns the number of data rows.
func (s *Service) Export(ctx context.Context, p auth.Principal, kind Kind, code, lang string, w sheet.Writer) (int, error) {
	began := time.Now()
	n, err := s.exportRows(ctx, p, kind, code, lang, w)
	s.timed("export", kind, exportOutcome(err), began)
	return n, err
}

func (s *Service) exportRows(ctx context.Context, p auth.Principal, kind Kind, code, lang string, w sheet.Writer) (int, error) {
	entry := audit.Of(p, s.now(), audit.ActExport, "export:"+string(kind))
	if err := p.Require(auth.ExportRegister); err != nil {
		return 0, audit.Refused(ctx, s.db, entry, err)
	}
	code, err := s.exportRoot(ctx, p, code)
	if err != nil {
		return 0, err
	}
	// Recorded before the first row: an export that cannot be recorded does not
	// happen. It writes nothing, so its entry has a transaction of its own.
	entry.Reason = "scope=" + code + " full=" + strconv.FormatBool(p.Can(auth.ExportFull))
	if err := audit.RecordAlone(ctx, s.db, entry); err != nil {
		return 0, err
	}
	if err := w.Write(kind.Headers(lang)); err != nil {
		return 0, err
	}
	e := &exporter{s: s, p: p, code: code, lang: lang, w: w, cols: kind.columns(), full: p.Can(auth.ExportFull)}
	switch kind {
	case Org:
		err = e.org(ctx)
	case Households:
		err = e.households(ctx)
	case Residents:
		err = e.residents(ctx)
	default:
		err = e.staff(ctx)
	}
	return e.rows, err
}

// exportRoot checks code is in scope, and finds the principal's own unit when it
// is empty: the city for the command line's system principal.
func (s *Service) exportRoot(ctx context.Context, p auth.Principal, code string) (string, error) {
	if code == "" {
		code = p.OrgCode
	}
	if code == "" {
		err := s.db.Read().QueryRowContext(ctx, `SELECT code FROM org_units WHERE level = 'city' ORDER BY code LIMIT 1`).Scan(&code)
		if errors.Is(err, sql.ErrNoRows) {
			return "", apperr.New(apperr.NotFound, "org.not_found", "scope")
		}
		if err != nil {
			return "", err
		}
	}
	u, err := org.Lookup(ctx, s.db.Read(), code)
	if err != nil {
		return "", err
	}
	if u == nil || !p.Scope().Contains(code) {
		return "", apperr.New(apperr.NotFound, "org.not_found", "scope")
	}
	return code, nil
}

type exporter struct {
	s    *Service
	p    auth.Principal
	code string
	lang string
	w    sheet.Writer
	cols []Column
	full bool
	rows int
}

func (e *exporter) write(cells ...string) error {
	e.rows++
	return e.w.Write(cells)
}

func (e *exporter) enum(field, code string) string {
	for _, c := range e.cols {
		if c.Field == field {
			return c.cell(e.s.bundle, e.lang, code)
		}
	}
	return code
}

func (e *exporter) idNumber(v string) string {
	if e.full {
		return v
	}
	return pii.MaskIDNumber(v)
}

func (e *exporter) phone(v string) string {
	if e.full {
		return v
	}
	return pii.MaskPhone(v)
}

// open opens a sealed ID number and phone, to be written in full or masked.
func (e *exporter) open(idNumber, phone []byte) (string, string, error) {
	keys := e.s.db.Keys()
	id, err := keys.Open(crypt.IDNumber, idNumber)
	if err != nil {
		return "", "", err
	}
	p, err := crypt.OpenPhone(keys, phone)
	return id, p, err
}

// enumList writes a list of codes as labels joined by 、 (Chinese) or ; (English).
func (e *exporter) enumList(field string, codes []string) string {
	sep := "、"
	if e.lang == "en" {
		sep = ";"
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = e.enum(field, c)
	}
	return strings.Join(out, sep)
}

func blankZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (e *exporter) org(ctx context.Context) error {
	w, args := scope.Of(e.code).Where("code", 1)
	rows, err := e.s.db.Read().QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, ''), COALESCE(founded_year, 0),
		COALESCE(office_area_dm2, 0), authorized_posts FROM org_units WHERE `+w+` ORDER BY code`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u org.Unit
		if err := rows.Scan(&u.Code, &u.Name, &u.Level, &u.ParentCode, &u.FoundedYear, &u.OfficeArea, &u.AuthorizedPosts); err != nil {
			return err
		}
		if err := e.write(u.Code, u.Name, e.enum("level", string(u.Level)), u.ParentCode, blankZero(u.FoundedYear),
			blankArea(u.OfficeArea), blankZero(u.AuthorizedPosts)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (e *exporter) households(ctx context.Context) error {
	w, args := scope.Of(e.code).Where("h.org_code", 1)
	rows, err := e.s.db.Read().QueryContext(ctx, `SELECT h.household_no, h.org_code, h.address, COALESCE(b.name, '')
		FROM households h LEFT JOIN buildings b ON b.id = h.building_id WHERE `+w+` ORDER BY h.household_no`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var no, grid, address, building string
		if err := rows.Scan(&no, &grid, &address, &building); err != nil {
			return err
		}
		if err := e.write(no, grid, address, building); err != nil {
			return err
		}
	}
	return rows.Err()
}

// residents writes each resident once, its tags collected from the rows the join
// with resident_tags gives it (one per tag, or one without).
func (e *exporter) residents(ctx context.Context) error {
	w, args := scope.Of(e.code).Where("r.org_code", 1)
	rows, err := e.s.db.Read().QueryContext(ctx, `SELECT r.id, r.name, r.id_number_sealed, h.household_no, r.relation, r.population_type,
		r.phone_sealed, COALESCE(t.tag, '') FROM residents r JOIN households h ON h.id = r.household_id
		LEFT JOIN resident_tags t ON t.resident_id = r.id
		WHERE `+w+` ORDER BY h.household_no, CASE r.relation WHEN 'head' THEN 0 ELSE 1 END, r.id, t.tag`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur []string // the resident being collected: id, name, id number, household, relation, population, phone
	var tags []string
	flush := func() error {
		if cur == nil {
			return nil
		}
		return e.write(cur[1], e.idNumber(cur[2]), cur[3], e.enum("relation", cur[4]), e.enum("population_type", cur[5]),
			e.phone(cur[6]), e.enumList("tags", orderTags(tags)))
	}
	for rows.Next() {
		v := make([]string, 8)
		var sealedID, sealedPhone []byte
		if err := rows.Scan(&v[0], &v[1], &sealedID, &v[3], &v[4], &v[5], &sealedPhone, &v[7]); err != nil {
			return err
		}
		if cur == nil || v[0] != cur[0] {
			if err := flush(); err != nil {
				return err
			}
			if v[2], v[6], err = e.open(sealedID, sealedPhone); err != nil {
				return err
			}
			cur, tags = v[:7], tags[:0]
		}
		if v[7] != "" {
			tags = append(tags, v[7])
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

func (e *exporter) staff(ctx context.Context) error {
	workers, err := staff.List(ctx, e.s.db.Read(), e.s.db.Keys(), e.p.Scope(), e.code, staff.Filter{})
	if err != nil {
		return err
	}
	sep := "、"
	if e.lang == "en" {
		sep = ";"
	}
	for _, w := range workers {
		if err := e.write(w.Name, e.idNumber(w.IDNumber), w.CommunityCode, e.enum("position", w.Position),
			e.enum("education", w.Education), w.HiredOn, w.Certificates, strings.Join(w.GridCodes, sep)); err != nil {
			return err
		}
	}
	return nil
}

// orderTags puts tags in the order of registry.Tags, as screens show them.
func orderTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range registry.Tags {
		if slices.Contains(tags, t) {
			out = append(out, t)
		}
	}
	return out
}
