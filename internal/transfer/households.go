package transfer

import (
	"context"
	"database/sql"
	"time"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
)

// flushRows is how many new rows an import buffers before writing them in
// multi-row INSERTs.
const flushRows = 2048

// gridCheck is what an import learnt about a grid code.
type gridCheck int

const (
	gridUnknown gridCheck = iota // not a grid
	gridOutside                  // a grid outside the importer's scope
	gridOK
)

// grids looks grid codes up once per import.
type grids struct {
	run   *run
	known map[string]gridCheck
}

func (g *grids) check(ctx context.Context, code string) (gridCheck, error) {
	if c, ok := g.known[code]; ok {
		return c, nil
	}
	u, err := org.Lookup(ctx, g.run.tx, code)
	if err != nil {
		return 0, err
	}
	c := gridOK
	switch {
	case u == nil || u.Level != scope.Grid:
		c = gridUnknown
	case !g.run.principal.Scope().Contains(code):
		c = gridOutside
	}
	g.known[code] = c
	return c, nil
}

// householdImport checks each row on its own as it comes, then looks a batch of
// rows up at once — the households already stored under their numbers, the
// buildings of their grids — and writes new households in bulk, changed ones one
// by one. A row with problems of its own is looked up too, for the problems only
// the lookup finds, and is never written.
type householdImport struct {
	run       *run
	grids     grids
	seen      seenKeys
	buildings map[string]string // grid + "\x00" + name → building id
	loaded    map[string]bool   // grids whose buildings are in the map
	mark      int64             // where the address index stood before the import
	ins       *db.Inserter
	newBuild  *db.Table
	newHouse  *db.Table
	batch     []pendingHousehold
}

// pendingHousehold is a row waiting for its batch. ok says it passed its own
// checks and may be written; established, that the file gave its 建立日期.
type pendingHousehold struct {
	rec         *record
	in          registry.HouseholdInput
	ok          bool
	established bool
}

func newHouseholdImport(ctx context.Context, r *run) (*householdImport, error) {
	mark, err := registry.AddressIndexMark(ctx, r.tx, r.dialect)
	if err != nil {
		return nil, err
	}
	return &householdImport{
		run: r, grids: grids{run: r, known: map[string]gridCheck{}}, seen: seenKeys{},
		buildings: map[string]string{}, loaded: map[string]bool{}, mark: mark, ins: r.bulk.NewInserter(),
		newBuild: db.NewTable("buildings", "id", "org_code", "name"),
		newHouse: db.NewTable("households", "id", "household_no", "org_code", "building_id", "address", "street", "door_no",
			"unit_no", "floor_no", "room_no", "established_on", "created_at", "updated_at"),
	}, nil
}

func (h *householdImport) close() { h.ins.Close() }

func (h *householdImport) row(ctx context.Context, rec *record) error {
	established, ok := rec.date("established_on")
	in := registry.HouseholdInput{No: rec.get("household_no"), GridCode: rec.get("grid_code"), Address: rec.get("address"),
		Street: rec.get("street"), DoorNo: rec.get("door_no"), Building: rec.get("building"), UnitNo: rec.get("unit_no"),
		FloorNo: rec.get("floor_no"), RoomNo: rec.get("room_no"), Established: established}
	ok = rec.report(in.Check(h.run.today), ok)
	if in.GridCode != "" {
		switch c, err := h.grids.check(ctx, in.GridCode); {
		case err != nil:
			return err
		case c == gridUnknown:
			rec.bad(apperr.Invalidf("grid_code", "household.grid_not_found"))
			ok = false
		case c == gridOutside:
			rec.bad(apperr.Invalidf("grid_code", "transfer.out_of_scope"))
			ok = false
		}
	}
	if in.No == "" {
		return nil
	}
	if first := h.seen.before(in.No, rec.line); first != 0 {
		rec.bad(apperr.Invalidf("household_no", "transfer.duplicate").With("row", first))
		return nil
	}
	h.batch = append(h.batch, pendingHousehold{rec: rec, in: in, ok: ok, established: established != ""})
	if len(h.batch) >= batchRows {
		return h.flushBatch(ctx)
	}
	return nil
}

// storedHousehold is a household already stored under a number of the batch.
type storedHousehold struct {
	registry.HouseholdInput
	id, dissolved string
}

func (h *householdImport) flushBatch(ctx context.Context) error {
	r := h.run
	batch := h.batch
	h.batch = h.batch[:0]
	nos := make([]string, 0, len(batch))
	var grids []string
	for _, p := range batch {
		nos = append(nos, p.in.No)
		if p.ok && !h.loaded[p.in.GridCode] {
			h.loaded[p.in.GridCode] = true
			grids = append(grids, p.in.GridCode)
		}
	}
	err := r.queryIn(ctx, `SELECT org_code, name, id FROM buildings WHERE org_code IN (@keys)`, grids, func(rows *sql.Rows) error {
		var grid, name, id string
		if err := rows.Scan(&grid, &name, &id); err != nil {
			return err
		}
		h.buildings[grid+"\x00"+name] = id
		return nil
	})
	if err != nil {
		return err
	}
	stored := map[string]storedHousehold{}
	err = r.queryIn(ctx, `SELECT h.household_no, h.id, h.org_code, COALESCE(b.name, ''), h.address, h.street, h.door_no, h.unit_no,
		h.floor_no, h.room_no, h.established_on, COALESCE(h.dissolved_on, '')
		FROM households h LEFT JOIN buildings b ON b.id = h.building_id WHERE h.household_no IN (@keys)`, nos, func(rows *sql.Rows) error {
		var s storedHousehold
		if err := rows.Scan(&s.No, &s.id, &s.GridCode, &s.Building, &s.Address, &s.Street, &s.DoorNo, &s.UnitNo,
			&s.FloorNo, &s.RoomNo, &s.Established, &s.dissolved); err != nil {
			return err
		}
		stored[s.No] = s
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range batch {
		s, ok := stored[p.in.No]
		switch {
		case !ok:
			if p.ok {
				if err := h.insert(ctx, p.in); err != nil {
					return err
				}
			}
			continue
		case !r.principal.Scope().Contains(s.GridCode):
			p.rec.bad(apperr.Invalidf("household_no", "household.no_taken"))
			continue
		case s.dissolved != "":
			p.rec.bad(apperr.Invalidf("household_no", "household.dissolved"))
			continue
		case !p.ok:
			continue
		}
		if err := h.update(ctx, p, s); err != nil {
			return err
		}
	}
	return nil
}

// update changes a stored household to what its row says, or counts it unchanged.
// A column the file does not have keeps its stored value; a file that gives the
// address as one text and none of its parts changes the dwelling to that text,
// and the parts stored, which no longer describe it, go.
func (h *householdImport) update(ctx context.Context, p pendingHousehold, s storedHousehold) error {
	r := h.run
	in := p.in
	parts := []struct {
		field    string
		v, saved *string
	}{{"street", &in.Street, &s.Street}, {"door_no", &in.DoorNo, &s.DoorNo}, {"unit_no", &in.UnitNo, &s.UnitNo},
		{"floor_no", &in.FloorNo, &s.FloorNo}, {"room_no", &in.RoomNo, &s.RoomNo}}
	given := false
	for _, part := range parts {
		given = given || r.has(part.field)
	}
	if given || in.Address == s.Address || !r.has("address") {
		for _, part := range parts {
			if !r.has(part.field) {
				*part.v = *part.saved
			}
		}
	}
	if !r.has("building") {
		in.Building = s.Building
	}
	if !r.has("address") {
		in.Address = s.Address
	}
	if !p.established {
		in.Established = s.Established
	}
	if !p.rec.report(in.Check(r.today)) {
		return nil
	}
	if in == s.HouseholdInput {
		r.res.Unchanged++
		return nil
	}
	r.res.Updated++
	if err := registry.UpdateHousehold(ctx, r.tx, r.dialect, s.id, db.NewID(), in, r.now, r.today.Format(time.DateOnly)); err != nil {
		return err
	}
	if in.Established == s.Established {
		return nil
	}
	_, err := r.tx.ExecContext(ctx, `UPDATE households SET established_on = $1 WHERE id = $2`, in.Established, s.id)
	return err
}

func (h *householdImport) insert(ctx context.Context, in registry.HouseholdInput) error {
	r := h.run
	var building any
	if in.Building != "" {
		key := in.GridCode + "\x00" + in.Building
		id, ok := h.buildings[key]
		if !ok {
			id = db.NewID()
			h.newBuild.Add(id, in.GridCode, in.Building)
			h.buildings[key] = id
		}
		building = id
	}
	now := r.now.UnixMilli()
	h.newHouse.Add(db.NewID(), in.No, in.GridCode, building, in.Address, in.Street, in.DoorNo, in.UnitNo, in.FloorNo, in.RoomNo,
		in.Established, now, now)
	r.res.Inserted++
	if h.newHouse.Pending() < flushRows {
		return nil
	}
	if err := r.deferIndexes(ctx, "households"); err != nil {
		return err
	}
	return h.ins.Write(ctx, h.newBuild, h.newHouse)
}

func (h *householdImport) finish(ctx context.Context) error {
	if err := h.flushBatch(ctx); err != nil {
		return err
	}
	if err := h.ins.Write(ctx, h.newBuild, h.newHouse); err != nil {
		return err
	}
	return registry.IndexAddressesAfter(ctx, h.run.tx, h.run.dialect, h.mark)
}
