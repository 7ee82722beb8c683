package registry_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
)

// statements counts the statements d runs while fn runs.
func statements(d *db.DB, fn func()) int64 {
	st := d.Statements()
	before := st.Prepared.Load() + st.Reused.Load()
	fn()
	return st.Prepared.Load() + st.Reused.Load() - before
}

func TestResident_AResidentAndAHouseholdAreReadInTwoStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李小红", IDNumber: idNumber("450403", "19900101", "002"),
			HouseholdNo: "H001", Relation: "child", PopulationType: "registered", Tags: []string{"disabled", "party_member"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.MoveResident(ctx, city, f.head.ID, registry.MoveInput{HouseholdNo: "H003", Relation: "head"}); err != nil {
			t.Fatal(err)
		}
		var r registry.Resident
		var moves []registry.Move
		n := statements(d, func() {
			var err error
			if r, moves, err = f.s.Resident(ctx, city, f.head.ID); err != nil {
				t.Fatal(err)
			}
		})
		if n > 2 {
			t.Errorf("a resident took %d statements, want at most 2", n)
		}
		if !slices.Equal(r.Tags, []string{"dibao"}) || len(moves) != 1 || r.HouseholdNo != "H003" {
			t.Errorf("read %v tags, %d moves, household %s", r.Tags, len(moves), r.HouseholdNo)
		}
		var members []registry.Resident
		n = statements(d, func() {
			var err error
			if _, members, err = f.s.Household(ctx, city, f.hA.ID); err != nil {
				t.Fatal(err)
			}
		})
		if n > 2 {
			t.Errorf("a household took %d statements, want at most 2", n)
		}
		if len(members) != 1 || !slices.Equal(members[0].Tags, []string{"disabled"}) {
			t.Errorf("members %+v", members)
		}
	})
}

func TestHousehold_TheListBringsTheHeadAndTheMemberCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for i, rel := range []string{"spouse", "child"} {
			if _, err := f.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李" + rel, IDNumber: idNumber("450403", "19900101", fmt.Sprintf("01%d", i)),
				HouseholdNo: "H001", Relation: rel, PopulationType: "registered"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H000", GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路1号"}); err != nil {
			t.Fatal(err)
		}
		var pg registry.HouseholdPage
		if n := statements(d, func() {
			var err error
			if pg, err = f.s.Households(ctx, city, orgtest.Grid, 10, registry.PageKeys{}); err != nil {
				t.Fatal(err)
			}
		}); n != 1 {
			t.Errorf("a page took %d statements, want 1", n)
		}
		got := make([]string, len(pg.Items))
		for i, h := range pg.Items {
			got[i] = fmt.Sprintf("%s %q %d", h.No, h.Head, h.Members)
		}
		if want := []string{`H000 "" 0`, `H001 "李建国" 3`}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestHousehold_PagesNeitherSkipNorRepeatWhenHouseholdsAreAddedBetweenThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		add := func(no string) {
			t.Helper()
			if _, err := f.s.CreateHousehold(ctx, city, registry.HouseholdInput{No: no, GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路" + no}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 10; i < 20; i++ {
			add(fmt.Sprintf("K%d", i*10))
		}
		// H001 and K100…K190: eleven households, pages of four.
		var seen []string
		keys := registry.PageKeys{}
		var pages []registry.HouseholdPage
		for page := 0; ; page++ {
			pg, err := f.s.Households(ctx, city, orgtest.Grid, 4, keys)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, pg)
			for _, h := range pg.Items {
				seen = append(seen, h.No)
			}
			if page == 0 {
				add("A000") // before every page: not seen going forward
				add("K105") // on the page just read
				add("K125") // on the next page: seen once
				add("K165") // on a later page: seen once
			}
			if pg.Next == "" {
				break
			}
			keys = registry.PageKeys{After: pg.Next}
		}
		want := []string{"H001", "K100", "K110", "K120", "K125", "K130", "K140", "K150", "K160", "K165", "K170", "K180", "K190"}
		if !slices.Equal(seen, want) {
			t.Fatalf("pages read %v, want %v", seen, want)
		}
		// Going back from the last page gives the page before it as it stands now.
		last := pages[len(pages)-1]
		back, err := f.s.Households(ctx, city, orgtest.Grid, 4, registry.PageKeys{Before: last.Prev})
		if err != nil {
			t.Fatal(err)
		}
		var nos []string
		for _, h := range back.Items {
			nos = append(nos, h.No)
		}
		if want := []string{"K160", "K165", "K170", "K180"}; !slices.Equal(nos, want) || back.Next != "K180" || back.Prev != "K160" {
			t.Fatalf("back: %v next %q prev %q, want %v", nos, back.Next, back.Prev, want)
		}
	})
}
