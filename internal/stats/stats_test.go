package stats_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

func reportDay() time.Time { return time.Date(2013, 5, 20, 0, 0, 0, 0, time.UTC) }

// smallCity builds a hand-made tree:
//
//	450400 测试市
//	├─ 450403 甲区
//	│  └─ 450403001 甲街道
//	│     ├─ 450403001001 东山社区 (founded 2011, 300 m², 6 posts): grids 001 and 002
//	│     └─ 450403001002 西湖社区 (founded 1990, 89 m², 3 posts): grid 001
//	└─ 450404 乙区, with nothing in it
//
// with six households (one registered to 东山社区 itself, in no grid) and seven
// workers whose birthdays sit on the age groups' edges on 2013-05-20.
func smallCity(t *testing.T, d *db.DB) {
	t.Helper()
	units := []struct {
		code, name, level string
		parent            any
		founded, office   any
		posts             int
	}{
		{"450400", "测试市", "city", nil, nil, nil, 0},
		{"450403", "甲区", "district", "450400", nil, nil, 0},
		{"450404", "乙区", "district", "450400", nil, nil, 0},
		{"450403001", "甲街道", "street", "450403", nil, nil, 0},
		{"450403001001", "东山社区", "community", "450403001", 2011, 30000, 6},
		{"450403001001001", "第一网格", "grid", "450403001001", nil, nil, 0},
		{"450403001001002", "第二网格", "grid", "450403001001", nil, nil, 0},
		{"450403001002", "西湖社区", "community", "450403001", 1990, 8900, 3},
		{"450403001002001", "第一网格", "grid", "450403001002", nil, nil, 0},
	}
	for _, u := range units {
		exec(t, d, `INSERT INTO org_units (code, name, level, parent_code, founded_year, office_area_dm2, authorized_posts, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0)`, u.code, u.name, u.level, u.parent, u.founded, u.office, u.posts)
	}
	// household org code → its residents' population types
	households := []struct {
		org       string
		residents []string
	}{
		{"450403001001001", []string{"registered", "registered", "floating"}},
		{"450403001001001", []string{"registered"}},
		{"450403001001001", []string{"floating", "floating"}},
		{"450403001001", []string{"registered"}},
		{"450403001002001", []string{"registered", "registered"}},
		{"450403001002001", []string{"floating"}},
	}
	seq := 0
	for i, h := range households {
		hid := fmt.Sprintf("h%d", i)
		exec(t, d, `INSERT INTO households (id, household_no, org_code, address, created_at, updated_at) VALUES ($1, $2, $3, '', 0, 0)`,
			hid, hid, h.org)
		for _, kind := range h.residents {
			seq++
			p := sealed(t, d, idNumber("450403", "1980-01-01", seq))
			exec(t, d, `INSERT INTO residents (id, name, id_number_sealed, id_number_bidx, id_tail_bidx, sex, birth_date, household_id,
				org_code, relation, population_type, created_at, updated_at) VALUES ($1, '居民', $2, $3, $4, 'F', '1980-01-01', $5, $6, '80', $7, 0, 0)`,
				fmt.Sprintf("r%d", seq), p.IDNumber, p.IDIndex, p.TailIndex, hid, h.org, kind)
			exec(t, d, `INSERT INTO resident_periods (resident_id, starts_on, household_id, org_code, population_type)
				VALUES ($1, '2000-01-01', $2, $3, $4)`, fmt.Sprintf("r%d", seq), hid, h.org, kind)
		}
	}
	workers := []struct {
		org, sex, birth, education, hired string
	}{
		{"450403001001", "F", "1978-05-20", "21", "2005-03-01"}, // 35 that day: 35_to_50; 大学本科毕业
		{"450403001001", "M", "1978-05-21", "61", "2006-03-01"}, // 34, 35 the next day; 普通高中毕业
		{"450403001001", "F", "1963-05-20", "47", "1999-03-01"}, // 50 that day: 35_to_50; 技工学校毕业
		{"450403001001", "F", "1962-05-20", "81", "1998-03-01"}, // 51: over_50; 小学毕业
		{"450403001001", "M", "1962-05-21", "14", "2011-07-01"}, // 50, 51 the next day; 硕士研究生毕业
		{"450403001001", "F", "1990-01-01", "21", "2013-05-21"}, // hired the day after
		{"450403001002", "F", "1985-02-28", "31", "2013-05-20"}, // hired that very day; 大学专科毕业
	}
	for i, w := range workers {
		p := sealed(t, d, idNumber("450403", w.birth, 100+i))
		exec(t, d, `INSERT INTO workers (id, name, id_number_sealed, id_number_bidx, sex, birth_date, org_code, position, education, hired_on,
			created_at, updated_at) VALUES ($1, '社工', $2, $3, $4, $5, $6, 'member', $7, $8, 0, 0)`,
			fmt.Sprintf("w%d", i), p.IDNumber, p.IDIndex, w.sex, w.birth, w.org, w.education, w.hired)
	}
}

func TestCompute_CityAddsUpEverythingBelowIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		s := compute(t, d, scope.Of("450400"), "450400", reportDay())
		want := stats.Stats{
			Scope:                    stats.Unit{Code: "450400", Name: "测试市", Level: scope.City},
			AsOf:                     "2013-05-20",
			Units:                    stats.Units{Districts: 2, Streets: 1, Communities: 2, Grids: 3},
			Households:               6,
			Residents:                stats.Residents{Registered: 6, Floating: 4},
			CommunitiesByFoundedYear: map[string]int{"1990": 1, "2011": 1},
			Staff: stats.Staff{
				AuthorizedPosts: 9, Filled: 6,
				Age:       stats.AgeGroups{Under35: 2, From35To50: 3, Over50: 1},
				Education: stats.Education{JuniorMiddleOrBelow: 1, SeniorHighOrTechnical: 2, CollegeOrAbove: 3},
				Sex:       stats.Sex{Male: 2, Female: 4},
			},
			OfficeSpace: stats.OfficeSpace{AtLeast300: 1, Below150: 1, Below90: 1},
		}
		children := s.Children
		s.Children = nil
		if !reflect.DeepEqual(s, want) {
			t.Errorf("city\n got %+v\nwant %+v", s, want)
		}
		if len(children) != 2 || children[0].Scope.Code != "450403" || children[1].Scope.Code != "450404" {
			t.Fatalf("children %+v", children)
		}
		want.Scope = stats.Unit{Code: "450403", Name: "甲区", Level: scope.District}
		want.Units.Districts = 0
		if !reflect.DeepEqual(children[0], want) {
			t.Errorf("district 甲区\n got %+v\nwant %+v", children[0], want)
		}
	})
}

func TestCompute_AgeGroupsMoveOnBirthdaysAndStaffOnHiringDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		for _, tc := range []struct {
			day    time.Time
			filled int
			age    stats.AgeGroups
		}{
			{reportDay().AddDate(0, 0, -1), 5, stats.AgeGroups{Under35: 2, From35To50: 3, Over50: 0}}, // 1978-05-20 still 34, 1962-05-20 still 50
			{reportDay(), 6, stats.AgeGroups{Under35: 2, From35To50: 3, Over50: 1}},
			{reportDay().AddDate(0, 0, 1), 7, stats.AgeGroups{Under35: 2, From35To50: 3, Over50: 2}}, // 1978-05-21 turns 35, 1962-05-21 turns 51
		} {
			s := compute(t, d, scope.Everything(), "450400", tc.day)
			if s.Staff.Filled != tc.filled || s.Staff.Age != tc.age {
				t.Errorf("%s: filled %d, age %+v; want %d, %+v", tc.day.Format(time.DateOnly), s.Staff.Filled, s.Staff.Age, tc.filled, tc.age)
			}
		}
	})
}

func TestCompute_ChildrenOfAStreetAreItsCommunitiesWithTheirOwnPostsAndSpace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		s := compute(t, d, scope.Of("450403"), "450403001", reportDay())
		type fig struct {
			code                     string
			grids, households, posts int
			office                   stats.OfficeSpace
			founded                  map[string]int
		}
		var got []fig
		for _, c := range s.Children {
			got = append(got, fig{c.Scope.Code, c.Units.Grids, c.Households, c.Staff.AuthorizedPosts, c.OfficeSpace, c.CommunitiesByFoundedYear})
		}
		want := []fig{
			{"450403001001", 2, 4, 6, stats.OfficeSpace{AtLeast300: 1}, map[string]int{"2011": 1}},
			{"450403001002", 1, 2, 3, stats.OfficeSpace{Below150: 1, Below90: 1}, map[string]int{"1990": 1}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("street's children\n got %+v\nwant %+v", got, want)
		}
		if s.Units != (stats.Units{Communities: 2, Grids: 3}) || s.Staff.Filled != 6 {
			t.Errorf("street: units %+v, filled %d", s.Units, s.Staff.Filled)
		}
	})
}

func TestCompute_ACommunityCountsRowsRegisteredToItselfButInNoGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		s := compute(t, d, scope.Of("450403001001"), "450403001001", reportDay())
		if s.Households != 4 || s.Residents != (stats.Residents{Registered: 4, Floating: 3}) {
			t.Errorf("community: %d households, residents %+v", s.Households, s.Residents)
		}
		if s.Staff.AuthorizedPosts != 6 || s.OfficeSpace.AtLeast300 != 1 || s.Units != (stats.Units{Grids: 2}) {
			t.Errorf("community: posts %d, office %+v, units %+v", s.Staff.AuthorizedPosts, s.OfficeSpace, s.Units)
		}
		if len(s.Children) != 2 || s.Children[0].Households != 3 || s.Children[1].Households != 0 {
			t.Errorf("grids %+v", s.Children)
		}
	})
}

func TestCompute_AnEmptyUnitHasEveryKeyAtZero(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		b, err := json.Marshal(compute(t, d, scope.Of("450400"), "450404", reportDay()))
		if err != nil {
			t.Fatal(err)
		}
		want := `{"scope":{"code":"450404","name":"乙区","level":"district"},"as_of":"2013-05-20",` +
			`"units":{"districts":0,"streets":0,"communities":0,"grids":0},"households":0,` +
			`"residents":{"registered":0,"floating":0},"communities_by_founded_year":{},` +
			`"staff":{"authorized_posts":0,"filled":0,"age":{"under_35":0,"35_to_50":0,"over_50":0},` +
			`"education":{"junior_middle_or_below":0,"senior_high_or_technical":0,"college_or_above":0},` +
			`"sex":{"male":0,"female":0}},"office_space":{"at_least_300":0,"below_150":0,"below_90":0},"children":[]}`
		if string(b) != want {
			t.Errorf("JSON\n got %s\nwant %s", b, want)
		}
	})
}

func TestCompute_ChildrenInJSONHaveTheSameKeysButNoChildren(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		b, err := json.Marshal(compute(t, d, scope.Of("450400"), "450400", reportDay()))
		if err != nil {
			t.Fatal(err)
		}
		var top struct {
			Children []map[string]json.RawMessage `json:"children"`
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b, &top); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		for _, c := range top.Children {
			if _, ok := c["children"]; ok {
				t.Errorf("child %s has a children key", c["scope"])
			}
			for k := range keys {
				if _, ok := c[k]; !ok && k != "children" {
					t.Errorf("child %s lacks %q", c["scope"], k)
				}
			}
		}
	})
}

func TestCompute_UnknownOrOutOfScopeUnitIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smallCity(t, d)
		for _, tc := range []struct {
			name string
			sc   scope.Scope
			code string
		}{
			{"neighbouring district", scope.Of("450403"), "450404"},
			{"the city above the scope", scope.Of("450403"), "450400"},
			{"unknown code", scope.Everything(), "450499"},
			{"zero scope", scope.Scope{}, "450403"},
		} {
			_, err := stats.Compute(context.Background(), d.Read(), tc.sc, tc.code, reportDay())
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.NotFound || e.Key != "org.not_found" {
				t.Errorf("%s: err = %v, want not_found org.not_found", tc.name, err)
			}
		}
	})
}

func compute(t *testing.T, d *db.DB, sc scope.Scope, code string, day time.Time) stats.Stats {
	t.Helper()
	s, err := stats.Compute(context.Background(), d.Read(), sc, code, day)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Write().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", strings.Fields(q)[2], err)
	}
}

// idNumber makes a valid ID number for area and birth (YYYY-MM-DD) with sequence seq.
func idNumber(area, birth string, seq int) string {
	s := fmt.Sprintf("%s%s%03d", area, strings.ReplaceAll(birth, "-", ""), seq%1000)
	return s + string(pii.CheckDigit(s))
}

// sealed seals an ID number with the database's key, as the register stores it; the
// statistics never read it.
func sealed(t *testing.T, d *db.DB, idNumber string) crypt.Person {
	t.Helper()
	p, err := crypt.SealPerson(d.Keys(), idNumber, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
