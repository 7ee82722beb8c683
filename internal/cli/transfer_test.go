package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shequ/internal/keys"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
)

// idNumber makes a valid ID number from its first 17 digits.
func idNumber(first17 string) string { return first17 + string(pii.CheckDigit(first17)) }

var (
	idLi   = idNumber("45040319650312001")
	idWang = idNumber("45040319680521002")
	idChen = idNumber("45040319880101011")
)

// The registers of the test city as a clerk would fill them in.
var (
	householdsCSV = lines(
		"户编号,网格代码,地址,楼栋",
		"H001,"+orgtest.Grid+",梧州市万秀区东兴路12号3栋201室,3栋",
		"H002,"+orgtest.GridB+",梧州市万秀区东兴路20号1栋101室,1栋",
	)
	residentsCSV = lines(
		residentsHeader,
		"李建国,"+idLi+",H001,户主,02,户籍,13812345678,低保,汉族,01,已婚,20,,,中国共产党党员,01,450403,,,人户一致,,,,,2013-05-01,迁入",
		"王芳,"+idWang+",H001,配偶,10,户籍,07743821234,,壮族,08,,,,,,,,,,人户一致,,,,,2014-02-03,其他",
	)
	staffCSV = lines(
		"姓名,公民身份号码,社区代码,职务,学历,入职日期,证书,网格代码",
		"陈静,"+idChen+","+orgtest.Community+",网格员,本科,2013-05-20,社会工作者,"+orgtest.Grid+"、"+orgtest.GridB,
	)
)

// residentsHeader is the header row of a residents template.
const residentsHeader = "姓名,公民身份号码,户编号,与户主关系,与户主关系代码,人口类型,联系电话,标签,民族,民族代码,婚姻状况,婚姻状况代码," +
	"文化程度,文化程度代码,政治面貌,政治面貌代码,户籍地代码,户籍地详址,现住址户编号,人户状态,流入原因,居住证号,居住证登记日期," +
	"居住证到期日,登记日期,登记原因"

func lines(rows ...string) string { return strings.Join(rows, "\n") + "\n" }

// newCity returns the path of a fresh SQLite database holding the test city's units.
func newCity(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "city.db")
	d := openDB(t, path)
	defer d.Close()
	orgtest.Build(t, d)
	return path
}

func openDB(t *testing.T, path string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		d.Close()
		t.Fatal(err)
	}
	// The key file beside the database, made here as the program's first start would.
	if err := keys.Unlock(context.Background(), d, path, keys.Source{}, io.Discard); err != nil {
		d.Close()
		t.Fatal(err)
	}
	return d
}

// count returns the number of rows in a table of the database at path.
func count(t *testing.T, path, table string) int {
	t.Helper()
	d := openDB(t, path)
	defer d.Close()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// file writes content to a file called name in a fresh directory and returns its path.
func file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mustRun runs the program and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
	}
	return out
}

// cityWithResidents is the test city with its households and residents imported.
func cityWithResidents(t *testing.T) string {
	t.Helper()
	dbPath := newCity(t)
	mustRun(t, "import", "households", file(t, "households.csv", householdsCSV), "--db", dbPath)
	mustRun(t, "import", "residents", file(t, "residents.csv", residentsCSV), "--db", dbPath)
	return dbPath
}

func TestImport_AGoodFileIsWrittenAndImportingItAgainChangesNothing(t *testing.T) {
	dbPath := newCity(t)
	csv := file(t, "households.csv", householdsCSV)

	code, out, errOut := run(t, "import", "households", csv, "--db", dbPath)
	if code != 0 || !strings.Contains(out, "导入完成：共 2 行，新增 2，更新 0，未变 0") {
		t.Fatalf("first import: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "没有任何改动") {
		t.Errorf("first import says nothing changed:\n%s", out)
	}
	if errOut != "" {
		t.Errorf("a quick import printed progress: %q", errOut)
	}
	if n := count(t, dbPath, "households"); n != 2 {
		t.Errorf("%d households after the import, want 2", n)
	}

	code, out, errOut = run(t, "import", "households", csv, "--db", dbPath)
	if code != 0 || !strings.Contains(out, "新增 0，更新 0，未变 2") || !strings.Contains(out, "文件与系统中的数据完全一致，没有任何改动。") {
		t.Errorf("second import: exit %d\n%s%s", code, out, errOut)
	}
	if n := count(t, dbPath, "households"); n != 2 {
		t.Errorf("%d households after importing the same file again, want 2", n)
	}
}

func TestImport_AFileWithProblemsIsRefusedWholeWithEveryProblemByRow(t *testing.T) {
	dbPath := newCity(t)
	mustRun(t, "import", "households", file(t, "households.csv", householdsCSV), "--db", dbPath)
	bad := file(t, "residents.csv", lines(
		"姓名,公民身份号码,户编号,与户主关系,人口类型,联系电话,标签",
		"李建国,"+idLi+",H001,户主,户籍,13812345678,",
		"王芳,"+idWang+",H001,老板,户籍,,",
		"赵敏,,H002,户主,户籍,,",
		"李建,"+idLi+",H002,户主,户籍,1381234,",
	))

	code, out, _ := run(t, "import", "residents", bad, "--db", dbPath)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"第 3 行“与户主关系”列（老板）：", "第 4 行“公民身份号码”列（）：", "第 5 行“公民身份号码”列（" + pii.MaskIDNumber(idLi) + "）：",
		"第 5 行“联系电话”列（1381234）：", "发现 4 个问题，未导入任何数据。"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.HasPrefix(out, "第 2 行") || strings.Contains(out, "\n第 2 行") {
		t.Errorf("the good row 2 is reported:\n%s", out)
	}
	// A valid ID number is someone's: the console, a log, shows it masked.
	if strings.Contains(out, idLi) {
		t.Errorf("the output shows an ID number in full:\n%s", out)
	}
	if n := count(t, dbPath, "residents"); n != 0 {
		t.Errorf("%d residents written from a refused file", n)
	}
}

func TestImport_DryRunReportsWhatWouldChangeAndWritesNothing(t *testing.T) {
	dbPath := newCity(t)
	code, out, errOut := run(t, "import", "households", file(t, "households.csv", householdsCSV), "--dry-run", "--db", dbPath)
	if code != 0 || !strings.Contains(out, "检查完成，未写入：共 2 行，将新增 2，更新 0，未变 0") {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if n := count(t, dbPath, "households"); n != 0 {
		t.Errorf("a dry run wrote %d households", n)
	}
}

func TestImport_JSONIsTheResultOfTheAPI(t *testing.T) {
	dbPath := newCity(t)
	code, out, errOut := run(t, "import", "households", file(t, "households.csv", householdsCSV), "--json", "--db", dbPath)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var res struct {
		Kind      string
		Committed bool
		Rows      int
		Inserted  int
		Problems  []any
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Kind != "households" || !res.Committed || res.Rows != 2 || res.Inserted != 2 || len(res.Problems) != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestImport_AsAUserStaysWithinTheirScope(t *testing.T) {
	dbPath := newCity(t)
	mustRun(t, "user", "add", "--db", dbPath, "--name", "li", "--role", "community", "--org", orgtest.Community)
	elsewhere := file(t, "households.csv", lines("户编号,网格代码,地址,楼栋", "H009,"+orgtest.Grid2+",梧州市万秀区南环路8号,"))

	code, out, _ := run(t, "import", "households", elsewhere, "--as", "li", "--db", dbPath)
	if code != 1 || !strings.Contains(out, "第 2 行“网格代码”列（"+orgtest.Grid2+"）：不在您的管辖范围内，不能导入") {
		t.Errorf("a household in another community's grid: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "import", "households", elsewhere, "--db", dbPath)
	if code != 0 {
		t.Errorf("the administrator, the same file: exit %d\n%s", code, out)
	}

	code, _, errOut := run(t, "import", "households", elsewhere, "--as", "nobody", "--db", dbPath)
	if code != 1 || !strings.Contains(errOut, "找不到该用户") {
		t.Errorf("an unknown user: exit %d %q", code, errOut)
	}
}

func TestImport_WrongArgumentsAreExplained(t *testing.T) {
	dbPath := newCity(t)
	code, _, errOut := run(t, "import", "residents", "--db", dbPath)
	if code != 2 || !strings.Contains(errOut, "want KIND FILE") {
		t.Errorf("no FILE: exit %d %q", code, errOut)
	}
	code, _, errOut = run(t, "import", "residents", file(t, "r.csv", residentsCSV), "--encoding", "big5", "--db", dbPath)
	if code != 1 || !strings.Contains(errOut, "不支持的编码“big5”") {
		t.Errorf("unknown encoding: exit %d %q", code, errOut)
	}
}

func TestExport_CSVHasABOMChineseHeadersAndEveryRow(t *testing.T) {
	dbPath := cityWithResidents(t)
	out := filepath.Join(t.TempDir(), "residents.csv")
	code, stdout, errOut := run(t, "export", "residents", "--out", out, "--db", dbPath)
	if code != 0 || stdout != "" || !strings.Contains(errOut, "已导出 2 行") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	want := "\uFEFF" + strings.ReplaceAll(residentsCSV, "\n", "\r\n")
	if got := read(t, out); got != want {
		t.Errorf("export:\n%q\nwant\n%q", got, want)
	}
}

func TestExport_InEnglishHasFieldNamesAndCodes(t *testing.T) {
	dbPath := cityWithResidents(t)
	_, out, _ := run(t, "export", "residents", "--lang", "en", "--db", dbPath)
	// Codes where a table has no English names (与户主关系, 民族), its English labels
	// where it has.
	want := "\uFEFF" + lines(
		"name,id_number,household_no,relation,relation_code,population_type,phone,tags,ethnicity,ethnicity_code,marital_status,"+
			"marital_status_code,education,education_code,political_status,political_status_code,hukou_region,hukou_address,"+
			"lives_in_household_no,residence_status,inflow_reason,permit_no,permit_registered_on,permit_expires_on,registered_on,registered_reason",
		"李建国,"+idLi+",H001,户主,02,registered,13812345678,dibao,汉族,01,Married,20,,,Member of the Communist Party of China,01,450403,,,"+
			"Living where registered,,,,,2013-05-01,Moved in",
		"王芳,"+idWang+",H001,配偶,10,registered,07743821234,,壮族,08,,,,,,,,,,Living where registered,,,,,2014-02-03,Other",
	)
	if out != strings.ReplaceAll(want, "\n", "\r\n") {
		t.Errorf("export in English:\n%s", out)
	}
}

func TestExport_XLSXIsABookExcelOpens(t *testing.T) {
	dbPath := cityWithResidents(t)
	out := filepath.Join(t.TempDir(), "residents.xlsx")
	mustRun(t, "export", "residents", "--format", "xlsx", "--out", out, "--db", dbPath)
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"居民"}) {
		t.Fatalf("sheets %q, want one named 居民", sheets)
	}
	rows, err := f.GetRows("居民")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != residentsHeader || rows[1][1] != idLi || rows[1][4] != "02" {
		t.Errorf("rows %q", rows)
	}
}

func TestExport_AsAGridUserMasksIDNumbers(t *testing.T) {
	dbPath := cityWithResidents(t)
	mustRun(t, "user", "add", "--db", dbPath, "--name", "zhang", "--role", "grid", "--org", orgtest.Grid)
	code, out, errOut := run(t, "export", "residents", "--as", "zhang", "--db", dbPath)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if strings.Contains(out, idLi) || !strings.Contains(out, pii.MaskIDNumber(idLi)) {
		t.Errorf("a grid worker's export shows ID numbers unmasked:\n%s", out)
	}
}

func TestExport_UnknownKindIsAUsageError(t *testing.T) {
	code, _, errOut := run(t, "export", "people", "--db", newCity(t))
	if code != 2 || !strings.Contains(errOut, `unknown KIND "people"`) {
		t.Errorf("exit %d %q", code, errOut)
	}
}

// TestExport_ImportsIntoAFreshDatabaseUnchanged moves every register of a city into
// an empty database and exports it again there: the same bytes come out.
func TestExport_ImportsIntoAFreshDatabaseUnchanged(t *testing.T) {
	from := cityWithResidents(t)
	mustRun(t, "import", "staff", file(t, "staff.csv", staffCSV), "--db", from)
	to := filepath.Join(t.TempDir(), "new.db")
	dir := t.TempDir()
	for _, kind := range []string{"org", "households", "residents", "staff"} {
		first, second := filepath.Join(dir, kind+".csv"), filepath.Join(dir, kind+"-again.csv")
		mustRun(t, "export", kind, "--out", first, "--db", from)
		mustRun(t, "import", kind, first, "--db", to)
		mustRun(t, "export", kind, "--out", second, "--db", to)
		if a, b := read(t, first), read(t, second); a != b {
			t.Errorf("%s changed on the way:\n%s\nbecame\n%s", kind, a, b)
		}
		if strings.Count(read(t, first), "\n") < 2 {
			t.Errorf("%s exported no rows", kind)
		}
	}
}

func TestTemplate_CSVIsTheHeaderRow(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.csv")
	mustRun(t, "template", "residents", "--format", "csv", "--out", out)
	if got := read(t, out); got != "\uFEFF"+residentsHeader+"\r\n" {
		t.Errorf("template %q", got)
	}
}

func TestTemplate_XLSXHasTheTableAndItsHelp(t *testing.T) {
	code, out, errOut := run(t, "template", "staff")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	f, err := excelize.OpenReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"社区工作者", "填写说明"}) {
		t.Errorf("sheets %q", sheets)
	}
}

func TestImport_AFileBeyondALimitIsRefusedNamingIt(t *testing.T) {
	dbPath := cityWithResidents(t)
	wide := file(t, "wide.csv", strings.Repeat("未知列,", 1_000_000)+"\n")
	code, out, errOut := run(t, "import", "residents", wide, "--db", dbPath)
	if code == 0 || !strings.Contains(errOut, "第 1 行超过 256 列") || out != "" {
		t.Errorf("exit %d, stdout %d bytes, stderr %q; want refused naming the limit of 256 columns", code, len(out), errOut)
	}

	long := file(t, "long.csv", residentsCSV+"赵敏,"+strings.Repeat("1", 50)+",H001,子女,户籍,,\n")
	code, _, errOut = run(t, "import", "residents", long, "--db", dbPath, "--max-cell-bytes", "40")
	if code == 0 || !strings.Contains(errOut, "第 4 行 B 列的内容超过 40 字节") {
		t.Errorf("--max-cell-bytes 40: exit %d, stderr %q", code, errOut)
	}
}

func TestImport_ListsTheFirstProblemsOfEachKindAndCountsTheRest(t *testing.T) {
	dbPath := cityWithResidents(t)
	rows := []string{"姓名,公民身份号码,户编号,与户主关系,人口类型,联系电话,标签"}
	for range 4 {
		rows = append(rows, "李建国,"+idLi+",H001,户主,户籍,12345,")
	}
	code, out, _ := run(t, "import", "residents", file(t, "r.csv", lines(rows...)), "--db", dbPath, "--max-problems", "1")
	if code != 1 || strings.Count(out, "12345") != 1 || !strings.Contains(out, "……另有 3 个与“") {
		t.Errorf("exit %d, output:\n%s\nwant the first bad phone listed, and 3 more of its kind counted", code, out)
	}
}
