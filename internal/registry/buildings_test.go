package registry_test

import (
	"net/http"
	"testing"

	"shequ/internal/platform/auth"
)

// TestBuildingPage_LinkedFromItsHouseholdsShowsItsAttributes: a household's
// building is a link to the building's page, which says what is recorded of it,
// how many households live there and where to list them; to a user of another
// grid it does not exist.
func TestBuildingPage_LinkedFromItsHouseholdsShowsItsAttributes(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		id := w.hA.BuildingID
		if id == "" {
			t.Fatal("the household has no building id")
		}
		_, body := w.get(gridA, "/households/"+w.hA.ID)
		mustContain(t, body, `<a href="/buildings/`+id+`" id="household-building">3栋</a>`)
		code, body := w.get(auditor, "/buildings/"+id)
		if code != http.StatusOK {
			t.Fatalf("building page: %d", code)
		}
		mustContain(t, body, "3栋", "现有 1 户", "未登记", "东兴第一网格", `href="/org/`+w.hA.GridCode+`/households?building=3%E6%A0%8B"`)
		mustNotContain(t, body, `href="/buildings/`+id+`/edit"`) // the read-only role changes nothing
		mustHaveNoRawKeys(t, body)
		if code, _ := w.get(gridB, "/buildings/"+id); code != http.StatusNotFound {
			t.Errorf("another grid's worker: %d, want 404", code)
		}
		if code, _ := w.get(gridA, "/buildings/nope"); code != http.StatusNotFound {
			t.Errorf("no such building: %d, want 404", code)
		}
	})
}

// TestBuildingForm_SavesFloorsUnitsAndAreaInOneAuditedWrite: a grid worker records
// 层数, 单元数 and 建筑面积 to two decimals; emptied, each is "not recorded" again.
func TestBuildingForm_SavesFloorsUnitsAndAreaInOneAuditedWrite(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		id := w.hA.BuildingID
		_, body := w.get(gridA, "/buildings/"+id)
		mustContain(t, body, `href="/buildings/`+id+`/edit"`)
		_, body = w.get(gridA, "/buildings/"+id+"/edit")
		mustContain(t, body, "修改楼栋信息 · 3栋", `name="floors"`, `name="units"`, `name="floor_area"`, `inputmode="decimal"`)
		mustHaveNoRawKeys(t, body)

		page := w.saved(t, gridA, "/buildings/"+id+"/edit", values("floors", "６", "units", "2", "floor_area", "1234.5 ㎡"), "building_saved")
		_, body = w.get(gridA, page+"?done=building_saved")
		mustContain(t, body, "楼栋信息已保存", "6 层", "2 个单元", "1234.50 平方米")
		got := scalar(t, w.d, `SELECT floors || ' ' || units || ' ' || floor_area_dm2 FROM buildings WHERE id = $1`, id)
		if got != "6 2 123450" {
			t.Errorf("stored %q, want 6 2 123450", got)
		}
		if n := audited(t, w.d, "building.update", "building:"+id); n != "1" {
			t.Errorf("%s audit records", n)
		}
		_, body = w.get(gridA, "/buildings/"+id+"/edit")
		mustContain(t, body, `value="6"`, `value="2"`, `value="1234.50"`)

		w.saved(t, gridA, "/buildings/"+id+"/edit", values("floors", "", "units", "0", "floor_area", ""), "building_saved")
		got = scalar(t, w.d, `SELECT COALESCE(CAST(floors AS TEXT), 'null') || ' ' || units || ' ' || COALESCE(CAST(floor_area_dm2 AS TEXT), 'null')
			FROM buildings WHERE id = $1`, id)
		if got != "null 0 null" {
			t.Errorf("stored %q, want no floors, 0 units (a bungalow), no area", got)
		}
	})
}

// TestBuildingForm_BadInputNamesTheFieldKeepsWhatWasTypedAndWritesNothing: floors
// outside 1–200, units outside 0–99, an area with a third decimal or negative;
// each comes back beside its field with what was typed. Nobody outside the grid's
// register writers changes it.
func TestBuildingForm_BadInputNamesTheFieldKeepsWhatWasTypedAndWritesNothing(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		id := w.hA.BuildingID
		target := "/buildings/" + id + "/edit"
		for _, tc := range []struct {
			floors, units, area string
			want                []string
		}{
			{"0", "", "", []string{"层数：应为 1 到 200 之间的整数", `value="0"`, `id="f-floors-error"`}},
			{"201", "", "", []string{"层数：应为 1 到 200 之间的整数"}},
			{"六", "", "", []string{"层数：应为 1 到 200 之间的整数", `value="六"`}},
			{"6", "-1", "", []string{"单元数：应为 0 到 99 之间的整数", `value="-1"`, `id="f-units-error"`}},
			{"6", "100", "", []string{"单元数：应为 0 到 99 之间的整数"}},
			{"6", "2", "149.505", []string{"建筑面积（平方米）：最多保留两位小数", `value="149.505"`, `id="f-floor_area-error"`}},
			{"6", "2", "-5", []string{"建筑面积（平方米）：面积不能为负数"}},
			{"6", "2", "1,500", []string{"建筑面积（平方米）：应为以平方米计的数字"}},
		} {
			w.refused(t, gridA, target, values("floors", tc.floors, "units", tc.units, "floor_area", tc.area), tc.want...)
		}
		body := w.refused(t, gridA, target, values("floors", "0", "units", "100", "floor_area", "-1"))
		mustContain(t, body, `id="f-floors-error"`, `id="f-units-error"`, `id="f-floor_area-error"`)

		for _, p := range []auth.Principal{auditor, gridB} {
			if rec := w.send(p, target, values("floors", "6")); rec.Code != http.StatusForbidden && rec.Code != http.StatusNotFound {
				t.Errorf("%s: %d, want refused", p.UserID, rec.Code)
			}
		}
		if got := scalar(t, w.d, `SELECT COUNT(*) FROM buildings WHERE floors IS NOT NULL OR units IS NOT NULL OR floor_area_dm2 IS NOT NULL`); got != "0" {
			t.Errorf("%s buildings changed", got)
		}
		if n := audited(t, w.d, "building.update", "building:"+id); n != "0" {
			t.Errorf("%s audit records of refused input", n)
		}
	})
}
