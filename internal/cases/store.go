package cases

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/workflow"
)

// communityOf returns the community a place belongs to: a grid's first twelve
// digits, or the community itself.
func communityOf(code string) string {
	if scope.LevelOf(code) == scope.Grid {
		return code[:12]
	}
	return code
}

// nextNumber gives the next case number of the community of place in year, from
// the community's counter for the year: 450403001001-2026-000123. A number is
// never given twice, even when the case that took it is later merged away.
func nextNumber(ctx context.Context, tx *sql.Tx, place string, year int) (string, error) {
	community := communityOf(place)
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO case_counters (org_code, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (org_code, year) DO UPDATE SET last = case_counters.last + 1 RETURNING last`, community, year).Scan(&n)
	if err != nil {
		return "", err
	}
	no := strconv.FormatInt(n, 10)
	if len(no) < 6 {
		no = strings.Repeat("0", 6-len(no)) + no
	}
	return community + "-" + strconv.Itoa(year) + "-" + no, nil
}

// micro stores a coordinate in millionths of a degree.
func micro(v *float64) any {
	if v == nil {
		return nil
	}
	return int64(*v*1e6 + 0.5*sign(*v))
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func degrees(v sql.NullInt64) *float64 {
	if !v.Valid {
		return nil
	}
	f := float64(v.Int64) / 1e6
	return &f
}

func insertCase(ctx context.Context, tx *sql.Tx, c Case) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cases (id, no, org_code, category_code, description, address, lat_e6, lng_e6,
		channel, reported_by, reported_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.ID, c.No, c.OrgCode, c.Category, c.Description, c.Address, micro(c.Lat), micro(c.Lng),
		string(c.Channel), c.ReportedBy, c.ReportedAt.UnixMilli(), c.UpdatedAt.UnixMilli())
	return err
}

// insertReporter adds a reporter to a case, after those it has.
func insertReporter(ctx context.Context, tx *sql.Tx, keys crypt.Keyring, caseID string, r Reporter) error {
	var phone any
	if r.Phone != "" {
		sealed, err := keys.Seal(crypt.Phone, r.Phone)
		if err != nil {
			return err
		}
		phone = sealed
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_reporters (case_id, seq, kind, name, phone_sealed, user_id, added_at)
		SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM case_reporters WHERE case_id = $1`,
		caseID, r.Kind, r.Name, phone, r.UserID, r.AddedAt.UnixMilli())
	return err
}

// reporters returns a case's reporters in the order they came, phones opened.
func reporters(ctx context.Context, q db.Querier, keys crypt.Keyring, caseID string) ([]Reporter, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, name, phone_sealed, user_id, added_at FROM case_reporters WHERE case_id = $1 ORDER BY seq`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Reporter{}
	for rows.Next() {
		var r Reporter
		var sealed []byte
		var at int64
		if err := rows.Scan(&r.Kind, &r.Name, &sealed, &r.UserID, &at); err != nil {
			return nil, err
		}
		if sealed != nil {
			if r.Phone, err = keys.Open(crypt.Phone, sealed); err != nil {
				return nil, err
			}
		}
		r.AddedAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// copyReporters adds the reporters of one case to another (并单 keeps both).
func copyReporters(ctx context.Context, tx *sql.Tx, from, to string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_reporters (case_id, seq, kind, name, phone_sealed, user_id, added_at)
		SELECT $2, (SELECT COALESCE(MAX(seq), 0) FROM case_reporters WHERE case_id = $2) + r.seq, r.kind, r.name, r.phone_sealed, r.user_id, r.added_at
		FROM case_reporters r WHERE r.case_id = $1`, from, to)
	return err
}

// caseColumns are the columns of a case and its handler's name, read after the
// instance's columns.
const caseColumns = `c.id, c.no, c.org_code, o.name, c.category_code, c.description, c.address, c.lat_e6, c.lng_e6,
	c.channel, c.reported_by, c.reported_at, COALESCE(c.merged_into, ''), c.rating, c.updated_at, COALESCE(h.name_zh, ''), COALESCE(h.name_en, '')`

// caseFrom joins a case to its instance, its place and its handler.
const caseFrom = ` FROM cases c
	JOIN workflow_instances w ON w.subject_id = c.id AND w.subject_kind = 'case' AND w.flow = 'case'
	JOIN org_units o ON o.code = c.org_code
	LEFT JOIN case_handlers h ON h.id = c.handler_id`

// scanCase reads a row of workflow.InstanceColumns("w") then caseColumns.
func scanCase(row interface{ Scan(...any) error }, lang string) (Case, error) {
	var c Case
	var lat, lng sql.NullInt64
	var reported, updated int64
	var channel, handlerZh, handlerEn string
	inst, err := workflow.ScanInstance(row, &c.ID, &c.No, &c.OrgCode, &c.OrgName, &c.Category, &c.Description, &c.Address, &lat, &lng,
		&channel, &c.ReportedBy, &reported, &c.MergedInto, &c.Rating, &updated, &handlerZh, &handlerEn)
	if err != nil {
		return Case{}, err
	}
	c.Instance = inst
	c.Lat, c.Lng = degrees(lat), degrees(lng)
	c.Channel = Channel(channel)
	c.ReportedAt, c.UpdatedAt = time.UnixMilli(reported).UTC(), time.UnixMilli(updated).UTC()
	c.HandlerName = handlerZh
	if strings.HasPrefix(lang, "en") && handlerEn != "" {
		c.HandlerName = handlerEn
	}
	return c, nil
}

func errNotFound() error { return apperr.New(apperr.NotFound, "case.not_found", "") }

// getCase returns the case with id or number idOrNo whose place is in sc.
func getCase(ctx context.Context, q db.Querier, sc scope.Scope, idOrNo, lang string) (Case, error) {
	w, args := sc.Where("c.org_code", 2)
	row := q.QueryRowContext(ctx, `SELECT `+workflow.InstanceColumns("w")+`, `+caseColumns+caseFrom+
		` WHERE (c.id = $1 OR c.no = $1) AND `+w, append([]any{idOrNo}, args...)...)
	c, err := scanCase(row, lang)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, errNotFound()
	}
	return c, err
}

// Filter selects a page of the case list.
type Filter struct {
	// Unit narrows the list to a grid, community, street or district in scope.
	Unit     string
	Category string // a class or a subclass
	// State is a workflow state, or "open" / "closed".
	State string
	// Mine lists only what waits for the user's unit: as owner (to accept,
	// dispatch, verify, decide an extension) or as handler.
	Mine bool
	// MineOrg is the unit whose work Mine lists.
	MineOrg string
	// Nos, Categories (subclasses) and From–To (when reported, inclusive, zero
	// for unbounded) narrow the list further, for clients that ask for them.
	Nos        []string
	Categories []string
	From, To   time.Time
	Limit      int
	Offset     int
}

// ownerWork and handlerWork are the states in which a case waits for its owner and
// for its handler.
var (
	ownerWork   = []string{"reported", "accepted", "returned", "extension_requested", "feedback"}
	handlerWork = []string{"handling"}
)

func inList(column string, values []string, args *[]any) string {
	var ph []string
	for _, v := range values {
		*args = append(*args, v)
		ph = append(ph, "$"+strconv.Itoa(len(*args)))
	}
	return column + " IN (" + strings.Join(ph, ", ") + ")"
}

// caseQuery is the FROM and WHERE of the cases in sc that f selects, with their
// arguments; ok is false when f names a unit outside sc, which selects nothing.
//
// They name the narrowest tables the filter needs: the cases alone (their index
// on place, time and ID covers a count and a page's IDs) unless the filter names
// the instance's state or queue, and only then the cases joined to their
// instances. Joined first, a community's list read every one of its thousand
// cases' instances to count them and to sort them, a page of random reads each:
// 24 lists a second with 50 clients, 1/130 of a bare JSON server
// (docs/benchmarks.md, "Cases").
func caseQuery(sc scope.Scope, f Filter) (from, cond string, args []any, ok bool) {
	if f.Unit != "" {
		if !sc.Contains(f.Unit) {
			return "", "", nil, false
		}
		sc = scope.Of(f.Unit)
	}
	cond, args = sc.Where("c.org_code", 1)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Category != "" {
		cond += " AND (c.category_code = " + arg(f.Category) + " OR c.category_code LIKE " + arg(f.Category+"__") + ")"
	}
	if len(f.Nos) > 0 {
		cond += " AND " + inList("c.no", f.Nos, &args)
	}
	if len(f.Categories) > 0 {
		cond += " AND " + inList("c.category_code", f.Categories, &args)
	}
	if !f.From.IsZero() {
		cond += " AND c.reported_at >= " + arg(f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		cond += " AND c.reported_at <= " + arg(f.To.UnixMilli())
	}
	from = ` FROM cases c`
	if f.State != "" || f.Mine {
		from += ` JOIN workflow_instances w ON w.subject_id = c.id AND w.subject_kind = 'case' AND w.flow = 'case'`
	}
	switch f.State {
	case "":
	case "open":
		cond += " AND w.closed_at IS NULL"
	case "closed":
		cond += " AND w.closed_at IS NOT NULL"
	default:
		cond += " AND w.state = " + arg(f.State)
	}
	if f.Mine {
		org := arg(f.MineOrg)
		// Each arm names closed_at IS NULL itself, so that SQLite reads it from the
		// partial queue indexes (owner's, handler's) rather than every open case.
		cond += " AND ((w.owner_org = " + org + " AND w.closed_at IS NULL AND " + inList("w.state", ownerWork, &args) +
			") OR (w.handler_org = " + org + " AND w.closed_at IS NULL AND " + inList("w.state", handlerWork, &args) + "))"
	}
	return from, cond, args, true
}

// countCases counts the cases in sc that f selects.
func countCases(ctx context.Context, q db.Querier, sc scope.Scope, f Filter) (int, error) {
	from, cond, args, ok := caseQuery(sc, f)
	if !ok {
		return 0, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+from+` WHERE `+cond, args...).Scan(&n)
	return n, err
}

// listCases returns a page of the cases in sc that f selects, newest first, and
// how many there are in all: the count and the page's IDs from caseQuery's
// tables, and only the page's rows joined to their instance, place and handler.
func listCases(ctx context.Context, q db.Querier, sc scope.Scope, f Filter, lang string) ([]Case, int, error) {
	total, err := countCases(ctx, q, sc, f)
	if err != nil || total == 0 {
		return []Case{}, total, err
	}
	from, cond, args, _ := caseQuery(sc, f)
	page := `SELECT c.id` + from + ` WHERE ` + cond + ` ORDER BY c.reported_at DESC, c.id LIMIT $` + strconv.Itoa(len(args)+1) +
		` OFFSET $` + strconv.Itoa(len(args)+2)
	args = append(args, max(f.Limit, 1), max(f.Offset, 0))
	rows, err := q.QueryContext(ctx, `SELECT `+workflow.InstanceColumns("w")+`, `+caseColumns+caseFrom+
		` WHERE c.id IN (`+page+`) ORDER BY c.reported_at DESC, c.id`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		c, err := scanCase(rows, lang)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// casesOf returns the cases of the given workflow instances, in their order, in one
// statement: read case by case, a board page of 50 was 50 statements and took three
// times as long (docs/benchmarks.md, "Cases"). The IN list is padded to a power of
// two with the last ID, so that pages of any length share a few statement texts,
// each prepared once (decision 13). Errors: not found if a case is not in sc.
func casesOf(ctx context.Context, q db.Querier, sc scope.Scope, instances []workflow.Instance, lang string) ([]Case, error) {
	if len(instances) == 0 {
		return []Case{}, nil
	}
	ids := make([]string, 0, len(instances))
	for _, i := range instances {
		ids = append(ids, i.SubjectID)
	}
	for len(ids)&(len(ids)-1) != 0 {
		ids = append(ids, ids[len(ids)-1])
	}
	w, args := sc.Where("c.org_code", 1)
	rows, err := q.QueryContext(ctx, `SELECT `+workflow.InstanceColumns("w")+`, `+caseColumns+caseFrom+
		` WHERE `+inList("c.id", ids, &args)+` AND `+w, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[string]Case, len(instances))
	for rows.Next() {
		c, err := scanCase(rows, lang)
		if err != nil {
			return nil, err
		}
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Case, 0, len(instances))
	for _, i := range instances {
		c, ok := byID[i.SubjectID]
		if !ok {
			return nil, errNotFound()
		}
		out = append(out, c)
	}
	return out, nil
}

// handlers returns the handling units whose unit lies on the path from the city to
// place (the community's windows, the street office, the district's departments),
// the nearest first.
func handlers(ctx context.Context, q db.Querier, place, lang string) ([]Handler, error) {
	var codes []any
	var ph []string
	for code := place; code != ""; code = scope.ParentCode(code) {
		codes = append(codes, code)
		ph = append(ph, "$"+strconv.Itoa(len(codes)))
	}
	rows, err := q.QueryContext(ctx, `SELECT id, org_code, name_zh, name_en, kind FROM case_handlers
		WHERE retired = 0 AND org_code IN (`+strings.Join(ph, ", ")+`) ORDER BY LENGTH(org_code) DESC, name_zh`, codes...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Handler{}
	for rows.Next() {
		var h Handler
		var zh, en string
		if err := rows.Scan(&h.ID, &h.OrgCode, &zh, &en, &h.Kind); err != nil {
			return nil, err
		}
		h.Name = zh
		if strings.HasPrefix(lang, "en") && en != "" {
			h.Name = en
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// route returns the handler the district's routing table suggests for a category
// (the subclass's entry, or else its class's), "" when it has none.
func route(ctx context.Context, q db.Querier, place, category string) (string, error) {
	if len(place) < 6 {
		return "", nil
	}
	var id string
	err := q.QueryRowContext(ctx, `SELECT handler_id FROM case_routes WHERE district_code = $1 AND category_code IN ($2, $3)
		ORDER BY LENGTH(category_code) DESC LIMIT 1`, place[:6], category, category[:min(2, len(category))]).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
