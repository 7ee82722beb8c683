package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"shequ/internal/platform/codes"
)

// The workforce figures of the report (section 一 and 二(一)).
const (
	workersMale = 57  // 男性 57 人, the other 379 women
	hiredIn2011 = 132 // 2011 年招聘 132 名大专以上学历、40 岁以下的社区工作人员
)

// profile is what a worker's row is built from: age on the report date, education
// (a GB/T 4658 code), and whether the worker came in with the 2011 recruitment.
type profile struct {
	age       int
	education string
	in2011    bool
}

// educated is how many workers of a pool hold an education code.
type educated struct {
	code string
	n    int
}

// profiles returns the workforce the report describes, as two shuffled pools: the
// 132 recruits of 2011 (all college-educated, under 40 when hired) and the 304
// others. Together they give the report's age groups (<35: 130, 35–50: 282,
// >50: 24) and education groups (junior middle or below 8, senior high or
// technical 164, college or above 264), each group spread over the GB/T 4658 codes
// workers hold: 71 初中毕业, 61 普通高中毕业, 41 中等专科, 44 职业高中 and 47 技工学校毕业,
// 31 大学专科毕业, 21 大学本科毕业, 14 硕士研究生毕业.
func profiles(rng *rand.Rand) (veterans, recruits []profile) {
	type group struct {
		n      int
		lo, hi int // ages, inclusive
	}
	build := func(in2011 bool, ages []group, educations []educated) []profile {
		var ps []profile
		for _, a := range ages {
			for range a.n {
				ps = append(ps, profile{age: a.lo + rng.IntN(a.hi-a.lo+1), in2011: in2011})
			}
		}
		var eds []string
		for _, e := range educations {
			for range e.n {
				eds = append(eds, e.code)
			}
		}
		rng.Shuffle(len(eds), func(i, j int) { eds[i], eds[j] = eds[j], eds[i] })
		for i := range ps {
			ps[i].education = eds[i]
		}
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		return ps
	}
	recruits = build(true,
		[]group{{100, 23, 34}, {hiredIn2011 - 100, 35, 40}},
		[]educated{{"31", 58}, {"21", 70}, {"14", 4}})
	veterans = build(false,
		[]group{{30, 25, 34}, {250, 35, 50}, {24, 51, 57}},
		[]educated{{"71", 8}, {"61", 100}, {"41", 40}, {"44", 12}, {"47", 12}, {"31", 92}, {"21", 40}})
	return veterans, recruits
}

// positions returns a community's posts for n workers: the head (书记兼主任, or a
// 书记 and a 主任 where the posts are not held by one person), one or two deputies,
// then committee members (委员) and grid workers (网格员).
func positions(rng *rand.Rand, n int) []string {
	ps := []string{"secretary_director"}
	if n >= 6 && rng.IntN(4) == 0 {
		ps = []string{"secretary", "director"}
	}
	ps = append(ps, "deputy_director")
	if n >= 8 {
		ps = append(ps, "deputy_secretary")
	}
	rest := n - len(ps)
	for i := range rest {
		if i < rest/2 {
			ps = append(ps, "member")
		} else {
			ps = append(ps, "grid_worker")
		}
	}
	return ps
}

func leads(position string) bool { return position != "member" && position != "grid_worker" }

// workforce adds every community's workers and the grids they serve, each since the
// day the worker was hired. Leading posts go to experienced workers; the 2011
// recruits are among the members and grid workers.
func (g *gen) workforce(c *city) error {
	veterans, recruits := profiles(g.rng)
	posts := make([][]string, len(c.communities))
	people := make([][]profile, len(c.communities))
	v := 0
	for i, cm := range c.communities {
		posts[i] = positions(g.rng, cm.workers)
		people[i] = make([]profile, len(posts[i]))
		for j, p := range posts[i] {
			if leads(p) {
				people[i][j] = veterans[v]
				v++
			}
		}
	}
	rest := slices.Concat(veterans[v:], recruits)
	g.rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	for i := range posts {
		for j, p := range posts[i] {
			if !leads(p) {
				people[i][j] = rest[0]
				rest = rest[1:]
			}
		}
	}
	males := make([]bool, len(veterans)+len(recruits))
	for i := range workersMale {
		males[i] = true
	}
	g.rng.Shuffle(len(males), func(i, j int) { males[i], males[j] = males[j], males[i] })

	k := 0
	for i, cm := range c.communities {
		var gridTeam [][2]string // members and grid workers serve the grids: id, hired on
		for j, p := range posts[i] {
			id, hired, err := g.worker(cm, p, people[i][j], males[k])
			if err != nil {
				return err
			}
			k++
			if !leads(p) {
				gridTeam = append(gridTeam, [2]string{id, hired})
			}
		}
		// Every grid gets one worker, about half of them a second: a team of 1–2.
		for gi, gr := range cm.grids {
			n := len(gridTeam)
			w := gridTeam[gi%n]
			g.ts.workerGrids.Add(w[0], gr.code, w[1])
			g.sum.WorkerGrids++
			if n > 1 && g.rng.IntN(2) == 0 {
				w = gridTeam[(gi+1)%n]
				g.ts.workerGrids.Add(w[0], gr.code, w[1])
				g.sum.WorkerGrids++
			}
		}
	}
	return nil
}

// worker adds one community worker of cm and returns their id and hiring date.
func (g *gen) worker(cm *community, position string, p profile, male bool) (id, hired string, err error) {
	birth := bornAt(g.rng, g.day, p.age)
	num, err := g.nums.next(cm.district.code, birth, male)
	if err != nil {
		return "", "", err
	}
	certificate := ""
	switch group, _ := codes.EducationGroupOf(p.education); group {
	case codes.EduJuniorCollege, codes.EduBachelor, codes.EduPostgraduate:
		switch r := g.rng.IntN(100); {
		case r < 6:
			certificate = "社会工作者职业水平证书(社会工作师)"
		case r < 26:
			certificate = "社会工作者职业水平证书(助理社会工作师)"
		}
	}
	id = g.ids.next()
	name := personName(g.rng, surname(g.rng), male)
	hired = hiredOn(g.rng, birth, p.in2011)
	g.ts.workers.Add(id, name, num, nil, sexOf(num), birthDate(num), cm.code,
		position, p.education, hired, certificate, mobile(g.rng), nil, createdAt, createdAt)
	g.sum.Workers++
	return id, hired, nil
}

// hiredOn returns a hiring date before the report. The 2011 recruitment is the only
// hiring that year, so other workers' dates skip it.
func hiredOn(rng *rand.Rand, birth time.Time, in2011 bool) string {
	if in2011 {
		return time.Date(2011, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(275)).Format(time.DateOnly)
	}
	from := birth.AddDate(21, 0, 0)
	if earliest := time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC); from.Before(earliest) {
		from = earliest
	}
	to := time.Date(2013, 4, 30, 0, 0, 0, 0, time.UTC)
	d := from.AddDate(0, 0, rng.IntN(int(to.Sub(from).Hours()/24)+1))
	if d.Year() == 2011 {
		if prev := d.AddDate(-1, 0, 0); !prev.Before(from) {
			d = prev
		} else {
			d = d.AddDate(1, 0, 0)
		}
	}
	return d.Format(time.DateOnly)
}
