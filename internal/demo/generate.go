package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"shequ/internal/platform/codes"
	"shequ/internal/registry"
	"strconv"
	"time"
)

// flushHouseholds is how many households' rows (with their residents, about three
// times as many) are buffered before they are handed on: enough for full batches,
// little enough to keep memory flat.
const flushHouseholds = 4096

// gen generates the city's rows into tables and hands them to emit in chunks that
// are complete in foreign-key order: every row's parent is in the same chunk or an
// earlier one.
type gen struct {
	rng    *rand.Rand
	ids    *idGen
	nums   *idNumbers
	day    time.Time // the report's date: ages are true on it
	ts     *tables
	emit   func(*tables) error
	shapes []shape
	next   int    // the next household's index in shapes
	since  string // the day the current grid's community was established
	sum    Summary
}

// generate produces the whole demo city, writing a progress line per district to w.
func generate(ctx context.Context, w io.Writer, emit func(*tables) error) (Summary, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	c, err := planCity(rng)
	if err != nil {
		return Summary{}, err
	}
	g := &gen{
		rng: rng, ids: newIDGen(seed, createdAt), nums: newIDNumbers(), day: reportDay(),
		ts: newTables(), emit: emit, shapes: planShapes(rng),
	}
	g.orgUnits(c)
	for _, d := range c.districts {
		before := g.sum
		communities, grids := 0, 0
		for _, s := range d.streets {
			for _, cm := range s.communities {
				communities++
				for gi, gr := range cm.grids {
					grids++
					if err := g.grid(d, cm, gi, gr); err != nil {
						return g.sum, err
					}
					if g.ts.households.Pending() >= flushHouseholds {
						if err := g.flush(ctx); err != nil {
							return g.sum, err
						}
					}
				}
			}
		}
		fmt.Fprintf(w, "%s %s: %d streets, %d communities, %d grids, %d households, %d registered and %d floating residents\n",
			d.code, d.name, len(d.streets), communities, grids, g.sum.Households-before.Households,
			g.sum.Registered-before.Registered, g.sum.Floating-before.Floating)
	}
	if err := g.workforce(c); err != nil {
		return g.sum, err
	}
	fmt.Fprintf(w, "%d community workers in %d posts, %d grid assignments\n", g.sum.Workers, authorizedPosts, g.sum.WorkerGrids)
	return g.sum, g.flush(ctx)
}

func (g *gen) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := g.emit(g.ts)
	for _, t := range g.ts.all() {
		t.Reset()
	}
	return err
}

// orgUnits adds the tree: city, districts, streets, communities and grids. A
// community was established on the first day of its founding year, and its grids
// with it; the city, its districts and streets before the first community.
func (g *gen) orgUnits(c *city) {
	add := func(code, name, level string, parent, founded, office any, posts int, established string) {
		g.ts.orgUnits.Add(code, name, level, parent, founded, office, posts, createdAt, established)
		g.sum.OrgUnits++
	}
	add(CityCode, cityName, "city", nil, nil, nil, 0, cityEstablished)
	for _, d := range c.districts {
		add(d.code, d.name, "district", CityCode, nil, nil, 0, cityEstablished)
		for _, s := range d.streets {
			add(s.code, s.name, "street", d.code, nil, nil, 0, cityEstablished)
			for _, cm := range s.communities {
				add(cm.code, cm.name, "community", s.code, cm.founded, int64(cm.officeArea), cm.posts, cm.established())
				for _, gr := range cm.grids {
					add(gr.code, gr.name, "grid", cm.code, nil, nil, 0, cm.established())
				}
			}
		}
	}
}

// cityEstablished is the day the demo's tree begins: the first community was
// founded in 1984.
const cityEstablished = "1984-01-01"

// established is the day a community was established: the first of its founding year.
func (cm *community) established() string { return strconv.Itoa(cm.founded) + "-01-01" }

// contactCandidate is a registered head of household of working age or just past
// it, the kind of resident who becomes a group leader, representative or building head.
type contactCandidate struct {
	residentID string
	building   int
}

// grid adds one grid's buildings, households, residents, care tags and contacts.
// Households fill the flats of one building after another.
func (g *gen) grid(d *district, cm *community, gi int, gr grid) error {
	road, door := gridPlace(g.rng, cm, gi)
	place := road + door
	g.since = cm.established()
	var (
		layout                   buildingLayout
		buildingID, buildingName string
		buildings, flat          int
		candidates               []contactCandidate
	)
	householdNo := []byte(gr.code + "0000")
	for h := range gr.households {
		if buildings == 0 || flat == layout.flats() {
			layout, flat = newBuildingLayout(g.rng), 0
			buildings++
			buildingName = place + strconv.Itoa(buildings) + "栋"
			buildingID = g.ids.next()
			// About 90 m² a flat, walls and stairs included.
			g.ts.buildings.Add(buildingID, gr.code, buildingName, layout.floors, layout.units, layout.flats()*9000)
			g.sum.Buildings++
		}
		householdID := g.ids.next()
		putDigits(householdNo[len(gr.code):], h+1)
		unit, floor, room := layout.place(flat)
		g.ts.households.Add(householdID, string(householdNo), gr.code, buildingID,
			cityName+d.name+buildingName+layout.flat(flat), createdAt, createdAt,
			road, door, unit, floor, room, g.since)
		g.sum.Households++
		flat++
		head, err := g.household(d, gr, householdID)
		if err != nil {
			return err
		}
		if head != "" {
			candidates = append(candidates, contactCandidate{head, buildings})
		}
	}
	g.contacts(gr.code, candidates, buildings)
	return nil
}

// household adds the people of the next planned household and their care tags. It
// returns the head's ID if the head is a candidate for the grid's contacts.
func (g *gen) household(d *district, gr grid, householdID string) (string, error) {
	s := g.shapes[g.next]
	g.next++
	ms := members(g.rng, s)
	elderly := 0
	for _, m := range ms {
		if m.age >= 60 {
			elderly++
		}
	}
	h := householdFacts{
		dibao:     s.registered > 0 && g.rng.IntN(1000) < 18,
		alone:     len(ms) == 1 && s.registered == 1 && ms[0].age >= 65,
		emptyNest: len(ms) >= 2 && elderly == len(ms),
	}
	candidate := ""
	for _, m := range ms {
		id, err := g.resident(d, gr, householdID, m)
		if err != nil {
			return "", err
		}
		g.careTags(id, gr.code, m, h)
		if m.relation == "head" && !m.floating && m.age >= 30 && m.age <= 72 {
			candidate = id
		}
	}
	return candidate, nil
}

// householdFacts are what a household's care tags depend on beyond the person.
type householdFacts struct {
	dibao     bool // 低保户: the head is tagged
	alone     bool // 独居老人: one registered elderly person living alone
	emptyNest bool // 空巢老人: elderly people with no younger one at home
}

// careTags tags a plausible minority of registered residents, for the care that
// follows the 户籍.
func (g *gen) careTags(residentID, gridCode string, m member, h householdFacts) {
	rng := g.rng
	tag := func(t string) {
		g.ts.tags.Add(residentID, t, gridCode)
		g.sum.Tags++
	}
	if !m.floating {
		if h.dibao && m.relation == "head" {
			tag("dibao")
		}
		if rng.IntN(1000) < 13 {
			tag("disabled")
		}
		if h.alone {
			tag("elderly_alone")
		}
		if h.emptyNest {
			tag("empty_nest")
		}
		if m.age >= 45 && rng.IntN(1000) < 25 {
			tag("entitled")
		}
		if m.age >= 18 && m.age <= 55 && rng.IntN(1000) < 30 {
			tag("unemployed")
		}
	}
}

// resident adds one person. Sex and birth date are read back from the ID number, as
// the register derives them; the ID number and phone are sealed later (tables.seal).
func (g *gen) resident(d *district, gr grid, householdID string, m member) (string, error) {
	area, population := d.code, "registered"
	if m.floating {
		area, population = floatingAreas[g.rng.IntN(len(floatingAreas))], "floating"
		g.sum.Floating++
	} else {
		g.sum.Registered++
	}
	num, err := g.nums.next(area, bornAt(g.rng, g.day, m.age), m.male)
	if err != nil {
		return "", err
	}
	phone := ""
	if m.age >= 16 && g.rng.IntN(100) < max(40, 90-m.age/2) {
		phone = mobile(g.rng)
	}
	id := g.ids.next()
	born := birthDate(num)
	relation, _ := codes.RelationOfKin(m.relation, !m.male)
	on, reason := g.registration(m, born)
	g.ts.residents.Add(id, personName(g.rng, m.family, m.male), num, nil, nil, sexOf(num), born,
		householdID, gr.code, relation, population, phone, nil, createdAt, createdAt,
		ethnicity(g.sum.Registered+g.sum.Floating), g.political(m), on, reason, residenceStatus(m))
	g.ts.periods.Add(id, on, householdID, gr.code, population)
	return id, nil
}

// registration dates a resident's registration before the report's day: a
// registered resident born since their community was established was registered at
// birth (出生), an older one when it was established; a floating one came (迁入) some
// days to three years before the report, never before birth.
func (g *gen) registration(m member, born string) (on, reason string) {
	switch {
	case m.floating:
		on = g.day.AddDate(0, 0, -1-(g.sum.Floating*37)%1095).Format(time.DateOnly)
		return max(on, born), registry.ReasonMoveIn
	case born >= g.since:
		return born, registry.ReasonBirth
	}
	return g.since, registry.ReasonOther
}

// political draws the resident's political status (政治面貌): about 7% of adults
// are party members (中国共产党党员, 01), 3% of floating ones, whose membership
// mostly stays with their home branch; the rest are 群众 (13) or not recorded.
func (g *gen) political(m member) string {
	perMille := 70
	if m.floating {
		perMille = 30
	}
	if m.age >= 18 && g.rng.IntN(1000) < perMille {
		return "01"
	}
	if m.age >= 18 {
		return "13"
	}
	return ""
}

// residenceStatus is a resident's 人户状态: a floating resident lives here with a
// 户籍 elsewhere (2 人在户不在); a registered one lives where registered (1 人户一致).
func residenceStatus(m member) string {
	if m.floating {
		return "2"
	}
	return "1"
}

// ethnicity gives the n-th resident an ethnicity (民族, GB/T 3304) in the
// proportions of a city of Guangxi: mostly 汉族 (01), then 壮族 (08) and 瑶族 (13).
func ethnicity(n int) string {
	switch k := n * 7919 % 100; {
	case k < 86:
		return "01"
	case k < 97:
		return "08"
	}
	return "13"
}

// contacts names the grid's group leader (居民小组长), two representatives (居民代表)
// and building heads (楼栋长) for its first buildings, each a different resident.
func (g *gen) contacts(gridCode string, cs []contactCandidate, buildings int) {
	used := map[string]bool{}
	add := func(residentID, role string) {
		g.ts.contacts.Add(g.ids.next(), gridCode, residentID, role)
		g.sum.GridContacts++
		used[residentID] = true
	}
	order := g.rng.Perm(len(cs))
	for i, role := range []string{"group_leader", "representative", "representative"} {
		if i < len(order) {
			add(cs[order[i]].residentID, role)
		}
	}
	for b := 1; b <= min(3, buildings); b++ {
		for _, i := range order {
			if c := cs[i]; c.building == b && !used[c.residentID] {
				add(c.residentID, "building_head")
				break
			}
		}
	}
}
