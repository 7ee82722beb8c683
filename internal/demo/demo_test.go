package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ/internal/consolidation"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

// TestDemoCity loads the whole city once per database and checks it against the
// report and against the rules of the register. The subtests read as its specification.
func TestDemoCity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var progress strings.Builder
		sum, err := Load(ctx, d, &progress)
		if err != nil {
			t.Fatal(err)
		}
		q := d.Read()

		t.Run("ReportsWhatItWrote", func(t *testing.T) {
			if sum.Households != 142176 || sum.Registered != 399839 || sum.Floating != 58112 || sum.Workers != 436 {
				t.Errorf("summary %+v", sum)
			}
			if !strings.Contains(progress.String(), "450404 蝶山区: 5 streets, 30 communities") {
				t.Errorf("progress:\n%s", progress.String())
			}
		})

		t.Run("StatisticsReproduceTheReport", func(t *testing.T) {
			s, err := stats.Compute(ctx, q, scope.Of(CityCode), CityCode, reportDay())
			if err != nil {
				t.Fatal(err)
			}
			want := stats.Stats{
				Scope:      stats.Unit{Code: "450400", Name: "梧州市", Level: scope.City},
				AsOf:       ReportDate,
				Units:      stats.Units{Districts: 3, Streets: s.Units.Streets, Communities: 64, Grids: s.Units.Grids},
				Households: 142176,
				Residents:  stats.Residents{Registered: 399839, Floating: 58112},
				Staff: stats.Staff{
					AuthorizedPosts: 461, Filled: 436,
					Age:       stats.AgeGroups{Under35: 130, From35To50: 282, Over50: 24},
					Education: stats.Education{JuniorMiddleOrBelow: 8, SeniorHighOrTechnical: 164, CollegeOrAbove: 264},
					Sex:       stats.Sex{Male: 57, Female: 379},
				},
				OfficeSpace: stats.OfficeSpace{AtLeast300: 19, Below150: 36, Below90: 23},
			}
			got := s
			got.CommunitiesByFoundedYear, got.Children = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("city figures\n got %+v\nwant %+v", got, want)
			}
			if s.Units.Streets < 9 || s.Units.Streets > 18 {
				t.Errorf("%d streets, want a handful per district", s.Units.Streets)
			}
			if s.Units.Grids*200 > 142176 || s.Units.Grids*300 < 142176 {
				t.Errorf("%d grids cannot hold 142176 households at 200–300 each", s.Units.Grids)
			}
			if n := sinceYear(s.CommunitiesByFoundedYear, 2010); n != 10 {
				t.Errorf("%d communities founded since 2010, want 10", n)
			}
			type district struct {
				code                        string
				communities, newer, workers int
			}
			wantDistricts := []district{{"450403", 20, 1, 152}, {"450404", 30, 5, 190}, {"450405", 14, 4, 94}}
			var gotDistricts []district
			for _, c := range s.Children {
				gotDistricts = append(gotDistricts, district{c.Scope.Code, c.Units.Communities, sinceYear(c.CommunitiesByFoundedYear, 2010), c.Staff.Filled})
			}
			if !slices.Equal(gotDistricts, wantDistricts) {
				t.Errorf("districts %v, want %v", gotDistricts, wantDistricts)
			}
		})

		t.Run("BeforeTheCityExistedEveryFigureIsZero", func(t *testing.T) {
			s, err := stats.Compute(ctx, q, scope.Of(CityCode), CityCode, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if s.Units != (stats.Units{}) || s.Households != 0 || s.Residents != (stats.Residents{}) || s.Staff.Filled != 0 ||
				s.Staff.AuthorizedPosts != 0 || len(s.Children) != 0 {
				t.Errorf("as of 1900: %+v", s)
			}
		})

		t.Run("EveryGridHas200To300Households", func(t *testing.T) {
			sizes := countBy(t, q, `SELECT o.code, COUNT(h.id) FROM org_units o LEFT JOIN households h ON h.org_code = o.code
				WHERE o.level = 'grid' GROUP BY o.code`)
			for code, n := range sizes {
				if n < 200 || n > 300 {
					t.Errorf("grid %s has %d households", code, n)
				}
			}
		})

		t.Run("CommunitiesVaryInSizeLikeTheReportSays", func(t *testing.T) {
			sizes := countBy(t, q, `SELECT o.code, COUNT(h.id) FROM org_units o LEFT JOIN households h ON h.org_code >= o.code AND h.org_code < o.code || ':'
				WHERE o.level = 'community' GROUP BY o.code`)
			big, micro, middling := 0, 0, 0
			for _, n := range sizes {
				switch {
				case n >= 4000 && n <= 5000:
					big++
				case n <= 300:
					micro++
				case n >= 1000 && n <= 3500:
					middling++
				}
			}
			if big < 2 || big > 6 || micro < 2 || micro > 6 || middling < 50 {
				t.Errorf("%d big, %d micro, %d middling communities", big, micro, middling)
			}
		})

		t.Run("EveryGridHasOneOrTwoWorkersOfItsOwnCommunity", func(t *testing.T) {
			rows := query(t, q, `SELECT o.code, COUNT(w.id), SUM(CASE WHEN w.org_code = o.parent_code THEN 1 ELSE 0 END)
				FROM org_units o LEFT JOIN worker_grids wg ON wg.grid_code = o.code LEFT JOIN workers w ON w.id = wg.worker_id
				WHERE o.level = 'grid' GROUP BY o.code`)
			for rows.Next() {
				var code string
				var n, own int
				scan(t, rows, &code, &n, &own)
				if n < 1 || n > 2 || own != n {
					t.Errorf("grid %s has %d workers, %d of its own community", code, n, own)
				}
			}
		})

		t.Run("EveryAssignmentHoldsSinceTheWorkerWasHired", func(t *testing.T) {
			var n, other int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*), SUM(CASE WHEN wg.assigned_on = w.hired_on AND wg.ended_on IS NULL THEN 0 ELSE 1 END)
				FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id`).Scan(&n, &other); err != nil {
				t.Fatal(err)
			}
			if n != sum.WorkerGrids || other != 0 {
				t.Errorf("%d assignments (%d written), %d not held since the hiring date", n, sum.WorkerGrids, other)
			}
		})

		t.Run("EveryCommunityHasOneHeadAndPostsForItsWorkers", func(t *testing.T) {
			rows := query(t, q, `SELECT o.code, o.authorized_posts, COUNT(w.id),
				SUM(CASE WHEN w.position = 'secretary_director' THEN 2 WHEN w.position IN ('secretary', 'director') THEN 1 ELSE 0 END),
				SUM(CASE WHEN w.position LIKE 'deputy%' THEN 1 ELSE 0 END)
				FROM org_units o LEFT JOIN workers w ON w.org_code = o.code WHERE o.level = 'community' GROUP BY o.code, o.authorized_posts`)
			for rows.Next() {
				var code string
				var posts, workers, top, deputies int
				scan(t, rows, &code, &posts, &workers, &top, &deputies)
				if posts < workers || top != 2 || deputies < 1 || deputies > 2 {
					t.Errorf("community %s: %d posts, %d workers, top posts %d/2, %d deputies", code, posts, workers, top, deputies)
				}
			}
		})

		t.Run("WorkersWereAllHiredBeforeTheReport_132In2011", func(t *testing.T) {
			var in2011, late int
			row(t, q, `SELECT SUM(CASE WHEN hired_on >= '2011-01-01' AND hired_on < '2012-01-01' THEN 1 ELSE 0 END),
				SUM(CASE WHEN hired_on >= $1 THEN 1 ELSE 0 END) FROM workers`, ReportDate).Scan(&in2011, &late)
			if in2011 != 132 || late != 0 {
				t.Errorf("%d hired in 2011 (want 132), %d on or after %s", in2011, late, ReportDate)
			}
		})

		t.Run("SeveralCommunitiesHaveOnly20To30SquareMetres", func(t *testing.T) {
			var n int
			row(t, q, `SELECT COUNT(*) FROM org_units WHERE level = 'community' AND office_area_dm2 BETWEEN 2000 AND 3000`).Scan(&n)
			if n < 3 {
				t.Errorf("%d communities at 20–30 m²", n)
			}
		})

		keys := d.Keys()
		open := func(sealed []byte) string {
			t.Helper()
			num, err := keys.Open(crypt.IDNumber, sealed)
			if err != nil {
				t.Fatal(err)
			}
			return num
		}

		t.Run("EveryIDNumberIsSealedValidAndSexBirthDateAndIndexesComeFromIt", func(t *testing.T) {
			rows := query(t, q, `SELECT id_number_sealed, id_number_bidx, id_tail_bidx, sex, birth_date, org_code, population_type FROM residents`)
			n := 0
			for rows.Next() {
				var sealed []byte
				var index, tail, sex, birth, org, kind string
				scan(t, rows, &sealed, &index, &tail, &sex, &birth, &org, &kind)
				num := open(sealed)
				id, err := pii.ParseIDNumber(num, reportDay())
				if err != nil || index != keys.Index(crypt.IDNumber, num) || tail != keys.Index(crypt.IDTail, id.Tail()) ||
					sex != string(id.Sex) || birth != id.BirthDate() ||
					(kind == "registered") != (num[:6] == org[:6]) {
					t.Fatalf("resident %s (%s %s %s, %s in %s): %v", num, tail, sex, birth, kind, org, err)
				}
				n++
			}
			rows = query(t, q, `SELECT id_number_sealed, id_number_bidx, sex, birth_date, org_code FROM workers`)
			for rows.Next() {
				var sealed []byte
				var index, sex, birth, org string
				scan(t, rows, &sealed, &index, &sex, &birth, &org)
				num := open(sealed)
				id, err := pii.ParseIDNumber(num, reportDay())
				if err != nil || index != keys.Index(crypt.IDNumber, num) || sex != string(id.Sex) || birth != id.BirthDate() || num[:6] != org[:6] {
					t.Fatalf("worker %s (%s %s in %s): %v", num, sex, birth, org, err)
				}
				n++
			}
			if n != 457951+436 {
				t.Errorf("checked %d ID numbers", n)
			}
		})

		t.Run("EveryHouseholdHasExactlyOneHead", func(t *testing.T) {
			var households, bad int
			row(t, q, `SELECT COUNT(*), SUM(CASE WHEN heads = 1 THEN 0 ELSE 1 END) FROM
				(SELECT household_id, SUM(CASE WHEN relation IN ('01', '02', '03') THEN 1 ELSE 0 END) AS heads FROM residents GROUP BY household_id) x`).
				Scan(&households, &bad)
			if households != 142176 || bad != 0 {
				t.Errorf("%d households have residents, %d of them not exactly one head", households, bad)
			}
		})

		t.Run("ChildrenAreYoungerAndParentsOlderThanTheHead", func(t *testing.T) {
			var n int
			row(t, q, `SELECT COUNT(*) FROM residents r JOIN residents h ON h.household_id = r.household_id AND h.relation = 'head'
				WHERE (r.relation IN ('child', 'grandchild') AND r.birth_date <= h.birth_date)
				   OR (r.relation = 'parent' AND r.birth_date >= h.birth_date)`).Scan(&n)
			if n != 0 {
				t.Errorf("%d residents whose age contradicts their relation", n)
			}
		})

		t.Run("HouseholdsLiveInBuildingsOfTheirGrid", func(t *testing.T) {
			var n int
			row(t, q, `SELECT COUNT(*) FROM households h LEFT JOIN buildings b ON b.id = h.building_id
				WHERE b.id IS NULL OR b.org_code <> h.org_code OR h.address NOT LIKE '梧州市%' || b.name || '%'`).Scan(&n)
			if n != 0 {
				t.Errorf("%d households outside a building of their grid", n)
			}
		})

		t.Run("CareTagsAreAMinorityInTheResidentsGrid", func(t *testing.T) {
			counts := countBy(t, q, `SELECT t.tag, COUNT(*) FROM resident_tags t JOIN residents r ON r.id = t.resident_id
				WHERE t.org_code = r.org_code GROUP BY t.tag`)
			total := 0
			for _, tag := range []string{"dibao", "disabled", "elderly_alone", "empty_nest", "entitled", "unemployed"} {
				if counts[tag] == 0 {
					t.Errorf("no resident tagged %s", tag)
				}
				total += counts[tag]
			}
			if total != sum.Tags || total > 457951/5 {
				t.Errorf("%d tags in the residents' grids of %d written", total, sum.Tags)
			}
		})

		t.Run("PartyMembersAreAPoliticalStatusNotATag", func(t *testing.T) {
			var members, adults int
			row(t, q, `SELECT SUM(CASE WHEN political_status = '01' THEN 1 ELSE 0 END), SUM(CASE WHEN birth_date <= '1995-05-20' THEN 1 ELSE 0 END)
				FROM residents`).Scan(&members, &adults)
			if members < adults/25 || members > adults/10 {
				t.Errorf("%d party members among %d adults", members, adults)
			}
		})

		t.Run("EveryResidentHasOneOpenPeriodFromTheirRegistrationBeforeTheReport", func(t *testing.T) {
			var residents, periods, late int
			row(t, q, `SELECT (SELECT COUNT(*) FROM residents), COUNT(*), SUM(CASE WHEN p.starts_on > '2013-05-20' OR p.starts_on <> r.registered_on
				OR r.registered_on < r.birth_date THEN 1 ELSE 0 END)
				FROM resident_periods p JOIN residents r ON r.id = p.resident_id WHERE p.ends_on IS NULL`).Scan(&residents, &periods, &late)
			if periods != residents || late != 0 {
				t.Errorf("%d residents, %d open periods, %d of them after the report or not from the registration", residents, periods, late)
			}
		})

		t.Run("EveryGridKnowsAGroupLeader", func(t *testing.T) {
			var grids, led int
			row(t, q, `SELECT COUNT(*), COUNT(c.id) FROM org_units o
				LEFT JOIN grid_contacts c ON c.org_code = o.code AND c.role = 'group_leader' WHERE o.level = 'grid'`).Scan(&grids, &led)
			if led != grids {
				t.Errorf("%d of %d grids have a group leader", led, grids)
			}
		})

		t.Run("PhonesAreSealedMobilesOrEmpty", func(t *testing.T) {
			var bad, empty int
			rows := query(t, q, `SELECT phone_sealed, phone_bidx FROM residents`)
			for rows.Next() {
				var sealed []byte
				var index string
				scan(t, rows, &sealed, &index)
				phone, err := crypt.OpenPhone(keys, sealed)
				switch {
				case err != nil || index != crypt.PhoneIndex(keys, phone):
					t.Fatalf("phone %q indexed %q: %v", phone, index, err)
				case phone == "":
					empty++
				case len(phone) != 11 || phone[0] != '1':
					bad++
				}
			}
			if bad != 0 || empty == 0 || empty > 457951/2 {
				t.Errorf("%d malformed and %d empty phones", bad, empty)
			}
		})

		t.Run("ThePlannerBalancesEveryCommunityItCanWithinItsDistrict", func(t *testing.T) {
			now := func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) }
			if err := LoadGridMap(ctx, d, now, io.Discard); err != nil {
				t.Fatal(err)
			}
			svc := consolidation.NewService(d, now, time.UTC)
			city := auth.Principal{UserID: "u-city", Name: "市", Role: auth.RoleCity, OrgCode: CityCode}
			summaries, err := svc.List(ctx, city)
			if err != nil || len(summaries) != 1 {
				t.Fatalf("%d stored plans (%v), want the demo's one", len(summaries), err)
			}
			stored, err := svc.Get(ctx, city, summaries[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			// The demo's plan, as of the report's day, and one as of today under the
			// rules of the revised law.
			today, err := svc.Make(ctx, city, consolidation.Params{Scope: CityCode, Within: consolidation.WithinDistrict, Seed: 7, AsOf: "2026-12-03"})
			if err != nil {
				t.Fatal(err)
			}
			for _, plan := range []consolidation.Plan{stored, today} {
				left := map[string]bool{}
				for _, f := range plan.Infeasible {
					for _, g := range f.Grids {
						left[g] = true
					}
				}
				grids := 0
				for _, c := range plan.Communities {
					grids += len(c.Grids)
					if !c.Contiguous {
						t.Errorf("as of %s: community %s (%v) is not contiguous", plan.Params.AsOf, c.Code, c.Grids)
					}
					reported := false
					for _, g := range c.Grids {
						if g[:6] != c.District {
							t.Errorf("as of %s: community of %s takes grid %s across a district border", plan.Params.AsOf, c.District, g)
						}
						reported = reported || left[g]
					}
					if !c.Within() && !reported {
						t.Errorf("as of %s: %d households against %d ±%.0f%%, outside and not reported", plan.Params.AsOf, c.Households, c.Target, c.Tolerance*100)
					}
				}
				if grids != 569 {
					t.Errorf("as of %s: %d grids planned, want all 569", plan.Params.AsOf, grids)
				}
			}
		})

		t.Run("DatabaseHoldsExactlyTheGeneratedRows", func(t *testing.T) {
			var fromDB []string
			rows := query(t, q, `SELECT id, id_number_sealed, name, household_id FROM residents`)
			for rows.Next() {
				var id, name, household string
				var sealed []byte
				scan(t, rows, &id, &sealed, &name, &household)
				fromDB = append(fromDB, id+" "+open(sealed)+" "+name+" "+household)
			}
			if got, want := checksum(fromDB), checksum(generatedResidents(t)); got != want {
				t.Errorf("residents checksum %s, generator's %s", got, want)
			}
		})

		t.Run("IsMarkedAsDemoData", func(t *testing.T) {
			var v string
			row(t, q, `SELECT value FROM settings WHERE key = 'demo'`).Scan(&v)
			if v != "1" {
				t.Errorf("settings demo = %q", v)
			}
		})

		t.Run("FirstCodesNestOneInsideTheOther", func(t *testing.T) {
			district, street, community, grid, err := FirstCodes(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{district, street, community, grid}
			if want := []string{"450403", "450403001", "450403001001", "450403001001001"}; !slices.Equal(got, want) {
				t.Errorf("FirstCodes = %v, want %v", got, want)
			}
		})

		t.Run("SecondLoadIsRefusedAndChangesNothing", func(t *testing.T) {
			_, err := Load(ctx, d, io.Discard)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Conflict || e.Key != "demo.not_empty" {
				t.Fatalf("second Load: %v, want conflict demo.not_empty", err)
			}
			var n int
			row(t, q, `SELECT COUNT(*) FROM households`).Scan(&n)
			if n != 142176 {
				t.Errorf("%d households after the refused load", n)
			}
		})

		// The load sets the statistics' generation triggers aside on SQLite and
		// touches every district once: cached figures must still see the city, and
		// every write after it. This subtest writes, so it comes last.
		t.Run("CachedStatisticsSeeTheLoadAndTheWritesAfterIt", func(t *testing.T) {
			var districts int
			row(t, q, `SELECT COUNT(*) FROM register_generations WHERE n > 0`).Scan(&districts)
			if districts != 4 {
				t.Errorf("%d districts' generations moved by the load, want 4 (the city's row and three districts)", districts)
			}
			cache := stats.NewCache(d, 8)
			s, err := cache.Get(ctx, scope.Of(CityCode), CityCode, time.Now())
			if err != nil || s.Households != 142176 {
				t.Fatalf("cached households %d, %v", s.Households, err)
			}
			if _, err := d.Write().ExecContext(ctx, `INSERT INTO households (id, household_no, org_code, address, created_at, updated_at)
				VALUES ('after-the-load', '4504030010010019999', '450403001001001', '后来的一户', 0, 0)`); err != nil {
				t.Fatal(err)
			}
			if s, err := cache.Get(ctx, scope.Of(CityCode), CityCode, time.Now()); err != nil || s.Households != 142177 {
				t.Errorf("after a write, cached households %d, %v; want 142177", s.Households, err)
			}
		})
	})
}

func TestFirstCodes_EmptyDatabaseIsNotFound(t *testing.T) {
	d := dbtest.SQLite(t)
	_, _, _, _, err := FirstCodes(context.Background(), d.Read())
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("err = %v, want not_found", err)
	}
}

// TestGenerate_SameSeedSameRows: two generations give the same rows, every value of
// every table included. With DatabaseHoldsExactlyTheGeneratedRows above, two loads
// on any databases hold the same city.
func TestGenerate_SameSeedSameRows(t *testing.T) {
	hash := func() string {
		h := sha256.New()
		_, err := generate(context.Background(), io.Discard, func(ts *tables) error {
			for _, tb := range ts.all() {
				fmt.Fprintln(h, tb.Name, tb.Vals)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	if a, b := hash(), hash(); a != b {
		t.Fatalf("two generations differ: %s, %s", a, b)
	}
}

func TestIDGen_IDsAreVersion7AndAscend(t *testing.T) {
	g := newIDGen(1, createdAt)
	prev := ""
	for i := range 10000 { // past the 4096 a millisecond's counter holds
		id := g.next()
		if len(id) != 36 || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("id %d = %s is not UUIDv7-shaped", i, id)
		}
		if id <= prev {
			t.Fatalf("id %d = %s does not ascend after %s", i, id, prev)
		}
		prev = id
	}
}

// generatedResidents returns, per resident the generator makes, the values that
// DatabaseHoldsExactlyTheGeneratedRows reads back.
func generatedResidents(t *testing.T) []string {
	var out []string
	_, err := generate(context.Background(), io.Discard, func(ts *tables) error {
		v, c := ts.residents.Vals, len(ts.residents.Cols)
		for i := 0; i < len(v); i += c {
			out = append(out, fmt.Sprint(v[i], " ", v[i+residentID], " ", v[i+1], " ", v[i+7]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checksum hashes lines in sorted order, so the order rows come back in does not matter.
func checksum(lines []string) string {
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintln(h, l)
	}
	return fmt.Sprintf("%d rows %x", len(lines), h.Sum(nil)[:8])
}

func sinceYear(byYear map[string]int, from int) int {
	n := 0
	for y, c := range byYear {
		if y >= fmt.Sprint(from) {
			n += c
		}
	}
	return n
}

func query(t *testing.T, q db.Querier, sqlText string, args ...any) *sql.Rows {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), sqlText, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	return rows
}

func scan(t *testing.T, rows *sql.Rows, dest ...any) {
	t.Helper()
	if err := rows.Scan(dest...); err != nil {
		t.Fatal(err)
	}
}

type scanner struct {
	t   *testing.T
	row *sql.Row
}

func (s scanner) Scan(dest ...any) {
	s.t.Helper()
	if err := s.row.Scan(dest...); err != nil {
		s.t.Fatal(err)
	}
}

func row(t *testing.T, q db.Querier, sqlText string, args ...any) scanner {
	return scanner{t, q.QueryRowContext(context.Background(), sqlText, args...)}
}

func countBy(t *testing.T, q db.Querier, sqlText string) map[string]int {
	t.Helper()
	rows := query(t, q, sqlText)
	m := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		scan(t, rows, &k, &n)
		m[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}
