package fieldwork_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/cases"
	"shequ/internal/fieldwork"
	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/idem"
	"shequ/internal/platform/pii"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

var (
	city      = auth.Principal{UserID: "u-city", Name: "市", Role: auth.RoleCity, OrgCode: orgtest.City}
	community = auth.Principal{UserID: "u-comm", Name: "李社区", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	street    = auth.Principal{UserID: "u-street", Name: "街道", Role: auth.RoleStreet, OrgCode: orgtest.Street}
	gridA     = auth.Principal{UserID: "u-grid", Name: "王网格", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
	gridB     = auth.Principal{UserID: "u-gridb", Name: "陈网格", Role: auth.RoleGrid, OrgCode: orgtest.GridB}
	readOnly  = auth.Principal{UserID: "u-ro", Name: "督查", Role: auth.RoleReadOnly, OrgCode: orgtest.Community}
)

var shanghai = func() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return z
}()

// now is 2026-09-30 10:00 in the city.
func now() time.Time { return time.Date(2026, 9, 30, 10, 0, 0, 0, shanghai) }

type fixture struct {
	s      *fieldwork.Service
	d      *db.DB
	staff  *staff.Service
	hA, hB registry.Household
	// inA lives in household hA (grid A), inB in hB (grid B).
	inA, inB registry.Resident
}

func idNumber(birth, seq string) string {
	s := "450403" + birth + seq
	return s + string(pii.CheckDigit(s))
}

// setup builds the test city with a household in each of 东兴社区's grids, a
// resident in each, and the grid work service on them.
func setup(t *testing.T, d *db.DB, hooks fieldwork.Hooks) fixture {
	t.Helper()
	orgtest.Build(t, d)
	ctx := context.Background()
	reg := registry.NewService(d, now, shanghai)
	cal, err := calendar.NewService(d, now, calendar.Settings{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cases.NewService(ctx, d, now, shanghai, cal)
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{d: d, staff: staff.NewService(d, now).WithZone(shanghai)}
	f.s = fieldwork.NewService(d, now, shanghai, fieldwork.Deps{Org: org.NewService(d, now), Registry: reg, Staff: f.staff, Cases: cs}, hooks)
	if f.hA, err = reg.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路12号3栋201室", Building: "3栋"}); err != nil {
		t.Fatal(err)
	}
	if f.hB, err = reg.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H002", GridCode: orgtest.GridB, Address: "梧州市万秀区东兴路20号1栋101室", Building: "1栋"}); err != nil {
		t.Fatal(err)
	}
	if f.inA, err = reg.CreateResident(ctx, city, registry.ResidentInput{Name: "李建国", IDNumber: idNumber("19650312", "001"),
		HouseholdNo: "H001", Relation: "head", PopulationType: "registered", Phone: "138 1234 5678"}); err != nil {
		t.Fatal(err)
	}
	if f.inB, err = reg.CreateResident(ctx, city, registry.ResidentInput{Name: "张秀英", IDNumber: idNumber("19700101", "002"),
		HouseholdNo: "H002", Relation: "head", PopulationType: "registered", Phone: "139 0000 1111"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// wantInvalid fails unless err is invalid naming field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var e *apperr.Error
	if !apperr.Is(err, apperr.Invalid) || !asError(err, &e) || e.Field != field {
		t.Fatalf("err = %v, want invalid naming %s", err, field)
	}
}

func asError(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTeam_AThirdWorkerOnAGridThatHasTwoIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, fieldwork.Hooks{})
		ctx := context.Background()
		var ids []string
		for i, name := range []string{"王一", "王二", "王三"} {
			w, err := f.staff.Create(ctx, community, staff.WorkerInput{Name: name, IDNumber: idNumber("19900101", "10"+string(rune('1'+i))),
				CommunityCode: orgtest.Community, Position: "grid_worker", Education: "21", HiredOn: "2020-01-01"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, w.ID)
		}
		for _, id := range ids[:2] {
			if _, err := f.s.Assign(ctx, community, orgtest.Grid, id, "2026-09-01"); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.s.Assign(ctx, community, orgtest.Grid, ids[2], "")
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("a third worker on a grid of two: err = %v, want invalid", err)
		}
		g, err := f.s.Grid(ctx, community, orgtest.Grid)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Team) != 2 || g.Team[0].AssignedOn != "2026-09-01" || !g.Team[0].Callable {
			t.Errorf("team = %+v, want the two assigned on 2026-09-01, callable by the community", g.Team)
		}
		if len(g.Candidates) != 1 || g.Candidates[0].ID != ids[2] {
			t.Errorf("candidates = %v, want the third worker only", g.Candidates)
		}
		if _, err := f.s.Unassign(ctx, community, orgtest.Grid, ids[0], ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Assign(ctx, community, orgtest.Grid, ids[2], ""); err != nil {
			t.Errorf("after one left, the third worker: %v", err)
		}
		if _, err := f.s.Assign(ctx, gridA, orgtest.Grid, ids[0], ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a grid worker assigning: err = %v, want forbidden", err)
		}
	})
}

func TestContact_AResidentWhoDoesNotLiveInTheGridIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, fieldwork.Hooks{})
		ctx := context.Background()
		_, err := f.s.AddContact(ctx, community, orgtest.Grid, fieldwork.ContactInput{ResidentID: f.inB.ID, Role: "building_head", AnswersFor: "1栋"})
		wantInvalid(t, err, "resident_id")
		_, err = f.s.AddContact(ctx, community, orgtest.Grid, fieldwork.ContactInput{ResidentID: f.inA.ID, Role: "mayor"})
		wantInvalid(t, err, "role")
		_, err = f.s.AddContact(ctx, community, orgtest.Grid, fieldwork.ContactInput{ResidentID: f.inA.ID, Role: "building_head", StartedOn: "2026-10-01"})
		wantInvalid(t, err, "started_on")
		if n := count(t, d, `SELECT COUNT(*) FROM grid_contacts`); n != 0 {
			t.Fatalf("refused contacts wrote %d rows", n)
		}
		c, err := f.s.AddContact(ctx, community, orgtest.Grid, fieldwork.ContactInput{ResidentID: f.inA.ID, Role: "building_head", AnswersFor: "3栋", StartedOn: "2026-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.AddContact(ctx, community, orgtest.Grid, fieldwork.ContactInput{ResidentID: f.inA.ID, Role: "building_head", AnswersFor: "3栋"})
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("the same role twice: err = %v, want conflict", err)
		}
		seen, err := f.s.Contacts(ctx, gridA, orgtest.Grid)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0].AnswersFor != "3栋" || seen[0].StartedOn != "2026-03-01" || seen[0].Phone != "13812345678" || !seen[0].Callable {
			t.Errorf("the grid's worker sees %+v, want the building head of 3栋 since 2026-03-01, callable", seen)
		}
		masked, err := f.s.Contacts(ctx, street, orgtest.Grid)
		if err != nil {
			t.Fatal(err)
		}
		if masked[0].Callable || masked[0].Phone == "13812345678" {
			t.Errorf("the street sees %+v, want the phone masked", masked[0])
		}
		err = f.s.EndContact(ctx, community, orgtest.Grid, c.ID, "2026-02-01")
		wantInvalid(t, err, "ended_on")
		if err := f.s.EndContact(ctx, community, orgtest.Grid, c.ID, "2026-09-30"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM grid_contact_history WHERE resident_id = $1 AND answers_for = '3栋' AND started_on = '2026-03-01'`, f.inA.ID); n != 1 {
			t.Errorf("the ended role kept %d times in the history with its building and start, want 1", n)
		}
	})
}

func visit(f fixture, hh string) fieldwork.VisitInput {
	return fieldwork.VisitInput{HouseholdID: hh, Met: "户主李建国", Purpose: "02", Notes: "身体尚可", Needs: []string{"楼道灯坏了"}}
}

func TestVisit_AHouseholdOutsideTheWorkersGridIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, fieldwork.Hooks{})
		_, err := f.s.RecordVisit(context.Background(), gridA, visit(f, f.hB.ID), nil)
		wantInvalid(t, err, "household_id")
		if n := count(t, d, `SELECT COUNT(*) FROM visits`); n != 0 {
			t.Errorf("a refused visit wrote %d rows", n)
		}
		if _, err := f.s.RecordVisit(context.Background(), readOnly, visit(f, f.hA.ID), nil); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the read-only role visiting: err = %v, want forbidden", err)
		}
	})
}

func TestVisit_AFollowUpDateInThePastIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, fieldwork.Hooks{})
		for _, bad := range []string{"2026-09-29", "2026-13-01", "明天"} {
			in := visit(f, f.hA.ID)
			in.FollowUpOn = bad
			_, err := f.s.RecordVisit(context.Background(), gridA, in, nil)
			wantInvalid(t, err, "follow_up_on")
		}
		in := visit(f, f.hA.ID)
		in.Purpose = "77"
		_, err := f.s.RecordVisit(context.Background(), gridA, in, nil)
		wantInvalid(t, err, "purpose")
		in = visit(f, f.hA.ID)
		in.VisitedOn = "2026-10-01"
		_, err = f.s.RecordVisit(context.Background(), gridA, in, nil)
		wantInvalid(t, err, "visited_on")
		in = visit(f, f.hA.ID)
		in.ResidentID = f.inB.ID
		_, err = f.s.RecordVisit(context.Background(), gridA, in, nil)
		wantInvalid(t, err, "resident_id")
		if n := count(t, d, `SELECT COUNT(*) FROM visits`); n != 0 {
			t.Errorf("refused visits wrote %d rows", n)
		}
	})
}

func TestVisit_LastVisitedFollowUpsAndOnceOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, fieldwork.Hooks{})
		ctx := context.Background()
		g, err := f.s.Grid(ctx, gridA, orgtest.Grid)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Homes) != 1 || g.Homes[0].LastVisited != "" || !g.Homes[0].Overdue || g.Never != 1 {
			t.Fatalf("before any visit the grid's households = %+v, want one never visited and overdue", g.Homes)
		}
		old := visit(f, f.hA.ID)
		old.VisitedOn, old.FollowUpOn = "2026-05-01", "2026-09-30"
		in := old
		key, _ := idem.New(gridA.UserID, "k-1", []byte("visit 1"))
		v1, err := f.s.RecordVisit(ctx, gridA, in, key)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.s.RecordVisit(ctx, gridA, old, key)
		if err != nil || again.ID != v1.ID {
			t.Fatalf("the same visit sent again = %v, %v; want the first", again.ID, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM visits`); n != 1 {
			t.Errorf("a visit sent twice is kept %d times", n)
		}
		g, _ = f.s.Grid(ctx, gridA, orgtest.Grid)
		if g.Homes[0].LastVisited != "2026-05-01" || !g.Homes[0].Overdue {
			t.Errorf("visited 152 days ago: %+v, want overdue", g.Homes[0])
		}
		day, err := f.s.Day(ctx, gridA, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if len(day.FollowUps) != 1 || day.FollowUps[0].ID != v1.ID || day.OverdueTotal != 1 {
			t.Errorf("the day's follow-ups = %v, overdue %d; want the visit due today and the household", day.FollowUps, day.OverdueTotal)
		}
		if _, err := f.s.RecordVisit(ctx, gridA, visit(f, f.hA.ID), nil); err != nil {
			t.Fatal(err)
		}
		g, _ = f.s.Grid(ctx, gridA, orgtest.Grid)
		if g.Homes[0].LastVisited != "2026-09-30" || g.Homes[0].Overdue {
			t.Errorf("visited today: %+v", g.Homes[0])
		}
		if day, _ = f.s.Day(ctx, gridA, "zh-CN"); len(day.FollowUps) != 0 || day.OverdueTotal != 0 {
			t.Errorf("going back closes the follow-up: %v, overdue %d", day.FollowUps, day.OverdueTotal)
		}
		c, err := f.s.ReportNeed(ctx, gridA, v1.ID, v1.Needs[0].ID, "1401", nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.OrgCode != orgtest.Grid || c.Description != "楼道灯坏了" {
			t.Errorf("the need's case = %+v", c)
		}
		if _, err := f.s.ReportNeed(ctx, gridA, v1.ID, v1.Needs[0].ID, "1401", nil); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a need reported twice: err = %v, want conflict", err)
		}
	})
}

func TestPatrol_PointsOutsideTheAreaAreKeptFlaggedAndMoveNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, fieldwork.Hooks{})
		ctx := context.Background()
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, '23.3,111.1,23.7,111.5')`, fieldwork.SettingBounds); err != nil {
			t.Fatal(err)
		}
		noConsent, err := f.s.StartPatrol(ctx, gridA, fieldwork.StartPatrolInput{GridCode: orgtest.Grid})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.AddPoints(ctx, gridA, noConsent.ID, []fieldwork.Point{{Lat: 23.48, Lng: 111.3}})
		wantInvalid(t, err, "points")
		if _, err := f.s.StartPatrol(ctx, gridA, fieldwork.StartPatrolInput{GridCode: orgtest.Grid, GPSConsent: true}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second patrol while one goes on: err = %v, want conflict", err)
		}
		if _, err := f.s.EndPatrol(ctx, gridA, noConsent.ID, fieldwork.EndPatrolInput{RouteNotes: "东兴路"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.StartPatrol(ctx, gridA, fieldwork.StartPatrolInput{GridCode: orgtest.GridB, GPSConsent: true})
		wantInvalid(t, err, "grid_code")

		pt, err := f.s.StartPatrol(ctx, gridA, fieldwork.StartPatrolInput{GridCode: orgtest.Grid, GPSConsent: true})
		if err != nil {
			t.Fatal(err)
		}
		pt, err = f.s.AddPoints(ctx, gridA, pt.ID, []fieldwork.Point{{Lat: 23.48, Lng: 111.3}, {Lat: 39.9, Lng: 116.4}})
		if err != nil {
			t.Fatal(err)
		}
		if len(pt.Points) != 2 || pt.Points[0].Outside || !pt.Points[1].Outside {
			t.Errorf("points = %+v, want the second (Beijing) kept and flagged", pt.Points)
		}
		if _, err := f.s.AddPoints(ctx, gridB, pt.ID, []fieldwork.Point{{Lat: 23.48, Lng: 111.3}}); err == nil {
			t.Error("another grid's worker added points to the patrol")
		}
		lat, lng := 39.9, 116.4
		key, _ := idem.New(gridA.UserID, "f-1", []byte("finding"))
		fd, err := f.s.AddFinding(ctx, gridA, pt.ID, fieldwork.FindingInput{Description: "3栋门口路灯不亮", Category: "1401", Address: "3栋门口", Lat: &lat, Lng: &lng}, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.s.AddFinding(ctx, gridA, pt.ID, fieldwork.FindingInput{Description: "3栋门口路灯不亮", Category: "1401", Address: "3栋门口", Lat: &lat, Lng: &lng}, nil, key)
		if err != nil || again.ID != fd.ID || again.CaseID != fd.CaseID {
			t.Fatalf("the finding sent again = %+v, %v; want the first", again, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM cases`); n != 1 {
			t.Errorf("a finding sent twice made %d cases", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM cases WHERE id = $1 AND lat_e6 IS NULL AND org_code = $2`, fd.CaseID, orgtest.Grid); n != 1 {
			t.Error("the case took its place from a point outside the worker's area")
		}
		pt, err = f.s.EndPatrol(ctx, gridA, pt.ID, fieldwork.EndPatrolInput{RouteNotes: "东兴路一圈", Points: []fieldwork.Point{{Lat: 91, Lng: 0}}})
		wantInvalid(t, err, "points")
		ended, err := f.s.EndPatrol(ctx, gridA, fd.ID, fieldwork.EndPatrolInput{})
		if err == nil {
			t.Errorf("ended a finding as a patrol: %+v", ended)
		}
	})
}

func TestDay_ShowsTheSectionsOtherDomainsGive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		returned := func(ctx context.Context, p auth.Principal) (fieldwork.Section, error) {
			return fieldwork.Section{ID: "proposals", Title: "proposal.returned", Items: []fieldwork.SectionItem{{Label: "新生儿 李小明", URL: "/proposals/1"}}, Total: 1}, nil
		}
		f := setup(t, d, fieldwork.Hooks{Sections: []fieldwork.DaySection{returned}})
		day, err := f.s.Day(context.Background(), gridA, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if len(day.Sections) != 1 || day.Sections[0].Items[0].URL != "/proposals/1" || day.Grid != orgtest.Grid {
			t.Errorf("day = %+v", day)
		}
	})
}
