package transfer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/sheet"
	"shequ/internal/registry"
	"shequ/internal/staff"
	"shequ/internal/transfer"
)

func fixedNow() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

var (
	communityUser = auth.Principal{UserID: "c1", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	streetUser    = auth.Principal{UserID: "s1", Role: auth.RoleStreet, OrgCode: orgtest.Street}
	gridUser      = auth.Principal{UserID: "g1", Role: auth.RoleGrid, OrgCode: orgtest.Grid}
)

// idNumber makes a valid ID number born on birth (YYYYMMDD) with sequence seq.
func idNumber(area, birth, seq string) string {
	s := area + birth + seq
	return s + string(pii.CheckDigit(s))
}

func wrongCheckDigit(id string) string {
	if id[17] == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

// The people of the seeded register, and those the files below add to it.
var (
	idLi   = idNumber("450403", "19650312", "001") // head of H001, Grid
	idWang = idNumber("450403", "19680521", "002") // spouse in H001
	idZhao = idNumber("450404", "19400815", "003") // head of H003, Grid2 in Community2
	idChen = idNumber("450403", "19880101", "011") // worker of Community, grids Grid and GridB
	idZhou = idNumber("450404", "19750606", "013") // worker of Community2, grid Grid2

	idSun   = idNumber("450403", "19900101", "021")
	idSun2  = idNumber("450403", "19910202", "022")
	idSun3  = idNumber("450403", "20150303", "023")
	idLiu   = idNumber("450403", "19920404", "031")
	idLiu2  = idNumber("450403", "19930505", "032")
	idLiu3  = idNumber("450403", "19940606", "033")
	idLiu4  = idNumber("450403", "19950707", "034")
	idWrong = wrongCheckDigit(idNumber("450403", "19800808", "041"))
	idFeb31 = idNumber("450403", "19900231", "042")
)

// seed builds the test city with three households, three residents and two
// workers, written through the registry and staff services, and returns the
// transfer service on it.
func seed(t *testing.T, d *db.DB) *transfer.Service {
	t.Helper()
	orgtest.Build(t, d)
	ctx := context.Background()
	reg := registry.NewService(d, fixedNow, time.UTC)
	for _, in := range []registry.HouseholdInput{
		{No: "H001", GridCode: orgtest.Grid, Address: "梧州市万秀区东兴路12号3栋201室", Building: "3栋", Established: "2012-01-01"},
		{No: "H002", GridCode: orgtest.GridB, Address: "梧州市万秀区东兴路20号1栋101室", Building: "1栋"},
		{No: "H003", GridCode: orgtest.Grid2, Street: "南环路", DoorNo: "8", Building: "2栋", UnitNo: "1", FloorNo: "3", RoomNo: "302",
			Established: "2010-06-01"},
	} {
		if _, err := reg.CreateHousehold(ctx, auth.System(), in); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range []registry.ResidentInput{
		{Name: "李建国", IDNumber: idLi, HouseholdNo: "H001", Relation: "head", PopulationType: "registered",
			Phone: "138 1234 5678", Tags: []string{"party_member", "dibao"}, Ethnicity: "汉族", MaritalStatus: "已婚", Education: "21",
			HukouRegion: "450403", HukouAddress: "梧州市万秀区东兴路12号", RegisteredOn: "2013-05-01", RegisteredReason: "迁入"},
		{Name: "王芳", IDNumber: idWang, HouseholdNo: "H001", Relation: "spouse", PopulationType: "registered", Phone: "0774-3821234",
			Ethnicity: "08", PoliticalStatus: "13", RegisteredOn: "2014-02-03"},
		{Name: "赵敏", IDNumber: idZhao, HouseholdNo: "H003", Relation: "head", PopulationType: "floating",
			Tags: []string{"elderly_alone"}, HukouRegion: "450102", LivesInNo: "H001", ResidenceStatus: "3", InflowReason: "01",
			PermitNo: "450400202000123", PermitRegisteredOn: "2020-03-01", PermitExpiresOn: "2027-03-01", RegisteredOn: "2020-02-15"},
	} {
		if _, err := reg.CreateResident(ctx, auth.System(), in); err != nil {
			t.Fatal(err)
		}
	}
	workers := staff.NewService(d, fixedNow)
	for _, in := range []staff.WorkerInput{
		{Name: "陈静", IDNumber: idChen, CommunityCode: orgtest.Community, Position: "grid_worker", Education: "21",
			HiredOn: "2013-05-20", Certificates: "社会工作者", GridCodes: []string{orgtest.Grid, orgtest.GridB}},
		{Name: "周强", IDNumber: idZhou, CommunityCode: orgtest.Community2, Position: "secretary_director", Education: "硕士研究生毕业",
			HiredOn: "2010-03-01", GridCodes: []string{orgtest.Grid2}},
	} {
		if _, err := workers.Create(ctx, auth.System(), in); err != nil {
			t.Fatal(err)
		}
	}
	return transfer.NewService(d, bundle(t), fixedNow)
}

// The header rows of the kinds, in Chinese, as a template has them.
const (
	orgHeader       = "代码,名称,层级,上级代码,成立年份,办公用房面积,编制数"
	householdHeader = "户编号,网格代码,地址,楼栋"
	residentHeader  = "姓名,公民身份号码,户编号,与户主关系,人口类型,联系电话,标签"
	staffHeader     = "姓名,公民身份号码,社区代码,职务,学历,入职日期,证书,网格代码"
	// staffTemplate is the header of a staff template and export: 学历 by name and
	// by code.
	staffTemplate = "姓名,公民身份号码,社区代码,职务,学历,学历代码,入职日期,证书,网格代码"
)

// A new row of each kind that imports into the seeded register without a problem.
var (
	goodUnit      = "450403001001003,东兴第三网格,网格," + orgtest.Community + ",,,"
	goodHousehold = "H010," + orgtest.Grid + ",梧州市万秀区东兴路30号,5栋"
	goodResident  = "孙丽," + idSun + ",H002,户主,户籍,13900001111,"
	goodWorker    = "刘洋," + idLiu + "," + orgtest.Community + ",委员,大专,2015-09-01,,"
)

// samples are the header and the good row of each kind.
var samples = map[transfer.Kind]struct{ header, good string }{
	transfer.Org:        {orgHeader, goodUnit},
	transfer.Households: {householdHeader, goodHousehold},
	transfer.Residents:  {residentHeader, goodResident},
	transfer.Staff:      {staffHeader, goodWorker},
}

// writeFile writes data to a file called name in a fresh directory and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// csvFile writes lines as a UTF-8 CSV file without a BOM, as a text editor saves one.
func csvFile(t *testing.T, lines ...string) string {
	t.Helper()
	return writeFile(t, "in.csv", []byte(strings.Join(lines, "\n")+"\n"))
}

// gb18030 encodes s the way Excel on Chinese Windows saves a CSV file.
func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// importAs imports the file at path, in the format its name says, as p.
func importAs(t *testing.T, svc *transfer.Service, p auth.Principal, kind transfer.Kind, path string, opt transfer.Options) *transfer.Result {
	t.Helper()
	format, err := sheet.FormatOf(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sheet.Open(path, format, sheet.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", filepath.Base(path), err)
	}
	defer r.Close()
	res, err := svc.Import(context.Background(), p, kind, r, opt)
	if err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
	return res
}

// exportCSV exports kind as p, the whole of p's scope, in lang.
func exportCSV(t *testing.T, svc *transfer.Service, p auth.Principal, kind transfer.Kind, lang string) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	w := sheet.NewCSV(&buf)
	n, err := svc.Export(context.Background(), p, kind, "", lang, w)
	if err != nil {
		t.Fatalf("export %s: %v", kind, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), n
}

// registerTables are every table an import writes to.
var registerTables = []string{"org_units", "households", "buildings", "residents", "resident_tags", "workers", "worker_grids"}

// rowCounts counts the rows of every table an import writes to.
func rowCounts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range registerTables {
		var n int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func assertUnchanged(t *testing.T, d *db.DB, before map[string]int) {
	t.Helper()
	after := rowCounts(t, d)
	for _, table := range registerTables {
		if after[table] != before[table] {
			t.Errorf("%s: %d rows after the refused import, %d before", table, after[table], before[table])
		}
	}
}

// refused checks an import found problems and committed nothing.
func refused(t *testing.T, res *transfer.Result) {
	t.Helper()
	if res.OK() || res.Committed {
		t.Errorf("import OK=%v committed=%v, want refused; problems %+v", res.OK(), res.Committed, res.Problems)
	}
}

// problem returns the problem of res on row and column with key, failing the test
// when there is none.
func problem(t *testing.T, res *transfer.Result, row int, column, key string) (transfer.Problem, bool) {
	t.Helper()
	for _, p := range res.Problems {
		if p.Row == row && p.Column == column && p.Key == key {
			return p, true
		}
	}
	t.Errorf("no problem %s on row %d column %q; problems: %+v", key, row, column, res.Problems)
	return transfer.Problem{}, false
}

func argIs(p transfer.Problem, name string, want any) bool {
	return fmt.Sprint(p.Args[name]) == fmt.Sprint(want)
}

// bidx is the blind index of an ID number, by which tests find a record.
func bidx(d *db.DB, idNumber string) string { return d.Keys().Index(crypt.IDNumber, idNumber) }

func query(t *testing.T, d *db.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := d.Read().QueryRowContext(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func TestImport_RefusesABadRowAndWritesNoneOfTheFile(t *testing.T) {
	mixed := append([]byte(strings.Join([]string{residentHeader, goodResident}, "\n")+"\n"),
		gb18030(t, "孙强,"+idSun2+",H002,配偶,户籍,,\n")...)
	for _, tc := range []struct {
		name   string
		kind   transfer.Kind
		p      auth.Principal
		data   []byte // the file; by default the kind's header, its good row, then bad
		bad    string
		column string
		key    string
		value  string
		args   map[string]any
	}{
		{name: "wrong check digit", kind: transfer.Residents, bad: "孙强," + idWrong + ",H002,配偶,户籍,,",
			column: "公民身份号码", key: "id_number.check_digit", value: idWrong},
		{name: "impossible birth date", kind: transfer.Residents, bad: "孙强," + idFeb31 + ",H002,配偶,户籍,,",
			column: "公民身份号码", key: "id_number.birth_date", value: idFeb31, args: map[string]any{"date": "19900231"}},
		{name: "ID number twice in the file", kind: transfer.Residents, bad: "孙丽丽," + idSun + ",H002,配偶,户籍,,",
			column: "公民身份号码", key: "transfer.duplicate", value: pii.MaskIDNumber(idSun), args: map[string]any{"row": 2}},
		{name: "ID number of a resident of another household", kind: transfer.Residents, bad: "李建国," + idLi + ",H002,其他,户籍,,",
			column: "公民身份号码", key: "transfer.resident_elsewhere", value: pii.MaskIDNumber(idLi), args: map[string]any{"household": "H001"}},
		{name: "worker's ID number twice in the file", kind: transfer.Staff, bad: "刘洋," + idLiu + "," + orgtest.Community + ",委员,本科,2016-01-01,,",
			column: "公民身份号码", key: "transfer.duplicate", value: pii.MaskIDNumber(idLiu), args: map[string]any{"row": 2}},
		{name: "unknown parent unit", kind: transfer.Org, bad: "450403001009001,无名网格,网格,450403001009,,,",
			column: "上级代码", key: "org.not_found", value: "450403001009"},
		{name: "unknown grid", kind: transfer.Households, bad: "H011,450403001001099,梧州市万秀区东兴路31号,",
			column: "网格代码", key: "household.grid_not_found", value: "450403001001099"},
		{name: "unknown household", kind: transfer.Residents, bad: "孙强," + idSun2 + ",H999,配偶,户籍,,",
			column: "户编号", key: "household.not_found", value: "H999"},
		{name: "unknown community", kind: transfer.Staff, bad: "刘敏," + idLiu2 + ",450403001099,委员,大专,2015-09-01,,",
			column: "社区代码", key: "org.not_found", value: "450403001099"},
		{name: "household in another community's grid", kind: transfer.Households, p: communityUser,
			bad:    "H011," + orgtest.Grid2 + ",梧州市万秀区南环路9号,",
			column: "网格代码", key: "transfer.out_of_scope", value: orgtest.Grid2},
		{name: "resident of another community's household", kind: transfer.Residents, p: communityUser,
			bad:    "赵强," + idSun2 + ",H003,子女,流动,,",
			column: "户编号", key: "household.not_found", value: "H003"},
		{name: "worker of another community", kind: transfer.Staff, p: communityUser,
			bad:    "刘敏," + idLiu2 + "," + orgtest.Community2 + ",委员,大专,2015-09-01,,",
			column: "社区代码", key: "transfer.out_of_scope", value: orgtest.Community2},
		{name: "unit under another street", kind: transfer.Org, p: streetUser,
			bad:    "450403002001002,南环第二网格,网格," + orgtest.Community2 + ",,,",
			column: "代码", key: "transfer.out_of_scope", value: "450403002001002"},
		{name: "empty name", kind: transfer.Residents, bad: "," + idSun2 + ",H002,配偶,户籍,,",
			column: "姓名", key: "required"},
		{name: "malformed phone", kind: transfer.Residents, bad: "孙强," + idSun2 + ",H002,配偶,户籍,12345,",
			column: "联系电话", key: "phone.format", value: "12345"},
		{name: "tag not in the list", kind: transfer.Residents, bad: "孙强," + idSun2 + ",H002,配偶,户籍,,党员、VIP",
			column: "标签", key: "resident.tag", value: "党员、VIP", args: map[string]any{"tag": "VIP"}},
		{name: "relation not in the list", kind: transfer.Residents, bad: "孙强," + idSun2 + ",H002,朋友,户籍,,",
			column: "与户主关系", key: "code.unknown", value: "朋友", args: map[string]any{"table": "GB/T 4761-2008"}},
		{name: "position not in the list", kind: transfer.Staff, bad: "刘敏," + idLiu2 + "," + orgtest.Community + ",保安,大专,2015-09-01,,",
			column: "职务", key: "worker.position", value: "保安"},
		{name: "education not in the list", kind: transfer.Staff, bad: "刘敏," + idLiu2 + "," + orgtest.Community + ",委员,小学,2015-09-01,,",
			column: "学历", key: "code.unknown", value: "小学", args: map[string]any{"table": "GB/T 4658-2006"}},
		{name: "education code not in the table", kind: transfer.Staff,
			data:   []byte(staffHeader + ",学历代码\n" + goodWorker + ",\n刘敏," + idLiu2 + "," + orgtest.Community + ",委员,,2015-09-01,,,50\n"),
			column: "学历代码", key: "code.unknown", value: "50", args: map[string]any{"table": "GB/T 4658-2006"}},
		{name: "education name and code disagree", kind: transfer.Staff,
			data:   []byte(staffHeader + ",学历代码\n" + goodWorker + ",\n刘敏," + idLiu2 + "," + orgtest.Community + ",委员,大学本科毕业,2015-09-01,,,31\n"),
			column: "学历代码", key: "transfer.code_mismatch", value: "31", args: map[string]any{"column": "学历", "value": "大学本科毕业"}},
		{name: "level not in the list", kind: transfer.Org, bad: "450403001001004,东兴第四网格,小区," + orgtest.Community + ",,,",
			column: "层级", key: "org.level", value: "小区"},
		{name: "stray quote", kind: transfer.Residents, bad: `孙"强,` + idSun2 + ",H002,配偶,户籍,,",
			column: "姓名", key: "sheet.csv_syntax", args: map[string]any{"row": 3}},
		{name: "row in another encoding", kind: transfer.Residents, data: mixed,
			key: "sheet.mixed_encoding", args: map[string]any{"row": 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				svc := seed(t, d)
				data := tc.data
				if data == nil {
					data = []byte(samples[tc.kind].header + "\n" + samples[tc.kind].good + "\n" + tc.bad + "\n")
				}
				p := tc.p
				if p.UserID == "" {
					p = auth.System()
				}
				before := rowCounts(t, d)
				res := importAs(t, svc, p, tc.kind, writeFile(t, "in.csv", data), transfer.Options{})
				refused(t, res)
				assertUnchanged(t, d, before)
				got, ok := problem(t, res, 3, tc.column, tc.key)
				if !ok {
					return
				}
				if got.Value != tc.value {
					t.Errorf("value = %q, want %q", got.Value, tc.value)
				}
				for name, want := range tc.args {
					if !argIs(got, name, want) {
						t.Errorf("arg %s = %v, want %v", name, got.Args[name], want)
					}
				}
			})
		})
	}
}

// Every required column, left empty in an otherwise good row, is a problem on that
// column of that row.
func TestImport_EmptyRequiredCellIsAProblemOnItsColumn(t *testing.T) {
	for _, k := range []struct {
		kind     transfer.Kind
		required []string
	}{
		{transfer.Org, []string{"代码", "名称", "层级"}},
		{transfer.Households, []string{"户编号", "网格代码", "地址"}},
		{transfer.Residents, []string{"姓名", "公民身份号码", "户编号", "与户主关系", "人口类型"}},
		{transfer.Staff, []string{"姓名", "公民身份号码", "社区代码", "职务", "学历", "入职日期"}},
	} {
		for _, column := range k.required {
			t.Run(string(k.kind)+"/"+column, func(t *testing.T) {
				dbtest.Each(t, func(t *testing.T, d *db.DB) {
					svc := seed(t, d)
					cells := strings.Split(samples[k.kind].good, ",")
					cells[slices.Index(strings.Split(samples[k.kind].header, ","), column)] = ""
					before := rowCounts(t, d)
					res := importAs(t, svc, auth.System(), k.kind, csvFile(t, samples[k.kind].header, strings.Join(cells, ",")), transfer.Options{})
					refused(t, res)
					found := false
					for _, p := range res.Problems {
						found = found || (p.Row == 2 && p.Column == column)
					}
					if !found {
						t.Errorf("no problem on row 2 column %s: %+v", column, res.Problems)
					}
					assertUnchanged(t, d, before)
				})
			})
		}
	}
}

// A UTF-8 file with rows pasted in from a GBK one usually has several of them. The
// sheet reader goes on after sheet.mixed_encoding, so each of them is listed, and
// the problems of the rows between them too.
func TestImport_ListsEveryRowInAnotherEncoding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		var data []byte
		data = append(data, residentHeader+"\n"+goodResident+"\n"...)
		data = append(data, gb18030(t, "孙强,"+idSun2+",H002,配偶,户籍,,\n")...)
		data = append(data, "孙小,"+idSun3+",H002,子女,户籍,12345,\n"...)
		data = append(data, gb18030(t, "刘洋,"+idLiu+",H002,其他,户籍,,\n")...)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, writeFile(t, "in.csv", data), transfer.Options{})
		refused(t, res)
		problem(t, res, 3, "", "sheet.mixed_encoding")
		problem(t, res, 4, "联系电话", "phone.format")
		problem(t, res, 5, "", "sheet.mixed_encoding")
		assertUnchanged(t, d, before)
	})
}

// workbook writes rows as the first sheet of an .xlsx book.
func workbook(t *testing.T, rows [][]string) []byte {
	t.Helper()
	b := sheet.NewBook()
	defer b.Close()
	s, err := b.Sheet("居民")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if err := s.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A file that is not a workbook is refused when it is opened, without a panic.
func TestOpen_RefusesAFileThatIsNotAWorkbook(t *testing.T) {
	book := workbook(t, [][]string{strings.Split(residentHeader, ","), strings.Split(goodResident, ",")})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", book[:len(book)/2]},
		{"text renamed .xlsx", []byte(residentHeader + "\n" + goodResident + "\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := sheet.Open(writeFile(t, "in.xlsx", tc.data), sheet.XLSX, sheet.Options{})
			if err == nil {
				r.Close()
			}
			if e, ok := err.(*apperr.Error); !ok || e.Key != "sheet.not_xlsx" {
				t.Errorf("Open = %v, want sheet.not_xlsx", err)
			}
		})
	}
}

// A workbook whose sheet ends part way, its zip intact (as a writer that died
// leaves it), is refused when it is opened or when it is imported: a register
// is never imported in part.
func TestImport_WorkbookWithItsSheetCutShortWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		rows := [][]string{strings.Split(residentHeader, ",")}
		for i := range 50 {
			rows = append(rows, []string{"孙丽", idNumber("450403", "19900101", fmt.Sprintf("%03d", 100+i)), "H002", "户主", "户籍"})
		}
		path := writeFile(t, "in.xlsx", cutSheet(t, workbook(t, rows)))
		before := rowCounts(t, d)
		r, err := sheet.Open(path, sheet.XLSX, sheet.Options{})
		if err != nil {
			if e, ok := err.(*apperr.Error); !ok || e.Key != "sheet.not_xlsx" {
				t.Errorf("Open = %v, want sheet.not_xlsx", err)
			}
			return
		}
		defer r.Close()
		res, err := svc.Import(context.Background(), auth.System(), transfer.Residents, r, transfer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		refused(t, res)
		assertUnchanged(t, d, before)
	})
}

// cutSheet rewrites a workbook with its first worksheet cut after the row that ends
// half way through it.
func cutSheet(t *testing.T, xlsx []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	cut := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "xl/worksheets/sheet1.xml" {
			end := []byte("</row>")
			data = data[:bytes.LastIndex(data[:len(data)/2], end)+len(end)]
			cut = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !cut {
		t.Fatal("the workbook has no xl/worksheets/sheet1.xml")
	}
	return out.Bytes()
}

// Importing a kind needs the permission to write it; without it nothing is read.
func TestImport_NeedsThePermissionToWriteTheKind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		auditor := auth.Principal{UserID: "a1", Role: auth.RoleReadOnly, OrgCode: orgtest.City}
		for _, tc := range []struct {
			p    auth.Principal
			kind transfer.Kind
		}{
			{auditor, transfer.Residents},
			{auditor, transfer.Households},
			{communityUser, transfer.Org},
			{gridUser, transfer.Staff},
		} {
			r, err := sheet.Open(csvFile(t, samples[tc.kind].header, samples[tc.kind].good), sheet.CSV, sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			before := rowCounts(t, d)
			if _, err := svc.Import(context.Background(), tc.p, tc.kind, r, transfer.Options{}); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s importing %s: %v, want forbidden", tc.p.Role, tc.kind, err)
			}
			r.Close()
			assertUnchanged(t, d, before)
		}
	})
}

func TestImport_HeaderOnlyIsNoRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, residentHeader), transfer.Options{})
		refused(t, res)
		problem(t, res, 1, "", "transfer.no_rows")
		assertUnchanged(t, d, before)
	})
}

func TestImport_MissingRequiredColumnIsAProblemOnRowOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents,
			csvFile(t, "姓名,户编号,与户主关系,人口类型", "孙丽,H002,户主,户籍"), transfer.Options{})
		refused(t, res)
		if p, ok := problem(t, res, 1, "公民身份号码", "transfer.missing_column"); ok && !argIs(p, "field", "id_number") {
			t.Errorf("args = %v, want field id_number", p.Args)
		}
		assertUnchanged(t, d, before)
	})
}

func TestImport_UnknownColumnsAreAWarningAndTheImportGoesOn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents,
			csvFile(t, residentHeader+",备注", goodResident+",新迁入"), transfer.Options{})
		if !res.OK() || !res.Committed || res.Inserted != 1 {
			t.Fatalf("result = %+v", res)
		}
		if len(res.Warnings) != 1 || res.Warnings[0].Row != 1 || res.Warnings[0].Key != "transfer.unknown_columns" ||
			!argIs(res.Warnings[0], "columns", "备注") || !argIs(res.Warnings[0], "n", 1) {
			t.Errorf("warnings = %+v", res.Warnings)
		}
		if last := res.Columns[len(res.Columns)-1]; last.Header != "备注" || last.Field != "" {
			t.Errorf("column 备注 read as %+v, want ignored", last)
		}
	})
}

func TestImport_ListsEveryProblemWithItsRowColumnAndValue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t,
			"name,id_number,household_no,relation,population_type,phone,tags",
			"孙丽,"+idSun+",H002,head,registered,,",
			"孙强,"+idWrong+",H002,spouse,registered,,",
			"孙小,"+idSun3+",H002,child,registered,,",
			"刘洋,"+idLiu+",H002,other,registered,12345,",
			"刘敏,"+idLiu2+",H999,head,registered,,",
		), transfer.Options{})
		refused(t, res)
		if res.ProblemCount != 3 || len(res.Problems) != 3 {
			t.Errorf("%d problems (%d listed), want 3: %+v", res.ProblemCount, len(res.Problems), res.Problems)
		}
		for _, want := range []transfer.Problem{
			{Row: 3, Column: "id_number", Value: idWrong, Key: "id_number.check_digit"},
			{Row: 5, Column: "phone", Value: "12345", Key: "phone.format"},
			{Row: 6, Column: "household_no", Value: "H999", Key: "household.not_found"},
		} {
			if got, ok := problem(t, res, want.Row, want.Column, want.Key); ok && got.Value != want.Value {
				t.Errorf("row %d: value %q, want %q", want.Row, got.Value, want.Value)
			}
		}
		assertUnchanged(t, d, before)
	})
}

// A row with several faults has each of them listed, not only the first: a worker
// fixing the file should not have to upload it again to find the next one.
func TestImport_ListsEveryProblemOfOneRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		before := rowCounts(t, d)
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t,
			"name,id_number,household_no,relation,population_type,phone,tags",
			"孙强,"+idWrong+",H002,spouse,外来,12345,低保、孤儿",
		), transfer.Options{})
		refused(t, res)
		for _, want := range []struct{ column, key string }{
			{"id_number", "id_number.check_digit"},
			{"population_type", "resident.population_type"},
			{"phone", "phone.format"},
			{"tags", "resident.tag"},
		} {
			problem(t, res, 2, want.column, want.key)
		}
		if res.ProblemCount != 4 {
			t.Errorf("%d problems, want 4 (one a column): %+v", res.ProblemCount, res.Problems)
		}
		assertUnchanged(t, d, before)
	})
}

// Importing what an export wrote, into the database it came from, finds every row
// already there as it is.
func TestImport_ReimportingAnExportChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		for _, k := range transfer.Kinds {
			data, n := exportCSV(t, svc, auth.System(), k, "zh-CN")
			res := importAs(t, svc, auth.System(), k, writeFile(t, string(k)+".csv", data), transfer.Options{})
			if !res.OK() || res.Inserted != 0 || res.Updated != 0 || res.Unchanged != n || n == 0 {
				t.Errorf("%s: %d exported; inserted %d, updated %d, unchanged %d, problems %+v",
					k, n, res.Inserted, res.Updated, res.Unchanged, res.Problems)
			}
		}
	})
}

func TestImport_EditedFileUpdatesOnlyTheChangedRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		rows := []string{
			residentHeader,
			"孙丽," + idSun + ",H002,户主,户籍,13900001111,党员、低保",
			"孙强," + idSun2 + ",H002,配偶,户籍,13900002222,",
			"孙小," + idSun3 + ",H002,子女,户籍,,",
		}
		res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, rows...), transfer.Options{})
		if !res.OK() || res.Inserted != 3 {
			t.Fatalf("first import: %+v", res)
		}
		res = importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, rows...), transfer.Options{})
		if res.Inserted != 0 || res.Updated != 0 || res.Unchanged != 3 {
			t.Errorf("same file again: inserted %d, updated %d, unchanged %d", res.Inserted, res.Updated, res.Unchanged)
		}
		rows[2] = "孙强," + idSun2 + ",H002,配偶,户籍,13900003333,"
		res = importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, rows...), transfer.Options{})
		if !res.Committed || res.Inserted != 0 || res.Updated != 1 || res.Unchanged != 2 {
			t.Errorf("one phone changed: inserted %d, updated %d, unchanged %d", res.Inserted, res.Updated, res.Unchanged)
		}
		id := query(t, d, `SELECT id FROM residents WHERE id_number_bidx = $1`, bidx(d, idSun2))
		r, err := registry.GetResident(context.Background(), d.Read(), d.Keys(), scope.Everything(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Phone != "13900003333" || r.Name != "孙强" || r.Relation != "10" {
			t.Errorf("resident after the update = %+v", r)
		}
	})
}

func TestImport_EditedHouseholdIsUpdated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Households, csvFile(t, householdHeader,
			"H001,"+orgtest.Grid+",梧州市万秀区东兴路12号3栋201室,3栋",
			"H002,"+orgtest.GridB+",梧州市万秀区东兴路22号1栋101室,1栋",
		), transfer.Options{})
		if !res.Committed || res.Inserted != 0 || res.Updated != 1 || res.Unchanged != 1 {
			t.Errorf("inserted %d, updated %d, unchanged %d, problems %+v", res.Inserted, res.Updated, res.Unchanged, res.Problems)
		}
		if got := query(t, d, `SELECT address FROM households WHERE household_no = 'H002'`); got != "梧州市万秀区东兴路22号1栋101室" {
			t.Errorf("address = %s", got)
		}
	})
}

func TestImport_TagsCompareRegardlessOfOrderAndSeparator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		row := func(tags string) string {
			return csvFile(t, residentHeader, "孙丽,"+idSun+",H002,户主,户籍,,\""+tags+"\"")
		}
		if res := importAs(t, svc, auth.System(), transfer.Residents, row("党员、低保、残疾、失业"), transfer.Options{}); res.Inserted != 1 {
			t.Fatalf("first import: %+v", res)
		}
		for _, tags := range []string{"失业,残疾,低保,党员", "低保;党员;残疾;失业", "残疾，失业，党员，低保", "party_member、disabled、dibao、unemployed",
			"低保; 党员 ,残疾、失业"} {
			res := importAs(t, svc, auth.System(), transfer.Residents, row(tags), transfer.Options{})
			if !res.OK() || res.Unchanged != 1 || res.Updated != 0 {
				t.Errorf("tags %q: unchanged %d, updated %d, problems %+v", tags, res.Unchanged, res.Updated, res.Problems)
			}
		}
		res := importAs(t, svc, auth.System(), transfer.Residents, row("残疾、低保"), transfer.Options{})
		if res.Updated != 1 {
			t.Errorf("a tag dropped: updated %d", res.Updated)
		}
		// 党员 is a political status now: a file without the column keeps it.
		if got := query(t, d, `SELECT political_status FROM residents WHERE id_number_bidx = $1`, bidx(d, idSun)); got != "01" {
			t.Errorf("political status = %q, want 01 from the tag 党员", got)
		}
		id := query(t, d, `SELECT id FROM residents WHERE id_number_bidx = $1`, bidx(d, idSun))
		r, err := registry.GetResident(context.Background(), d.Read(), d.Keys(), scope.Everything(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Tags, []string{"dibao", "disabled"}) {
			t.Errorf("tags = %v", r.Tags)
		}
	})
}

func TestImport_HeadersInEitherLanguageInAnyOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		row    string
		opt    transfer.Options
	}{
		{"english", "tags,phone,population_type,relation,household_no,id_number,name",
			"dibao,13900001111,registered,head,H002," + idSun + ",孙丽", transfer.Options{}},
		{"chinese", "户编号,姓名,标签,公民身份号码,人口类型,与户主关系,联系电话",
			"H002,孙丽,低保," + idSun + ",户籍,户主,13900001111", transfer.Options{}},
		{"spaces and marks", " *姓名 ,公民身份号码*,户 编 号,与户主关系,人口类型,联系电话,标签",
			"孙丽," + idSun + ",H002,户主,户籍,13900001111,低保", transfer.Options{}},
		{"mapped", "姓名,身份证号,户号,关系,人口类型,电话,标签",
			"孙丽," + idSun + ",H002,户主,户籍,13900001111,低保", transfer.Options{Map: map[string]string{
				"户号": "household_no", "身份证号": "id_number", "关系": "与户主关系", "电话": "phone"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				svc := seed(t, d)
				res := importAs(t, svc, auth.System(), transfer.Residents, csvFile(t, tc.header, tc.row), tc.opt)
				if !res.OK() || res.Inserted != 1 {
					t.Fatalf("result: %+v", res)
				}
				id := query(t, d, `SELECT id FROM residents WHERE id_number_bidx = $1`, bidx(d, idSun))
				r, err := registry.GetResident(context.Background(), d.Read(), d.Keys(), scope.Everything(), id)
				if err != nil {
					t.Fatal(err)
				}
				if got := r.Name + "|" + r.HouseholdNo + "|" + r.Relation + "|" + r.PopulationType + "|" + r.Phone; got != "孙丽|H002|02|registered|13900001111" {
					t.Errorf("stored %s", got)
				}
				if tag := query(t, d, `SELECT tag FROM resident_tags WHERE resident_id = $1`, id); tag != "dibao" {
					t.Errorf("tag = %s", tag)
				}
			})
		})
	}
}

func TestImport_MapNamesTheFieldOfAHeaderSpeltOtherwise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		file := csvFile(t, "户号,网格代码,地址,楼栋", goodHousehold)
		res := importAs(t, svc, auth.System(), transfer.Households, file, transfer.Options{})
		refused(t, res)
		problem(t, res, 1, "户编号", "transfer.missing_column")
		res = importAs(t, svc, auth.System(), transfer.Households, file, transfer.Options{Map: map[string]string{"户号": "household_no"}})
		if !res.OK() || res.Inserted != 1 || res.Columns[0].Field != "household_no" {
			t.Errorf("with the map: %+v", res)
		}
	})
}

// An enumerated cell may hold the code, in any case, or its label in Chinese or
// English.
func TestImport_AcceptsCodesAndLabels(t *testing.T) {
	for _, tc := range []struct {
		kind   transfer.Kind
		row    string // %s is the cell
		cells  []string
		stored string // the query for what was stored, of the record whose ID number is key
		key    string
		want   string
	}{
		{transfer.Residents, "孙丽," + idSun + ",H002,%s,户籍,,", []string{"户主", "02", "０２", "head", "HEAD"},
			`SELECT relation FROM residents WHERE id_number_bidx = $1`, idSun, "02"},
		{transfer.Residents, "孙丽," + idSun + ",H002,户主,%s,,", []string{"户籍", "registered", "Registered"},
			`SELECT population_type FROM residents WHERE id_number_bidx = $1`, idSun, "registered"},
		{transfer.Org, "450403001002,东城社区,%s," + orgtest.Street + ",2015,200,5", []string{"社区", "community", "Community"},
			`SELECT level FROM org_units WHERE code = '450403001002'`, "", "community"},
		{transfer.Staff, "刘洋," + idLiu + "," + orgtest.Community + ",%s,大专,2015-09-01,,", []string{"网格员", "grid_worker", "Grid worker"},
			`SELECT position FROM workers WHERE id_number_bidx = $1`, idLiu, "grid_worker"},
		{transfer.Staff, "刘洋," + idLiu + "," + orgtest.Community + ",委员,%s,2015-09-01,,", []string{"大学专科毕业", "31", "３１", " 31 "},
			`SELECT education FROM workers WHERE id_number_bidx = $1`, idLiu, "31"},
		// The six groups the sheet held before GB/T 4658, as shequ wrote them in either
		// language, become their level's code.
		{transfer.Staff, "刘洋," + idLiu + "," + orgtest.Community + ",委员,%s,2015-09-01,,", []string{"大专", "junior_college", "Junior college", "大学专科教育"},
			`SELECT education FROM workers WHERE id_number_bidx = $1`, idLiu, "30"},
	} {
		for _, cell := range tc.cells {
			t.Run(string(tc.kind)+"/"+cell, func(t *testing.T) {
				dbtest.Each(t, func(t *testing.T, d *db.DB) {
					svc := seed(t, d)
					file := csvFile(t, samples[tc.kind].header, fmt.Sprintf(tc.row, cell))
					res := importAs(t, svc, auth.System(), tc.kind, file, transfer.Options{})
					if !res.OK() || res.Inserted != 1 {
						t.Fatalf("result: %+v", res)
					}
					var args []any
					if tc.key != "" {
						args = append(args, bidx(d, tc.key))
					}
					if got := query(t, d, tc.stored, args...); got != tc.want {
						t.Errorf("stored %s, want %s", got, tc.want)
					}
				})
			})
		}
	}
}

func TestImport_HiredOnInEveryWayADateIsWritten(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		workers := []struct{ name, id, hired string }{
			{"刘洋", idLiu, "2013-05-20"},
			{"刘敏", idLiu2, "2013/5/20"},
			{"刘伟", idLiu3, "2013年5月20日"},
			{"刘芳", idLiu4, "41414"}, // an Excel date serial
		}
		lines := []string{staffHeader}
		for _, w := range workers {
			lines = append(lines, w.name+","+w.id+","+orgtest.Community+",委员,大专,"+w.hired+",,")
		}
		res := importAs(t, svc, auth.System(), transfer.Staff, csvFile(t, lines...), transfer.Options{})
		if !res.OK() || res.Inserted != 4 {
			t.Fatalf("result: %+v", res)
		}
		for _, w := range workers {
			if got := query(t, d, `SELECT hired_on FROM workers WHERE id_number_bidx = $1`, bidx(d, w.id)); got != "2013-05-20" {
				t.Errorf("%s stored as %s, want 2013-05-20", w.hired, got)
			}
		}
	})
}

func TestImport_OrgFileMayListAGridBeforeItsCommunity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		res := importAs(t, svc, auth.System(), transfer.Org, csvFile(t, orgHeader,
			"450403001003001,西江第一网格,网格,450403001003,,,",
			"450403001003,西江社区,社区,"+orgtest.Street+",2012,150,7",
		), transfer.Options{})
		if !res.OK() || !res.Committed || res.Inserted != 2 {
			t.Fatalf("result: %+v", res)
		}
		u, err := org.Lookup(context.Background(), d.Read(), "450403001003001")
		if err != nil || u == nil || u.ParentCode != "450403001003" || u.Level != scope.Grid {
			t.Errorf("grid = %+v (%v)", u, err)
		}
	})
}

func TestImport_DryRunCountsButWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		file := csvFile(t, householdHeader,
			"H001,"+orgtest.Grid+",梧州市万秀区东兴路12号3栋201室,3栋",
			"H002,"+orgtest.GridB+",梧州市万秀区东兴路22号1栋101室,1栋",
			goodHousehold,
			"H011,"+orgtest.GridB+",梧州市万秀区东兴路32号,6栋",
		)
		before := rowCounts(t, d)
		dry := importAs(t, svc, auth.System(), transfer.Households, file, transfer.Options{DryRun: true})
		if !dry.OK() || !dry.DryRun || dry.Committed || dry.Inserted != 2 || dry.Updated != 1 || dry.Unchanged != 1 {
			t.Errorf("dry run: %+v", dry)
		}
		assertUnchanged(t, d, before)
		if got := query(t, d, `SELECT address FROM households WHERE household_no = 'H002'`); got != "梧州市万秀区东兴路20号1栋101室" {
			t.Errorf("dry run changed the address to %s", got)
		}
		real := importAs(t, svc, auth.System(), transfer.Households, file, transfer.Options{})
		if !real.Committed || real.Inserted != dry.Inserted || real.Updated != dry.Updated || real.Unchanged != dry.Unchanged {
			t.Errorf("the real import did otherwise than the dry run said: %+v", real)
		}
	})
}

// A register exported from one database and imported into an empty one exports
// again exactly as it was.
func TestExportImport_RoundTripIsByteIdentical(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, src *db.DB) {
				svc := seed(t, src)
				seeded := map[transfer.Kind]int{transfer.Org: 10, transfer.Households: 3, transfer.Residents: 3, transfer.Staff: 2}
				files := map[transfer.Kind][]byte{}
				for _, k := range transfer.Kinds {
					var n int
					if files[k], n = exportCSV(t, svc, auth.System(), k, lang); n != seeded[k] {
						t.Errorf("%s: exported %d rows, want %d", k, n, seeded[k])
					}
				}
				dst := transfer.NewService(dbtest.Open(t, src.Dialect), bundle(t), fixedNow)
				for _, k := range transfer.Kinds {
					importFileT(t, dst, k, writeFile(t, string(k)+".csv", files[k]))
				}
				for _, k := range transfer.Kinds {
					if again, _ := exportCSV(t, dst, auth.System(), k, lang); !bytes.Equal(again, files[k]) {
						t.Errorf("%s differs after the round trip:\n%s\nwas\n%s", k, again, files[k])
					}
				}
			})
		})
	}
}

func TestExportImport_ResidentsRoundTripThroughXLSX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, src *db.DB) {
		svc := seed(t, src)
		book := sheet.NewBook()
		defer book.Close()
		s, err := book.Sheet("居民")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Export(context.Background(), auth.System(), transfer.Residents, "", "zh-CN", s); err != nil {
			t.Fatal(err)
		}
		var xlsx bytes.Buffer
		if _, err := book.WriteTo(&xlsx); err != nil {
			t.Fatal(err)
		}
		dst := transfer.NewService(dbtest.Open(t, src.Dialect), bundle(t), fixedNow)
		for _, k := range []transfer.Kind{transfer.Org, transfer.Households} {
			data, _ := exportCSV(t, svc, auth.System(), k, "zh-CN")
			importFileT(t, dst, k, writeFile(t, string(k)+".csv", data))
		}
		res := importAs(t, dst, auth.System(), transfer.Residents, writeFile(t, "residents.xlsx", xlsx.Bytes()), transfer.Options{})
		if !res.OK() || res.Inserted != 3 {
			t.Fatalf("import: %+v", res)
		}
		want, _ := exportCSV(t, svc, auth.System(), transfer.Residents, "zh-CN")
		if got, _ := exportCSV(t, dst, auth.System(), transfer.Residents, "zh-CN"); !bytes.Equal(got, want) {
			t.Errorf("residents differ after the round trip:\n%s\nwas\n%s", got, want)
		}
	})
}

// ID numbers and phones leave in full only for those allowed to export them so.
func TestExport_MasksIDNumbersAndPhonesUnlessAllowedInFull(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		full := []string{idLi, idWang, "13812345678", "07743821234"}
		grid, n := exportCSV(t, svc, gridUser, transfer.Residents, "zh-CN")
		if n != 2 {
			t.Errorf("grid user exported %d residents, want the 2 of their grid", n)
		}
		for _, v := range full {
			if bytes.Contains(grid, []byte(v)) {
				t.Errorf("grid user's export holds %s in full", v)
			}
		}
		for _, v := range []string{pii.MaskIDNumber(idLi), pii.MaskIDNumber(idWang), pii.MaskPhone("13812345678"), pii.MaskPhone("07743821234")} {
			if !bytes.Contains(grid, []byte(v)) {
				t.Errorf("grid user's export lacks %s:\n%s", v, grid)
			}
		}
		if workers, _ := exportCSV(t, svc, gridUser, transfer.Staff, "zh-CN"); bytes.Contains(workers, []byte(idChen)) ||
			!bytes.Contains(workers, []byte(pii.MaskIDNumber(idChen))) {
			t.Errorf("grid user's staff export:\n%s", workers)
		}
		community, _ := exportCSV(t, svc, communityUser, transfer.Residents, "zh-CN")
		for _, v := range full {
			if !bytes.Contains(community, []byte(v)) {
				t.Errorf("community user's export lacks %s in full:\n%s", v, community)
			}
		}
	})
}

func TestTemplate_XLSXHasHeadersAndAHelpSheet(t *testing.T) {
	svc := transfer.NewService(nil, bundle(t), fixedNow)
	for _, k := range transfer.Kinds {
		t.Run(string(k), func(t *testing.T) {
			var buf bytes.Buffer
			if err := svc.Template(k, sheet.XLSX, &buf); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			if len(sheets) != 2 {
				t.Fatalf("sheets = %v, want the table and its help", sheets)
			}
			rows, err := f.GetRows(sheets[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || !slices.Equal(rows[0], k.Headers("zh-CN")) {
				t.Errorf("first sheet = %q, want the header row %q", rows, k.Headers("zh-CN"))
			}
			help, err := f.GetRows(sheets[1])
			if err != nil {
				t.Fatal(err)
			}
			zh, en := k.Headers("zh-CN"), k.Headers("en")
			if len(help) != 1+len(zh) {
				t.Fatalf("help sheet has %d rows, want a heading and one per column (%d)", len(help), len(zh))
			}
			for i, row := range help[1:] {
				if len(row) < 4 || row[0] != zh[i] || row[1] != en[i] || row[3] == "" {
					t.Errorf("help row for %s = %q", zh[i], row)
				}
			}
		})
	}
}

func TestTemplate_CSVIsTheHeaderLineWithABOM(t *testing.T) {
	svc := transfer.NewService(nil, bundle(t), fixedNow)
	var buf bytes.Buffer
	if err := svc.Template(transfer.Residents, sheet.CSV, &buf); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF姓名,公民身份号码,户编号,与户主关系,与户主关系代码,人口类型,联系电话,标签,民族,民族代码,婚姻状况,婚姻状况代码," +
		"文化程度,文化程度代码,政治面貌,政治面貌代码,户籍地代码,户籍地详址,现住址户编号,人户状态,流入原因,居住证号,居住证登记日期," +
		"居住证到期日,登记日期,登记原因\r\n"
	if buf.String() != want {
		t.Errorf("template = %q, want %q", buf.String(), want)
	}
}

func TestReport_AddsTheProblemsToTheRowsOfTheFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		bad := "孙强," + idSun2 + ",H002,配偶,户籍,12345,"
		path := csvFile(t, residentHeader, goodResident, bad)
		res := importAs(t, svc, auth.System(), transfer.Residents, path, transfer.Options{})
		refused(t, res)
		svc.Describe(res, "zh-CN")
		r, err := sheet.Open(path, sheet.CSV, sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var buf bytes.Buffer
		if err := svc.Report(res, r, "zh-CN", &buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("report has %d rows, want the header and the 2 rows of the file: %q", len(rows), rows)
		}
		if !slices.Equal(rows[0][2:], strings.Split(residentHeader, ",")) {
			t.Errorf("header = %q", rows[0])
		}
		if rows[1][0] != "" || !slices.Equal(rows[1][1:], append([]string{"2"}, trimTrailing(strings.Split(goodResident, ","))...)) {
			t.Errorf("good row = %q", rows[1])
		}
		msg := "联系电话：" + bundle(t).T("zh-CN", "err.phone.format")
		if rows[2][0] != msg || !slices.Equal(rows[2][1:], append([]string{"3"}, trimTrailing(strings.Split(bad, ","))...)) {
			t.Errorf("bad row = %q, want the message %q and the row as it was", rows[2], msg)
		}
	})
}

// trimTrailing drops the empty cells at the end of a row, as excelize reads one.
func trimTrailing(cells []string) []string {
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	return cells
}

func TestImport_GB18030FileImportsAsUTF8Does(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := seed(t, d)
		text := strings.Join([]string{residentHeader,
			"孙丽," + idSun + ",H002,户主,户籍,13900001111,党员、低保",
			"孙强," + idSun2 + ",H002,配偶,流动,,残疾",
		}, "\r\n") + "\r\n"
		res := importAs(t, svc, auth.System(), transfer.Residents, writeFile(t, "gb.csv", gb18030(t, text)), transfer.Options{})
		if !res.OK() || res.Encoding != string(sheet.GB18030) || res.Inserted != 2 {
			t.Fatalf("GB18030 import: %+v", res)
		}
		res = importAs(t, svc, auth.System(), transfer.Residents, writeFile(t, "utf8.csv", []byte(text)), transfer.Options{})
		if !res.OK() || res.Encoding != string(sheet.UTF8) || res.Unchanged != 2 || res.Inserted+res.Updated != 0 {
			t.Errorf("the same file in UTF-8 after it: %+v", res)
		}
		if got := query(t, d, `SELECT name FROM residents WHERE id_number_bidx = $1`, bidx(d, idSun2)); got != "孙强" {
			t.Errorf("name = %q", got)
		}
	})
}
