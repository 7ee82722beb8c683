// Package reorgtest builds a small register with dated history for the tests of
// changes to the tree: the test city of orgtest, its households, residents, a grid
// contact and workers, all dated from 2020, and the merge of its two communities.
package reorgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
	"shequ/internal/reorg"
)

// Exec runs a statement on d's writer, failing the test on an error.
func Exec(t testing.TB, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Write().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// World builds the test city (orgtest) with a register dated from 2020: 东兴社区's grid
// 001 has one household of two, its grid 002 one of one; 南环社区's only grid holds
// two households of three people, a 楼栋长, and is served by 王网格; 南环 has a
// director too, 赵主任, and 东兴 a grid worker, 陈网格.
func World(t testing.TB, d *db.DB) {
	t.Helper()
	orgtest.Build(t, d)
	Exec(t, d, `UPDATE org_units SET established_on = '2001-01-01'`)
	households := []struct {
		id, grid  string
		residents []string
	}{
		{"h1", orgtest.Grid, []string{"registered", "registered"}},
		{"h2", orgtest.GridB, []string{"floating"}},
		{"h3", orgtest.Grid2, []string{"registered", "floating"}},
		{"h4", orgtest.Grid2, []string{"registered"}},
	}
	seq := 0
	for _, h := range households {
		Exec(t, d, `INSERT INTO households (id, household_no, org_code, address, established_on, created_at, updated_at)
			VALUES ($1, $2, $3, '南环路8号', '2020-01-01', 0, 0)`, h.id, "N"+h.id, h.grid)
		for _, kind := range h.residents {
			seq++
			p := sealed(t, d, IDNumber("450403", "1980-01-01", seq))
			id := fmt.Sprintf("r%d", seq)
			Exec(t, d, `INSERT INTO residents (id, name, id_number_sealed, id_number_bidx, id_tail_bidx, sex, birth_date, household_id,
				org_code, relation, population_type, registered_on, created_at, updated_at)
				VALUES ($1, '居民', $2, $3, $4, 'F', '1980-01-01', $5, $6, '80', $7, '2020-01-01', 0, 0)`,
				id, p.IDNumber, p.IDIndex, p.TailIndex, h.id, h.grid, kind)
			Exec(t, d, `INSERT INTO resident_periods (resident_id, starts_on, household_id, org_code, population_type)
				VALUES ($1, '2020-01-01', $2, $3, $4)`, id, h.id, h.grid, kind)
		}
	}
	Exec(t, d, `INSERT INTO grid_contacts (id, org_code, resident_id, role) VALUES ('c1', $1, 'r4', 'building_head')`, orgtest.Grid2)
	workers := []struct{ id, name, org, grid string }{
		{"w1", "陈网格", orgtest.Community, orgtest.Grid},
		{"w2", "王网格", orgtest.Community2, orgtest.Grid2},
		{"w3", "赵主任", orgtest.Community2, ""},
	}
	for i, w := range workers {
		p := sealed(t, d, IDNumber("450403", "1985-03-02", 100+i))
		Exec(t, d, `INSERT INTO workers (id, name, id_number_sealed, id_number_bidx, sex, birth_date, org_code, position, education, hired_on,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '1985-03-02', $6, 'grid_worker', '21', '2019-03-01', 0, 0)`,
			w.id, w.name, p.IDNumber, p.IDIndex, sexOf(100+i), w.org)
		if w.grid != "" {
			Exec(t, d, `INSERT INTO worker_grids (worker_id, grid_code, assigned_on) VALUES ($1, $2, '2019-03-01')`, w.id, w.grid)
		}
	}
}

// IDNumber makes a valid ID number for area and birth (YYYY-MM-DD) with sequence
// seq: the workers of World are 1985-03-02 with 100, 101 and 102.
func IDNumber(area, birth string, seq int) string {
	s := fmt.Sprintf("%s%s%03d", area, strings.ReplaceAll(birth, "-", ""), seq%1000)
	return s + string(pii.CheckDigit(s))
}

// sealed seals an ID number with d's key, as the register stores it.
func sealed(t testing.TB, d *db.DB, idNumber string) crypt.Person {
	t.Helper()
	p, err := crypt.SealPerson(d.Keys(), idNumber, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Merge is 南环社区 absorbed whole into 东兴社区, its two workers posted there.
func Merge(on string) reorg.Change {
	return reorg.Change{
		On:          on,
		Communities: []reorg.Community{{Code: orgtest.Community, Grids: []string{orgtest.Grid, orgtest.GridB, orgtest.Grid2}}},
		Staff: []reorg.Posting{
			{Worker: "w2", Community: orgtest.Community},
			{Worker: "w3", Community: orgtest.Community},
		},
	}
}

// sexOf is the sex an ID number of sequence seq says: odd for men (GB 11643).
func sexOf(seq int) string {
	if seq%2 == 1 {
		return "M"
	}
	return "F"
}
