package registry_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/registry"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

var (
	city    = auth.Principal{UserID: "city", Role: auth.RoleCity, OrgCode: orgtest.City}
	gridA   = auth.Principal{UserID: "ga", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
	gridB   = auth.Principal{UserID: "gb", Role: auth.RoleGrid, OrgCode: orgtest.GridB}
	auditor = auth.Principal{UserID: "au", Role: auth.RoleReadOnly, OrgCode: orgtest.City}
	street  = auth.Principal{UserID: "st", Role: auth.RoleStreet, OrgCode: orgtest.Street}
)

// idNumber makes a valid ID number born on birth (YYYYMMDD) with sequence seq.
func idNumber(area, birth, seq string) string {
	s := area + birth + seq
	return s + string(pii.CheckDigit(s))
}

func wrongCheckDigit(id string) string {
	if id[17] == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

type fixture struct {
	s          *registry.Service
	hA, hB, h2 registry.Household
	head       registry.Resident
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	orgtest.Build(t, d)
	s := registry.NewService(d, now, time.UTC)
	ctx := context.Background()
	var f fixture
	f.s = s
	var err error
	for _, h := range []struct {
		dst *registry.Household
		in  registry.HouseholdInput
	}{
		{&f.hA, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路12号3栋201室", Building: "3栋"}},
		{&f.hB, registry.HouseholdInput{No: "H002", GridCode: orgtest.GridB, Address: "梧州市万秀区东兴路20号1栋101室", Building: "1栋"}},
		{&f.h2, registry.HouseholdInput{No: "H003", GridCode: orgtest.Grid2, Address: "梧州市万秀区南环路8号", Building: ""}},
	} {
		if *h.dst, err = s.CreateHousehold(ctx, city, h.in); err != nil {
			t.Fatal(err)
		}
	}
	f.head, err = s.CreateResident(ctx, city, registry.ResidentInput{Name: "李建国", IDNumber: idNumber("450403", "19650312", "001"),
		HouseholdNo: "H001", Relation: "head", PopulationType: "registered", Phone: "138 1234 5678", Tags: []string{"party_member", "dibao"}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResident_CreateDerivesSexAndBirthFromIDNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		r, _, err := f.s.Resident(context.Background(), city, f.head.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.BirthDate != "1965-03-12" || r.Sex != "M" || r.GridCode != orgtest.Grid || r.Phone != "13812345678" {
			t.Errorf("resident = %+v", r)
		}
		if len(r.Tags) != 1 || r.Tags[0] != "dibao" || r.PoliticalStatus != "01" {
			t.Errorf("tags = %v, political status %q: want dibao, and 党员 as the political status 01", r.Tags, r.PoliticalStatus)
		}
	})
}

func TestResident_BadInputNamesTheFieldAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		good := registry.ResidentInput{Name: "王芳", IDNumber: idNumber("450403", "19900101", "002"), HouseholdNo: "H001",
			Relation: "spouse", PopulationType: "registered"}
		for _, tc := range []struct {
			name   string
			change func(*registry.ResidentInput)
			code   apperr.Code
			key    string
			field  string
		}{
			{"wrong check digit", func(in *registry.ResidentInput) { in.IDNumber = wrongCheckDigit(in.IDNumber) }, apperr.Invalid, "id_number.check_digit", "id_number"},
			{"impossible birth date", func(in *registry.ResidentInput) {
				in.IDNumber = idNumber("450403", "19900231", "002")
			}, apperr.Invalid, "id_number.birth_date", "id_number"},
			{"duplicate ID number", func(in *registry.ResidentInput) { in.IDNumber = f.head.IDNumber }, apperr.Conflict, "resident.id_taken", "id_number"},
			{"unknown household", func(in *registry.ResidentInput) { in.HouseholdNo = "NOPE" }, apperr.NotFound, "household.not_found", "household_no"},
			{"unknown tag", func(in *registry.ResidentInput) { in.Tags = []string{"vip"} }, apperr.Invalid, "resident.tag", "tags"},
			{"unknown relation", func(in *registry.ResidentInput) { in.Relation = "boss" }, apperr.Invalid, "code.unknown", "relation"},
			{"bad population type", func(in *registry.ResidentInput) { in.PopulationType = "tourist" }, apperr.Invalid, "resident.population_type", "population_type"},
			{"malformed phone", func(in *registry.ResidentInput) { in.Phone = "12345" }, apperr.Invalid, "phone.format", "phone"},
			{"empty name", func(in *registry.ResidentInput) { in.Name = " " }, apperr.Invalid, "required", "name"},
		} {
			in := good
			tc.change(&in)
			_, err := f.s.CreateResident(ctx, city, in)
			e, ok := err.(*apperr.Error)
			if !ok || e.Code != tc.code || e.Key != tc.key || e.Field != tc.field {
				t.Errorf("%s: got %v, want %s %s on %s", tc.name, err, tc.code, tc.key, tc.field)
			}
		}
		_, members, err := f.s.Household(ctx, city, f.hA.ID)
		if err != nil || len(members) != 1 {
			t.Errorf("household has %d members after rejected writes (%v)", len(members), err)
		}
	})
}

func TestHousehold_UnknownGridOrGridOutsideScopeIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			p    auth.Principal
			grid string
		}{{city, "450403001001099"}, {city, orgtest.Community}, {gridA, orgtest.GridB}} {
			_, err := f.s.CreateHousehold(ctx, tc.p, registry.HouseholdInput{No: "H9", GridCode: tc.grid, Address: "x"})
			if e, ok := err.(*apperr.Error); !ok || e.Key != "household.grid_not_found" || e.Field != "grid_code" {
				t.Errorf("grid %s as %s: %v", tc.grid, tc.p.Role, err)
			}
		}
		if _, err := f.s.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "x"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("duplicate household number: %v", err)
		}
		if _, err := f.s.CreateHousehold(ctx, auditor, registry.HouseholdInput{No: "H9", GridCode: orgtest.Grid, Address: "x"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("auditor wrote: %v", err)
		}
	})
}

func TestResident_GridWorkerCannotReadAnotherGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, _, err := f.s.Resident(ctx, gridA, f.head.ID); err != nil {
			t.Fatalf("own grid: %v", err)
		}
		if _, _, err := f.s.Resident(ctx, gridB, f.head.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other grid's resident: %v, want not_found", err)
		}
		if _, _, err := f.s.Household(ctx, gridB, f.hA.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other grid's household: %v, want not_found", err)
		}
		if rs, err := f.s.Search(ctx, gridB, f.head.IDNumber, 10); err != nil || len(rs) != 0 {
			t.Errorf("search from other grid found %d (%v)", len(rs), err)
		}
		if _, err := f.s.Households(ctx, gridB, orgtest.Grid, 10, registry.PageKeys{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("list other grid: %v", err)
		}
		if _, err := f.s.UpdateResident(ctx, gridB, f.head.ID, registry.ResidentInput{}); err == nil {
			t.Error("other grid's resident updated")
		}
	})
}

func TestResident_MoveKeepsHistoryAndFollowsTheGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		r, err := f.s.MoveResident(ctx, street, f.head.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "other"})
		if err != nil {
			t.Fatal(err)
		}
		if r.GridCode != orgtest.GridB {
			t.Errorf("grid after move = %s", r.GridCode)
		}
		if _, err := f.s.MoveResident(ctx, street, f.head.ID, registry.MoveInput{HouseholdNo: "H003", Relation: "head"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("move to a household outside scope: %v", err)
		}
		if _, err := f.s.MoveResident(ctx, city, f.head.ID, registry.MoveInput{HouseholdNo: "H003", Relation: "head"}); err != nil {
			t.Fatal(err)
		}
		got, moves, err := f.s.Resident(ctx, city, f.head.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(moves) != 2 || moves[0].FromHousehold != "H001" || moves[0].ToHousehold != "H002" || moves[1].ToHousehold != "H003" {
			t.Errorf("moves = %+v", moves)
		}
		if got.HouseholdNo != "H003" || len(got.Tags) != 1 {
			t.Errorf("after moves: %+v", got)
		}
		if _, _, err := f.s.Resident(ctx, gridA, f.head.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("old grid still sees the moved resident: %v", err)
		}
	})
}

func TestHousehold_MovingToAnotherGridTakesItsResidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		_, err := f.s.UpdateHousehold(ctx, city, f.hA.ID, registry.HouseholdInput{No: "H001", GridCode: orgtest.GridB, Address: "新地址", Building: "5栋"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.Resident(ctx, gridB, f.head.ID); err != nil {
			t.Errorf("new grid cannot see the resident: %v", err)
		}
		if rs, err := f.s.Search(ctx, city, "新地址", 10); err != nil || len(rs) != 1 {
			t.Errorf("search by the new address: %d (%v)", len(rs), err)
		}
		if rs, err := f.s.Search(ctx, city, "东兴路12号", 10); err != nil || len(rs) != 0 {
			t.Errorf("search by the old address still finds %d (%v)", len(rs), err)
		}
	})
}

func TestSearch_FindsByEveryFormWithinScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李建华", IDNumber: idNumber("450403", "19700101", "003"),
			HouseholdNo: "H003", Relation: "head", PopulationType: "floating"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			p     auth.Principal
			q     string
			count int
		}{
			{city, f.head.IDNumber, 1},
			{city, f.head.IDNumber[14:], 1},
			{city, f.head.IDNumber[10:], 1},
			{city, "13812345678", 1},
			{city, "李建", 2},
			{street, "李建", 1},
			{city, "东兴路12号", 1},
			{city, "东兴路", 1},
			{city, "南环路", 1},
			{city, "南环", 0},
			{city, "100%", 0},
			{city, "张", 0},
		} {
			rs, err := f.s.Search(ctx, tc.p, tc.q, 20)
			if tc.q == "张" {
				if !apperr.Is(err, apperr.Invalid) {
					t.Errorf("one-character search: %v", err)
				}
				continue
			}
			if err != nil || len(rs) != tc.count {
				t.Errorf("search %q as %s: %d results (%v), want %d", tc.q, tc.p.Role, len(rs), err, tc.count)
			}
		}
	})
}

// TestResident_IDNumberAndPhoneAreStoredOnlySealed: what the database holds of them
// is SM4-GCM ciphertext and keyed indexes (decision 6); the screens' masked forms
// come from opening it.
func TestResident_IDNumberAndPhoneAreStoredOnlySealed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		var idSealed, phoneSealed []byte
		var idIndex, tailIndex, phoneIndex string
		err := d.Read().QueryRowContext(context.Background(), `SELECT id_number_sealed, id_number_bidx, id_tail_bidx, phone_sealed, phone_bidx
			FROM residents WHERE id = $1`, f.head.ID).Scan(&idSealed, &idIndex, &tailIndex, &phoneSealed, &phoneIndex)
		if err != nil {
			t.Fatal(err)
		}
		id, phone := f.head.IDNumber, "13812345678"
		for _, v := range []string{string(idSealed), idIndex, tailIndex, string(phoneSealed), phoneIndex} {
			if strings.Contains(v, id) || strings.Contains(v, id[14:]) || strings.Contains(v, phone) || strings.Contains(v, phone[7:]) {
				t.Errorf("stored value %q shows the ID number or phone", v)
			}
		}
		if got, err := d.Keys().Open(crypt.IDNumber, idSealed); err != nil || got != id {
			t.Errorf("sealed ID number opens to %q, %v", got, err)
		}
		r, _, err := f.s.Resident(context.Background(), city, f.head.ID)
		if err != nil || r.IDNumber != id || r.Phone != phone || r.Masked().IDNumber != id[:6]+"********"+id[14:] {
			t.Errorf("resident %+v, %v", r, err)
		}
	})
}

// TestSearch_ALongerTailFindsOnlyTheNumbersEndingInIt: the tail index finds the
// residents sharing the last four characters; the rest of the query is compared
// with their opened ID numbers.
func TestSearch_ALongerTailFindsOnlyTheNumbersEndingInIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		// Same last four as the head's (0012 + check digit), different fifth-last.
		other := ""
		for day := 1; day <= 28 && other == ""; day++ {
			id := idNumber("450403", fmt.Sprintf("197003%02d", day), f.head.IDNumber[14:17])
			if id[14:] == f.head.IDNumber[14:] && id[13] != f.head.IDNumber[13] {
				other = id
			}
		}
		if other == "" || other[13] == f.head.IDNumber[13] {
			t.Fatalf("no ID number sharing the last four of %s but not the fifth-last", f.head.IDNumber)
		}
		if _, err := f.s.CreateResident(ctx, city, registry.ResidentInput{Name: "王芳", IDNumber: other, HouseholdNo: "H001",
			Relation: "spouse", PopulationType: "registered"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{f.head.IDNumber[14:], []string{"李建国", "王芳"}},
			{f.head.IDNumber[13:], []string{"李建国"}},
			{other[13:], []string{"王芳"}},
			{f.head.IDNumber[1:], []string{"李建国"}},
			{"9" + f.head.IDNumber[13:], nil},
		} {
			rs, err := f.s.Search(ctx, city, tc.q, 20)
			var names []string
			for _, r := range rs {
				names = append(names, r.Name)
			}
			if err != nil || !slices.Equal(names, tc.want) {
				t.Errorf("search %q: %v (%v), want %v", tc.q, names, err, tc.want)
			}
		}
	})
}
