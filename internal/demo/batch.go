package demo

import "shequ/internal/platform/db"

// tables are the demo's tables in foreign-key order: writing them in this order
// never inserts a row before the row it refers to.
type tables struct {
	orgUnits, buildings, households, residents, tags, contacts, workers, workerGrids *db.Table
}

func newTables() *tables {
	return &tables{
		orgUnits:    db.NewTable("org_units", "code", "name", "level", "parent_code", "founded_year", "office_area_m2", "authorized_posts", "created_at"),
		buildings:   db.NewTable("buildings", "id", "org_code", "name"),
		households:  db.NewTable("households", "id", "household_no", "org_code", "building_id", "address", "created_at", "updated_at"),
		residents:   db.NewTable("residents", "id", "name", "id_number", "id_tail", "sex", "birth_date", "household_id", "org_code", "relation", "population_type", "phone", "created_at", "updated_at"),
		tags:        db.NewTable("resident_tags", "resident_id", "tag", "org_code"),
		contacts:    db.NewTable("grid_contacts", "id", "org_code", "resident_id", "role"),
		workers:     db.NewTable("workers", "id", "name", "id_number", "sex", "birth_date", "org_code", "position", "education", "hired_on", "certificates", "phone", "created_at", "updated_at"),
		workerGrids: db.NewTable("worker_grids", "worker_id", "grid_code"),
	}
}

func (ts *tables) all() []*db.Table {
	return []*db.Table{ts.orgUnits, ts.buildings, ts.households, ts.residents, ts.tags, ts.contacts, ts.workers, ts.workerGrids}
}
