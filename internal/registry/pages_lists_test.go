package registry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
)

// getRaw requests target as p and returns the answer, unfollowed.
func (w pagesWorld) getRaw(p auth.Principal, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

// inOrder checks that each of want appears in body after the one before it.
func inOrder(t *testing.T, body string, want ...string) {
	t.Helper()
	at := 0
	for _, s := range want {
		i := strings.Index(body[at:], s)
		if i < 0 {
			t.Errorf("%q does not come after %q", s, body[max(0, at-40):at])
			return
		}
		at += i + len(s)
	}
}

// stairwell adds households in a grid whose parts sort differently as text and as
// a worker walks them: building 10 after building 2, room 1201 after 501.
func stairwell(t *testing.T, w pagesWorld) {
	t.Helper()
	for _, h := range []registry.HouseholdInput{
		{No: "S4", Street: "民主路", DoorNo: "8", Building: "10", UnitNo: "1", FloorNo: "1", RoomNo: "101"},
		{No: "S2", Street: "民主路", DoorNo: "8", Building: "2", UnitNo: "1", FloorNo: "12", RoomNo: "1201"},
		{No: "S1", Street: "民主路", DoorNo: "8", Building: "2", UnitNo: "1", FloorNo: "5", RoomNo: "501"},
		{No: "S3", Street: "民主路", DoorNo: "8", Building: "2", UnitNo: "2", FloorNo: "1", RoomNo: "101"},
	} {
		h.GridCode = orgtest.Grid
		if _, err := w.s.CreateHousehold(context.Background(), city, h); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHouseholdList_FollowsTheStairwellAndSortsByAnyColumn(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		stairwell(t, w)
		target := "/org/" + orgtest.Grid + "/households"
		code, body := w.get(gridA, target)
		if code != http.StatusOK {
			t.Fatalf("status %d\n%s", code, body)
		}
		mustContain(t, body, "共 5 户 · 第 1/1 页", `class="list"`, `data-label="户主"`, "李建国", `aria-sort="ascending"`)
		mustHaveNoRawKeys(t, body)
		inOrder(t, body, ">H001<", ">S1<", ">S2<", ">S3<", ">S4<")
		_, body = w.get(gridA, target+"?sort=no&dir=desc")
		inOrder(t, body, ">S4<", ">S3<", ">S2<", ">S1<", ">H001<")
		mustContain(t, body, `aria-sort="descending"`, `href="/org/`+orgtest.Grid+`/households?dir=asc&amp;sort=no"`)
		_, body = w.get(gridA, target+"?sort=members&dir=desc")
		inOrder(t, body, ">H001<", ">S1<")
		_, body = w.get(gridA, target+"?sort=nonsense")
		inOrder(t, body, ">H001<", ">S1<", ">S4<")
		if code, _ := w.get(gridB, target); code != http.StatusNotFound {
			t.Errorf("another grid's worker: %d, want 404", code)
		}
	})
}

func TestHouseholdList_FiltersACommunity(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		stairwell(t, w)
		target := "/org/" + orgtest.Community + "/households"
		_, body := w.get(community, target)
		mustContain(t, body, "共 6 户", "东兴第一网格", "东兴第二网格", `<option value="10">10</option>`, "低保", "人在户不在", "新建户")
		inOrder(t, body, ">H002<", ">H001<", ">S1<") // 1栋 before 3栋, the street-less before 民主路
		for _, tc := range []struct {
			query     string
			want, not []string
		}{
			{"grid=" + orgtest.GridB, []string{"共 1 户", ">H002<"}, []string{">H001<"}},
			{"building=10", []string{"共 1 户", ">S4<"}, []string{">S1<"}},
			{"tag=dibao", []string{"共 1 户", ">H001<"}, []string{">S1<"}},
			{"pop=registered", []string{"共 1 户", ">H001<"}, nil},
			{"status=1", []string{"共 1 户", ">H001<"}, nil},
			{"address=" + "民主路8号2栋", []string{"共 3 户", ">S1<", ">S3<"}, []string{">S4<"}},
			{"pop=floating", []string{"没有符合条件的户"}, []string{"共 0 户", "<table"}},
		} {
			code, body := w.get(community, target+"?"+tc.query)
			if code != http.StatusOK {
				t.Errorf("%s: %d", tc.query, code)
			}
			mustContain(t, body, tc.want...)
			mustNotContain(t, body, tc.not...)
		}
		for _, bad := range []string{"tag=vip", "pop=tourist", "status=7", "grid=" + orgtest.Grid2} {
			if code, _ := w.get(community, target+"?"+bad); code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", bad, code)
			}
		}
	})
}

// A page past the end goes to the last page; an empty list shows its empty state
// alone, never a count above it (issue 10 item 9).
func TestHouseholdList_PagesWithATotalAndAJump(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		ctx := context.Background()
		// A community without households, added before the pages read the tree.
		const empty = "450403002002"
		if err := org.Insert(ctx, w.d.Write(), org.Unit{Code: empty, Name: "新城社区", Level: scope.Community, ParentCode: orgtest.Street2}, 0); err != nil {
			t.Fatal(err)
		}
		for i := range registry.PerPage + 5 {
			in := registry.HouseholdInput{No: fmt.Sprintf("P%03d", i), GridCode: orgtest.GridB, Street: "新兴路", Building: "1", RoomNo: fmt.Sprintf("%d", 101+i)}
			if _, err := w.s.CreateHousehold(ctx, city, in); err != nil {
				t.Fatal(err)
			}
		}
		target := "/org/" + orgtest.Community + "/households?grid=" + orgtest.GridB
		_, body := w.get(community, target)
		mustContain(t, body, "共 36 户 · 第 1/2 页", `rel="next"`, `name="page"`, `max="2"`,
			`<input type="hidden" name="grid" value="`+orgtest.GridB+`">`)
		_, body = w.get(community, target+"&page=2")
		mustContain(t, body, "共 36 户 · 第 2/2 页", `rel="prev"`, ">P034<")
		mustNotContain(t, body, `rel="next"`, ">P000<")

		rec := w.getRaw(community, target+"&page=9")
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.Contains(loc, "page=2") || !strings.Contains(loc, "grid="+orgtest.GridB) {
			t.Errorf("page 9 of 2: %d to %q, want 303 to page 2 with the filter", rec.Code, loc)
		}
		rec = w.getRaw(community, "/org/"+orgtest.Community+"/households?pop=floating&page=3")
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || strings.Contains(loc, "page=") {
			t.Errorf("page 3 of an empty list: %d to %q, want 303 to its first page", rec.Code, loc)
		}
		_, body = w.get(city, "/org/"+empty+"/households")
		mustContain(t, body, "这里还没有登记户")
		mustNotContain(t, body, "共 ", "<table", "第 1/1 页")
		_, body = w.get(city, "/org/"+empty+"/households?lang=en")
		mustContain(t, body, "No households registered here yet")
		mustNotContain(t, body, "households · page")
	})
}

func TestHouseholdList_AboveACommunityFindsByAddress(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		stairwell(t, w)
		target := "/org/" + orgtest.Street + "/households"
		_, body := w.get(street, target)
		mustContain(t, body, "请输入地址中的几个字", "至少 3 个字")
		mustNotContain(t, body, "<table", "新建户")
		_, body = w.get(street, target+"?address=民主路")
		mustContain(t, body, "共 4 户")
		inOrder(t, body, ">S1<", ">S2<", ">S3<", ">S4<")
		code, body := w.get(street, target+"?address=民主")
		if code != http.StatusBadRequest {
			t.Errorf("two characters above a community: %d, want 400", code)
		}
		mustContain(t, body, "查询内容太短")
		_, body = w.get(street, target+"?address=南环路")
		mustContain(t, body, "没有符合条件的户")
	})
}

func TestRoll_FindsAGridsResidentsByOneCharacter(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		if _, err := w.s.CreateResident(context.Background(), city, registry.ResidentInput{Name: "王秀英", IDNumber: idNumber("450403", "19680520", "002"),
			HouseholdNo: "H001", Relation: "10", PopulationType: "registered"}); err != nil {
			t.Fatal(err)
		}
		target := "/org/" + orgtest.Grid + "/residents"
		_, body := w.get(gridA, target)
		mustContain(t, body, "共 2 人", "李建国", "王秀英", `data-label="与户主关系"`)
		_, body = w.get(gridA, target+"?surname=李")
		mustContain(t, body, "共 1 人", "李建国", `value="李"`)
		mustNotContain(t, body, "王秀英")
		_, body = w.get(gridA, target+"?surname=赵")
		mustContain(t, body, "没有符合条件的居民")
		mustNotContain(t, body, "共 0 人")
		_, body = w.get(community, "/org/"+orgtest.Community+"/residents")
		mustContain(t, body, "请选择网格", `href="/org/`+orgtest.Grid+`/residents"`)
		if code, _ := w.get(gridB, target+"?surname=李"); code != http.StatusNotFound {
			t.Errorf("another grid's roll: %d, want 404", code)
		}
		if _, err := w.s.Deregister(context.Background(), city, w.head.ID, registry.DeregisterInput{Reason: "1", On: "2026-11-27"}); err != nil {
			t.Fatal(err)
		}
		_, body = w.get(gridA, target+"?surname=李")
		mustNotContain(t, body, "李建国")
	})
}

func TestPermits_ListsThoseExpiringWithinThirtyDaysByGrid(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		ctx := context.Background()
		for i, p := range []struct{ name, no, expires string }{
			{"陈一", "H001", "2026-12-20"}, {"陈二", "H002", "2026-11-27"}, {"陈三", "H001", "2027-01-15"}, {"陈四", "H001", "2026-11-26"},
		} {
			if _, err := w.s.CreateResident(ctx, city, registry.ResidentInput{Name: p.name, IDNumber: idNumber("450403", "19900101", fmt.Sprintf("%03d", 31+2*i)),
				HouseholdNo: p.no, Relation: "99", PopulationType: "floating", PermitNo: "JZZ" + p.name, PermitRegisteredOn: "2025-01-01",
				PermitExpiresOn: p.expires}); err != nil {
				t.Fatal(err)
			}
		}
		_, body := w.get(community, "/org/"+orgtest.Community+"/permits")
		mustContain(t, body, "共 2 人", "陈一", "23 天", "陈二", "今天到期", "东兴第一网格", "东兴第二网格")
		mustNotContain(t, body, "陈三", "陈四")
		inOrder(t, body, "陈一", "陈二")
		_, body = w.get(gridB, "/org/"+orgtest.GridB+"/permits")
		mustContain(t, body, "共 1 人", "陈二")
		_, body = w.get(community2, "/org/"+orgtest.Community2+"/permits")
		mustContain(t, body, "30 天内没有到期的居住证")
	})
}

// A grid's contacts are colleagues' work contacts to the workers of its community:
// their phones are shown in full to them, and masked to everyone else.
func TestContacts_PhonesInFullToTheCommunitysWorkersOnly(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		makeContact(t, w.d, orgtest.Grid, w.head.ID, "building_head")
		for _, tc := range []struct {
			who  auth.Principal
			full bool
		}{{gridA, true}, {community, true}, {street, false}, {city, false}} {
			for _, target := range []string{"/org/" + orgtest.Grid + "/households", "/residents/" + w.head.ID} {
				_, body := w.get(tc.who, target)
				mustContain(t, body, "楼栋长")
				if shown := strings.Contains(body, "13812345678"); shown != tc.full {
					t.Errorf("%s on %s: phone in full %v, want %v", tc.who.Role, target, shown, tc.full)
				}
			}
		}
	})
}
