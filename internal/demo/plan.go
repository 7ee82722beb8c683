package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"shequ/internal/platform/area"
)

// The report's figures (section 一 and 三(一)) that the demo city reproduces.
const (
	totalHouseholds     = 142176 // 在册居民户数
	registeredResidents = 399839 // 常驻居民人口
	floatingResidents   = 58112  // 流动人口
	authorizedPosts     = 461    // 社区工作者编制
	bigCommunities      = 4      // "若干个辖四、五千户万人以上的大社区"
	microCommunities    = 3      // "若干个辖一、二百户不足千人的微型社区": one grid each
	firstNewYear        = 2010   // communities founded this year or later count as new
)

// districtSpec is one of the three urban districts with the report's figures for it.
// Street names are made up; district codes and names are the real ones.
type districtSpec struct {
	code, name     string
	streets        []string // 街道
	perStreet      []int    // communities under each street
	newCommunities int      // founded since 2010
	workers        int      // 在编社区工作者
}

func districtSpecs() []districtSpec {
	return []districtSpec{
		{"450403", "万秀区", []string{"鸳江街道", "骑楼街道", "桂江街道", "白鹤街道"}, []int{6, 5, 5, 4}, 1, 152},
		{"450404", "蝶山区", []string{"蝶峰街道", "富民街道", "红岭街道", "学苑街道", "新塘街道"}, []int{7, 6, 6, 6, 5}, 5, 190},
		{"450405", "长洲区", []string{"泗洲街道", "龙湖街道", "竹园街道"}, []int{5, 5, 4}, 4, 94},
	}
}

// officeBands are the communities' office and service space (办公服务用房) in whole m², as
// the report counts it: 19 reach the demonstration standard of 300, 36 miss the
// required 150, 23 of those miss the minimum of 90, and several make do with 20–30.
func officeBands() []struct{ count, lo, hi int } {
	return []struct{ count, lo, hi int }{
		{19, 300, 460},
		{9, 150, 299},
		{13, 90, 149},
		{19, 35, 89},
		{4, 20, 30},
	}
}

type district struct {
	code, name string
	streets    []*street
	workers    int
}

type street struct {
	code, name  string
	communities []*community
}

// community is a 社区(居委会) with what the plan decided about it.
type community struct {
	code, name string
	place      string // the name without 社区, which the community's roads share
	district   *district
	founded    int
	officeArea area.Area
	households int
	workers    int
	posts      int
	roads      []string
	grids      []grid
}

// grid is a 网格 of 200–300 households.
type grid struct {
	code, name string
	households int
}

// city is the demo city's tree and sizes, decided before any row is generated.
type city struct {
	districts   []*district
	communities []*community // in code order
}

// planCity lays out the tree and decides every community's size, age, space, posts
// and workforce so that the totals come out at the report's figures exactly.
func planCity(rng *rand.Rand) (*city, error) {
	c := &city{}
	specs := districtSpecs()
	n := 0
	for _, ds := range specs {
		for _, k := range ds.perStreet {
			n += k
		}
	}
	names := communityNames(rng, n)
	for _, ds := range specs {
		d := &district{code: ds.code, name: ds.name, workers: ds.workers}
		c.districts = append(c.districts, d)
		var mine []*community
		for si, sname := range ds.streets {
			s := &street{code: fmt.Sprintf("%s%03d", ds.code, si+1), name: sname}
			d.streets = append(d.streets, s)
			for ci := range ds.perStreet[si] {
				place := names[len(c.communities)]
				cm := &community{code: fmt.Sprintf("%s%03d", s.code, ci+1), name: place + "社区", place: place, district: d}
				s.communities = append(s.communities, cm)
				c.communities = append(c.communities, cm)
				mine = append(mine, cm)
			}
		}
		isNew := make([]bool, len(mine))
		for _, i := range rng.Perm(len(mine))[:ds.newCommunities] {
			isNew[i] = true
		}
		for i, cm := range mine {
			if isNew[i] { // 2010–2012: the report dates from May 2013
				cm.founded = firstNewYear + rng.IntN(3)
			} else {
				cm.founded = 1984 + rng.IntN(firstNewYear-1984)
			}
		}
	}
	sizeCommunities(rng, c.communities)
	for _, cm := range c.communities {
		cm.roads = []string{cm.place + "路", cm.place + "一巷", cm.place + "二巷"}
		cm.grids = splitGrids(rng, cm)
	}
	i := 0
	for _, b := range officeBands() {
		for range b.count {
			m2 := b.lo + rng.IntN(b.hi-b.lo+1)
			c.communities[i].officeArea = area.M2(int64(m2))
			if m2 < b.hi && i%2 == 1 { // measured to the half metre, and still in its band
				c.communities[i].officeArea += area.SquareMetre / 2
			}
			i++
		}
	}
	rng.Shuffle(len(c.communities), func(i, j int) {
		c.communities[i].officeArea, c.communities[j].officeArea = c.communities[j].officeArea, c.communities[i].officeArea
	})
	for _, d := range c.districts {
		staffCommunities(d)
	}
	total := 0
	for _, cm := range c.communities {
		cm.posts = cm.workers
		total += cm.workers
	}
	// The vacant posts (编制 not filled) fall on as many different communities.
	for _, i := range rng.Perm(len(c.communities))[:authorizedPosts-total] {
		c.communities[i].posts++
	}
	return c, c.check()
}

// sizeCommunities gives each community its households: a few big ones of 4,000–
// 5,000, a few micro ones of one grid among the old communities, and the rest
// scattered around the average so that the city's total is the report's.
func sizeCommunities(rng *rand.Rand, cs []*community) {
	order := rng.Perm(len(cs))
	var micro, big, rest []*community
	for _, i := range order {
		switch cm := cs[i]; {
		case len(micro) < microCommunities && cm.founded < firstNewYear:
			micro = append(micro, cm)
		case len(big) < bigCommunities:
			big = append(big, cm)
		default:
			rest = append(rest, cm)
		}
	}
	left := totalHouseholds
	for _, cm := range micro {
		cm.households = 200 + rng.IntN(101)
		left -= cm.households
	}
	for _, cm := range big {
		cm.households = 4000 + rng.IntN(1001)
		left -= cm.households
	}
	raw, sum := make([]int, len(rest)), 0
	for i := range rest {
		raw[i] = 1200 + rng.IntN(2100)
		sum += raw[i]
	}
	for i, cm := range rest {
		cm.households = raw[i] * left / sum
		left -= cm.households
		sum -= raw[i]
	}
}

// splitGrids divides a community into grids of 200–300 households, about 250 each.
func splitGrids(rng *rand.Rand, cm *community) []grid {
	h := cm.households
	n := max((h+299)/300, min(h/200, (h+125)/250))
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = h / n
		if i < h%n {
			sizes[i]++
		}
	}
	// Real grids follow streets and buildings, not arithmetic: move households
	// between neighbours as long as both stay within the bounds.
	for i := 0; i+1 < n; i++ {
		d := rng.IntN(41) - 20
		if a, b := sizes[i]+d, sizes[i+1]-d; a >= 200 && a <= 300 && b >= 200 && b <= 300 {
			sizes[i], sizes[i+1] = a, b
		}
	}
	grids := make([]grid, n)
	for i := range grids {
		grids[i] = grid{code: fmt.Sprintf("%s%03d", cm.code, i+1), name: "第" + chineseNumber(i+1) + "网格", households: sizes[i]}
	}
	return grids
}

// staffCommunities shares out the district's workers: at least four per community
// (a head, a deputy and two who serve the grids), the rest in proportion to
// households, by largest remainder so the district's total is exact.
func staffCommunities(d *district) {
	var cs []*community
	hh := 0
	for _, s := range d.streets {
		for _, cm := range s.communities {
			cs = append(cs, cm)
			hh += cm.households
		}
	}
	extra := d.workers - 4*len(cs)
	rem := make([]int, len(cs))
	given := 0
	for i, cm := range cs {
		cm.workers = 4 + extra*cm.households/hh
		rem[i] = extra * cm.households % hh
		given += cm.workers - 4
	}
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rem[b] - rem[a] })
	for _, i := range idx[:extra-given] {
		cs[i].workers++
	}
}

// check verifies the plan against the report before anything is written, so a
// change to the plan that breaks a figure fails loudly instead of loading a wrong city.
func (c *city) check() error {
	hh, posts := 0, 0
	for _, d := range c.districts {
		w := 0
		for _, s := range d.streets {
			for _, cm := range s.communities {
				w += cm.workers
				posts += cm.posts
				sum := 0
				for _, g := range cm.grids {
					if g.households < 200 || g.households > 300 {
						return fmt.Errorf("demo plan: grid %s has %d households", g.code, g.households)
					}
					sum += g.households
				}
				if sum != cm.households {
					return fmt.Errorf("demo plan: community %s grids hold %d of %d households", cm.code, sum, cm.households)
				}
				hh += sum
			}
		}
		if w != d.workers {
			return fmt.Errorf("demo plan: district %s has %d workers, want %d", d.code, w, d.workers)
		}
	}
	if hh != totalHouseholds || posts != authorizedPosts {
		return fmt.Errorf("demo plan: %d households and %d posts", hh, posts)
	}
	return nil
}

// communityNames returns n distinct two-character place names.
func communityNames(rng *rand.Rand, n int) []string {
	first := []rune("东西南北中新金桂龙凤竹松云江鸳白红青文富和平安兴华德福永")
	second := []rune("山湖园苑桥塘岭湾洲城村坊街港台林")
	seen := map[string]bool{}
	var names []string
	for len(names) < n {
		a, b := first[rng.IntN(len(first))], second[rng.IntN(len(second))]
		name := string([]rune{a, b})
		if a != b && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// chineseNumber writes 1–99 the way grid names count: 一, 十二, 二十三.
func chineseNumber(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}
