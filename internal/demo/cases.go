package demo

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"strconv"
	"time"

	"shequ/internal/cases"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/files"
	"shequ/internal/platform/scope"
)

// casesPerCommunity is how many cases the demo gives each community: enough for
// every state of the flow, on time and overdue, to show on its pages.
const casesPerCommunity = 10

// caseStory is what happens to a demo case: where it ends, and how long ago (in
// hours before the load) it was reported.
type caseStory struct {
	end string
	ago time.Duration
}

// stories are the demo cases of a community, one a slot: every state of the flow,
// with some steps on time and some past their yellow or red card.
var stories = [casesPerCommunity]caseStory{
	{"reported", 2 * time.Hour},       // waiting for 立案, on time
	{"reported", 6 * 24 * time.Hour},  // waiting for 立案 past its red card
	{"handling", 26 * time.Hour},      // dispatched, on time
	{"handling", 20 * 24 * time.Hour}, // dispatched long ago: overdue
	{"returned", 3 * 24 * time.Hour},  // 退单, waiting to be dispatched again
	{"extension_requested", 5 * 24 * time.Hour},
	{"feedback", 4 * 24 * time.Hour}, // handled, waiting for 核查
	{"rated", 12 * 24 * time.Hour},   // closed and rated
	{"rejected", 9 * 24 * time.Hour}, // 不予立案
	{"closed", 7 * 24 * time.Hour},   // closed, waiting for 评价
}

// descriptions are what the demo's grid workers write, by category class.
var descriptions = map[string][]string{
	"01": {"楼道口堆放装修垃圾，影响通行", "小区围墙边私搭雨棚"},
	"02": {"单元门上贴满小广告"},
	"03": {"夜间施工噪音扰民"},
	"04": {"暴雨后小区门口积水"},
	"05": {"菜市场门口占道经营"},
	"11": {"楼上漏水，邻里发生争执", "物业费纠纷，居民要求调解"},
	"12": {"电动车在楼道内充电", "消防通道被车辆堵塞"},
	"13": {"小区有陌生人挨户推销"},
	"14": {"3栋门口路灯不亮", "独居老人需要上门送餐"},
	"15": {"居民咨询低保申请条件", "咨询医保异地报销"},
}

// demoCategories are the subclasses the demo's cases rotate through.
var demoCategories = []string{"0101", "1401", "1201", "1101", "1501", "0102", "1202", "0501", "1402", "1103"}

// LoadCases gives every community of the city its demo cases, the handling units of
// its community, street and district, and the district's routing table, through
// the cases service itself (each case reported, and each step taken, at a time
// before now on the working-day calendar), so that pages and boards show every
// state, on time and overdue. The cases depend on now, and are otherwise the same
// at every load; their IDs are not. It returns how many cases it made.
func LoadCases(ctx context.Context, d *db.DB, now time.Time, zone *time.Location, w io.Writer) (int, error) {
	units, err := communitiesAndGrids(ctx, d)
	if err != nil {
		return 0, err
	}
	if err := addHandlers(ctx, d, units); err != nil {
		return 0, err
	}
	clock := now
	cal, err := calendar.NewService(d, func() time.Time { return clock }, calendar.Settings{Zone: zone})
	if err != nil {
		return 0, err
	}
	svc, err := cases.NewService(ctx, d, func() time.Time { return clock }, zone, cal)
	if err != nil {
		return 0, err
	}
	photo, err := sitePhoto()
	if err != nil {
		return 0, err
	}
	n := 0
	for ci, u := range units {
		for i, st := range stories {
			grid := u.grids[i%len(u.grids)]
			category := demoCategories[(ci+i)%len(demoCategories)]
			texts := descriptions[category[:2]]
			in := cases.ReportInput{OrgCode: grid, Category: category, Description: texts[(ci+i)%len(texts)],
				Address: strconv.Itoa(1+(ci+i)%12) + "栋" + strconv.Itoa(1+i%3) + "单元", Channel: cases.ChannelWorker}
			clock = now.Add(-st.ago)
			if err := tell(ctx, svc, &clock, u, grid, in, st.end, photo); err != nil {
				return n, fmt.Errorf("demo case %d of %s: %w", i, u.code, err)
			}
			n++
		}
		if ci%16 == 15 {
			fmt.Fprintf(w, "  cases: %d communities\n", ci+1)
		}
	}
	return n, nil
}

// tell reports a case and takes it, step by step an hour or so apart, to end.
func tell(ctx context.Context, svc *cases.Service, clock *time.Time, u caseCommunity, grid string, in cases.ReportInput, end string, photo files.Prepared) error {
	worker := auth.Principal{UserID: "demo-worker-" + grid, Name: "网格员" + grid[12:], Role: auth.RoleGrid, OrgCode: grid}
	office := auth.Principal{UserID: "demo-office-" + u.code, Name: u.name + "值班员", Role: auth.RoleCommunity, OrgCode: u.code}
	c, err := svc.Report(ctx, worker, in, nil, nil)
	if err != nil {
		return err
	}
	step := func(p auth.Principal, in cases.TakeInput, photos ...files.Prepared) error {
		*clock = clock.Add(time.Hour)
		c, err = svc.Take(ctx, p, c.ID, c.Instance.Version, in, photos)
		return err
	}
	switch end {
	case "reported":
		return nil
	case "rejected":
		return step(office, cases.TakeInput{Transition: "not_accept", Reason: "经核实不属于社区受理范围，已告知居民向有关部门反映"})
	}
	if err := step(office, cases.TakeInput{Transition: "accept"}); err != nil {
		return err
	}
	if err := step(office, cases.TakeInput{Transition: "dispatch", HandlerID: u.window}); err != nil {
		return err
	}
	switch end {
	case "handling":
		return nil
	case "returned":
		return step(office, cases.TakeInput{Transition: "return", Reason: "不属于本窗口职责，请改派相关部门"})
	case "extension_requested":
		return step(office, cases.TakeInput{Transition: "request_extension", Reason: "需要协调物业和业主委员会，申请延期"})
	}
	if err := step(office, cases.TakeInput{Transition: "feedback", Result: "已到现场处理完毕"}, photo); err != nil || end == "feedback" {
		return err
	}
	if err := step(office, cases.TakeInput{Transition: "verify_pass"}); err != nil || end == "closed" {
		return err
	}
	return step(worker, cases.TakeInput{Transition: "rate", Result: "satisfied"})
}

// caseCommunity is a community with its grids and its window for cases.
type caseCommunity struct {
	code, name, street, district string
	grids                        []string
	window                       string
}

func communitiesAndGrids(ctx context.Context, d *db.DB) ([]caseCommunity, error) {
	rows, err := d.Read().QueryContext(ctx, `SELECT c.code, c.name, g.code FROM org_units c JOIN org_units g ON g.parent_code = c.code
		WHERE c.level = 'community' ORDER BY c.code, g.code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []caseCommunity
	for rows.Next() {
		var code, name, grid string
		if err := rows.Scan(&code, &name, &grid); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].code != code {
			out = append(out, caseCommunity{code: code, name: name, street: scope.ParentCode(code), district: code[:6], window: "demo-window-" + code})
		}
		out[len(out)-1].grids = append(out[len(out)-1].grids, grid)
	}
	return out, rows.Err()
}

// districtDepartments are the demo's district departments, each with the classes
// of cases the district routes to it.
var districtDepartments = []struct {
	key, zh, en string
	routes      []string
}{
	{"cg", "城市管理局", "City management bureau", []string{"01", "02", "03", "05"}},
	{"ld", "市政路灯所", "Street lighting office", []string{"1401"}},
	{"aj", "应急管理局", "Emergency management bureau", []string{"04", "12"}},
	{"ga", "公安分局", "Public security sub-bureau", []string{"13"}},
}

// addHandlers writes each caseCommunity's window, each street's office and each
// district's departments with their routes, in one transaction.
func addHandlers(ctx context.Context, d *db.DB, units []caseCommunity) error {
	return d.InTx(ctx, func(tx *sql.Tx) error {
		add := func(id, org, zh, en, kind string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO case_handlers (id, org_code, name_zh, name_en, kind) VALUES ($1, $2, $3, $4, $5)`,
				id, org, zh, en, kind)
			return err
		}
		seen := map[string]bool{}
		for _, u := range units {
			if err := add(u.window, u.code, u.name+"综合服务窗口", u.name+" service window", "window"); err != nil {
				return err
			}
			if !seen[u.street] {
				seen[u.street] = true
				if err := add("demo-street-"+u.street, u.street, "街道办事处", "Street office", "street"); err != nil {
					return err
				}
			}
			if seen[u.district] {
				continue
			}
			seen[u.district] = true
			for _, dep := range districtDepartments {
				id := "demo-" + dep.key + "-" + u.district
				if err := add(id, u.district, dep.zh, dep.en, "department"); err != nil {
					return err
				}
				for _, cat := range dep.routes {
					if _, err := tx.ExecContext(ctx, `INSERT INTO case_routes (district_code, category_code, handler_id) VALUES ($1, $2, $3)`,
						u.district, cat, id); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// sitePhoto is the picture every demo result carries: a small gradient, as the
// files piece stores any photo.
func sitePhoto() (files.Prepared, error) {
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(80 + y), B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		return files.Prepared{}, err
	}
	return files.Prepare("现场照片.jpg", &b, files.Photos())
}
