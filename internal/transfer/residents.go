package transfer

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
	"shequ/internal/registry"
)

// residentImport checks each row on its own as it comes, then looks a batch of
// rows up at once — their households, and the residents already registered under
// their ID numbers, found by blind index — and writes new residents in multi-row
// INSERTs (COPY on PostgreSQL) in the background, their ID numbers and phones
// sealed, each with the period it opens on the register (registry.SyncPeriod's
// invariant: one open period per registered resident); changed ones are written one
// by one. A row with problems of its own is looked up too, for the problems only the
// lookup finds, and is never written.
type residentImport struct {
	run    *run
	seen   seenKeys          // ID numbers so far
	inflow map[string]string // every code and name of the 流入原因 dictionary → its code
	ins    *db.Inserter
	bg     background // the write of the rows before
	residentRows
	batch []pendingResident
}

// residentRows are the new residents buffered for a bulk write, with their periods
// and tags.
type residentRows struct {
	newRes, newPeriods, newTags *db.Table
}

func newResidentRows() residentRows {
	return residentRows{
		newRes: db.NewTable("residents", "id", "name", "id_number_sealed", "id_number_bidx", "id_tail_bidx", "sex", "birth_date",
			"household_id", "org_code", "relation", "population_type", "phone_sealed", "phone_bidx", "created_at", "updated_at",
			"ethnicity", "marital_status", "education", "political_status", "hukou_region", "hukou_address", "lives_in_household_id",
			"residence_status", "inflow_reason", "permit_no", "permit_registered_on", "permit_expires_on", "registered_on",
			"registered_reason"),
		newPeriods: db.NewTable("resident_periods", "resident_id", "starts_on", "household_id", "org_code", "population_type"),
		newTags:    db.NewTable("resident_tags", "resident_id", "tag", "org_code"),
	}
}

// pendingResident is a row waiting for its batch. ok says it passed its own
// checks and may be written; idOK that its ID number is valid and the file's first
// of it, so that it can be looked up. partyTag says the tags made the resident a
// party member; registeredOn and registeredReason are what the file gave, "" for
// none.
type pendingResident struct {
	rec                            *record
	res                            registry.Resident
	ok, idOK, partyTag             bool
	registeredOn, registeredReason string
}

// newResidentImport starts a residents import, refusing it if its user has met too
// many ID numbers registered outside their scope this past hour (decision 8).
func newResidentImport(ctx context.Context, r *run) (*residentImport, error) {
	var err error
	if r.lookups, err = registry.StartIDLookups(ctx, r.tx, r.principal, r.now, "import:residents"+dryRun(r.res.DryRun)); err != nil {
		return nil, err
	}
	dict, err := registry.Dictionary(ctx, r.tx, registry.DictInflowReason)
	if err != nil {
		return nil, err
	}
	inflow := map[string]string{}
	for _, e := range dict {
		inflow[e.Code], inflow[e.Name] = e.Code, e.Code
		if e.NameEN != "" {
			inflow[e.NameEN] = e.Code
		}
	}
	return &residentImport{run: r, seen: seenKeys{}, inflow: inflow, ins: r.bulk.NewInserter(), residentRows: newResidentRows()}, nil
}

// dryRun says so in an audit record's reason.
func dryRun(yes bool) string {
	if yes {
		return " dry_run"
	}
	return ""
}

// close waits for a write still running, whose error, if the import goes on to
// fail for another, is moot.
func (ri *residentImport) close() {
	_ = ri.bg.wait()
	ri.ins.Close()
}

func (ri *residentImport) row(ctx context.Context, rec *record) error {
	r := ri.run
	in := registry.ResidentInput{Name: rec.get("name"), IDNumber: rec.get("id_number"), HouseholdNo: rec.get("household_no"),
		Phone: rec.get("phone"), HukouRegion: rec.get("hukou_region"), HukouAddress: rec.get("hukou_address"),
		LivesInNo: rec.get("lives_in_household_no"), PermitNo: rec.get("permit_no")}
	female := false
	if id, err := pii.ParseIDNumber(in.IDNumber, r.today); err == nil {
		female = id.Sex == pii.Female
	}
	ok := true
	keep := func(v string, good bool) string {
		ok = ok && good
		return v
	}
	in.PopulationType = keep(rec.enum("population_type", "resident.population_type"))
	in.Relation = keep(rec.coded("relation", relationOf(female)))
	for _, f := range []struct {
		field string
		v     *string
	}{{"ethnicity", &in.Ethnicity}, {"marital_status", &in.MaritalStatus}, {"education", &in.Education},
		{"political_status", &in.PoliticalStatus}, {"residence_status", &in.ResidenceStatus}, {"registered_reason", &in.RegisteredReason}} {
		*f.v = keep(rec.coded(f.field, Column.codeOf))
	}
	in.InflowReason = keep(ri.inflowReason(rec))
	for _, f := range []struct {
		field string
		v     *string
	}{{"registered_on", &in.RegisteredOn}, {"permit_registered_on", &in.PermitRegisteredOn}, {"permit_expires_on", &in.PermitExpiresOn}} {
		*f.v = keep(rec.date(f.field))
	}
	tags, good := ri.tags(rec)
	in.Tags, ok = tags, ok && good
	p := pendingResident{rec: rec, registeredOn: in.RegisteredOn, registeredReason: in.RegisteredReason,
		partyTag: slices.Contains(in.Tags, registry.LegacyPartyTag)}
	idn, errs := in.Check(r.today)
	p.ok = rec.report(errs, ok)
	if idn.Value != "" {
		p.idOK = true
		if first := ri.seen.before(idn.Value, rec.line); first != 0 {
			rec.bad(apperr.Invalidf("id_number", "transfer.duplicate").With("row", first))
			p.ok, p.idOK = false, false
		}
	}
	if in.HouseholdNo == "" && !p.idOK {
		return nil
	}
	p.res = registry.Resident{Name: in.Name, IDNumber: idn.Value, Sex: string(idn.Sex), HouseholdNo: in.HouseholdNo,
		Relation: in.Relation, PopulationType: in.PopulationType, Phone: in.Phone, Tags: in.Tags,
		Ethnicity: in.Ethnicity, MaritalStatus: in.MaritalStatus, Education: in.Education, PoliticalStatus: in.PoliticalStatus,
		HukouRegion: in.HukouRegion, HukouAddress: in.HukouAddress, LivesInNo: in.LivesInNo, ResidenceStatus: in.ResidenceStatus,
		InflowReason: in.InflowReason, PermitNo: in.PermitNo, PermitRegisteredOn: in.PermitRegisteredOn,
		PermitExpiresOn: in.PermitExpiresOn, RegisteredOn: in.RegisteredOn, RegisteredReason: in.RegisteredReason}
	if p.idOK {
		p.res.BirthDate = idn.BirthDate()
	}
	ri.batch = append(ri.batch, p)
	if len(ri.batch) >= batchRows {
		return ri.flushBatch(ctx)
	}
	return nil
}

// relationOf reads a cell of 与户主关系: what codes.Relation reads, and what shequ
// took and exported before it kept GB/T 4761 codes — the words head, spouse,
// child… in any case, and the labels 子女 and 孙子女 (its others are GB/T 4761
// names) — a child becoming 20 子 or 30 女 by the sex its ID number gives.
func relationOf(female bool) func(Column, string) (string, bool) {
	return func(c Column, cell string) (string, bool) {
		if code, ok := c.codeOf(cell); ok {
			return code, true
		}
		kin := strings.ToLower(strings.TrimSpace(cell))
		switch kin {
		case "子女":
			kin = codes.KinChild
		case "孙子女":
			kin = codes.KinGrandchild
		}
		return codes.RelationOfKin(kin, female)
	}
}

// partyLabel is how the tag 党员 was written, which files made before it became a
// political status still carry in the tags column.
const partyLabel = "党员"

// tags reads the tags cell: codes or labels, separated by any of ；; 、 , ，. 党员
// (registry.LegacyPartyTag) is taken too: the row's check makes it the political
// status it is.
func (ri *residentImport) tags(rec *record) ([]string, bool) {
	c := ri.run.cols[rec.col("tags")]
	var out []string
	for _, cell := range splitList(rec.get("tags")) {
		if cell == partyLabel || strings.EqualFold(cell, registry.LegacyPartyTag) {
			out = append(out, registry.LegacyPartyTag)
			continue
		}
		v, ok := c.valueOf(ri.run.bundle, cell)
		if !ok {
			rec.bad(apperr.Invalidf("tags", "resident.tag").With("tag", cell))
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// inflowReason reads a 流入原因: a code, a name or an English name of the
// dictionary an administrator keeps, retired entries included (a record may keep
// one, and a file exported before it was retired imports back).
func (ri *residentImport) inflowReason(rec *record) (string, bool) {
	cell := rec.get("inflow_reason")
	if cell == "" {
		return "", true
	}
	code, ok := ri.inflow[cell]
	if !ok {
		rec.bad(apperr.Invalidf("inflow_reason", "code.unknown").With("table", registry.DictInflowReason))
	}
	return code, ok
}

// storedResident is a resident already in the database under an ID number of the
// batch. Its ID number and phone stay sealed: their indexes are enough to compare,
// and the phone is opened only to be kept by an update whose file has no phones.
type storedResident struct {
	registry.Resident
	grid        string // of their household
	phoneIndex  string
	phoneSealed []byte
}

// storedColumns are what an update compares and keeps of a stored resident.
const storedColumns = `r.id_number_bidx, r.id, r.name, r.household_id, h.household_no, h.org_code, r.relation, r.population_type,
	r.phone_bidx, r.phone_sealed, r.ethnicity, r.marital_status, r.education, r.political_status, r.hukou_region, r.hukou_address,
	COALESCE(r.lives_in_household_id, ''), r.residence_status, r.inflow_reason, r.permit_no, COALESCE(r.permit_registered_on, ''),
	COALESCE(r.permit_expires_on, ''), r.registered_on, r.registered_reason, COALESCE(r.deregistered_on, '')`

func (s *storedResident) dest(idIndex *string) []any {
	return []any{idIndex, &s.ID, &s.Name, &s.HouseholdID, &s.HouseholdNo, &s.grid, &s.Relation, &s.PopulationType,
		&s.phoneIndex, &s.phoneSealed, &s.Ethnicity, &s.MaritalStatus, &s.Education, &s.PoliticalStatus, &s.HukouRegion, &s.HukouAddress,
		&s.LivesInID, &s.ResidenceStatus, &s.InflowReason, &s.PermitNo, &s.PermitRegisteredOn,
		&s.PermitExpiresOn, &s.RegisteredOn, &s.RegisteredReason, &s.DeregisteredOn}
}

// flushBatch seals the ID numbers and phones of the batch's rows that may be
// written, looks its households and residents up — the residents by the blind
// index of their ID numbers — and writes its rows. Sealing the whole batch at once
// spreads it over every CPU; a row that turns out to be stored already has been
// sealed for nothing, which costs a re-import little next to what it saves a first
// one.
func (ri *residentImport) flushBatch(ctx context.Context) error {
	r := ri.run
	batch := ri.batch
	ri.batch = ri.batch[:0]
	var numbers, phones []string
	for _, p := range batch {
		if p.ok {
			numbers, phones = append(numbers, p.res.IDNumber), append(phones, p.res.Phone)
		}
	}
	sealed, err := crypt.SealPeople(r.keys, numbers, phones)
	if err != nil {
		return err
	}
	people := make([]crypt.Person, len(batch))
	households := map[string]registry.Household{}
	var nos, ids []string
	for i, p := range batch {
		switch {
		case p.ok:
			people[i], sealed = sealed[0], sealed[1:]
		case p.idOK:
			people[i].IDIndex = r.keys.Index(crypt.IDNumber, p.res.IDNumber)
		}
		if people[i].IDIndex != "" {
			ids = append(ids, people[i].IDIndex)
		}
		for _, no := range []string{p.res.HouseholdNo, p.res.LivesInNo} {
			if _, ok := households[no]; !ok && no != "" {
				households[no] = registry.Household{}
				nos = append(nos, no)
			}
		}
	}
	err = r.queryIn(ctx, `SELECT household_no, id, org_code, COALESCE(dissolved_on, '') FROM households WHERE household_no IN (@keys)`, nos,
		func(rows *sql.Rows) error {
			var h registry.Household
			if err := rows.Scan(&h.No, &h.ID, &h.GridCode, &h.Dissolved); err != nil {
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
	err = r.queryIn(ctx, `SELECT `+storedColumns+` FROM residents r JOIN households h ON h.id = r.household_id
		WHERE r.id_number_bidx IN (@keys)`, ids, func(rows *sql.Rows) error {
		var s storedResident
		var idIndex string
		if err := rows.Scan(s.dest(&idIndex)...); err != nil {
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
		res, ok := ri.place(p, households)
		old, known := stored[people[i].IDIndex]
		if known && people[i].IDIndex != "" {
			switch {
			case !r.principal.Scope().Contains(old.grid):
				// Taken, and no more: where is not the importer's to know, and
				// each such lookup counts against their limit.
				if err := r.lookups.Outside(old.ID); err != nil {
					return err
				}
				p.rec.bad(apperr.Invalidf("id_number", "resident.id_taken"))
				continue
			case old.DeregisteredOn != "":
				p.rec.bad(apperr.Invalidf("id_number", "resident.deregistered"))
				continue
			case res.HouseholdID != "" && old.HouseholdID != res.HouseholdID:
				p.rec.bad(apperr.Invalidf("id_number", "transfer.resident_elsewhere").With("household", old.HouseholdNo))
				continue
			}
		}
		if !ok || !p.ok {
			continue
		}
		if !known {
			if err := ri.insert(ctx, res, people[i]); err != nil {
				return err
			}
			continue
		}
		old.Tags = orderTags(tags[old.ID])
		if err := ri.update(ctx, p, res, people[i], old); err != nil {
			return err
		}
	}
	return nil
}

// place finds the household of a row and the one it lives in (现住址), each of
// which must exist in the importer's scope, and returns the row's resident in them.
func (ri *residentImport) place(p pendingResident, households map[string]registry.Household) (registry.Resident, bool) {
	sc := ri.run.principal.Scope()
	res, ok := p.res, true
	if res.HouseholdNo != "" {
		h := households[res.HouseholdNo]
		switch {
		case h.ID == "" || !sc.Contains(h.GridCode):
			p.rec.bad(apperr.Invalidf("household_no", "household.not_found"))
			ok = false
		case h.Dissolved != "":
			p.rec.bad(apperr.Invalidf("household_no", "household.dissolved"))
			ok = false
		default:
			res.HouseholdID, res.GridCode = h.ID, h.GridCode
		}
	}
	if res.LivesInNo != "" && res.LivesInNo != res.HouseholdNo {
		h := households[res.LivesInNo]
		if h.ID == "" || !sc.Contains(h.GridCode) {
			p.rec.bad(apperr.Invalidf("lives_in_household_no", "household.not_found"))
			return res, false
		}
		res.LivesInID = h.ID
	}
	return res, ok
}

// update changes a stored resident to what its row says, or counts them unchanged.
// A column the file does not have keeps its stored value, so that a sheet of
// names and phones does not erase the rest. The registration (登记日期, 登记原因) is
// the resident's history, which an import does not rewrite: a file that dates it
// otherwise is refused.
func (ri *residentImport) update(ctx context.Context, p pendingResident, res registry.Resident, person crypt.Person, old storedResident) error {
	r := ri.run
	switch {
	case p.registeredOn != "" && p.registeredOn != old.RegisteredOn:
		p.rec.bad(apperr.Invalidf("registered_on", "transfer.registration_fixed").With("on", old.RegisteredOn))
		return nil
	case p.registeredReason != "" && p.registeredReason != old.RegisteredReason:
		p.rec.bad(apperr.Invalidf("registered_reason", "transfer.registration_fixed").With("on", old.RegisteredOn))
		return nil
	}
	res.ID, res.RegisteredOn, res.RegisteredReason = old.ID, old.RegisteredOn, old.RegisteredReason
	for _, f := range []struct {
		fields    []string
		v, stored *string
	}{
		{[]string{"ethnicity", "ethnicity_code"}, &res.Ethnicity, &old.Ethnicity},
		{[]string{"marital_status", "marital_status_code"}, &res.MaritalStatus, &old.MaritalStatus},
		{[]string{"education", "education_code"}, &res.Education, &old.Education},
		{[]string{"hukou_region"}, &res.HukouRegion, &old.HukouRegion},
		{[]string{"hukou_address"}, &res.HukouAddress, &old.HukouAddress},
		{[]string{"lives_in_household_no"}, &res.LivesInID, &old.LivesInID},
		{[]string{"residence_status"}, &res.ResidenceStatus, &old.ResidenceStatus},
		{[]string{"inflow_reason"}, &res.InflowReason, &old.InflowReason},
		{[]string{"permit_no"}, &res.PermitNo, &old.PermitNo},
		{[]string{"permit_registered_on"}, &res.PermitRegisteredOn, &old.PermitRegisteredOn},
		{[]string{"permit_expires_on"}, &res.PermitExpiresOn, &old.PermitExpiresOn},
	} {
		if !slices.ContainsFunc(f.fields, r.has) {
			*f.v = *f.stored
		}
	}
	if !r.has("political_status") && !r.has("political_status_code") && !p.partyTag {
		res.PoliticalStatus = old.PoliticalStatus
	}
	if !r.has("tags") {
		res.Tags = old.Tags
	}
	phoneIndex := person.PhoneIndex
	if !r.has("phone") {
		phoneIndex = old.phoneIndex
	}
	if old.Name == res.Name && old.Relation == res.Relation && old.PopulationType == res.PopulationType && old.phoneIndex == phoneIndex &&
		slices.Equal(old.Tags, res.Tags) && old.Ethnicity == res.Ethnicity && old.MaritalStatus == res.MaritalStatus &&
		old.Education == res.Education && old.PoliticalStatus == res.PoliticalStatus && old.HukouRegion == res.HukouRegion &&
		old.HukouAddress == res.HukouAddress && old.LivesInID == res.LivesInID && old.ResidenceStatus == res.ResidenceStatus &&
		old.InflowReason == res.InflowReason && old.PermitNo == res.PermitNo && old.PermitRegisteredOn == res.PermitRegisteredOn &&
		old.PermitExpiresOn == res.PermitExpiresOn {
		r.res.Unchanged++
		return nil
	}
	if !r.has("phone") {
		var err error
		if res.Phone, err = crypt.OpenPhone(r.keys, old.phoneSealed); err != nil {
			return err
		}
	}
	if err := ri.bg.wait(); err != nil {
		return err
	}
	r.res.Updated++
	if err := registry.UpdateResident(ctx, r.tx, r.keys, res, r.now); err != nil {
		return err
	}
	return registry.SyncPeriod(ctx, r.tx, res.ID, r.today.Format(time.DateOnly))
}

// insert buffers a new resident, its ID number and phone sealed as p, with the
// period of the register it opens and its tags.
func (ri *residentImport) insert(ctx context.Context, res registry.Resident, p crypt.Person) error {
	r := ri.run
	id, now := db.NewID(), r.now.UnixMilli()
	ri.newRes.Add(id, res.Name, p.IDNumber, p.IDIndex, p.TailIndex, res.Sex, res.BirthDate,
		res.HouseholdID, res.GridCode, res.Relation, res.PopulationType, p.PhoneArg(), p.PhoneIndex, now, now,
		res.Ethnicity, res.MaritalStatus, res.Education, res.PoliticalStatus, res.HukouRegion, res.HukouAddress, nullIfEmpty(res.LivesInID),
		res.ResidenceStatus, res.InflowReason, res.PermitNo, nullIfEmpty(res.PermitRegisteredOn), nullIfEmpty(res.PermitExpiresOn),
		res.RegisteredOn, res.RegisteredReason)
	ri.newPeriods.Add(id, res.RegisteredOn, res.HouseholdID, res.GridCode, res.PopulationType)
	for _, t := range res.Tags {
		ri.newTags.Add(id, t, res.GridCode)
	}
	r.res.Inserted++
	if ri.newRes.Pending() < flushRows {
		return nil
	}
	if err := ri.bg.wait(); err != nil {
		return err
	}
	if err := r.deferIndexes(ctx, "residents", "resident_periods", "resident_tags"); err != nil {
		return err
	}
	full := ri.residentRows
	ri.residentRows = newResidentRows()
	return ri.bg.start(func() error { return ri.ins.Write(ctx, full.newRes, full.newPeriods, full.newTags) })
}

// nullIfEmpty is a nullable column's value: NULL for "".
func nullIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func (ri *residentImport) finish(ctx context.Context) error {
	if err := ri.flushBatch(ctx); err != nil {
		return err
	}
	if err := ri.bg.wait(); err != nil {
		return err
	}
	return ri.ins.Write(ctx, ri.newRes, ri.newPeriods, ri.newTags)
}
