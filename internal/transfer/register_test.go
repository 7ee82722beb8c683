package transfer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
	"shequ/internal/transfer"
)

// A man for the files below: the 17th digit of an ID number is odd for a man.
var idMa = idNumber("450403", "19960808", "035")

// residentLine writes a row of a residents file with every column of the template,
// from the cells given by field.
func residentLine(cells map[string]string) string {
	fields := transfer.Residents.Headers("en")
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = cells[f]
	}
	return strings.Join(out, ",")
}

// fullResidentHeader is the header row of a residents template, in Chinese.
func fullResidentHeader() string { return strings.Join(transfer.Residents.Headers("zh-CN"), ",") }

// stored reads one column of the resident whose ID number is idNumber.
func stored(t *testing.T, d *db.DB, column, idNumber string) string {
	t.Helper()
	return query(t, d, `SELECT COALESCE(`+column+`, '') FROM residents WHERE id_number_bidx = $1`, bidx(d, idNumber))
}

// nationalFile is a register of two households written the way a police household
// extract writes it: relations by GB/T 4761 name or code (长子, 女婿, 祖母, 20, the
// legacy 03), 民族 by name, code or legacy name (汉族, 壮族, 08, 毛难族, 汉).
func nationalFile() (households, residents string) {
	households = strings.Join([]string{
		"户编号,网格代码,小区/街路巷,门牌号,楼栋,单元,楼层,房号,建立日期",
		"H010," + orgtest.Grid + ",民主路,12,3栋,2,5,501,2013年5月20日",
	}, "\r\n") + "\r\n"
	residents = strings.Join([]string{
		"姓名,公民身份号码,户编号,与户主关系,与户主关系代码,人口类型,民族,民族代码,婚姻状况",
		"孙丽," + idSun + ",H002,户主,,户籍,汉族,,",
		"孙小," + idSun3 + ",H002,长子,,户籍,壮族,,未婚",
		"孙强," + idSun2 + ",H002,祖母,62,户籍,,08,丧偶",
		"刘洋," + idLiu + ",H010,03,,流动,毛难族,,",
		"刘伟," + idLiu3 + ",H010,,20,流动,汉,,",
		"马力," + idMa + ",H010,女婿,,流动,,08,已婚",
	}, "\r\n") + "\r\n"
	return households, residents
}

// What nationalFile stores: relation, ethnicity and marital status by ID number.
var nationalCodes = map[string][3]string{
	idSun:  {"02", "01", ""},
	idSun3: {"22", "08", "10"},
	idSun2: {"62", "08", "30"},
	idLiu:  {"03", "36", ""},
	idLiu3: {"20", "01", ""},
	idMa:   {"28", "08", "20"},
}

func TestImport_AGB18030FileAndAWorkbookWithNationalCodesAndNamesImport(t *testing.T) {
	households, residents := nationalFile()
	split := func(text string) [][]string {
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSpace(text), "\r\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		return rows
	}
	for _, tc := range []struct {
		name                  string
		households, residents func(t *testing.T) string
		encoding              string
	}{
		{"GB18030 CSV",
			func(t *testing.T) string { return writeFile(t, "户.csv", gb18030(t, households)) },
			func(t *testing.T) string { return writeFile(t, "居民.csv", gb18030(t, residents)) }, "gb18030"},
		{"xlsx",
			func(t *testing.T) string { return writeFile(t, "户.xlsx", workbook(t, split(households))) },
			func(t *testing.T) string { return writeFile(t, "居民.xlsx", workbook(t, split(residents))) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				svc := seed(t, d)
				res := importAs(t, svc, auth.System(), transfer.Households, tc.households(t), transfer.Options{})
				if !res.OK() || res.Inserted != 1 || (tc.encoding != "" && res.Encoding != tc.encoding) {
					t.Fatalf("households: %+v", res)
				}
				if got := query(t, d, `SELECT address || '|' || established_on FROM households WHERE household_no = 'H010'`); got != "民主路12号3栋2单元5楼501|2013-05-20" {
					t.Errorf("H010 stored as %s", got)
				}
				res = importAs(t, svc, auth.System(), transfer.Residents, tc.residents(t), transfer.Options{})
				if !res.OK() || res.Inserted != len(nationalCodes) {
					t.Fatalf("residents: %+v", res)
				}
				for id, want := range nationalCodes {
					got := [3]string{stored(t, d, "relation", id), stored(t, d, "ethnicity", id), stored(t, d, "marital_status", id)}
					if got != want {
						t.Errorf("%s stored relation, ethnicity, marital status %v, want %v", stored(t, d, "name", id), got, want)
					}
				}
			})
		})
	}
}

// Every resident an import registers opens their period on the register on the
// day they were registered, the import's day unless the file gives one: the
// register as of any day (registry.SyncPeriod) counts them from then on.
func TestImport_EachNewResidentOpensOnePeriodFromTheDayOfRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, fullResidentHeader(),
			residentLine(map[string]string{"name": "孙丽", "id_number": idSun, "household_no": "H002", "relation": "户主",
				"population_type": "户籍", "registered_on": "2015/3/2", "registered_reason": "出生"}),
			residentLine(map[string]string{"name": "孙强", "id_number": idSun2, "household_no": "H002", "relation": "配偶",
				"population_type": "流动"}),
		), transfer.Options{})
		if !res.OK() || res.Inserted != 2 {
			t.Fatalf("import: %+v", res)
		}
		for id, want := range map[string]string{idSun: "2015-03-02|1", idSun2: "2026-11-27|9"} {
			if got := stored(t, d, "registered_on", id) + "|" + stored(t, d, "registered_reason", id); got != want {
				t.Errorf("%s registered %s, want %s", id, got, want)
			}
		}
		var bad int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM residents r WHERE r.deregistered_on IS NULL
			AND 1 <> (SELECT COUNT(*) FROM resident_periods p WHERE p.resident_id = r.id AND p.ends_on IS NULL
				AND p.starts_on = r.registered_on AND p.household_id = r.household_id AND p.org_code = r.org_code
				AND p.population_type = r.population_type)`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Errorf("%d registered residents without exactly one open period from their registration", bad)
		}
	})
}

// A resident whose population type an import changes stays counted as they were
// until the day of the import: their period ends that day and a new one begins.
func TestImport_AChangedPopulationTypeOpensANewPeriodOnTheImportsDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		later := transfer.NewService(d, bundle(t), func() time.Time { return time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC) })
		// 17:00 UTC on 31 December is 1 January in Beijing.
		res := importAs(t, later, auth.System(), transfer.Residents, csvFile(t, residentHeader,
			"李建国,"+idLi+",H001,户主,流动,13812345678,低保"), transfer.Options{})
		if !res.OK() || res.Updated != 1 {
			t.Fatalf("import: %+v", res)
		}
		id := query(t, d, `SELECT id FROM residents WHERE id_number_bidx = $1`, bidx(d, idLi))
		rows, err := d.Read().QueryContext(context.Background(), `SELECT starts_on, COALESCE(ends_on, ''), population_type
			FROM resident_periods WHERE resident_id = $1 ORDER BY starts_on`, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var from, to, pop string
			if err := rows.Scan(&from, &to, &pop); err != nil {
				t.Fatal(err)
			}
			got = append(got, from+"…"+to+" "+pop)
		}
		if want := []string{"2013-05-01…2027-01-01 registered", "2027-01-01… floating"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("periods %q, want %q", got, want)
		}
	})
}

// The import's day is the city's: 20:00 UTC on 27 November is already the 28th in
// Beijing, the day a household and a resident that give none are dated.
func TestImport_DatesWhatTheFileDoesNotDateByTheCitysDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		evening := transfer.NewService(d, bundle(t), func() time.Time { return time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC) })
		if res := importAs(t, evening, auth.System(), transfer.Households, csvFile(t, householdHeader, goodHousehold), transfer.Options{}); !res.OK() {
			t.Fatalf("households: %+v", res)
		}
		if res := importAs(t, evening, auth.System(), transfer.Residents, csvFile(t, residentHeader, goodResident), transfer.Options{}); !res.OK() {
			t.Fatalf("residents: %+v", res)
		}
		if got := query(t, d, `SELECT established_on FROM households WHERE household_no = 'H010'`); got != "2026-11-28" {
			t.Errorf("household established on %s, want 2026-11-28", got)
		}
		if got := stored(t, d, "registered_on", idSun); got != "2026-11-28" {
			t.Errorf("resident registered on %s, want 2026-11-28", got)
		}
		utc := evening.WithZone(time.UTC)
		if res := importAs(t, utc, auth.System(), transfer.Households, csvFile(t, householdHeader,
			"H011,"+orgtest.Grid+",梧州市万秀区东兴路31号,"), transfer.Options{}); !res.OK() {
			t.Fatalf("households in UTC: %+v", res)
		}
		if got := query(t, d, `SELECT established_on FROM households WHERE household_no = 'H011'`); got != "2026-11-27" {
			t.Errorf("household established in a city on UTC on %s, want 2026-11-27", got)
		}
		// Without a zone of its own the service takes the request's, as the server
		// sets it (serve --tz).
		r, err := sheet.Open(csvFile(t, householdHeader, "H012,"+orgtest.Grid+",梧州市万秀区东兴路32号,"), sheet.CSV, sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if res, err := evening.Import(web.WithZone(context.Background(), time.UTC), auth.System(), transfer.Households, r, transfer.Options{}); err != nil || !res.OK() {
			t.Fatalf("households in a request in UTC: %v %+v", err, res)
		}
		if got := query(t, d, `SELECT established_on FROM households WHERE household_no = 'H012'`); got != "2026-11-27" {
			t.Errorf("household established in a request in UTC on %s, want 2026-11-27", got)
		}
	})
}

// A row with problems of its own is still looked up: an unknown household, a 现住址
// that does not exist, an ID number registered in another household are listed in
// the same report as its wrong phone, not after the phone is fixed (issue 10 item 9).
func TestImport_ListsTheLookupsProblemsWithTheRowsOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, fullResidentHeader(),
			residentLine(map[string]string{"name": "孙丽", "id_number": idSun, "household_no": "H002", "relation": "户主", "population_type": "户籍"}),
			residentLine(map[string]string{"name": "孙强", "id_number": idSun2, "household_no": "H999", "relation": "配偶",
				"population_type": "户籍", "phone": "12345"}),
			residentLine(map[string]string{"id_number": idSun3, "household_no": "H998", "relation": "子", "population_type": "户籍",
				"lives_in_household_no": "H997"}),
			residentLine(map[string]string{"name": "李建国", "id_number": idLi, "household_no": "H002", "relation": "户主",
				"population_type": "户籍", "ethnicity": "火星族"}),
		), transfer.Options{})
		refused(t, res)
		for _, want := range []struct {
			row         int
			column, key string
		}{
			{3, "联系电话", "phone.format"}, {3, "户编号", "household.not_found"},
			{4, "姓名", "required"}, {4, "户编号", "household.not_found"}, {4, "现住址户编号", "household.not_found"},
			{5, "民族", "code.unknown"}, {5, "公民身份号码", "transfer.resident_elsewhere"},
		} {
			problem(t, res, want.row, want.column, want.key)
		}
		if res.ProblemCount != 7 {
			t.Errorf("%d problems, want 7: %+v", res.ProblemCount, res.Problems)
		}
		assertUnchanged(t, d, before)

		res = importAs(t, svc, auth.System(), transfer.Households, csvFile(t, "户编号,网格代码,地址,楼栋,建立日期",
			"H011,450403001001099,梧州市万秀区东兴路31号,,去年"), transfer.Options{})
		refused(t, res)
		problem(t, res, 2, "建立日期", "sheet.date")
		problem(t, res, 2, "网格代码", "household.grid_not_found")
	})
}

// A problem shows the value the file held when it is not a valid ID number or
// phone, so that the user sees what they typed; a valid one is someone's, and is
// masked as on every page (issue 10 item 9).
func TestImport_ProblemsShowWrongNumbersAsTypedAndMaskValidOnes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, communityUser, transfer.Residents, csvFile(t, residentHeader,
			goodResident,
			"孙强,"+idWrong+",H002,配偶,户籍,1381234,",
			"孙丽丽,"+idSun+",H002,配偶,户籍,13900002222,",
			"赵敏,"+idZhao+",H001,其他,户籍,,",
		), transfer.Options{})
		refused(t, res)
		for _, want := range []struct {
			row         int
			column, key string
			value       string
		}{
			{3, "公民身份号码", "id_number.check_digit", idWrong},
			{3, "联系电话", "phone.format", "1381234"},
			{4, "公民身份号码", "transfer.duplicate", pii.MaskIDNumber(idSun)},
			{5, "公民身份号码", "resident.id_taken", pii.MaskIDNumber(idZhao)},
		} {
			if got, ok := problem(t, res, want.row, want.column, want.key); ok && got.Value != want.value {
				t.Errorf("row %d %s: value %q, want %q", want.row, want.column, got.Value, want.value)
			}
		}
		for _, p := range res.Problems {
			if strings.Contains(p.Value, idSun) || strings.Contains(p.Value, idZhao) {
				t.Errorf("a valid ID number in full: %+v", p)
			}
		}
	})
}

// A value that is neither a code nor a name of its table, in any coded column, is a
// problem naming the row and the column; so are a 现住址 that does not exist and
// dates that cannot be. Nothing is written.
func TestImport_RefusesValuesOutsideTheirTables(t *testing.T) {
	good := map[string]string{"name": "孙丽", "id_number": idSun, "household_no": "H002", "relation": "户主", "population_type": "流动"}
	for _, tc := range []struct {
		field, value, column, key string
	}{
		{"relation", "朋友", "与户主关系", "code.unknown"},
		{"relation_code", "2", "与户主关系代码", "code.unknown"},
		{"relation_code", "10", "与户主关系代码", "transfer.code_mismatch"},
		{"ethnicity", "火星族", "民族", "code.unknown"},
		{"ethnicity_code", "99", "民族代码", "code.unknown"},
		{"marital_status", "同居", "婚姻状况", "code.unknown"},
		{"education", "私塾", "文化程度", "code.unknown"},
		{"political_status", "民主党派", "政治面貌", "code.unknown"},
		{"residence_status", "4", "人户状态", "code.unknown"},
		{"registered_reason", "出国", "登记原因", "code.unknown"},
		{"inflow_reason", "旅游", "流入原因", "code.unknown"},
		{"hukou_region", "4504", "户籍地代码", "resident.region"},
		{"lives_in_household_no", "H999", "现住址户编号", "household.not_found"},
		{"registered_on", "2030-01-01", "登记日期", "date.future"},
		{"registered_on", "明天", "登记日期", "sheet.date"},
		{"permit_expires_on", "2019-12-31", "居住证到期日", "resident.permit_expires_before_registered"},
	} {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				svc := seed(t, d)
				cells := map[string]string{"permit_registered_on": "2020-01-01"}
				for k, v := range good {
					cells[k] = v
				}
				cells[tc.field] = tc.value
				before := rowCounts(t, d)
				res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, fullResidentHeader(), residentLine(cells)), transfer.Options{})
				refused(t, res)
				if p, ok := problem(t, res, 2, tc.column, tc.key); ok && p.Value != tc.value {
					t.Errorf("value %q, want %q", p.Value, tc.value)
				}
				if res.ProblemCount != 1 {
					t.Errorf("%d problems, want 1: %+v", res.ProblemCount, res.Problems)
				}
				assertUnchanged(t, d, before)
			})
		})
	}
}

// The local dictionary of 流入原因 is read by code or by name, and so are the
// local tables of 人户状态 and 登记原因.
func TestImport_ReadsTheLocalTablesByCodeOrName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, fullResidentHeader(),
			residentLine(map[string]string{"name": "孙丽", "id_number": idSun, "household_no": "H002", "relation": "户主",
				"population_type": "流动", "inflow_reason": "经商", "residence_status": "人在户不在", "registered_reason": "2",
				"permit_no": "4504002021000001", "permit_registered_on": "2021-04-01", "permit_expires_on": "2026年4月1日"}),
			residentLine(map[string]string{"name": "孙强", "id_number": idSun2, "household_no": "H002", "relation": "配偶",
				"population_type": "流动", "inflow_reason": "03", "residence_status": "2", "registered_reason": "迁入"}),
		), transfer.Options{})
		if !res.OK() || res.Inserted != 2 {
			t.Fatalf("import: %+v", res)
		}
		for id, want := range map[string]string{idSun: "02|2|2|2021-04-01|2026-04-01", idSun2: "03|2|2||"} {
			got := strings.Join([]string{stored(t, d, "inflow_reason", id), stored(t, d, "residence_status", id),
				stored(t, d, "registered_reason", id), stored(t, d, "permit_registered_on", id), stored(t, d, "permit_expires_on", id)}, "|")
			if got != want {
				t.Errorf("stored %s, want %s", got, want)
			}
		}
	})
}

// Files exported before the national codes — 与户主关系 as 子女 or child, 党员 among
// the tags — import as the codes they mean: a child by the sex of the ID number,
// 党员 as the political status.
func TestImport_ReadsFilesExportedBeforeTheCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, residentHeader,
			"孙丽,"+idSun+",H002,head,registered,,party_member",
			"孙小,"+idSun3+",H002,子女,户籍,,",
			"孙强,"+idSun2+",H002,child,registered,,",
			"刘洋,"+idLiu+",H002,孙子女,户籍,,党员、低保",
			"刘伟,"+idLiu3+",H002,sibling,户籍,,",
		), transfer.Options{})
		if !res.OK() || res.Inserted != 5 {
			t.Fatalf("import: %+v", res)
		}
		for id, want := range map[string]string{idSun: "02|01", idSun3: "20|", idSun2: "30|", idLiu: "40|01", idLiu3: "70|"} {
			if got := stored(t, d, "relation", id) + "|" + stored(t, d, "political_status", id); got != want {
				t.Errorf("%s: relation|political %s, want %s", id, got, want)
			}
		}
		if got := query(t, d, `SELECT COUNT(*) FROM resident_tags WHERE tag = 'party_member'`); got != "0" {
			t.Errorf("%s party_member tags stored", got)
		}
	})
}

// A sheet of some columns only — names and phones, as offices exchange them —
// updates what it has and keeps the rest as stored.
func TestImport_AFileWithoutAColumnKeepsWhatItHolds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, "姓名,公民身份号码,户编号,与户主关系,人口类型,联系电话",
			"李建国,"+idLi+",H001,户主,户籍,13900009999"), transfer.Options{})
		if !res.OK() || res.Updated != 1 {
			t.Fatalf("import: %+v", res)
		}
		id := query(t, d, `SELECT id FROM residents WHERE id_number_bidx = $1`, bidx(d, idLi))
		r, _, err := registry.NewService(d, fixedNow, time.UTC).Resident(context.Background(), auth.System(), id)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintln(r.Phone, r.Tags, r.Ethnicity, r.MaritalStatus, r.Education, r.PoliticalStatus, r.HukouRegion, r.HukouAddress,
			r.RegisteredOn, r.RegisteredReason)
		if want := "13900009999 [dibao] 01 20 21 01 450403 梧州市万秀区东兴路12号 2013-05-01 2\n"; got != want {
			t.Errorf("after the import %s, want %s", got, want)
		}
	})
}

// A registration is history: an import does not redate it, and says so.
func TestImport_DoesNotChangeARegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		line := func(on, reason string) string {
			return csvFile(t, fullResidentHeader(), residentLine(map[string]string{"name": "李建国", "id_number": idLi, "household_no": "H001",
				"relation": "户主", "population_type": "户籍", "phone": "13812345678", "tags": "低保", "ethnicity": "汉族",
				"marital_status": "已婚", "education": "大学本科毕业", "political_status": "中国共产党党员", "hukou_region": "450403",
				"hukou_address": "梧州市万秀区东兴路12号", "registered_on": on, "registered_reason": reason}))
		}
		for _, tc := range []struct{ on, reason, column string }{{"2013-06-01", "迁入", "登记日期"}, {"2013-05-01", "出生", "登记原因"}} {
			res := importAs(t, svc, auth.System(), transfer.Residents, line(tc.on, tc.reason), transfer.Options{})
			refused(t, res)
			if p, ok := problem(t, res, 2, tc.column, "transfer.registration_fixed"); ok && !argIs(p, "on", "2013-05-01") {
				t.Errorf("args %v", p.Args)
			}
		}
		for _, on := range []string{"2013-05-01", ""} {
			if res := importAs(t, svc, auth.System(), transfer.Residents, line(on, ""), transfer.Options{}); !res.OK() || res.Unchanged != 1 {
				t.Errorf("registered on %q: %+v", on, res)
			}
		}
	})
}

// A deregistered resident (注销) is history: not exported, and a file naming them
// is refused — they come back through 登记, which dates and explains it.
func TestImport_ADeregisteredResidentIsNotExportedNorImportedBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		reg := registry.NewService(d, fixedNow, time.UTC)
		id := query(t, d, `SELECT id FROM residents WHERE id_number_bidx = $1`, bidx(d, idWang))
		if _, err := reg.Deregister(context.Background(), auth.System(), id, registry.DeregisterInput{Reason: "3", On: "2026-11-01"}); err != nil {
			t.Fatal(err)
		}
		data, n := exportCSV(t, svc, auth.System(), transfer.Residents, "zh-CN")
		if n != 2 || strings.Contains(string(data), "王芳") {
			t.Errorf("export of %d rows:\n%s", n, data)
		}
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, residentHeader, "王芳,"+idWang+",H001,配偶,户籍,,"), transfer.Options{})
		refused(t, res)
		problem(t, res, 2, "公民身份号码", "resident.deregistered")
	})
}

// A household is given by its address as one text, as files always did, or by its
// parts, the address then rendered from them; a file with neither is refused at its
// header.
func TestImportHouseholds_TakesTheAddressWholeOrInParts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Households, csvFile(t, "户编号,网格代码,街路巷,门牌号,楼栋,单元号,楼层,房间号",
			"H010,"+orgtest.Grid+",民主路,12号,3栋,2单元,5,501",
			"H011,"+orgtest.Grid+",民主路,14,,,,",
		), transfer.Options{})
		if !res.OK() || res.Inserted != 2 {
			t.Fatalf("parts: %+v", res)
		}
		for no, want := range map[string]string{"H010": "民主路12号3栋2单元5楼501|民主路|12号|2单元|5|501", "H011": "民主路14号|民主路|14|||"} {
			if got := query(t, d, `SELECT address || '|' || street || '|' || door_no || '|' || unit_no || '|' || floor_no || '|' || room_no
				FROM households WHERE household_no = $1`, no); got != want {
				t.Errorf("%s stored as %s, want %s", no, got, want)
			}
		}
		// The address alone, as it is: the parts stay. Another address: the parts,
		// which no longer describe it, go.
		res = importAs(t, svc, auth.System(), transfer.Households, csvFile(t, householdHeader,
			"H010,"+orgtest.Grid+",民主路12号3栋2单元5楼501,3栋", "H011,"+orgtest.Grid+",民主路16号,"), transfer.Options{})
		if !res.OK() || res.Unchanged != 1 || res.Updated != 1 {
			t.Fatalf("address alone: %+v", res)
		}
		if got := query(t, d, `SELECT address || '|' || street || '|' || door_no FROM households WHERE household_no = 'H011'`); got != "民主路16号||" {
			t.Errorf("H011 stored as %s", got)
		}
		res = importAs(t, svc, auth.System(), transfer.Households, csvFile(t, "户编号,网格代码,楼栋", "H012,"+orgtest.Grid+",3栋"), transfer.Options{})
		refused(t, res)
		problem(t, res, 1, "地址", "transfer.missing_column")
	})
}

// A big import sets the tables' read-only indexes and triggers aside while it
// writes (on SQLite), and leaves them as they were: the statistics' generation
// moves for the rows it wrote and for every write after it.
func TestImport_ABigFileLeavesIndexesAndTriggersAsTheyWere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		schema := func() string {
			if d.Dialect != db.SQLite {
				return ""
			}
			return query(t, d, `SELECT COALESCE(group_concat(name, ','), '') FROM (SELECT name FROM sqlite_master
				WHERE tbl_name = 'households' AND type IN ('index', 'trigger') ORDER BY name)`)
		}
		generation := func() int {
			return atoi(t, query(t, d, `SELECT CAST(COALESCE(SUM(n), 0) AS TEXT) FROM register_generations`))
		}
		before, gen := schema(), generation()
		lines := []string{householdHeader}
		for i := range 20100 {
			lines = append(lines, fmt.Sprintf("B%05d,%s,梧州市万秀区东兴路%d号,", i, orgtest.Grid, i))
		}
		if res := importAs(t, svc, auth.System(), transfer.Households, csvFile(t, lines...), transfer.Options{}); !res.OK() || res.Inserted != 20100 {
			t.Fatalf("import: %+v", res)
		}
		if after := schema(); after != before {
			t.Errorf("indexes and triggers on households after the import %q, before %q", after, before)
		}
		if g := generation(); g <= gen {
			t.Errorf("generation %d after the import, %d before", g, gen)
		}
		gen = generation()
		if _, err := registry.NewService(d, fixedNow, time.UTC).CreateHousehold(context.Background(), auth.System(),
			registry.HouseholdInput{No: "B99999", GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路1号"}); err != nil {
			t.Fatal(err)
		}
		if g := generation(); g <= gen {
			t.Errorf("a household added after the import left the generation at %d", g)
		}
	})
}

// A file of thousands of residents is written in bulk, the writes running beside the
// reading and checking of the rows after them: every row arrives, each with its
// period and tags.
func TestImport_ThousandsOfResidentsArriveWithTheirPeriodsAndTags(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		const n = 5000
		lines := []string{residentHeader}
		for i := range n {
			id := idNumber(fmt.Sprintf("4504%02d", 10+i/1000), "19800101", fmt.Sprintf("%03d", i%1000))
			lines = append(lines, fmt.Sprintf("居民%d,%s,H002,其他,户籍,,低保", i, id))
		}
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, lines...), transfer.Options{})
		if !res.OK() || res.Inserted != n {
			t.Fatalf("import: inserted %d, problems %d %+v", res.Inserted, res.ProblemCount, res.Problems[:min(3, len(res.Problems))])
		}
		got := query(t, d, `SELECT CAST(COUNT(*) AS TEXT) || '|' || CAST((SELECT COUNT(*) FROM resident_periods p JOIN residents r2 ON r2.id = p.resident_id
			WHERE r2.household_id = r.household_id AND p.ends_on IS NULL) AS TEXT) || '|' || CAST((SELECT COUNT(*) FROM resident_tags t
			JOIN residents r3 ON r3.id = t.resident_id WHERE r3.household_id = r.household_id) AS TEXT)
			FROM residents r JOIN households h ON h.id = r.household_id WHERE h.household_no = 'H002' GROUP BY r.household_id`)
		if want := fmt.Sprintf("%d|%d|%d", n, n, n); got != want {
			t.Errorf("residents|periods|tags of H002: %s, want %s", got, want)
		}
	})
}
