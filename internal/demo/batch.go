package demo

import (
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
)

// tables are the demo's tables in foreign-key order: writing them in this order
// never inserts a row before the row it refers to. The generator leaves people's
// identifiers in the clear — a resident's or worker's ID number in id_number_sealed
// and phone in phone_sealed, their index columns empty — so that the same seed gives
// the same rows; seal encrypts them on the way to the database.
type tables struct {
	orgUnits, buildings, households, residents, periods, tags, contacts, workers, workerGrids *db.Table
}

func newTables() *tables {
	return &tables{
		orgUnits: db.NewTable("org_units", "code", "name", "level", "parent_code", "founded_year", "office_area_dm2", "authorized_posts", "created_at",
			"established_on"),
		buildings: db.NewTable("buildings", "id", "org_code", "name", "floors", "units", "floor_area_dm2"),
		households: db.NewTable("households", "id", "household_no", "org_code", "building_id", "address", "created_at", "updated_at",
			"street", "door_no", "unit_no", "floor_no", "room_no", "established_on"),
		residents: db.NewTable("residents", "id", "name", "id_number_sealed", "id_number_bidx", "id_tail_bidx", "sex", "birth_date", "household_id", "org_code",
			"relation", "population_type", "phone_sealed", "phone_bidx", "created_at", "updated_at",
			"ethnicity", "political_status", "registered_on", "registered_reason", "residence_status"),
		periods:  db.NewTable("resident_periods", "resident_id", "starts_on", "household_id", "org_code", "population_type"),
		tags:     db.NewTable("resident_tags", "resident_id", "tag", "org_code"),
		contacts: db.NewTable("grid_contacts", "id", "org_code", "resident_id", "role"),
		workers: db.NewTable("workers", "id", "name", "id_number_sealed", "id_number_bidx", "sex", "birth_date", "org_code", "position", "education",
			"hired_on", "certificates", "phone_sealed", "phone_bidx", "created_at", "updated_at"),
		workerGrids: db.NewTable("worker_grids", "worker_id", "grid_code", "assigned_on"),
	}
}

func (ts *tables) all() []*db.Table {
	return []*db.Table{ts.orgUnits, ts.buildings, ts.households, ts.residents, ts.periods, ts.tags, ts.contacts, ts.workers, ts.workerGrids}
}

// Where the generator leaves a person's identifiers, by column index.
const (
	residentID, residentIDIndex, residentTailIndex, residentPhone, residentPhoneIndex = 2, 3, 4, 11, 12
	workerID, workerIDIndex, workerPhone, workerPhoneIndex                            = 2, 3, 11, 12
)

// seal encrypts the residents' and workers' ID numbers and phones in place, spread
// over every CPU, and fills in their blind indexes.
func (ts *tables) seal(k crypt.Keyring) error {
	for _, t := range []struct {
		tb                                   *db.Table
		id, idIndex, tail, phone, phoneIndex int
	}{
		{ts.residents, residentID, residentIDIndex, residentTailIndex, residentPhone, residentPhoneIndex},
		{ts.workers, workerID, workerIDIndex, -1, workerPhone, workerPhoneIndex},
	} {
		c, n := len(t.tb.Cols), t.tb.Pending()
		numbers, phones := make([]string, n), make([]string, n)
		for i := range n {
			numbers[i], phones[i] = t.tb.Vals[i*c+t.id].(string), t.tb.Vals[i*c+t.phone].(string)
		}
		people, err := crypt.SealPeople(k, numbers, phones)
		if err != nil {
			return err
		}
		for i, p := range people {
			row := t.tb.Vals[i*c : (i+1)*c]
			row[t.id], row[t.idIndex], row[t.phone], row[t.phoneIndex] = p.IDNumber, p.IDIndex, p.PhoneArg(), p.PhoneIndex
			if t.tail >= 0 {
				row[t.tail] = p.TailIndex
			}
		}
	}
	return nil
}
