package transfer

import (
	"context"
	"database/sql"

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
// by one.
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

// pendingHousehold is a row that passed its own checks, waiting for its batch.
type pendingHousehold struct {
	rec *record
	in  registry.HouseholdInput
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
		newHouse: db.NewTable("households", "id", "household_no", "org_code", "building_id", "address", "created_at", "updated_at"),
	}, nil
}

func (h *householdImport) close() { h.ins.Close() }

func (h *householdImport) row(ctx context.Context, rec *record) error {
	in := registry.HouseholdInput{No: rec.get("household_no"), GridCode: rec.get("grid_code"), Address: rec.get("address"), Building: rec.get("building")}
	if !rec.report(in.Check(h.run.now)) {
		return nil
	}
	if first := h.seen.before(in.No, rec.line); first != 0 {
		rec.bad(apperr.Invalidf("household_no", "transfer.duplicate").With("row", first))
		return nil
	}
	switch c, err := h.grids.check(ctx, in.GridCode); {
	case err != nil:
		return err
	case c == gridUnknown:
		rec.bad(apperr.Invalidf("grid_code", "household.grid_not_found"))
		return nil
	case c == gridOutside:
		rec.bad(apperr.Invalidf("grid_code", "transfer.out_of_scope"))
		return nil
	}
	h.batch = append(h.batch, pendingHousehold{rec: rec, in: in})
	if len(h.batch) >= batchRows {
		return h.flushBatch(ctx)
	}
	return nil
}

// storedHousehold is a household already stored under a number of the batch.
type storedHousehold struct {
	id, grid, building, address string
}

func (h *householdImport) flushBatch(ctx context.Context) error {
	r := h.run
	batch := h.batch
	h.batch = h.batch[:0]
	nos := make([]string, 0, len(batch))
	var grids []string
	for _, p := range batch {
		nos = append(nos, p.in.No)
		if !h.loaded[p.in.GridCode] {
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
	err = r.queryIn(ctx, `SELECT h.household_no, h.id, h.org_code, COALESCE(b.name, ''), h.address
		FROM households h LEFT JOIN buildings b ON b.id = h.building_id WHERE h.household_no IN (@keys)`, nos, func(rows *sql.Rows) error {
		var no string
		var s storedHousehold
		if err := rows.Scan(&no, &s.id, &s.grid, &s.building, &s.address); err != nil {
			return err
		}
		stored[no] = s
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range batch {
		in := p.in
		s, ok := stored[in.No]
		switch {
		case !ok:
			if err := h.insert(ctx, in); err != nil {
				return err
			}
			continue
		case !r.principal.Scope().Contains(s.grid):
			p.rec.bad(apperr.Invalidf("household_no", "household.no_taken"))
			continue
		case s.grid == in.GridCode && s.building == in.Building && s.address == in.Address:
			r.res.Unchanged++
			continue
		}
		r.res.Updated++
		if err := registry.UpdateHousehold(ctx, r.tx, r.dialect, s.id, db.NewID(), in, r.now, r.now.Format("2006-01-02")); err != nil {
			return err
		}
	}
	return nil
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
	h.newHouse.Add(db.NewID(), in.No, in.GridCode, building, in.Address, now, now)
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
