package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/pii"
	"shequ/internal/registry"
)

// send posts a form to target as p and returns the answer, unfollowed.
func (w pagesWorld) send(p auth.Principal, target string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

// saved posts a form that must be accepted: it answers 303 to a page with a
// notice, whose path is returned.
func (w pagesWorld) saved(t *testing.T, p auth.Principal, target string, form url.Values, notice string) string {
	t.Helper()
	rec := w.send(p, target, form)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(loc, "?done="+notice) {
		t.Fatalf("POST %s: %d to %q, want 303 with ?done=%s\n%s", target, rec.Code, loc, notice, rec.Body.String())
	}
	return strings.TrimSuffix(loc, "?done="+notice)
}

// refused posts a form that must come back: 400 with the problem in an alert and
// each of want on the page (what the user typed, the field at fault marked).
func (w pagesWorld) refused(t *testing.T, p auth.Principal, target string, form url.Values, want ...string) string {
	t.Helper()
	rec := w.send(p, target, form)
	body := rec.Body.String()
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("POST %s: %d, want 400\n%s", target, rec.Code, body)
	}
	mustContain(t, body, append(want, `role="alert"`)...)
	return body
}

// rawKey finds a message key the page shows instead of its message.
var rawKey = regexp.MustCompile(`>\s*(field|form|household|resident|event|move|deregister|register|split|merge|households|roll|permits|list|status|history|done|pop|tag|sex|dictionary|building)\.[a-z_.]+\s*<`)

func mustHaveNoRawKeys(t *testing.T, body string) {
	t.Helper()
	if k := rawKey.FindString(body); k != "" {
		t.Errorf("the page shows the message key %s", k)
	}
}

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// Every form of the register, in both languages, names its fields and choices
// in words, not message keys.
func TestForms_ShowWordsNotKeys(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		if _, err := w.s.Deregister(context.Background(), city, w.head.ID, registry.DeregisterInput{Reason: "1", On: "2026-11-27"}); err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"/households/new?unit=" + orgtest.Community, "/households/" + w.hA.ID + "/edit",
			"/households/" + w.hA.ID + "/residents/new", "/households/" + w.hA.ID + "/residents/new?newborn=1",
			"/households/" + w.hA.ID + "/split", "/households/" + w.hA.ID + "/merge", "/households/" + w.hA.ID + "/merge?household_no=H002",
			"/residents/" + w.head.ID + "/register", "/residents/" + w.head.ID, "/households/" + w.hA.ID} {
			for _, lang := range []string{"zh-CN", "en"} {
				sep := "?"
				if strings.Contains(target, "?") {
					sep = "&"
				}
				code, body := w.get(community, target+sep+"lang="+lang)
				if code != http.StatusOK {
					t.Fatalf("%s in %s: %d\n%s", target, lang, code, body)
				}
				mustHaveNoRawKeys(t, body)
			}
		}
	})
}

func TestHouseholdForm_CreatesAHouseholdFromTheStairwellParts(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		code, body := w.get(community, "/households/new?unit="+orgtest.Community)
		if code != http.StatusOK {
			t.Fatalf("the form: %d", code)
		}
		mustContain(t, body, `name="household_no"`, "东兴第一网格", "东兴第二网格", "小区或街路巷", "门牌号", "楼栋", "单元", "楼层", "房号",
			`value="2026-11-27"`, `action="/households/new"`)
		for _, p := range []auth.Principal{auditor} {
			if code, _ := w.get(p, "/households/new"); code != http.StatusForbidden {
				t.Errorf("the form for a reader: %d, want 403", code)
			}
		}

		good := values("household_no", "H010", "grid_code", orgtest.Grid, "street", "民主路", "door_no", "12", "building", "3",
			"unit_no", "2", "floor_no", "5", "room_no", "501", "established_on", "2026-11-01")
		path := w.saved(t, community, "/households/new", good, "household_created")
		_, body = w.get(community, path+"?done=household_created")
		mustContain(t, body, "户号 H010", "已新建该户", "民主路12号3栋2单元5楼501", "2026-11-01", "东兴第一网格")

		bad := values("unit", orgtest.Community, "household_no", "", "grid_code", "", "street", "民主路", "door_no", "12", "unit_no", "一二三四五六七八九十一")
		body = w.refused(t, community, "/households/new", bad, "单元：不能超过 10 个字", "不能为空", `value="民主路"`, `value="12"`,
			`aria-invalid="true"`, `id="f-household_no-error"`, "东兴第二网格") // the grids of the unit the form was opened for
		if strings.Count(body, "field-error") < 2 {
			t.Error("the form names one problem of two")
		}
		taken := good
		taken.Set("household_no", "H001")
		w.refused(t, community, "/households/new", taken, "户号：该户号已被使用", `value="H001"`)
		// A grid worker cannot put a household in another grid.
		other := values("household_no", "H011", "grid_code", orgtest.GridB, "address", "东兴路1号")
		w.refused(t, gridA, "/households/new", other, "找不到该网格，或不在您的管辖范围内")
		if _, _, err := w.s.HouseholdByNo(context.Background(), city, "H011"); err == nil {
			t.Error("a refused form wrote a household")
		}
	})
}

func TestHouseholdForm_EditsAHousehold(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		target := "/households/" + w.hA.ID + "/edit"
		code, body := w.get(gridA, target)
		if code != http.StatusOK {
			t.Fatalf("the form: %d", code)
		}
		mustContain(t, body, `value="H001"`, `value="梧州市万秀区东兴路12号3栋201室"`, "现地址")
		form := values("household_no", "H001", "grid_code", orgtest.Grid, "street", "东兴路", "door_no", "12号", "building", "3栋", "room_no", "201室")
		w.saved(t, gridA, target, form, "household_saved")
		_, body = w.get(gridA, "/households/"+w.hA.ID+"?done=household_saved")
		mustContain(t, body, "户信息已保存", "东兴路12号3栋201室")
		if code, _ := w.get(gridB, target); code != http.StatusNotFound {
			t.Errorf("another grid's worker: %d, want 404", code)
		}
	})
}

func TestResidentForm_RegistersABirthOnTheBirthDate(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		target := "/households/" + w.hA.ID + "/residents/new"
		_, body := w.get(gridA, target+"?newborn=1")
		mustContain(t, body, "登记新生儿", `<option value="1" selected>出生</option>`, `<optgroup label="2 子">`,
			`<option value="22">22 长子</option>`, `<optgroup label="6 祖父母或外祖父母">`, `name="tags"`, "汉族", "群众", "未填写")
		mustNotContain(t, body, "03 小集体户户主")

		baby := idNumber("450403", "20261001", "013")
		form := values("newborn", "1", "name", "李小宝", "id_number", baby, "relation", "41", "population_type", "registered",
			"registered_reason", "1", "registered_on", "", "ethnicity", "01", "residence_status", "1")
		bad := values()
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("relation", "长孙女婿")
		bad.Set("hukou_region", "4504")
		body = w.refused(t, gridA, target, bad, "不在代码表", "应为 6 位行政区划代码", `value="李小宝"`, `name="newborn" value="1"`)
		mustNotContain(t, body, "与户主关系：不能为空")

		path := w.saved(t, gridA, target, form, "resident_created")
		_, body = w.get(gridA, path)
		mustContain(t, body, "李小宝", "孙子", "2026-10-01 · 出生", "汉族", "<td>2026-10-01</td>")
		mustNotContain(t, body, baby)
	})
}

func TestResidentForm_KeepsMaskedNumbersAndClearsThePhoneOnlyWhenAsked(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		ctx := context.Background()
		target := "/residents/" + w.head.ID + "/edit"
		code, body := w.get(gridA, target)
		if code != http.StatusOK {
			t.Fatalf("the form: %d", code)
		}
		masked := pii.MaskIDNumber(w.head.IDNumber)
		mustContain(t, body, `value="`+masked+`"`, `value="138****5678"`, `name="clear_phone"`, `<option value="01" selected>中国共产党党员</option>`,
			`<option value="02" selected>02 户主</option>`, `value="dibao" checked`)
		mustNotContain(t, body, w.head.IDNumber, "13812345678")

		form := values("name", "李建华", "id_number", masked, "relation", "02", "population_type", "registered", "phone", "138****5678",
			"tags", "dibao", "tags", "elderly_alone", "political_status", "01", "residence_status", "1")
		w.saved(t, gridA, target, form, "resident_saved")
		r, _, err := w.s.Resident(ctx, city, w.head.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "李建华" || r.IDNumber != w.head.IDNumber || r.Phone != "13812345678" || strings.Join(r.Tags, ",") != "dibao,elderly_alone" {
			t.Errorf("after an edit with the masked values: %s %s %s %v", r.Name, r.IDNumber, r.Phone, r.Tags)
		}
		form.Set("phone", "")
		w.saved(t, gridA, target, form, "resident_saved")
		if r, _, _ = w.s.Resident(ctx, city, w.head.ID); r.Phone != "13812345678" {
			t.Errorf("an empty phone cleared it: %q", r.Phone)
		}
		form.Set("clear_phone", "1")
		w.saved(t, gridA, target, form, "resident_saved")
		if r, _, _ = w.s.Resident(ctx, city, w.head.ID); r.Phone != "" {
			t.Errorf("clear_phone kept the phone: %q", r.Phone)
		}

		bad := values()
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("ethnicity", "火星族")
		bad.Set("permit_registered_on", "2026-10-01")
		bad.Set("permit_expires_on", "2026-09-01")
		w.refused(t, gridA, target, bad, "民族：不在代码表", "不能早于居住登记日期", `value="李建华"`, `name="clear_phone" value="1" checked`)
		_, body = w.get(gridA, target+"?lang=en")
		mustContain(t, body, "Clear the phone", "Member of the Communist Party of China", "Living where registered")
	})
}

func TestMoveForm_MovesOnADayAndKeepsItInTheHistory(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		target := "/residents/" + w.head.ID + "/move"
		_, body := w.get(community, target)
		mustContain(t, body, "迁入户号", "与新户户主的关系", `value="2026-11-27"`, "迁移原因")
		w.refused(t, gridA, target, values("household_no", "H002", "relation", "02", "on", "2026-11-27"), "迁入户号", "找不到该户")
		w.refused(t, community, target, values("household_no", "H002", "relation", "02", "on", "2026-11-01"), "日期：不能早于 2026-11-27", `value="H002"`, `aria-invalid="true"`)
		w.refused(t, community, target, values("household_no", "H001", "relation", "02", "on", "2026-11-27"), "该居民已在这一户中")
		w.saved(t, community, target, values("household_no", "H002", "relation", "02", "on", "2026-11-27", "reason", "购房迁居"), "moved")
		_, body = w.get(community, "/residents/"+w.head.ID+"?done=moved")
		mustContain(t, body, "已迁至新户", "从 H001 迁至 H002", "购房迁居", `<a href="/households/`+w.hB.ID+`">H002</a>`)
	})
}

func TestDeregisterForm_KeepsThePersonWithTheirStatusAndRegisterBringsThemBack(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		target := "/residents/" + w.head.ID + "/deregister"
		_, body := w.get(community, target)
		mustContain(t, body, "data-confirm=", "死亡", "失踪", "迁出(离开)本地", "其他", "注销不是删除")
		w.refused(t, community, target, values("reason", "", "on", "2026-11-27"), "注销原因", "原因：不能为空")
		w.refused(t, community, target, values("reason", "1", "on", "2026-12-01"), "不能晚于今天", `value="2026-12-01"`, `aria-invalid="true"`)
		w.refused(t, community, target, values("reason", "1", "on", "2026-11-01"), "不能早于 2026-11-27")
		w.saved(t, community, target, values("reason", "1", "on", "2026-11-27", "note", "死亡医学证明"), "deregistered")

		_, body = w.get(community, "/residents/"+w.head.ID)
		mustContain(t, body, "已注销 · 死亡 · 2026-11-27", "死亡医学证明", `href="/residents/`+w.head.ID+`/register"`)
		mustNotContain(t, body, `/residents/`+w.head.ID+`/move"`)
		_, body = w.get(community, "/households/"+w.hA.ID)
		mustContain(t, body, "0 人", "这一户还没有登记成员", "已注销的成员", "已注销 · 死亡 · 2026-11-27")
		_, body = w.get(community, "/search?q=李建国")
		mustContain(t, body, "已注销 · 死亡")
		w.refused(t, community, target, values("reason", "1", "on", "2026-11-27"), "该居民已注销")

		back := "/residents/" + w.head.ID + "/register"
		_, body = w.get(community, back)
		mustContain(t, body, `value="H001"`, "出生", "迁入")
		w.saved(t, community, back, values("household_no", "H001", "relation", "02", "reason", "2", "on", "2026-11-27"), "registered")
		_, body = w.get(community, "/residents/"+w.head.ID)
		mustContain(t, body, "迁入", "死亡医学证明")
		mustNotContain(t, body, "已注销 ·")
	})
}

func TestSplitForm_SplitsWithAHeadOnEachSide(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		spouse, err := w.s.CreateResident(context.Background(), city, registry.ResidentInput{Name: "王秀英",
			IDNumber: idNumber("450403", "19680520", "002"), HouseholdNo: "H001", Relation: "10", PopulationType: "registered"})
		if err != nil {
			t.Fatal(err)
		}
		target := "/households/" + w.hA.ID + "/split"
		_, body := w.get(community, target)
		mustContain(t, body, "data-confirm=", `name="member" value="`+spouse.ID+`"`, `name="relation_`+spouse.ID+`"`, "新户", "分户日期")
		form := values("member", spouse.ID, "relation_"+spouse.ID, "10", "household_no", "H020", "grid_code", orgtest.Grid,
			"address", "梧州市万秀区东兴路12号3栋202室", "on", "2026-11-27")
		w.refused(t, community, target, form, "分出的成员中须有一人为户主", `value="H020"`)
		form = values("member", w.head.ID, "relation_"+w.head.ID, "02", "household_no", "H020", "grid_code", orgtest.Grid,
			"address", "梧州市万秀区东兴路12号3栋202室", "on", "2026-11-27")
		w.refused(t, community, target, form, "原户留下的成员中须有户主")
		if _, _, err := w.s.HouseholdByNo(context.Background(), city, "H020"); err == nil {
			t.Fatal("a refused split wrote the household")
		}
		form = values("member", spouse.ID, "relation_"+spouse.ID, "02", "household_no", "H020", "grid_code", orgtest.Grid,
			"address", "梧州市万秀区东兴路12号3栋202室", "on", "2026-11-27")
		path := w.saved(t, community, target, form, "split")
		_, body = w.get(community, path+"?done=split")
		mustContain(t, body, "户号 H020", "王秀英", "户主", "1 人", "已分户")
		_, body = w.get(community, "/residents/"+spouse.ID)
		mustContain(t, body, "从 H001 迁至 H020", "分户")
	})
}

func TestMergeForm_ShowsWhatWillHappenThenMerges(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		ctx := context.Background()
		if _, err := w.s.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H030", GridCode: orgtest.Grid, Address: "东兴路12号3栋202室"}); err != nil {
			t.Fatal(err)
		}
		son, err := w.s.CreateResident(ctx, city, registry.ResidentInput{Name: "李军", IDNumber: idNumber("450403", "19900101", "011"),
			HouseholdNo: "H030", Relation: "02", PopulationType: "registered"})
		if err != nil {
			t.Fatal(err)
		}
		target := "/households/" + w.hA.ID + "/merge"
		_, body := w.get(community, target)
		mustContain(t, body, "要并入的户号", "下一步", "李建国")
		code, body := w.get(community, target+"?household_no=H001")
		if code != http.StatusBadRequest {
			t.Errorf("merging a household with itself: %d, want 400", code)
		}
		mustContain(t, body, "不能与本户或已注销的户合户")
		_, body = w.get(community, target+"?household_no=NOPE")
		mustContain(t, body, "找不到该户")
		_, body = w.get(community, target+"?household_no=H030")
		mustContain(t, body, "data-confirm=", "李军", `name="relation_`+son.ID+`"`, "户 H030", "随后注销")

		w.refused(t, community, target, values("household_no", "H030", "relation_"+son.ID, "02", "on", "2026-11-27"),
			"本户已有户主", "李军")
		w.saved(t, community, target, values("household_no", "H030", "relation_"+son.ID, "22", "on", "2026-11-27"), "merged")
		_, body = w.get(community, "/households/"+w.hA.ID+"?done=merged")
		mustContain(t, body, "已合户", "2 人", "李军", "长子")
		other, _, err := w.s.HouseholdByNo(ctx, city, "H030")
		if err != nil {
			t.Fatal(err)
		}
		_, body = w.get(community, "/households/"+other.ID)
		mustContain(t, body, "合户并入他户")
		mustNotContain(t, body, "/merge\"", "/split\"")
	})
}
