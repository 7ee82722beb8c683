// Package stats computes the figures of the report's "basic situation" (基本情况) for
// any unit of the tree and for each of its direct children: units below it,
// households, registered and floating residents, communities by founding year, the
// workforce (编制, 在编, age, education, sex) and office space. It only reads, through
// db.Querier, and depends on the platform packages alone. It never reads an ID
// number or a phone: sex and birth dates are kept in the clear for it (decision 6).
package stats

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Stats are the figures for one unit. The JSON shape is read by other tools: keep it.
type Stats struct {
	Scope                    Unit           `json:"scope"`
	AsOf                     string         `json:"as_of"` // YYYY-MM-DD
	Units                    Units          `json:"units"` // strictly below Scope
	Households               int            `json:"households"`
	Residents                Residents      `json:"residents"`
	CommunitiesByFoundedYear map[string]int `json:"communities_by_founded_year"`
	Staff                    Staff          `json:"staff"`
	OfficeSpace              OfficeSpace    `json:"office_space"`
	// Children are the direct children's figures, in code order. The top level
	// always has the list, [] when empty; children's own lists are nil, so omitzero
	// leaves the key out of their JSON.
	Children []Stats `json:"children,omitzero"`
}

// Unit names the unit the figures are for.
type Unit struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Level scope.Level `json:"level"`
}

// Units counts the units of each level below a unit.
type Units struct {
	Districts   int `json:"districts"`
	Streets     int `json:"streets"`
	Communities int `json:"communities"`
	Grids       int `json:"grids"`
}

// Residents counts registered (户籍) and floating (流动) residents.
type Residents struct {
	Registered int `json:"registered"`
	Floating   int `json:"floating"`
}

// Staff describes the community workforce (社区工作者). AuthorizedPosts (编制) is the
// communities' total; Filled (在编) counts workers hired on or before the date, and
// the age, education and sex groups count those workers.
type Staff struct {
	AuthorizedPosts int       `json:"authorized_posts"`
	Filled          int       `json:"filled"`
	Age             AgeGroups `json:"age"`
	Education       Education `json:"education"`
	Sex             Sex       `json:"sex"`
}

// AgeGroups are the report's: under 35, 35 to 50 inclusive, over 50 (whole years).
type AgeGroups struct {
	Under35    int `json:"under_35"`
	From35To50 int `json:"35_to_50"`
	Over50     int `json:"over_50"`
}

// Education groups the workers' GB/T 4658 education codes as the report does, by
// the six groups of codes.EducationGroupOf: 初中以下; 高中和中专 (senior_high,
// technical_secondary); 大专以上 (junior_college, bachelor, postgraduate).
type Education struct {
	JuniorMiddleOrBelow   int `json:"junior_middle_or_below"`
	SeniorHighOrTechnical int `json:"senior_high_or_technical"`
	CollegeOrAbove        int `json:"college_or_above"`
}

// Sex counts men and women.
type Sex struct {
	Male   int `json:"male"`
	Female int `json:"female"`
}

// OfficeSpace counts communities against the space standards (办公服务用房): the
// demonstration standard of 300 m², the requirement of 150 and the minimum of 90.
// below_90 communities are also below_150.
type OfficeSpace struct {
	AtLeast300 int `json:"at_least_300"`
	Below150   int `json:"below_150"`
	Below90    int `json:"below_90"`
}

// Compute returns the figures for the unit code and each of its direct children as
// of asOf. It returns NotFound ("org.not_found") when code is unknown or outside sc.
// Every figure is the register as it stood on asOf: units established by then,
// households not yet dissolved, residents in the periods that cover the day
// (resident_periods: registered, not yet deregistered, in the grid they lived in
// then), the workers hired by then and their ages. Office space and posts are as
// they stand: the register does not date them.
func Compute(ctx context.Context, q db.Querier, sc scope.Scope, code string, asOf time.Time) (Stats, error) {
	notFound := apperr.New(apperr.NotFound, "org.not_found", "scope")
	if !sc.Contains(code) {
		return Stats{}, notFound
	}
	day := asOf.Format(time.DateOnly)
	top := Stats{AsOf: day, CommunitiesByFoundedYear: map[string]int{}, Children: []Stats{}}
	err := q.QueryRowContext(ctx, `SELECT code, name, level FROM org_units WHERE code = $1`, code).
		Scan(&top.Scope.Code, &top.Scope.Name, &top.Scope.Level)
	if errors.Is(err, sql.ErrNoRows) {
		return Stats{}, notFound
	}
	if err != nil {
		return Stats{}, err
	}
	t := &tally{top: &top, children: map[string]int{}, existing: map[string]bool{}}
	cond, args := scope.Of(code).Where("org_code", 1)
	steps := []func() error{
		func() error { return t.units(ctx, q, code, day) },
		func() error { return t.households(ctx, q, cond, args, day) },
		func() error { return t.residents(ctx, q, cond, args, day) },
		func() error { return t.workers(ctx, q, scope.Of(code), asOf) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Stats{}, err
		}
	}
	return top, nil
}

// tally adds rows up into the top unit's figures and its child's.
type tally struct {
	top      *Stats
	children map[string]int  // child code → index in top.Children
	lengths  []int           // the distinct lengths of the children's codes
	existing map[string]bool // the units established by the day
}

// each calls fn on the top figures and on the figures of the child that orgCode
// lies under, if any.
func (t *tally) each(orgCode string, fn func(s *Stats)) {
	fn(t.top)
	for _, n := range t.lengths {
		if len(orgCode) >= n {
			if i, ok := t.children[orgCode[:n]]; ok {
				fn(&t.top.Children[i])
				return
			}
		}
	}
}

// units reads the subtree's org units: the children, the units below, and the
// communities' founding years, posts and office space. A community counts for
// those figures of its own too, when it is the unit asked about or a child.
func (t *tally) units(ctx context.Context, q db.Querier, code, day string) error {
	cond, args := scope.Of(code).Where("code", 1)
	rows, err := q.QueryContext(ctx, `SELECT code, name, level, parent_code, founded_year, office_area_dm2, authorized_posts
		FROM org_units WHERE `+cond+` AND established_on <= $`+strconv.Itoa(len(args)+1)+`
		AND (dissolved_on IS NULL OR dissolved_on > $`+strconv.Itoa(len(args)+1)+`) ORDER BY code`, append(args, day)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			u               Unit
			parent          sql.NullString
			founded, office sql.NullInt64
			posts           int
		)
		if err := rows.Scan(&u.Code, &u.Name, &u.Level, &parent, &founded, &office, &posts); err != nil {
			return err
		}
		t.existing[u.Code] = true
		// Parents sort before their children, so a child is known before anything under it.
		if parent.Valid && parent.String == code {
			t.children[u.Code] = len(t.top.Children)
			t.top.Children = append(t.top.Children, Stats{Scope: u, AsOf: day, CommunitiesByFoundedYear: map[string]int{}})
			if !slices.Contains(t.lengths, len(u.Code)) {
				t.lengths = append(t.lengths, len(u.Code))
			}
		}
		t.each(u.Code, func(s *Stats) {
			if s.Scope.Code != u.Code {
				switch u.Level {
				case scope.District:
					s.Units.Districts++
				case scope.Street:
					s.Units.Streets++
				case scope.Community:
					s.Units.Communities++
				case scope.Grid:
					s.Units.Grids++
				}
			}
			if u.Level == scope.Community {
				s.Staff.AuthorizedPosts += posts
				if founded.Valid {
					s.CommunitiesByFoundedYear[strconv.FormatInt(founded.Int64, 10)]++
				}
				if office.Valid {
					s.OfficeSpace.add(area.Area(office.Int64))
				}
			}
		})
	}
	return rows.Err()
}

// add counts a community's office space, measured to the hundredth of a m²:
// 149.50 is below 150.
func (o *OfficeSpace) add(a area.Area) {
	if a >= area.M2(300) {
		o.AtLeast300++
	}
	if a < area.M2(150) {
		o.Below150++
	}
	if a < area.M2(90) {
		o.Below90++
	}
}

// households counts the households that stood on day per org code, in the order of
// their index (households_dated), and rolls the counts up: a few hundred groups
// instead of a row per household. A household counts under the grid it was in on
// the day: its current one from grid_since, an earlier one from its closed periods
// (household_grid_periods), which lie within its life.
func (t *tally) households(ctx context.Context, q db.Querier, cond string, args []any, day string) error {
	n := "$" + strconv.Itoa(len(args)+1)
	rows, err := q.QueryContext(ctx, `SELECT org_code, COUNT(*) FROM households WHERE `+cond+` AND established_on <= `+n+`
		AND (dissolved_on IS NULL OR dissolved_on > `+n+`) AND grid_since <= `+n+` GROUP BY org_code
		UNION ALL SELECT org_code, COUNT(*) FROM household_grid_periods WHERE `+cond+` AND starts_on <= `+n+` AND ends_on > `+n+`
		GROUP BY org_code`, append(args, day)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org string
		var n int
		if err := rows.Scan(&org, &n); err != nil {
			return err
		}
		t.each(org, func(s *Stats) { s.Households += n })
	}
	return rows.Err()
}

// residents counts the residents registered on day per org code and population
// type: the periods that cover the day (resident_periods). The index
// resident_periods_org holds every column the count reads, in its order, so the
// count never touches the table.
func (t *tally) residents(ctx context.Context, q db.Querier, cond string, args []any, day string) error {
	n := "$" + strconv.Itoa(len(args)+1)
	rows, err := q.QueryContext(ctx, `SELECT org_code, population_type, COUNT(*) FROM resident_periods WHERE `+cond+`
		AND starts_on <= `+n+` AND (ends_on IS NULL OR ends_on > `+n+`) GROUP BY org_code, population_type`, append(args, day)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org, kind string
		var n int
		if err := rows.Scan(&org, &kind, &n); err != nil {
			return err
		}
		t.each(org, func(s *Stats) {
			switch kind {
			case "registered":
				s.Residents.Registered += n
			case "floating":
				s.Residents.Floating += n
			}
		})
	}
	return rows.Err()
}

// workers counts the workforce. It is a few hundred rows for a whole city, so the
// grouping is done here rather than in SQL. A worker counts under the unit they
// served on the day: their current one from org_since, an earlier one in its closed
// period (worker_org_periods).
func (t *tally) workers(ctx context.Context, q db.Querier, sc scope.Scope, asOf time.Time) error {
	cond, args := sc.Where("org_code", 1)
	past, _ := sc.Where("p.org_code", 1)
	rows, err := q.QueryContext(ctx, `SELECT org_code, sex, birth_date, education, hired_on, org_since, '' FROM workers WHERE `+cond+`
		UNION ALL SELECT p.org_code, w.sex, w.birth_date, w.education, w.hired_on, p.starts_on, p.ends_on
		FROM worker_org_periods p JOIN workers w ON w.id = p.worker_id WHERE `+past, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	day := asOf.Format(time.DateOnly)
	for rows.Next() {
		var org, sex, birth, education, hired, since, until string
		if err := rows.Scan(&org, &sex, &birth, &education, &hired, &since, &until); err != nil {
			return err
		}
		if hired > day || since > day || until != "" && until <= day || !t.existing[org] {
			continue // not yet on the staff or in this unit, no longer in it, or of a unit that did not stand
		}
		age, ageKnown := ageOn(birth, asOf)
		group, _ := codes.EducationGroupOf(education)
		t.each(org, func(s *Stats) {
			st := &s.Staff
			st.Filled++
			switch {
			case !ageKnown:
			case age < 35:
				st.Age.Under35++
			case age <= 50:
				st.Age.From35To50++
			default:
				st.Age.Over50++
			}
			switch group {
			case codes.EduJuniorMiddleOrBelow:
				st.Education.JuniorMiddleOrBelow++
			case codes.EduSeniorHigh, codes.EduTechnicalSecondary:
				st.Education.SeniorHighOrTechnical++
			case codes.EduJuniorCollege, codes.EduBachelor, codes.EduPostgraduate:
				st.Education.CollegeOrAbove++
			}
			switch sex {
			case "M":
				st.Sex.Male++
			case "F":
				st.Sex.Female++
			}
		})
	}
	return rows.Err()
}

// ageOn returns the age in whole years on day of someone born on birth
// (YYYY-MM-DD): one more on each birthday. A birth date that does not parse has no age.
func ageOn(birth string, day time.Time) (int, bool) {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return 0, false
	}
	y, m, d := day.Date()
	age := y - b.Year()
	if m < b.Month() || m == b.Month() && d < b.Day() {
		age--
	}
	return age, true
}
