package registry

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// The lists a worker keeps the register by: a community's households filtered and
// in the order of the stairwell, the residents of a grid by surname, the permits
// about to expire. Each list is read a page at a time, with its length counted
// once per page in a statement of its own: "page 3 of 12" needs it, and a page
// past the end is told from an empty list by it.

// HouseholdFilter narrows a household list. Unit is the unit listed (a community or
// a grid; any unit when Address is given); the rest are optional.
type HouseholdFilter struct {
	Unit            string
	Grid            string // one grid of the unit
	Building        string // a building's name
	Tag             string // a current member carries this care tag
	PopulationType  string // a current member is of this type
	ResidenceStatus string // a current member has this 人户状态
	Address         string // a fragment of the address
}

// HouseholdOrder is the order of a household list: one of HouseholdOrders.
type HouseholdOrder struct {
	Key  string
	Desc bool
}

// The orders a household list may take. "address" is the default: the order a
// worker walks — street, door, building, unit, floor, room — each part compared
// shorter first, so that building 2 comes before building 10.
const (
	OrderAddress = "address"
	OrderNo      = "no"
	OrderHead    = "head"
	OrderMembers = "members"
)

// householdOrders maps each order to its SQL expressions, most significant first.
// Only these texts reach SQL; the key a user asks for only chooses among them.
var householdOrders = map[string][]string{
	OrderAddress: {"h.street", "LENGTH(h.door_no)", "h.door_no", "LENGTH(COALESCE(b.name, ''))", "COALESCE(b.name, '')",
		"LENGTH(h.unit_no)", "h.unit_no", "LENGTH(h.floor_no)", "h.floor_no", "LENGTH(h.room_no)", "h.room_no", "h.address"},
	OrderNo:      {"h.household_no"},
	OrderHead:    {headName},
	OrderMembers: {memberCount},
}

// HouseholdOrders lists the keys of the orders a household list may take.
var HouseholdOrders = []string{OrderAddress, OrderNo, OrderHead, OrderMembers}

const (
	memberCount = `(SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.deregistered_on IS NULL)`
	headName    = `COALESCE((SELECT MIN(r.name) FROM residents r WHERE r.household_id = h.id AND r.relation IN ` + headRelations + `
		AND r.deregistered_on IS NULL), '')`
)

// sortKeys returns the select list of o's sort keys, named k1, k2, …, and the
// ORDER BY text over those names with prefix before each (the table the outer
// statement reads them from), the household's id last so that pages neither repeat
// nor skip a row.
func (o HouseholdOrder) sortKeys(prefix string) (selects, orderBy string) {
	exprs, ok := householdOrders[o.Key]
	if !ok {
		exprs = householdOrders[OrderAddress]
	}
	dir := " ASC"
	if o.Desc {
		dir = " DESC"
	}
	sel := make([]string, len(exprs))
	by := make([]string, len(exprs), len(exprs)+1)
	for i, e := range exprs {
		k := "k" + strconv.Itoa(i+1)
		sel[i], by[i] = e+" AS "+k, prefix+k+dir
	}
	return strings.Join(sel, ", "), strings.Join(append(by, prefix+"hid ASC"), ", ")
}

// args collects the arguments of a statement and numbers their placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// householdWhere is the FROM and WHERE of a filtered list of current households
// (not dissolved) under the filter's unit, inside sc.
func householdWhere(dialect db.Dialect, sc scope.Scope, f HouseholdFilter) (string, args) {
	var a args
	lo, hi := sc.Range()
	ulo, uhi := scope.Of(f.Unit).Range()
	conds := []string{
		"h.org_code >= " + a.add(max(lo, ulo)), "h.org_code < " + a.add(min(hi, uhi)), "h.dissolved_on IS NULL",
	}
	member := func(cond string) string {
		return `EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id AND r.deregistered_on IS NULL AND ` + cond + `)`
	}
	if f.Grid != "" {
		conds = append(conds, "h.org_code = "+a.add(f.Grid))
	}
	if f.Building != "" {
		conds = append(conds, "b.name = "+a.add(f.Building))
	}
	if f.Tag != "" {
		conds = append(conds, member(`EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag = `+a.add(f.Tag)+`)`))
	}
	if f.PopulationType != "" {
		conds = append(conds, member("r.population_type = "+a.add(f.PopulationType)))
	}
	if f.ResidenceStatus != "" {
		conds = append(conds, member("r.residence_status = "+a.add(f.ResidenceStatus)))
	}
	if f.Address != "" {
		conds = append(conds, addressMatch(dialect, f.Address, &a))
	}
	return householdFrom + "WHERE " + strings.Join(conds, " AND "), a
}

// addressMatch is the condition that a household's address holds fragment, served
// by the address index from three characters on: SQLite's trigram table, or the
// trigram GIN index PostgreSQL keeps on households.address.
func addressMatch(dialect db.Dialect, fragment string, a *args) string {
	if dialect == db.SQLite && len([]rune(fragment)) >= 3 {
		return `h.rowid IN (SELECT rowid FROM household_address_fts WHERE household_address_fts MATCH ` +
			a.add(`"`+strings.ReplaceAll(fragment, `"`, `""`)+`"`) + `)`
	}
	return `h.address LIKE ` + a.add("%"+escapeLike(fragment)+"%") + ` ESCAPE '\'`
}

// CountHouseholds counts the households of a filtered list.
func CountHouseholds(ctx context.Context, q db.Querier, dialect db.Dialect, sc scope.Scope, f HouseholdFilter) (int, error) {
	from, a := householdWhere(dialect, sc, f)
	var n int
	err := q.QueryRowContext(db.PlanEachTime(ctx), `SELECT COUNT(*) `+from, a...).Scan(&n)
	return n, err
}

// FindHouseholds returns a page of a filtered household list in order o: limit
// households after the first offset, with their heads and member counts. The page
// is chosen on the households alone and only its rows are headed and counted.
func FindHouseholds(ctx context.Context, q db.Querier, dialect db.Dialect, sc scope.Scope, f HouseholdFilter, o HouseholdOrder, limit, offset int) ([]Household, error) {
	from, a := householdWhere(dialect, sc, f)
	keys, inner := o.sortKeys("")
	_, outer := o.sortKeys("p.")
	page := `SELECT h.id AS hid, ` + keys + from + ` ORDER BY ` + inner + ` LIMIT ` + a.add(limit) + ` OFFSET ` + a.add(offset)
	rows, err := q.QueryContext(db.PlanEachTime(ctx), `SELECT `+householdColumns+` FROM (`+page+`) p JOIN households h ON h.id = p.hid
		LEFT JOIN buildings b ON b.id = h.building_id ORDER BY `+outer, a...)
	return collectHouseholds(rows, err)
}

// collectHouseholds reads rows of householdColumns.
func collectHouseholds(rows *sql.Rows, err error) ([]Household, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Household{}
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// BuildingNames returns the names of the buildings under a unit, shorter first as
// the address order has them, each once.
func BuildingNames(ctx context.Context, q db.Querier, sc scope.Scope, unit string) ([]string, error) {
	if !sc.Contains(unit) {
		return []string{}, nil
	}
	w, a := scope.Of(unit).Where("org_code", 1)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT LENGTH(name), name FROM buildings WHERE `+w+` ORDER BY LENGTH(name), name`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n int
		var name string
		if err := rows.Scan(&n, &name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// FormerMembers returns the residents of a household who are no longer on the
// register (注销), with their tags, most recently deregistered first.
func FormerMembers(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, householdID string) ([]Resident, error) {
	w, a := sc.Where("r.org_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT `+residentColumns+`, t.tag`+residentFrom+withTags+`WHERE r.household_id = $1 AND `+w+`
		AND r.deregistered_on IS NOT NULL ORDER BY r.deregistered_on DESC, r.id`, append([]any{householdID}, a...)...)
	return collectTagged(keys, rows, err)
}

// residentPage is the WHERE of a page of a grid's current residents, and its
// arguments: by a name's first characters, when given.
func residentPageWhere(grid, surname string) (string, args) {
	var a args
	w := "r.org_code = " + a.add(grid) + " AND r.deregistered_on IS NULL"
	if surname != "" {
		w += " AND r.name >= " + a.add(surname) + " AND r.name < " + a.add(surname+"\U0010FFFF")
	}
	return w, a
}

// CountGridResidents counts a grid's current residents whose names start with
// surname ("" for all).
func CountGridResidents(ctx context.Context, q db.Querier, grid, surname string) (int, error) {
	w, a := residentPageWhere(grid, surname)
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM residents r WHERE `+w, a...).Scan(&n)
	return n, err
}

// GridResidents returns a page of a grid's current residents whose names start with
// surname, in name order, with their tags: the page's ids first, on residents
// alone by their name index, then the page with its tags in one statement.
func GridResidents(ctx context.Context, q db.Querier, keys crypt.Keyring, grid, surname string, limit, offset int) ([]Resident, error) {
	w, a := residentPageWhere(grid, surname)
	ids, err := queryIDs(ctx, q, `SELECT r.id FROM residents r WHERE `+w+` ORDER BY r.name, r.id LIMIT `+a.add(limit)+` OFFSET `+a.add(offset), a)
	if err != nil {
		return nil, err
	}
	return residentsByID(ctx, q, keys, scope.Of(grid), ids, "r.name, r.id")
}

// CountExpiringPermits counts the current floating residents under a unit whose
// residence permits (居住证) expire from one day to another, both included.
func CountExpiringPermits(ctx context.Context, q db.Querier, unit, from, to string) (int, error) {
	w, a := expiringWhere(unit, from, to)
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM residents r WHERE `+w, a...).Scan(&n)
	return n, err
}

func expiringWhere(unit, from, to string) (string, args) {
	var a args
	lo, hi := scope.Of(unit).Range()
	return "r.org_code >= " + a.add(lo) + " AND r.org_code < " + a.add(hi) + " AND r.permit_expires_on >= " + a.add(from) +
		" AND r.permit_expires_on <= " + a.add(to) + " AND r.population_type = 'floating' AND r.deregistered_on IS NULL", a
}

// ExpiringPermits returns a page of the residents CountExpiringPermits counts, by
// grid and then the soonest to expire, with their tags.
func ExpiringPermits(ctx context.Context, q db.Querier, keys crypt.Keyring, unit, from, to string, limit, offset int) ([]Resident, error) {
	w, a := expiringWhere(unit, from, to)
	const order = "r.org_code, r.permit_expires_on, r.name, r.id"
	ids, err := queryIDs(ctx, q, `SELECT r.id FROM residents r WHERE `+w+` ORDER BY `+order+` LIMIT `+a.add(limit)+` OFFSET `+a.add(offset), a)
	if err != nil {
		return nil, err
	}
	return residentsByID(ctx, q, keys, scope.Of(unit), ids, order)
}

// queryIDs runs a statement that selects ids.
func queryIDs(ctx context.Context, q db.Querier, query string, a args) ([]any, error) {
	rows, err := q.QueryContext(ctx, query, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// residentsByID returns the residents of ids in sc with their tags, in order, in
// one statement.
func residentsByID(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, ids []any, order string) ([]Resident, error) {
	if len(ids) == 0 {
		return []Resident{}, nil
	}
	w, a := sc.Where("r.org_code", 1)
	ids = padded(ids)
	marks := make([]string, len(ids))
	for i := range ids {
		marks[i] = "$" + strconv.Itoa(len(a)+i+1)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+residentColumns+`, t.tag`+residentFrom+withTags+`WHERE `+w+` AND r.id IN (`+
		strings.Join(marks, ", ")+`) ORDER BY `+order, append(a, ids...)...)
	return collectTagged(keys, rows, err)
}

// ContactRolesOf returns the grid contact roles a resident holds (楼栋长, 居民小组长,
// 居民代表), in the order of ContactRoles.
func ContactRolesOf(ctx context.Context, q db.Querier, residentID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT role FROM grid_contacts WHERE resident_id = $1`, residentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var role string
		if err := rows.Scan(&role); err != nil {
			return nil, err
		}
		have = append(have, role)
	}
	out := []string{}
	for _, r := range ContactRoles {
		if slices.Contains(have, r) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
