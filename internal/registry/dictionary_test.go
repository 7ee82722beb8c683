package registry_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/registry"
)

var district = auth.Principal{UserID: "di", Name: "区民政", Role: auth.RoleDistrict, OrgCode: orgtest.District}

// scalar reads one value of a query.
func scalar(t *testing.T, d *db.DB, query string, args ...any) string {
	t.Helper()
	var v string
	if err := d.Read().QueryRowContext(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// audited counts the audit records of action on object that went through.
func audited(t *testing.T, d *db.DB, action, object string) string {
	t.Helper()
	return scalar(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object = $2 AND outcome = 'ok'`, action, object)
}

// TestDictionaryPage_KeptByTheCityAndTheDistrictOnly: the 流入原因 dictionary is the
// whole city's, so the city and district offices keep it; a street office, which
// edits its own communities, a community, a grid and the read-only role are
// refused, and a dictionary the browser does not keep is not found.
func TestDictionaryPage_KeptByTheCityAndTheDistrictOnly(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		for _, p := range []auth.Principal{city, district} {
			code, body := w.get(p, "/dictionaries/inflow_reason")
			if code != http.StatusOK {
				t.Fatalf("%s: %d", p.Role, code)
			}
			mustContain(t, body, "流入原因字典", "务工", "经商", "就学", "投靠亲友", "随迁家属", "其他", "共 6 项", `name="code"`,
				`action="/dictionaries/inflow_reason"`, `href="/dictionaries/inflow_reason/01/retire"`)
			mustHaveNoRawKeys(t, body)
		}
		for _, p := range []auth.Principal{street, community, gridA, auditor} {
			if code, _ := w.get(p, "/dictionaries/inflow_reason"); code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", p.Role, code)
			}
			w.send(p, "/dictionaries/inflow_reason", values("code", "07", "entry_name", "探亲"))
		}
		if n := scalar(t, w.d, `SELECT COUNT(*) FROM dictionary_entries WHERE code = '07'`); n != "0" {
			t.Errorf("a refused user added an entry")
		}
		if n := scalar(t, w.d, `SELECT COUNT(*) FROM audit_log WHERE action = 'dictionary.create' AND outcome = 'denied'`); n != "4" {
			t.Errorf("%s refusals audited, want 4", n)
		}
		if code, _ := w.get(city, "/dictionaries/ethnicity"); code != http.StatusNotFound {
			t.Errorf("a national table as a local dictionary: %d, want 404", code)
		}
		if code, _ := w.get(city, "/dictionaries/inflow_reason/42/edit"); code != http.StatusNotFound {
			t.Errorf("an entry the dictionary lacks: %d, want 404", code)
		}
	})
}

// TestDictionaryPage_AddsRenamesAndRetiresEachWithItsAuditRecord: an entry added
// stands in its code's place; renamed, every record holding its code shows the new
// name; retired after a confirmation, it stays on the records that hold it and in
// what a file may carry, and no form offers it for a new resident.
func TestDictionaryPage_AddsRenamesAndRetiresEachWithItsAuditRecord(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		ctx := context.Background()
		page := w.saved(t, district, "/dictionaries/inflow_reason", values("code", " 06 ", "entry_name", " 投资兴业 ", "entry_name_en", "Investment"),
			"entry_added")
		_, body := w.get(district, page+"?done=entry_added")
		mustContain(t, body, "已添加字典项", "投资兴业", `<span lang="en">Investment</span>`, "共 7 项")
		inOrder(t, body, "随迁家属", "投资兴业", "其他")
		if n := audited(t, w.d, "dictionary.create", "dictionary:inflow_reason:06"); n != "1" {
			t.Errorf("%s audit records of the addition", n)
		}

		floating := registry.ResidentInput{Name: "韦小梅", IDNumber: idNumber("450403", "19950101", "024"), HouseholdNo: "H001",
			Relation: "80", PopulationType: "floating", InflowReason: "06"}
		r, err := w.s.CreateResident(ctx, city, floating)
		if err != nil {
			t.Fatal(err)
		}

		_, body = w.get(district, "/dictionaries/inflow_reason/06/edit")
		mustContain(t, body, `value="投资兴业"`, `value="Investment"`, "代码 06")
		w.saved(t, district, "/dictionaries/inflow_reason/06/edit", values("entry_name", "投资经营", "entry_name_en", ""), "entry_renamed")
		if n := audited(t, w.d, "dictionary.update", "dictionary:inflow_reason:06"); n != "1" {
			t.Errorf("%s audit records of the renaming", n)
		}
		_, body = w.get(community, "/residents/"+r.ID)
		mustContain(t, body, "投资经营")

		_, body = w.get(district, "/dictionaries/inflow_reason/06/retire")
		mustContain(t, body, "停用字典项", "已登记为“投资经营”的居民保留该流入原因", `action="/dictionaries/inflow_reason/06/retire"`, "确认停用")
		if got := scalar(t, w.d, `SELECT COUNT(*) FROM dictionary_entries WHERE dictionary = 'inflow_reason' AND code = '06' AND retired_on IS NULL`); got != "1" {
			t.Fatal("asking to confirm retired the entry")
		}
		w.saved(t, district, "/dictionaries/inflow_reason/06/retire", values(), "entry_retired")
		if n := audited(t, w.d, "dictionary.retire", "dictionary:inflow_reason:06"); n != "1" {
			t.Errorf("%s audit records of the retirement", n)
		}
		_, body = w.get(district, "/dictionaries/inflow_reason")
		mustContain(t, body, "2026-11-27 停用")
		mustNotContain(t, body, `href="/dictionaries/inflow_reason/06/retire"`)
		w.refused(t, district, "/dictionaries/inflow_reason/06/retire", values(), "已于 2026-11-27 停用")

		option := `<option value="06">投资经营</option>` // 06 alone is also 布依族, among the ethnicities
		_, body = w.get(community, "/households/"+w.hA.ID+"/residents/new")
		mustNotContain(t, body, option)
		mustContain(t, body, `<option value="01">务工</option>`)
		_, body = w.get(community, "/residents/"+r.ID+"/edit")
		mustContain(t, body, `<option value="06" selected>投资经营</option>`)
		_, body = w.get(community, "/residents/"+r.ID)
		mustContain(t, body, "投资经营")
		if _, err := w.s.UpdateResident(ctx, city, r.ID, registry.ResidentInput{Name: r.Name, HouseholdNo: "H001", Relation: "80",
			PopulationType: "floating", InflowReason: "06", Phone: ""}); err != nil {
			t.Errorf("a resident holding a retired reason could not be saved with it: %v", err)
		}

		_, body = w.get(community, "/households/"+w.hA.ID+"/residents/new?lang=en")
		mustContain(t, body, `<option value="01">务工</option>`) // no English name given: the Chinese one
	})
}

// TestDictionary_BadInputNamesTheFieldKeepsWhatWasTypedAndWritesNothing: a code
// that is empty, not letters and digits or taken (by a retired entry too), a name
// that is empty, too long or another entry's, each comes back beside its field.
func TestDictionary_BadInputNamesTheFieldKeepsWhatWasTypedAndWritesNothing(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		before := scalar(t, w.d, `SELECT COUNT(*) FROM dictionary_entries`)
		for _, tc := range []struct {
			code, name, nameEN string
			want               []string
		}{
			{"", "探亲", "", []string{"代码：不能为空", `value="探亲"`, `id="f-code-error"`}},
			{"0 7", "探亲", "", []string{"代码：应为 1 到 10 位字母或数字", `value="0 7"`}},
			{"零七", "探亲", "", []string{"应为 1 到 10 位字母或数字", `value="零七"`}},
			{"01234567890", "探亲", "", []string{"应为 1 到 10 位字母或数字"}},
			{"01", "探亲", "", []string{"代码：该代码已有字典项", `value="01"`}},
			{"07", "", "Visiting", []string{"名称：不能为空", `value="Visiting"`, `id="f-entry_name-error"`}},
			{"07", strings.Repeat("探", 31), "", []string{"名称：不能超过 30 个字"}},
			{"07", "探亲", strings.Repeat("v", 61), []string{"英文名称：不能超过 60 个字"}},
			{"07", "务工", "", []string{"名称：已有同名字典项", `value="务工"`}},
		} {
			w.refused(t, city, "/dictionaries/inflow_reason", values("code", tc.code, "entry_name", tc.name, "entry_name_en", tc.nameEN), tc.want...)
		}
		w.refused(t, city, "/dictionaries/inflow_reason/02/edit", values("entry_name", "务工"), "名称：已有同名字典项", `value="务工"`)
		w.refused(t, city, "/dictionaries/inflow_reason/02/edit", values("entry_name", " "), "名称：不能为空")
		if got := scalar(t, w.d, `SELECT COUNT(*) FROM dictionary_entries`); got != before {
			t.Errorf("%s entries, were %s", got, before)
		}
		if got := scalar(t, w.d, `SELECT name FROM dictionary_entries WHERE dictionary = 'inflow_reason' AND code = '02'`); got != "经商" {
			t.Errorf("02 renamed to %s", got)
		}
		if got := scalar(t, w.d, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'dictionary.%'`); got != "0" {
			t.Errorf("%s audit records of refused input", got)
		}
	})
}
