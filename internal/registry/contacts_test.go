package registry_test

import (
	"context"
	"strconv"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
)

// makeContact makes resident a contact of grid in role, as the register's data
// arrive: there is no form for it yet.
func makeContact(t *testing.T, d *db.DB, grid, resident, role string) {
	t.Helper()
	if _, err := d.Write().ExecContext(context.Background(), `INSERT INTO grid_contacts (id, org_code, resident_id, role) VALUES ($1, $2, $3, $4)`,
		db.NewID(), grid, resident, role); err != nil {
		t.Fatal(err)
	}
}

// contactNames returns the names among grid's contacts as p sees them.
func contactNames(t *testing.T, s *registry.Service, p auth.Principal, grid string) []string {
	t.Helper()
	cs, err := s.Contacts(context.Background(), p, grid)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name+"/"+c.Role)
	}
	return names
}

// endedContacts returns the ended roles kept for resident, as grid/role@ended_at.
func endedContacts(t *testing.T, d *db.DB, resident string) []string {
	t.Helper()
	rows, err := d.Read().QueryContext(context.Background(), `SELECT org_code, role, ended_at FROM grid_contact_history
		WHERE resident_id = $1 ORDER BY ended_at, role`, resident)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var grid, role string
		var at int64
		if err := rows.Scan(&grid, &role, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, grid+"/"+role+"@"+strconv.FormatInt(at, 10))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestContacts_AResidentWhoMovesToAnotherGridLeavesTheOldGridsContacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		makeContact(t, d, orgtest.Grid, f.head.ID, "group_leader")
		makeContact(t, d, orgtest.Grid, f.head.ID, "building_head")
		if got := contactNames(t, f.s, gridA, orgtest.Grid); len(got) != 2 {
			t.Fatalf("before the move grid A's contacts = %v", got)
		}
		if _, err := f.s.MoveResident(ctx, street, f.head.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "head"}); err != nil {
			t.Fatal(err)
		}
		if got := contactNames(t, f.s, gridA, orgtest.Grid); len(got) != 0 {
			t.Errorf("grid A's worker still sees %v among their contacts after the move to grid B", got)
		}
		if got := contactNames(t, f.s, gridB, orgtest.GridB); len(got) != 0 {
			t.Errorf("grid B has %v among its contacts: a role in grid A does not follow the resident", got)
		}
		moved := strconv.FormatInt(now().UnixMilli(), 10)
		want := []string{orgtest.Grid + "/building_head@" + moved, orgtest.Grid + "/group_leader@" + moved}
		if got := endedContacts(t, d, f.head.ID); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("history of ended roles = %v, want %v", got, want)
		}
	})
}

func TestContacts_AMoveWithinTheGridKeepsTheRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.s.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H004", GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路12号3栋202室"}); err != nil {
			t.Fatal(err)
		}
		makeContact(t, d, orgtest.Grid, f.head.ID, "representative")
		if _, err := f.s.MoveResident(ctx, gridA, f.head.ID, registry.MoveInput{HouseholdNo: "H004", Relation: "head"}); err != nil {
			t.Fatal(err)
		}
		if got := contactNames(t, f.s, gridA, orgtest.Grid); len(got) != 1 {
			t.Errorf("grid A's contacts after a move next door = %v, want the representative still", got)
		}
		if got := endedContacts(t, d, f.head.ID); len(got) != 0 {
			t.Errorf("ended roles = %v, want none", got)
		}
	})
}

func TestContacts_AHouseholdMovedToAnotherGridTakesItsResidentsOffTheOldGridsContacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		makeContact(t, d, orgtest.Grid, f.head.ID, "group_leader")
		if _, err := f.s.UpdateHousehold(ctx, city, f.hA.ID, registry.HouseholdInput{No: "H001", GridCode: orgtest.GridB,
			Address: f.hA.Address, Building: "3栋"}); err != nil {
			t.Fatal(err)
		}
		if got := contactNames(t, f.s, gridA, orgtest.Grid); len(got) != 0 {
			t.Errorf("grid A's worker still sees %v after the household moved to grid B", got)
		}
		moved := strconv.FormatInt(now().UnixMilli(), 10)
		if got := endedContacts(t, d, f.head.ID); len(got) != 1 || got[0] != orgtest.Grid+"/group_leader@"+moved {
			t.Errorf("history of ended roles = %v", got)
		}
	})
}

// TestContacts_ListOnlyResidentsWhoLiveInTheGrid: whatever path left a role behind,
// the list checks the resident's grid now.
func TestContacts_ListOnlyResidentsWhoLiveInTheGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		makeContact(t, d, orgtest.GridB, f.head.ID, "group_leader")
		if got := contactNames(t, f.s, gridB, orgtest.GridB); len(got) != 0 {
			t.Errorf("grid B lists %v, a resident of grid A", got)
		}
		if got := contactNames(t, f.s, city, orgtest.GridB); len(got) != 0 {
			t.Errorf("the city sees %v among grid B's contacts, a resident of grid A", got)
		}
	})
}
