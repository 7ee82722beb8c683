package registry

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
)

// Every function here takes the scope: a row outside it does not exist for the caller.
// Those that read or write ID numbers and phones take the keyring too: the database
// holds them sealed, with blind indexes to find them by (decision 6).

// householdColumns bring a household with its member count and head, in the same
// statement: a list of fifty households is one query, not a hundred and one.
const householdColumns = `h.id, h.household_no, h.org_code, h.street, h.door_no, COALESCE(b.name, ''), COALESCE(b.id, ''), h.unit_no,
	h.floor_no, h.room_no,
	h.address, h.established_on, COALESCE(h.dissolved_on, ''),
	(SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.deregistered_on IS NULL),
	COALESCE((SELECT MIN(r.name) FROM residents r WHERE r.household_id = h.id AND r.relation IN ` + headRelations + `
		AND r.deregistered_on IS NULL), '')`

const householdFrom = ` FROM households h LEFT JOIN buildings b ON b.id = h.building_id `

func scanHousehold(row interface{ Scan(...any) error }) (Household, error) {
	var h Household
	err := row.Scan(&h.ID, &h.No, &h.GridCode, &h.Street, &h.DoorNo, &h.Building, &h.BuildingID, &h.UnitNo, &h.FloorNo, &h.RoomNo,
		&h.Address, &h.Established, &h.Dissolved, &h.Members, &h.Head)
	return h, err
}

// GetHousehold returns a household by id; one outside the scope is not found, as an
// OutOfScope.
func GetHousehold(ctx context.Context, q db.Querier, sc scope.Scope, id string) (Household, error) {
	w, args := sc.Where("h.org_code", 2)
	h, err := scanHousehold(q.QueryRowContext(ctx, `SELECT `+householdColumns+householdFrom+`WHERE h.id = $1 AND `+w,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Household{}, audit.NotFound(ctx, q, "households", "household", id, apperr.New(apperr.NotFound, "household.not_found", "household_id"))
	}
	return h, err
}

// GetHouseholdByNo returns a household by its number.
func GetHouseholdByNo(ctx context.Context, q db.Querier, sc scope.Scope, no string) (Household, error) {
	w, args := sc.Where("h.org_code", 2)
	h, err := scanHousehold(q.QueryRowContext(ctx, `SELECT `+householdColumns+householdFrom+`WHERE h.household_no = $1 AND `+w,
		append([]any{no}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Household{}, apperr.New(apperr.NotFound, "household.not_found", "household_no")
	}
	return h, err
}

// ListHouseholds returns up to limit households under code (a grid or any unit
// above it) in household-number order: those numbered after k.After, or, when
// k.Before is set, those just before it. Paging by key costs the same on the last
// page as on the first, and a household added meanwhile neither repeats a row nor
// hides one, as an offset would.
func ListHouseholds(ctx context.Context, q db.Querier, sc scope.Scope, code string, limit int, k PageKeys) ([]Household, error) {
	if !sc.Contains(code) {
		return []Household{}, nil
	}
	// The page is chosen first and only its rows are counted and headed: with the
	// subqueries beside the ORDER BY, SQLite computes them for every household of
	// the unit before it sorts.
	w, args := scope.Of(code).Where("org_code", 1)
	page := `SELECT * FROM households WHERE ` + w + ` AND household_no > $3 ORDER BY household_no LIMIT $4`
	order := `h.household_no`
	key := k.After
	if k.Before != "" {
		page = `SELECT * FROM households WHERE ` + w + ` AND household_no < $3 ORDER BY household_no DESC LIMIT $4`
		order, key = `h.household_no DESC`, k.Before
	}
	query := `SELECT ` + householdColumns + ` FROM (` + page + `) h LEFT JOIN buildings b ON b.id = h.building_id ORDER BY ` + order
	out, err := collectHouseholds(q.QueryContext(ctx, query, append(args, key, limit)...))
	if k.Before != "" {
		slices.Reverse(out)
	}
	return out, err
}

// ensureBuilding returns the id of the named building in a grid, creating it.
func ensureBuilding(ctx context.Context, q db.Querier, grid, name, newID string) (any, error) {
	if name == "" {
		return nil, nil
	}
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM buildings WHERE org_code = $1 AND name = $2`, grid, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = q.ExecContext(ctx, `INSERT INTO buildings (id, org_code, name) VALUES ($1, $2, $3)`, newID, grid, name)
		return newID, err
	}
	return id, err
}

// InsertHousehold adds a household; the caller has checked its grid.
func InsertHousehold(ctx context.Context, q db.Querier, dialect db.Dialect, id, buildingID string, in HouseholdInput, now time.Time) error {
	b, err := ensureBuilding(ctx, q, in.GridCode, in.Building, buildingID)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO households (id, household_no, org_code, building_id, address, street, door_no, unit_no,
		floor_no, room_no, established_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		id, in.No, in.GridCode, b, in.Address, in.Street, in.DoorNo, in.UnitNo, in.FloorNo, in.RoomNo, in.Established, now.UnixMilli())
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "household.no_taken", "household_no")
	}
	if err != nil {
		return err
	}
	return indexAddress(ctx, q, dialect, id)
}

// indexAddress puts a household's address into SQLite's trigram index, replacing what
// was there. On PostgreSQL the GIN index on households.address keeps itself.
func indexAddress(ctx context.Context, q db.Querier, dialect db.Dialect, id string) error {
	if dialect != db.SQLite {
		return nil
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM household_address_fts WHERE rowid = (SELECT rowid FROM households WHERE id = $1)`, id); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO household_address_fts (rowid, address) SELECT rowid, address FROM households WHERE id = $1`, id)
	return err
}

// RebuildAddressIndex fills SQLite's trigram index of addresses from scratch, for
// bulk loads that write households directly; on PostgreSQL it empties the
// pending list, as IndexAddressesAfter does.
func RebuildAddressIndex(ctx context.Context, q db.Querier, dialect db.Dialect) error {
	if dialect != db.SQLite {
		return IndexAddressesAfter(ctx, q, dialect, 0)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM household_address_fts`); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO household_address_fts (rowid, address) SELECT rowid, address FROM households`)
	return err
}

// AddressIndexMark returns where SQLite's address index stands (the largest
// household rowid), so that IndexAddressesAfter can index the households a bulk
// load adds after it. On PostgreSQL it is 0: its index keeps itself.
func AddressIndexMark(ctx context.Context, q db.Querier, dialect db.Dialect) (int64, error) {
	if dialect != db.SQLite {
		return 0, nil
	}
	var mark int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(rowid), 0) FROM households`).Scan(&mark)
	return mark, err
}

// IndexAddressesAfter puts into SQLite's address index the households added after
// mark; SQLite gives new rows rowids above every existing one. On PostgreSQL it
// moves the entries waiting in the trigram index's pending list into the index
// proper, so that searches after a bulk load do not read through them.
func IndexAddressesAfter(ctx context.Context, q db.Querier, dialect db.Dialect, mark int64) error {
	if dialect != db.SQLite {
		_, err := q.ExecContext(ctx, `SELECT gin_clean_pending_list('households_address_trgm'::regclass)`)
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO household_address_fts (rowid, address) SELECT rowid, address FROM households WHERE rowid > $1`, mark)
	return err
}

// UpdateHousehold changes a household's grid, address and building. Its residents
// follow it to the new grid, and their contact roles in the old one end.
//
// on is the day the change took effect: the residents' periods (SyncPeriod) turn on it.
func UpdateHousehold(ctx context.Context, q db.Querier, dialect db.Dialect, id, buildingID string, in HouseholdInput, now time.Time, on string) error {
	b, err := ensureBuilding(ctx, q, in.GridCode, in.Building, buildingID)
	if err != nil {
		return err
	}
	// A household leaving its grid closes its stay there as a period, so the figures
	// of earlier days still count it where it was (decision 34).
	if _, err := q.ExecContext(ctx, `INSERT INTO household_grid_periods (household_id, starts_on, ends_on, org_code)
		SELECT id, CASE WHEN grid_since > established_on THEN grid_since ELSE established_on END, $3, org_code
		FROM households WHERE id = $1 AND org_code <> $2 AND grid_since < $3 AND established_on < $3`, id, in.GridCode, on); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE households SET household_no = $1, org_code = $2, building_id = $3, address = $4, street = $5,
		door_no = $6, unit_no = $7, floor_no = $8, room_no = $9, updated_at = $10,
		grid_since = CASE WHEN org_code <> $2 THEN $12 ELSE grid_since END WHERE id = $11`,
		in.No, in.GridCode, b, in.Address, in.Street, in.DoorNo, in.UnitNo, in.FloorNo, in.RoomNo, now.UnixMilli(), id, on); err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "household.no_taken", "household_no")
		}
		return err
	}
	if err := indexAddress(ctx, q, dialect, id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE residents SET org_code = $1 WHERE household_id = $2`, in.GridCode, id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE resident_tags SET org_code = $1 WHERE resident_id IN (SELECT id FROM residents WHERE household_id = $2)`, in.GridCode, id); err != nil {
		return err
	}
	if err := SyncHouseholdPeriods(ctx, q, id, on); err != nil {
		return err
	}
	return endContactsLeftBehind(ctx, q, "household_id", id, now)
}

const residentColumns = `r.id, r.name, r.id_number_sealed, r.sex, r.birth_date, r.household_id, h.household_no, r.org_code, h.address,
	r.relation, r.population_type, r.phone_sealed, r.ethnicity, r.marital_status, r.education, r.political_status, r.hukou_region,
	r.hukou_address, COALESCE(r.lives_in_household_id, ''), COALESCE(lh.household_no, ''), COALESCE(lh.address, ''), r.residence_status, r.inflow_reason, r.permit_no,
	COALESCE(r.permit_registered_on, ''), COALESCE(r.permit_expires_on, ''), r.registered_on, r.registered_reason,
	COALESCE(r.deregistered_on, ''), COALESCE(r.deregistered_reason, '')`

const residentFrom = ` FROM residents r JOIN households h ON h.id = r.household_id LEFT JOIN households lh ON lh.id = r.lives_in_household_id `

// sealedResident is a row of residentColumns as stored: ID number and phone sealed.
type sealedResident struct {
	Resident
	idNumber, phone []byte
}

func (r *sealedResident) dest() []any {
	return []any{&r.ID, &r.Name, &r.idNumber, &r.Sex, &r.BirthDate, &r.HouseholdID, &r.HouseholdNo, &r.GridCode, &r.Address,
		&r.Relation, &r.PopulationType, &r.phone, &r.Ethnicity, &r.MaritalStatus, &r.Education, &r.PoliticalStatus, &r.HukouRegion,
		&r.HukouAddress, &r.LivesInID, &r.LivesInNo, &r.LivesAt, &r.ResidenceStatus, &r.InflowReason, &r.PermitNo,
		&r.PermitRegisteredOn, &r.PermitExpiresOn, &r.RegisteredOn, &r.RegisteredReason, &r.DeregisteredOn, &r.DeregisteredReason}
}

// open returns the resident with the ID number and phone opened.
func (r *sealedResident) open(keys crypt.Keyring) (Resident, error) {
	res := r.Resident
	res.Tags = []string{}
	var err error
	if res.IDNumber, err = keys.Open(crypt.IDNumber, r.idNumber); err != nil {
		return res, err
	}
	res.Phone, err = crypt.OpenPhone(keys, r.phone)
	return res, err
}

// withTags joins a resident's tags to residentColumns: a resident comes as one row
// per tag (one row with NULL if none), so that the resident and the tags are one
// statement.
const withTags = ` LEFT JOIN resident_tags t ON t.resident_id = r.id `

// collectTagged reads rows of residentColumns and a tag, grouped by resident as
// withTags gives them, into residents with their tags in the order of Tags.
func collectTagged(keys crypt.Keyring, rows *sql.Rows, err error) ([]Resident, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Resident{}
	var r sealedResident
	for rows.Next() {
		var tag sql.NullString
		if err := rows.Scan(append(r.dest(), &tag)...); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			res, err := r.open(keys)
			if err != nil {
				return nil, err
			}
			out = append(out, res)
		}
		if tag.Valid {
			last := &out[len(out)-1]
			last.Tags = append(last.Tags, tag.String)
		}
	}
	for i := range out {
		out[i].Tags = inTagOrder(out[i].Tags)
	}
	return out, rows.Err()
}

// GetResident returns a resident by id, with tags, in one statement; one outside
// the scope is not found, as an audit.OutOfScope.
func GetResident(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, id string) (Resident, error) {
	w, args := sc.Where("r.org_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT `+residentColumns+`, t.tag`+residentFrom+withTags+`WHERE r.id = $1 AND `+w,
		append([]any{id}, args...)...)
	rs, err := collectTagged(keys, rows, err)
	if err != nil {
		return Resident{}, err
	}
	if len(rs) == 0 {
		return Resident{}, audit.NotFound(ctx, q, "residents", "resident", id, apperr.New(apperr.NotFound, "resident.not_found", "id"))
	}
	return rs[0], nil
}

// inTagOrder returns the tags of have in the order of Tags.
func inTagOrder(have []string) []string {
	out := []string{}
	for _, t := range Tags {
		if slices.Contains(have, t) {
			out = append(out, t)
		}
	}
	return out
}

// HouseholdMembers returns the residents of a household, head first, with their
// tags, in one statement.
func HouseholdMembers(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, householdID string) ([]Resident, error) {
	w, args := sc.Where("r.org_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT `+residentColumns+`, t.tag`+residentFrom+withTags+`WHERE r.household_id = $1 AND `+w+`
		ORDER BY CASE WHEN r.deregistered_on IS NULL THEN 0 ELSE 1 END, CASE WHEN r.relation IN `+headRelations+` THEN 0 ELSE 1 END,
		r.relation, r.birth_date, r.id`, append([]any{householdID}, args...)...)
	return collectTagged(keys, rows, err)
}

// residentByNumber returns the id and grid of the resident with this ID number
// anywhere in the city, or "", "", for the duplicate check: one person, one record.
// The caller must not tell a user more than that the number is taken unless the
// grid is in their scope (decision 8).
func residentByNumber(ctx context.Context, q db.Querier, keys crypt.Keyring, idNumber string) (id, grid string, err error) {
	err = q.QueryRowContext(ctx, `SELECT id, org_code FROM residents WHERE id_number_bidx = $1`, keys.Index(crypt.IDNumber, idNumber)).Scan(&id, &grid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return id, grid, err
}

// InsertResident adds a resident with tags, the ID number and phone sealed.
func InsertResident(ctx context.Context, q db.Querier, keys crypt.Keyring, r Resident, now time.Time) error {
	p, err := crypt.SealPerson(keys, r.IDNumber, r.Phone)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO residents (id, name, id_number_sealed, id_number_bidx, id_tail_bidx, sex, birth_date,
		household_id, org_code, relation, population_type, phone_sealed, phone_bidx, created_at, updated_at,
		ethnicity, marital_status, education, political_status, hukou_region, hukou_address, lives_in_household_id, residence_status,
		inflow_reason, permit_no, permit_registered_on, permit_expires_on, registered_on, registered_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14,
		$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)`,
		r.ID, r.Name, p.IDNumber, p.IDIndex, p.TailIndex, r.Sex, r.BirthDate, r.HouseholdID, r.GridCode, r.Relation, r.PopulationType,
		p.PhoneArg(), p.PhoneIndex, now.UnixMilli(),
		r.Ethnicity, r.MaritalStatus, r.Education, r.PoliticalStatus, r.HukouRegion, r.HukouAddress, livesIn(r), r.ResidenceStatus,
		r.InflowReason, r.PermitNo, nullDay(r.PermitRegisteredOn), nullDay(r.PermitExpiresOn), r.RegisteredOn, r.RegisteredReason)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "resident.id_taken", "id_number")
	}
	if err != nil {
		return err
	}
	if err := replaceTags(ctx, q, r); err != nil {
		return err
	}
	return SyncPeriod(ctx, q, r.ID, r.RegisteredOn)
}

// livesIn is the lives_in_household_id argument: NULL when the resident lives in
// their own household.
func livesIn(r Resident) any {
	if r.LivesInID == "" || r.LivesInID == r.HouseholdID {
		return nil
	}
	return r.LivesInID
}

// nullDay is a date argument, NULL when empty.
func nullDay(d string) any {
	if d == "" {
		return nil
	}
	return d
}

// UpdateResident rewrites a resident's fields and tags, sealing the ID number and
// phone afresh. A resident whose grid changes leaves the old grid's contacts.
func UpdateResident(ctx context.Context, q db.Querier, keys crypt.Keyring, r Resident, now time.Time) error {
	p, err := crypt.SealPerson(keys, r.IDNumber, r.Phone)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE residents SET name = $1, id_number_sealed = $2, id_number_bidx = $3, id_tail_bidx = $4, sex = $5,
		birth_date = $6, household_id = $7, org_code = $8, relation = $9, population_type = $10, phone_sealed = $11, phone_bidx = $12,
		updated_at = $13, ethnicity = $15, marital_status = $16, education = $17, political_status = $18, hukou_region = $19,
		hukou_address = $20, lives_in_household_id = $21, residence_status = $22, inflow_reason = $23, permit_no = $24,
		permit_registered_on = $25, permit_expires_on = $26 WHERE id = $14`,
		r.Name, p.IDNumber, p.IDIndex, p.TailIndex, r.Sex, r.BirthDate, r.HouseholdID, r.GridCode, r.Relation, r.PopulationType,
		p.PhoneArg(), p.PhoneIndex, now.UnixMilli(), r.ID,
		r.Ethnicity, r.MaritalStatus, r.Education, r.PoliticalStatus, r.HukouRegion, r.HukouAddress, livesIn(r), r.ResidenceStatus,
		r.InflowReason, r.PermitNo, nullDay(r.PermitRegisteredOn), nullDay(r.PermitExpiresOn))
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "resident.id_taken", "id_number")
	}
	if err != nil {
		return err
	}
	if err := replaceTags(ctx, q, r); err != nil {
		return err
	}
	return endContactsLeftBehind(ctx, q, "id", r.ID, now)
}

// endContactsLeftBehind ends the contact roles that the residents whose column
// (id or household_id) is value hold in grids they no longer live in: each is kept
// in grid_contact_history with the instant it ended, then leaves grid_contacts.
// Every write that can change a resident's grid calls it, so that a grid's worker
// stops seeing the name and phone of someone who has moved away.
func endContactsLeftBehind(ctx context.Context, q db.Querier, column, value string, now time.Time) error {
	leftBehind := `SELECT c.id FROM grid_contacts c JOIN residents r ON r.id = c.resident_id
		WHERE r.org_code <> c.org_code AND r.` + column + ` = $1`
	if _, err := q.ExecContext(ctx, `INSERT INTO grid_contact_history (id, org_code, resident_id, role, ended_at)
		SELECT id, org_code, resident_id, role, $2 FROM grid_contacts WHERE id IN (`+leftBehind+`)`, value, now.UnixMilli()); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `DELETE FROM grid_contacts WHERE id IN (`+leftBehind+`)`, value)
	return err
}

// endContacts ends every contact role a resident holds, as endContactsLeftBehind
// does for those in grids they have left: for a resident leaving the register.
func endContacts(ctx context.Context, q db.Querier, residentID string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO grid_contact_history (id, org_code, resident_id, role, ended_at)
		SELECT id, org_code, resident_id, role, $2 FROM grid_contacts WHERE resident_id = $1`, residentID, now.UnixMilli()); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `DELETE FROM grid_contacts WHERE resident_id = $1`, residentID)
	return err
}

func replaceTags(ctx context.Context, q db.Querier, r Resident) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM resident_tags WHERE resident_id = $1`, r.ID); err != nil {
		return err
	}
	for _, t := range r.Tags {
		if _, err := q.ExecContext(ctx, `INSERT INTO resident_tags (resident_id, tag, org_code) VALUES ($1, $2, $3)`, r.ID, t, r.GridCode); err != nil {
			return err
		}
	}
	return nil
}

// InsertMove records a move between households.
func InsertMove(ctx context.Context, q db.Querier, id, residentID string, from, to Household, by string, at time.Time, on, reason string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO resident_moves (id, resident_id, from_household_id, to_household_id, from_org_code, to_org_code,
		moved_at, moved_by, moved_on, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, residentID, from.ID, to.ID, from.GridCode, to.GridCode, at.UnixMilli(), by, on, reason)
	return err
}

// Moves returns a resident's moves, oldest first. The caller has checked the
// resident is in scope.
func Moves(ctx context.Context, q db.Querier, residentID string) ([]Move, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, f.household_no, t.household_no, m.from_org_code, m.to_org_code, m.moved_on, m.reason,
		m.moved_at, COALESCE(u.name, m.moved_by)
		FROM resident_moves m JOIN households f ON f.id = m.from_household_id JOIN households t ON t.id = m.to_household_id
		LEFT JOIN users u ON u.id = m.moved_by WHERE m.resident_id = $1 ORDER BY m.moved_on, m.moved_at, m.id`, residentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Move{}
	for rows.Next() {
		var m Move
		var at int64
		if err := rows.Scan(&m.ID, &m.FromHousehold, &m.ToHousehold, &m.FromGridCode, &m.ToGridCode, &m.MovedOn, &m.Reason, &at, &m.MovedBy); err != nil {
			return nil, err
		}
		m.MovedAt = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// residentDependents are the tables whose rows belong to one resident: erasing the
// resident erases them too. A table added with a resident_id column belongs here.
var residentDependents = []string{"resident_tags", "resident_moves", "grid_contacts", "grid_contact_history", "resident_periods", "resident_events"}

// DeleteResident deletes a resident in scope with their tags, history of moves and
// places among a grid's contacts, held or ended, and nothing else: the household stays. The
// foreign keys would cascade, but the deletes are spelled out so that an erasure
// never rests on SQLite's foreign_keys pragma, and each one is bounded by the
// scope, like every write here.
func DeleteResident(ctx context.Context, q db.Querier, sc scope.Scope, id string) error {
	w, args := sc.Where("r.org_code", 2)
	inScope := `SELECT r.id FROM residents r WHERE r.id = $1 AND ` + w
	all := append([]any{id}, args...)
	for _, table := range residentDependents {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE resident_id IN (`+inScope+`)`, all...); err != nil {
			return err
		}
	}
	res, err := q.ExecContext(ctx, `DELETE FROM residents WHERE id IN (`+inScope+`)`, all...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.New(apperr.NotFound, "resident.not_found", "id")
	}
	return nil
}

// GridContacts returns the group leaders, representatives and building heads of a
// grid: residents who live in it now. A role whose resident lives elsewhere is not
// listed, whatever left it behind (endContactsLeftBehind ends it on every move).
func GridContacts(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, grid string) ([]Contact, error) {
	out := []Contact{}
	if !sc.Contains(grid) {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT c.role, r.id, r.name, r.phone_sealed FROM grid_contacts c JOIN residents r ON r.id = c.resident_id
		WHERE c.org_code = $1 AND r.org_code = c.org_code ORDER BY c.role, r.name`, grid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Contact
		var phone []byte
		if err := rows.Scan(&c.Role, &c.ResidentID, &c.Name, &phone); err != nil {
			return nil, err
		}
		if c.Phone, err = crypt.OpenPhone(keys, phone); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Search finds residents in scope by a query whose shape says what it is: a full ID
// number; 4 to 17 trailing characters of one; a phone number; otherwise the start of
// a name, or — from three characters on — a fragment of an address. At most limit
// results, in name order. Every form is served by an index (decisions 4 and 6): ID
// numbers and phones by their blind indexes, a tail longer than four characters by
// the index of its last four and then by opening the few residents found — unless no
// ID number can end in it, as none ends in a mobile phone. The ids
// are found first, on residents alone, and only then joined to their households: in
// one statement PostgreSQL's planner, misjudging how rare an address fragment is,
// chose to scan every resident.
func Search(ctx context.Context, q db.Querier, dialect db.Dialect, keys crypt.Keyring, sc scope.Scope, query string, limit int) ([]Resident, error) {
	query = strings.TrimSpace(query)
	w, args := sc.Where("org_code", 1)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var forms []string
	switch classify(query) {
	case queryIDNumber:
		forms = append(forms, `id_number_bidx = `+arg(keys.Index(crypt.IDNumber, strings.ToUpper(query))))
	case queryDigits:
		upper := strings.ToUpper(query)
		tail := keys.Index(crypt.IDTail, crypt.Tail(upper))
		if len(upper) == 4 {
			forms = append(forms, `id_tail_bidx = `+arg(tail))
		} else if pii.CouldEndIDNumber(upper) {
			ids, err := suffixMatches(ctx, q, keys, sc, tail, upper)
			if err != nil {
				return nil, err
			}
			if len(ids) > 0 {
				marks := make([]string, len(ids))
				for i, id := range ids {
					marks[i] = arg(id)
				}
				forms = append(forms, `id IN (`+strings.Join(marks, ", ")+`)`)
			}
		}
		if isPhoneLike(query) {
			forms = append(forms, `phone_bidx = `+arg(keys.Index(crypt.Phone, query)))
		}
		if len(forms) == 0 {
			return []Resident{}, nil
		}
	case queryText:
		forms = append(forms, `name >= `+arg(query)+` AND name < `+arg(query+"\U0010FFFF"))
		if utf8.RuneCountInString(query) >= 3 {
			// How rare a fragment is decides the plan; a prepared statement's generic
			// plan on PostgreSQL cannot know it (decision 13).
			ctx = db.PlanEachTime(ctx)
			var match string
			if dialect == db.SQLite {
				match = `rowid IN (SELECT rowid FROM household_address_fts WHERE household_address_fts MATCH ` +
					arg(`"`+strings.ReplaceAll(query, `"`, `""`)+`"`) + `)`
			} else {
				match = `address LIKE ` + arg("%"+escapeLike(query)+"%") + ` ESCAPE '\'`
			}
			forms = append(forms, `household_id IN (SELECT id FROM households WHERE `+w+` AND `+match+`)`)
		}
	default:
		return nil, apperr.Invalidf("q", "search.too_short")
	}
	branches := make([]string, len(forms))
	for i, f := range forms {
		branches[i] = `SELECT id, name FROM residents WHERE ` + w + ` AND ` + f
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM (`+strings.Join(branches, ` UNION `)+`) found ORDER BY name, id LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found = append(found, id)
	}
	if err := rows.Err(); err != nil || len(found) == 0 {
		return []Resident{}, err
	}
	rw, fetch := sc.Where("r.org_code", 1)
	found = padded(found)
	marks := make([]string, len(found))
	for i := range found {
		marks[i] = "$" + strconv.Itoa(len(fetch)+i+1)
	}
	res, err := q.QueryContext(ctx, `SELECT `+residentColumns+`, t.tag`+residentFrom+withTags+`WHERE `+rw+` AND r.id IN (`+strings.Join(marks, ", ")+`)
		ORDER BY r.name, r.id`, append(fetch, found...)...)
	return collectTagged(keys, res, err)
}

// padded repeats the last of ids up to a power of two, so that a list of ids sent
// as IN ($3, …) takes one of a few statement texts, which stay prepared, rather
// than one per length.
func padded(ids []any) []any {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	for len(ids) < n {
		ids = append(ids, ids[len(ids)-1])
	}
	return ids
}

// suffixMatches returns the ids of the residents in scope whose ID number ends in
// suffix (5 to 17 characters): the few that share its last four characters, found
// by the tail index, opened and compared here. A city has some forty people per
// last four.
func suffixMatches(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, tailIndex, suffix string) ([]string, error) {
	w, args := sc.Where("org_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT id, id_number_sealed FROM residents WHERE id_tail_bidx = $1 AND `+w, append([]any{tailIndex}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return nil, err
		}
		number, err := keys.Open(crypt.IDNumber, sealed)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(number, suffix) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

type queryKind int

const (
	queryTooShort queryKind = iota
	queryIDNumber
	queryDigits
	queryText
)

func classify(s string) queryKind {
	digits := len(s) > 0
	for i, r := range s {
		if (r < '0' || r > '9') && !((r == 'x' || r == 'X') && i == len(s)-1) {
			digits = false
		}
	}
	switch {
	case digits && len(s) == 18:
		return queryIDNumber
	case digits && len(s) >= 4:
		return queryDigits
	case digits:
		return queryTooShort
	case len([]rune(s)) >= 2:
		return queryText
	}
	return queryTooShort
}

func isPhoneLike(s string) bool {
	return (len(s) == 11 && s[0] == '1') || (s[0] == '0' && len(s) >= 10 && len(s) <= 12)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
