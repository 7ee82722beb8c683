package demo

import (
	"math/rand/v2"
	"strconv"
)

// shape is how many registered (户籍) and floating (流动) people a household has. A
// household with no registered member is a floating family renting in the city; a
// registered one may lodge a floating relative, tenant or carer.
type shape struct{ registered, floating uint8 }

// planShapes decides every household's shape so that the city's totals are the
// report's: sizes are drawn from plausible distributions, then single people are
// added or removed at random households until the totals match.
func planShapes(rng *rand.Rand) []shape {
	shapes := make([]shape, totalHouseholds)
	regSizes := []int{0, 10, 21, 33, 21, 10, 5} // weight of 1…6 registered members
	floatSizes := []int{0, 30, 30, 28, 12}      // weight of 1…4 members of a floating family
	reg, flt := 0, 0
	for i := range shapes {
		s := &shapes[i]
		if rng.IntN(100) < 11 {
			s.floating = uint8(pick(rng, floatSizes))
		} else {
			s.registered = uint8(pick(rng, regSizes))
			if rng.IntN(1000) < 185 {
				s.floating = 1
			}
		}
		reg += int(s.registered)
		flt += int(s.floating)
	}
	for reg != registeredResidents {
		s := &shapes[rng.IntN(len(shapes))]
		switch {
		case s.registered == 0:
		case reg < registeredResidents && s.registered < 7:
			s.registered++
			reg++
		case reg > registeredResidents && s.registered > 1:
			s.registered--
			reg--
		}
	}
	for flt != floatingResidents {
		s := &shapes[rng.IntN(len(shapes))]
		lo, hi := uint8(0), uint8(2) // lodgers in a registered household
		if s.registered == 0 {
			lo, hi = 1, 6
		}
		switch {
		case flt < floatingResidents && s.floating < hi:
			s.floating++
			flt++
		case flt > floatingResidents && s.floating > lo:
			s.floating--
			flt--
		}
	}
	return shapes
}

// pick returns an index of weights, chosen in proportion to its weight.
func pick(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// member is one person of a household being generated.
type member struct {
	relation string
	age      int // whole years on the report date
	male     bool
	floating bool
	family   string // surname
}

// family makes the people of one household: a head, usually a spouse, then
// children and parents (or, in older households, children and grandchildren), with
// ages that fit the relation: children younger than the head, parents older.
func family(rng *rand.Rand, n int, floating bool) []member {
	var age int
	switch {
	case floating:
		age = 20 + rng.IntN(36)
	case n == 1:
		age = []int{22 + rng.IntN(14), 36 + rng.IntN(29), 65 + rng.IntN(28)}[pick(rng, []int{30, 30, 40})]
	case n == 2:
		age = []int{23 + rng.IntN(13), 36 + rng.IntN(24), 60 + rng.IntN(29)}[pick(rng, []int{25, 25, 50})]
	default:
		age = 28 + rng.IntN(48)
	}
	male := rng.IntN(100) < 72
	if n == 1 {
		male = rng.IntN(2) == 0
	}
	head := member{relation: "head", age: age, male: male, floating: floating, family: surname(rng)}
	ms := append(make([]member, 0, n), head)
	line := head.family // the children's surname: the father's
	if n >= 2 && rng.IntN(10) < 9 {
		sp := member{relation: "spouse", male: !head.male, floating: floating, family: surname(rng)}
		if head.male {
			sp.age = max(20, age-2+rng.IntN(5)-rng.IntN(3))
		} else {
			sp.age = age + rng.IntN(6)
			line = sp.family
		}
		ms = append(ms, sp)
	}
	order := []string{"child", "child", "parent", "parent", "child", "sibling", "other"}
	if age > 58 {
		order = []string{"child", "grandchild", "child", "grandchild", "grandchild", "other", "other"}
	}
	for i := 0; len(ms) < n; i++ {
		m := member{relation: order[i%len(order)], male: rng.IntN(2) == 0, floating: floating, family: line}
		switch m.relation {
		case "child":
			m.age = max(0, age-22-rng.IntN(14))
		case "grandchild":
			m.age = max(0, age-44-rng.IntN(16))
		case "parent":
			m.age = min(99, age+22+rng.IntN(12))
			m.male = i%len(order) == 2
			if !m.male {
				m.family = surname(rng)
			}
		case "sibling":
			m.age = max(16, age-8+rng.IntN(17))
		default:
			m.age = 18 + rng.IntN(50)
			m.family = surname(rng)
		}
		ms = append(ms, m)
	}
	return ms
}

// members makes the people of a household of shape s.
func members(rng *rand.Rand, s shape) []member {
	if s.registered == 0 {
		return family(rng, int(s.floating), true)
	}
	ms := family(rng, int(s.registered), false)
	for range s.floating {
		ms = append(ms, lodger(rng))
	}
	return ms
}

// lodger is a floating person living in a registered household.
func lodger(rng *rand.Rand) member {
	return member{relation: "other", age: 18 + rng.IntN(43), male: rng.IntN(2) == 0, floating: true, family: surname(rng)}
}

// buildingLayout is a 楼栋: units (单元) of floors with a few flats on each.
type buildingLayout struct {
	units, floors, perFloor int
}

func newBuildingLayout(rng *rand.Rand) buildingLayout {
	if rng.IntN(100) < 15 { // a newer high-rise
		return buildingLayout{units: 1 + rng.IntN(2), floors: 11 + rng.IntN(8), perFloor: 4}
	}
	return buildingLayout{units: 1 + rng.IntN(3), floors: 5 + rng.IntN(4), perFloor: 2 + rng.IntN(2)}
}

func (l buildingLayout) flats() int { return l.units * l.floors * l.perFloor }

// flat returns the address tail of the k-th flat: 2单元503室.
func (l buildingLayout) flat(k int) string {
	perUnit := l.floors * l.perFloor
	unit, j := k/perUnit+1, k%perUnit
	room := (j/l.perFloor+1)*100 + j%l.perFloor + 1
	return strconv.Itoa(unit) + "单元" + strconv.Itoa(room) + "室"
}

// gridPlace is where a grid's households live: one compound on a road of the
// community, its road and door number (门牌号).
func gridPlace(rng *rand.Rand, cm *community, gi int) (road, door string) {
	road = cm.roads[gi%len(cm.roads)]
	// Grids on the same road take increasing odd numbers, so addresses never repeat.
	no := 1 + 2*(4*(gi/len(cm.roads))+rng.IntN(4))
	return road, strconv.Itoa(no) + "号"
}

// place returns the 单元, 楼层 and 房号 of the k-th flat, as flat writes them.
func (l buildingLayout) place(k int) (unit, floor, room string) {
	perUnit := l.floors * l.perFloor
	u, j := k/perUnit+1, k%perUnit
	return strconv.Itoa(u) + "单元", strconv.Itoa(j/l.perFloor + 1), strconv.Itoa((j/l.perFloor+1)*100+j%l.perFloor+1) + "室"
}
