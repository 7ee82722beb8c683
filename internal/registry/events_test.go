package registry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/stats"
)

// residentsOn counts the residents of a unit on a day, as the statistics do.
func residentsOn(t *testing.T, d *db.DB, code, day string) int {
	t.Helper()
	on, _ := time.Parse(time.DateOnly, day)
	s, err := stats.Compute(context.Background(), d.Read(), scope.Everything(), code, on)
	if err != nil {
		t.Fatal(err)
	}
	return s.Residents.Registered + s.Residents.Floating
}

func TestRegister_TheRegisterAsItStoodOnADayFollowsMovesAndDeregistrations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d) // the head registered in grid A on 2026-11-27
		ctx := context.Background()
		clock := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
		s := registry.NewService(d, func() time.Time { return clock }, time.UTC)

		if _, err := s.MoveResident(ctx, city, f.head.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "户主", On: "2026-12-01", Reason: "购房"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Deregister(ctx, city, f.head.ID, registry.DeregisterInput{Reason: "死亡", On: "2026-12-02"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			day         string
			gridA, grid int
		}{
			{"2013-05-20", 0, 0}, // before they were registered
			{"2026-11-30", 1, 0}, // in grid A
			{"2026-12-01", 0, 1}, // moved to grid B that day
			{"2026-12-02", 0, 0}, // died that day
			{"2026-12-03", 0, 0}, // and stays off the register
		} {
			if a, b := residentsOn(t, d, orgtest.Grid, tc.day), residentsOn(t, d, orgtest.GridB, tc.day); a != tc.gridA || b != tc.grid {
				t.Errorf("%s: grid A %d, grid B %d; want %d, %d", tc.day, a, b, tc.gridA, tc.grid)
			}
		}
		r, moves, err := s.Resident(ctx, city, f.head.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Current() || r.DeregisteredReason != registry.ReasonDeath || len(moves) != 1 || moves[0].MovedOn != "2026-12-01" || moves[0].Reason != "购房" {
			t.Errorf("after a move and a death: %+v, moves %+v", r, moves)
		}
		events, err := s.Events(ctx, city, f.head.ID)
		if err != nil || len(events) != 2 || events[1].Kind != registry.EventDeregistered {
			t.Errorf("events %+v, %v", events, err)
		}
		_, members, err := s.Household(ctx, city, f.hB.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h, _, _ := s.Household(ctx, city, f.hB.ID); h.Members != 0 || len(members) != 1 || members[0].Current() {
			t.Errorf("a household lists its former member apart and does not count them: %d members, %+v", h.Members, members)
		}

		if _, err := s.Register(ctx, city, f.head.ID, registry.RegisterInput{HouseholdNo: "H001", Relation: "02", Reason: "其他", On: "2026-12-03"}); err != nil {
			t.Fatal(err)
		}
		if n := residentsOn(t, d, orgtest.Grid, "2026-12-03"); n != 1 {
			t.Errorf("re-registered: %d in grid A", n)
		}
		if n := residentsOn(t, d, orgtest.Grid, "2026-11-30"); n != 1 {
			t.Errorf("re-registration rewrote the past: %d in grid A on 2026-11-30", n)
		}
	})
}

func TestRegister_BadLifeEventsNameTheFieldAndWriteNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李小明", IDNumber: idNumber("450403", "20100101", "013"),
			HouseholdNo: "H001", Relation: "子", PopulationType: "registered", RegisteredReason: "出生", RegisteredOn: "2026-11-27"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			do    func() error
			field string
		}{
			{"a deregistration before the registration", func() error {
				_, err := f.s.Deregister(ctx, city, f.head.ID, registry.DeregisterInput{Reason: "1", On: "2020-01-01"})
				return err
			}, "on"},
			{"a deregistration in the future", func() error {
				_, err := f.s.Deregister(ctx, city, f.head.ID, registry.DeregisterInput{Reason: "1", On: "2027-01-01"})
				return err
			}, "on"},
			{"a deregistration without a reason", func() error {
				_, err := f.s.Deregister(ctx, city, f.head.ID, registry.DeregisterInput{On: "2026-11-27"})
				return err
			}, "reason"},
			{"a deregistration for an unknown reason", func() error {
				_, err := f.s.Deregister(ctx, city, f.head.ID, registry.DeregisterInput{Reason: "出国", On: "2026-11-27"})
				return err
			}, "reason"},
			{"a move into a household outside the user's scope", func() error {
				_, err := f.s.MoveResident(ctx, gridA, f.head.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "02"})
				return err
			}, "household_no"},
			{"a split that leaves a household without a head", func() error {
				_, err := f.s.Split(ctx, city, f.hA.ID, registry.SplitInput{Household: registry.HouseholdInput{No: "H009", GridCode: orgtest.Grid,
					Address: "东兴路12号3栋202室"}, Members: []registry.Member{{ResidentID: f.head.ID, Relation: "02"}}, On: "2026-11-27"})
				return err
			}, "members"},
			{"a 现住址 household that does not exist", func() error {
				_, err := f.s.UpdateResident(ctx, city, f.head.ID, registry.ResidentInput{Name: f.head.Name, HouseholdNo: "H001", Relation: "02",
					PopulationType: "registered", LivesInNo: "H404"})
				return err
			}, "lives_in_household_no"},
			{"a permit that expires before it was registered", func() error {
				_, err := f.s.UpdateResident(ctx, city, f.head.ID, registry.ResidentInput{Name: f.head.Name, HouseholdNo: "H001", Relation: "02",
					PopulationType: "floating", PermitRegisteredOn: "2026-01-10", PermitExpiresOn: "2025-01-10"})
				return err
			}, "permit_expires_on"},
		} {
			before := tableCounts(t, d)
			err := tc.do()
			var ae *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asErr(err, &ae) || ae.Field != tc.field {
				t.Errorf("%s: %v, want invalid on %s", tc.name, err, tc.field)
			}
			for table, n := range tableCounts(t, d) {
				if table != "audit_log" && n != before[table] {
					t.Errorf("%s: %s went from %d to %d rows", tc.name, table, before[table], n)
				}
			}
		}
		r, _, err := f.s.Resident(ctx, city, f.head.ID)
		if err != nil || !r.Current() || r.HouseholdNo != "H001" || r.LivesInNo != "" || r.PermitExpiresOn != "" {
			t.Errorf("after refused changes: %+v, %v", r, err)
		}
	})
}

func TestResident_EveryCodedFieldRefusesAValueNotInItsTable(t *testing.T) {
	for _, field := range []string{"relation", "ethnicity", "marital_status", "education", "political_status"} {
		in := registry.ResidentInput{Name: "张三", IDNumber: idNumber("450403", "19800101", "001"), HouseholdNo: "H001", Relation: "02",
			PopulationType: "registered"}
		switch field {
		case "relation":
			in.Relation = "老板"
		case "ethnicity":
			in.Ethnicity = "火星族"
		case "marital_status":
			in.MaritalStatus = "99"
		case "education":
			in.Education = "幼儿园"
		case "political_status":
			in.PoliticalStatus = "14"
		}
		_, err := in.Validate(now())
		var ae *apperr.Error
		if !asErr(err, &ae) || ae.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	in := registry.ResidentInput{Name: "张三", IDNumber: idNumber("450403", "19800101", "001"), HouseholdNo: "H001", Relation: "长子",
		PopulationType: "registered", Ethnicity: "壮族", MaritalStatus: "已婚", Education: "21", PoliticalStatus: "群众"}
	if _, err := in.Validate(now()); err != nil || in.Relation != "22" || in.Ethnicity != "08" || in.MaritalStatus != "20" || in.PoliticalStatus != "13" {
		t.Errorf("names and codes: %v, %+v", err, in)
	}
}

func asErr(err error, target **apperr.Error) bool { return errors.As(err, target) }
