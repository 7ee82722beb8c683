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
	e := &exporter{s: s, p: p, code: code, lang: lang, w: w, cols: kind.columns(), pos: map[string]int{}, full: p.Can(auth.ExportFull)}
	for i, c := range e.cols {
		e.pos[c.Field] = i
	}
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
	pos  map[string]int // the index in cols of each field
	full bool
	rows int
}

func (e *exporter) write(cells ...string) error {
	e.rows++
	return e.w.Write(cells)
}

func (e *exporter) enum(field, code string) string {
	return e.cols[e.pos[field]].cell(e.s.bundle, e.lang, code)
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

// cells returns an empty row of the kind's columns, to be filled by set and coded.
func (e *exporter) cells() []string { return make([]string, len(e.cols)) }

// set puts a value in the column of field.
func (e *exporter) set(cells []string, field, v string) {
	cells[e.pos[field]] = v
}

// coded puts a stored code in the column of field, by name, and in the code column
// beside it when there is one.
func (e *exporter) coded(cells []string, field, code string) {
	for _, f := range []string{field, field + "_code"} {
		if i, ok := e.pos[f]; ok {
			cells[i] = e.cols[i].codedCell(e.lang, code)
		}
	}
}

// households writes the households on the register now: one merged into another
// (dissolved) is history.
func (e *exporter) households(ctx context.Context) error {
	w, args := scope.Of(e.code).Where("h.org_code", 1)
	rows, err := e.s.db.Read().QueryContext(ctx, `SELECT h.household_no, h.org_code, h.address, h.street, h.door_no,
		COALESCE(b.name, ''), h.unit_no, h.floor_no, h.room_no, h.established_on
		FROM households h LEFT JOIN buildings b ON b.id = h.building_id WHERE `+w+` AND h.dissolved_on IS NULL
		ORDER BY h.household_no`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v := make([]string, 10)
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]); err != nil {
			return err
		}
		cells := e.cells()
		for i, field := range []string{"household_no", "grid_code", "address", "street", "door_no", "building", "unit_no", "floor_no",
			"room_no", "established_on"} {
			e.set(cells, field, v[i])
		}
		if err := e.write(cells...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// residentFields are the columns of an exported resident as the query below
// selects them, after its id, sealed ID number and phone, and before its tag.
var residentFields = []string{"name", "household_no", "relation", "population_type", "ethnicity", "marital_status", "education",
	"political_status", "hukou_region", "hukou_address", "lives_in_household_no", "residence_status", "inflow_reason", "permit_no",
	"permit_registered_on", "permit_expires_on", "registered_on", "registered_reason"}

// residents writes the residents on the register now, each once, its tags
// collected from the rows the join with resident_tags gives it (one per tag, or
// one without); a deregistered resident (注销) is history.
func (e *exporter) residents(ctx context.Context) error {
	inflow, err := e.inflowNames(ctx)
	if err != nil {
		return err
	}
	w, args := scope.Of(e.code).Where("r.org_code", 1)
	rows, err := e.s.db.Read().QueryContext(ctx, `SELECT r.id, r.id_number_sealed, r.phone_sealed, r.name, h.household_no, r.relation,
		r.population_type, r.ethnicity, r.marital_status, r.education, r.political_status, r.hukou_region, r.hukou_address,
		COALESCE(lh.household_no, ''), r.residence_status, r.inflow_reason, r.permit_no, COALESCE(r.permit_registered_on, ''),
		COALESCE(r.permit_expires_on, ''), r.registered_on, r.registered_reason, COALESCE(t.tag, '')
		FROM residents r JOIN households h ON h.id = r.household_id LEFT JOIN households lh ON lh.id = r.lives_in_household_id
		LEFT JOIN resident_tags t ON t.resident_id = r.id
		WHERE `+w+` AND r.deregistered_on IS NULL
		ORDER BY h.household_no, CASE WHEN r.relation IN ('01', '02', '03') THEN 0 ELSE 1 END, r.id, t.tag`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id string
	var cells, tags []string
	flush := func() error {
		if cells == nil {
			return nil
		}
		e.set(cells, "tags", e.enumList("tags", orderTags(tags)))
		return e.write(cells...)
	}
	v := make([]string, len(residentFields))
	dest := make([]any, 0, len(v)+4)
	var rowID, tag string
	var sealedID, sealedPhone []byte
	dest = append(dest, &rowID, &sealedID, &sealedPhone)
	for i := range v {
		dest = append(dest, &v[i])
	}
	dest = append(dest, &tag)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if cells == nil || rowID != id {
			if err := flush(); err != nil {
				return err
			}
			idNumber, phone, err := e.open(sealedID, sealedPhone)
			if err != nil {
				return err
			}
			id, cells, tags = rowID, e.cells(), tags[:0]
			e.set(cells, "id_number", e.idNumber(idNumber))
			e.set(cells, "phone", e.phone(phone))
			for i, field := range residentFields {
				switch field {
				case "population_type":
					e.set(cells, field, e.enum(field, v[i]))
				case "inflow_reason":
					e.set(cells, field, inflow(v[i]))
				default:
					if e.cols[e.pos[field]].Table != nil {
						e.coded(cells, field, v[i])
					} else {
						e.set(cells, field, v[i])
					}
				}
			}
		}
		if tag != "" {
			tags = append(tags, tag)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// inflowNames returns how a 流入原因 code is exported: its name in the dictionary
// an administrator keeps, or in English the code.
func (e *exporter) inflowNames(ctx context.Context) (func(string) string, error) {
	dict, err := registry.Dictionary(ctx, e.s.db.Read(), registry.DictInflowReason)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, d := range dict {
		names[d.Code] = d.Name
	}
	return func(code string) string {
		if name, ok := names[code]; ok && e.lang != "en" {
			return name
		}
		return code
	}, nil
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
		cells := e.cells()
		for field, v := range map[string]string{"name": w.Name, "id_number": e.idNumber(w.IDNumber), "community_code": w.CommunityCode,
			"position": e.enum("position", w.Position), "hired_on": w.HiredOn, "certificates": w.Certificates,
			"grid_codes": strings.Join(w.GridCodes, sep)} {
			e.set(cells, field, v)
		}
		e.coded(cells, "education", w.Education)
		if err := e.write(cells...); err != nil {
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
