package transfer_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
	"shequ/internal/transfer"
)

// TestImport_AHouseholdImportedIntoAnotherGridTakesItsResidentsOffTheOldGridsContacts:
// an import that changes a household's grid moves its residents as the form does,
// and their contact roles in the old grid end.
func TestImport_AHouseholdImportedIntoAnotherGridTakesItsResidentsOffTheOldGridsContacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		ctx := context.Background()
		reg := registry.NewService(d, fixedNow, time.UTC)
		var li string
		if err := d.Read().QueryRowContext(ctx, `SELECT r.id FROM residents r JOIN households h ON h.id = r.household_id
			WHERE h.household_no = 'H001' AND r.relation = '02'`).Scan(&li); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO grid_contacts (id, org_code, resident_id, role) VALUES ($1, $2, $3, 'building_head')`,
			db.NewID(), orgtest.Grid, li); err != nil {
			t.Fatal(err)
		}
		res := importAs(t, svc, communityUser, transfer.Households, csvFile(t, householdHeader,
			"H001,"+orgtest.GridB+",梧州市万秀区东兴路12号3栋201室,3栋"), transfer.Options{})
		if !res.OK() || res.Updated != 1 {
			t.Fatalf("import: %+v", res)
		}
		cs, err := reg.Contacts(ctx, communityUser, orgtest.Grid)
		if err != nil || len(cs) != 0 {
			t.Errorf("grid A's contacts after H001 moved to grid B: %+v (%v)", cs, err)
		}
		var ended int64
		if err := d.Read().QueryRowContext(ctx, `SELECT ended_at FROM grid_contact_history WHERE resident_id = $1 AND org_code = $2`,
			li, orgtest.Grid).Scan(&ended); err != nil || ended != fixedNow().UnixMilli() {
			t.Errorf("ended role: at %d (%v), want %d", ended, err, fixedNow().UnixMilli())
		}
	})
}
