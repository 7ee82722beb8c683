package transfer

import (
	"context"
	"database/sql"
	"slices"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/registry"
)

// residentImport checks each row on its own as it comes, then looks a batch of
// rows up at once — their households, and the residents already registered under
// their ID numbers, found by blind index — and writes new residents in multi-row
// INSERTs, their ID numbers and phones sealed, changed ones one by one.
type residentImport struct {
	run     *run
	seen    seenKeys // ID numbers so far
	ins     *db.Inserter
	newRes  *db.Table
	newTags *db.Table
	batch   []pendingResident
}

// pendingResident is a row that passed its own checks, waiting for its batch.
type pendingResident struct {
	rec *record
	res registry.Resident
}

// newResidentImport starts a residents import, refusing it if its user has met too
// many ID numbers registered outside their scope this past hour (decision 8).
func newResidentImport(ctx context.Context, r *run) (*residentImport, error) {
	var err error
	if r.lookups, err = registry.StartIDLookups(ctx, r.tx, r.principal, r.now, "import:residents"+dryRun(r.res.DryRun)); err != nil {
		return nil, err
	}
	return &residentImport{
		run: r, seen: seenKeys{}, ins: r.bulk.NewInserter(),
		newRes: db.NewTable("residents", "id", "name", "id_number_sealed", "id_number_bidx", "id_tail_bidx", "sex", "birth_date",
			"household_id", "org_code", "relation", "population_type", "phone_sealed", "phone_bidx", "created_at", "updated_at"),
		newTags: db.NewTable("resident_tags", "resident_id", "tag", "org_code"),
	}, nil
}

// dryRun says so in an audit record's reason.
func dryRun(yes bool) string {
	if yes {
		return " dry_run"
	}
	return ""
}

func (ri *residentImport) close() { ri.ins.Close() }

func (ri *residentImport) row(ctx context.Context, rec *record) error {
	r := ri.run
	relation, ok1 := rec.enum("relation", "resident.relation")
	pop, ok2 := rec.enum("population_type", "resident.population_type")
	tags, ok3 := ri.tags(rec)
	in := registry.ResidentInput{Name: rec.get("name"), IDNumber: rec.get("id_number"), HouseholdNo: rec.get("household_no"),
		Relation: relation, PopulationType: pop, Phone: rec.get("phone"), Tags: tags}
	idn, errs := in.Check(r.now)
	if !rec.report(errs, ok1, ok2, ok3) {
		return nil
	}
	if first := ri.seen.before(in.IDNumber, rec.line); first != 0 {
		rec.bad(apperr.Invalidf("id_number", "transfer.duplicate").With("row", first))
		return nil
	}
	ri.batch = append(ri.batch, pendingResident{rec: rec, res: registry.Resident{Name: in.Name, IDNumber: in.IDNumber,
		Sex: string(idn.Sex), BirthDate: idn.BirthDate(), HouseholdNo: in.HouseholdNo, Relation: in.Relation,
		PopulationType: in.PopulationType, Phone: in.Phone, Tags: in.Tags}})
	if len(ri.batch) >= batchRows {
		return ri.flushBatch(ctx)
	}
	return nil
}

// tags reads the tags cell: codes or labels, separated by any of ；; 、 , ，.
func (ri *residentImport) tags(rec *record) ([]string, bool) {
	c := ri.run.cols[rec.col("tags")]
	var out []string
	for _, cell := range splitList(rec.get("tags")) {
		v, ok := c.valueOf(ri.run.bundle, cell)
		if !ok {
			rec.bad(apperr.Invalidf("tags", "resident.tag").With("tag", cell))
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// storedResident is a resident already in the database under an ID number of the
// batch. Its ID number and phone stay sealed: their indexes are enough to compare.
type storedResident struct {
	registry.Resident
	grid       string // of their household
	phoneIndex string
}

// flushBatch seals the batch's ID numbers and phones, looks its households and
// residents up — the residents by the blind index of their ID numbers — and writes
// its rows. Sealing the whole batch at once spreads it over every CPU; a row that
// turns out to be stored already has been sealed for nothing, which costs a re-import
// little next to what it saves a first one.
func (ri *residentImport) flushBatch(ctx context.Context) error {
	r := ri.run
	batch := ri.batch
	ri.batch = ri.batch[:0]
	numbers, phones := make([]string, len(batch)), make([]string, len(batch))
	for i, p := range batch {
		numbers[i], phones[i] = p.res.IDNumber, p.res.Phone
	}
	people, err := crypt.SealPeople(r.keys, numbers, phones)
	if err != nil {
		return err
	}
	households := map[string]registry.Household{}
	var nos, ids []string
	for i, p := range batch {
		if _, ok := households[p.res.HouseholdNo]; !ok {
			households[p.res.HouseholdNo] = registry.Household{}
			nos = append(nos, p.res.HouseholdNo)
		}
		ids = append(ids, people[i].IDIndex)
	}
	err = r.queryIn(ctx, `SELECT household_no, id, org_code FROM households WHERE household_no IN (@keys)`, nos, func(rows *sql.Rows) error {
		var h registry.Household
		if err := rows.Scan(&h.No, &h.ID, &h.GridCode); err != nil {
			return err
		}
		households[h.No] = h
		return nil
	})
	if err != nil {
		return err
	}
	stored := map[string]storedResident{}
	var storedIDs []string
	err = r.queryIn(ctx, `SELECT r.id_number_bidx, r.id, r.name, r.household_id, h.household_no, h.org_code, r.relation,
		r.population_type, r.phone_bidx FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id_number_bidx IN (@keys)`, ids,
		func(rows *sql.Rows) error {
			var s storedResident
			var idIndex string
			if err := rows.Scan(&idIndex, &s.ID, &s.Name, &s.HouseholdID, &s.HouseholdNo, &s.grid, &s.Relation,
				&s.PopulationType, &s.phoneIndex); err != nil {
				return err
			}
			s.Tags = []string{}
			stored[idIndex] = s
			storedIDs = append(storedIDs, s.ID)
			return nil
		})
	if err != nil {
		return err
	}
	tags := map[string][]string{}
	err = r.queryIn(ctx, `SELECT resident_id, tag FROM resident_tags WHERE resident_id IN (@keys)`, storedIDs, func(rows *sql.Rows) error {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		tags[id] = append(tags[id], tag)
		return nil
	})
	if err != nil {
		return err
	}
	for i, p := range batch {
		person := people[i]
		h := households[p.res.HouseholdNo]
		if h.ID == "" || !r.principal.Scope().Contains(h.GridCode) {
			p.rec.bad(apperr.Invalidf("household_no", "household.not_found"))
			continue
		}
		res := p.res
		res.HouseholdID, res.GridCode = h.ID, h.GridCode
		old, ok := stored[person.IDIndex]
		switch {
		case !ok:
			if err := ri.insert(ctx, res, person); err != nil {
				return err
			}
			continue
		case !r.principal.Scope().Contains(old.grid):
			// Taken, and no more: where is not the importer's to know, and
			// each such lookup counts against their limit.
			if err := r.lookups.Outside(old.ID); err != nil {
				return err
			}
			p.rec.bad(apperr.Invalidf("id_number", "resident.id_taken"))
			continue
		case old.HouseholdID != h.ID:
			p.rec.bad(apperr.Invalidf("id_number", "transfer.resident_elsewhere").With("household", old.HouseholdNo))
			continue
		}
		if old.Name == res.Name && old.Relation == res.Relation && old.PopulationType == res.PopulationType &&
			old.phoneIndex == person.PhoneIndex && slices.Equal(orderTags(tags[old.ID]), res.Tags) {
			r.res.Unchanged++
			continue
		}
		res.ID = old.ID
		r.res.Updated++
		if err := registry.UpdateResident(ctx, r.tx, r.keys, res, r.now); err != nil {
			return err
		}
	}
	return nil
}

// insert buffers a new resident, its ID number and phone sealed as p.
func (ri *residentImport) insert(ctx context.Context, res registry.Resident, p crypt.Person) error {
	r := ri.run
	id, now := db.NewID(), r.now.UnixMilli()
	ri.newRes.Add(id, res.Name, p.IDNumber, p.IDIndex, p.TailIndex, res.Sex, res.BirthDate,
		res.HouseholdID, res.GridCode, res.Relation, res.PopulationType, p.PhoneArg(), p.PhoneIndex, now, now)
	for _, t := range res.Tags {
		ri.newTags.Add(id, t, res.GridCode)
	}
	r.res.Inserted++
	if ri.newRes.Pending() < flushRows {
		return nil
	}
	if err := r.deferIndexes(ctx, "residents", "resident_tags"); err != nil {
		return err
	}
	return ri.ins.Write(ctx, ri.newRes, ri.newTags)
}

func (ri *residentImport) finish(ctx context.Context) error {
	if err := ri.flushBatch(ctx); err != nil {
		return err
	}
	return ri.ins.Write(ctx, ri.newRes, ri.newTags)
}
