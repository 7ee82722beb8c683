package transfer_test

import (
	"bytes"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"shequ/internal/platform/web"
	"strings"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/pii"
	"shequ/internal/transfer"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b := bundle(t)
	missing, err := i18n.MissingTemplateKeys(b, transfer.Templates)
	if err != nil {
		t.Fatal(err)
	}
	// Keys the templates build at run time: a kind's name.
	for _, k := range transfer.Kinds {
		if key := "transfer.kind." + string(k); !b.Has(key) {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
}

// post sends a form.
func (s *transferSite) post(p auth.Principal, target string, form url.Values) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(p, req)
}

// redirected checks rec is a 303 and returns where it leads.
func (s *transferSite) redirected(rec *httptest.ResponseRecorder) string {
	s.t.Helper()
	if rec.Code != http.StatusSeeOther {
		s.t.Fatalf("status %d, want 303:\n%s", rec.Code, rec.Body)
	}
	return rec.Header().Get("Location")
}

// settle polls a job's page, as the browser does while the page asks to be
// refreshed, until the job has stopped running, and returns the page.
func (s *transferSite) settle(p auth.Principal, path string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := s.get(p, path)
		if rec.Code != http.StatusOK {
			s.t.Fatalf("%s: status %d\n%s", path, rec.Code, rec.Body)
		}
		if rec.Header().Get("Refresh") == "" {
			return rec.Body.String()
		}
		if !strings.Contains(rec.Body.String(), "已读") {
			s.t.Errorf("a running job's page shows no progress:\n%s", rec.Body)
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s still running after 30s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustShow(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func mustHide(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, s := range unwanted {
		if strings.Contains(body, s) {
			t.Errorf("page shows %q", s)
		}
	}
}

func TestImportPages_CheckThenConfirm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		form := s.get(communityUser, "/imports")
		if form.Code != http.StatusOK {
			t.Fatalf("form: %d", form.Code)
		}
		// A community may import residents, households and workers, not org units.
		mustShow(t, form.Body.String(), `enctype="multipart/form-data"`, `<option value="residents" selected>居民</option>`,
			`href="/api/v1/templates/staff?format=xlsx"`, "检查文件", "什么也不导入")
		mustHide(t, form.Body.String(), `value="org"`)

		before := rowCounts(t, d)
		job := s.redirected(s.upload(communityUser, "/imports", "居民.csv", twoResidents(), "kind", "residents", "encoding", "auto"))
		if !regexp.MustCompile(`^/imports/[A-Z2-7]{26}$`).MatchString(job) {
			t.Fatalf("redirected to %q", job)
		}
		body := s.settle(communityUser, job)
		mustShow(t, body, "居民.csv", "检查通过：共 2 行", "将新增", `action="`+job+`/confirm"`,
			"孙丽", pii.MaskIDNumber(idSun), "139****1111", "公民身份号码", "低保")
		mustHide(t, body, idSun, "13900001111", "下载错误报告")
		assertUnchanged(t, d, before)

		if loc := s.redirected(s.post(communityUser, job+"/confirm", nil)); loc != job {
			t.Errorf("confirm led to %q", loc)
		}
		body = s.settle(communityUser, job)
		mustShow(t, body, "导入完成：共 2 行", "已新增", `href="/org/`+orgtest.Community+`"`)
		if n := rowCounts(t, d)["residents"]; n != before["residents"]+2 {
			t.Errorf("%d residents after the import, want %d", n, before["residents"]+2)
		}
		// A second confirm, a double click, writes nothing more.
		s.redirected(s.post(communityUser, job+"/confirm", nil))
		s.settle(communityUser, job)
		if n := rowCounts(t, d)["residents"]; n != before["residents"]+2 {
			t.Errorf("%d residents after a second confirm", n)
		}
	})
}

func TestImportPages_ProblemsComeWithAReportAndAMapping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		// The household column is headed 户号, which the import does not know, and
		// the second row's phone is wrong.
		file := strings.Replace(residentHeader, "户编号", "户号", 1) + "\n" +
			"孙丽," + idSun + ",H002,户主,户籍,13900001111,\n" +
			"孙强," + idSun2 + ",H001,子女,户籍,12345,\n"
		job := s.redirected(s.upload(communityUser, "/imports", "居民.csv", []byte(file), "kind", "residents"))
		body := s.settle(communityUser, job)
		// A missing column stops the check at the header.
		mustShow(t, body, "表头有 1 处问题", "缺少必填列“户编号”", "对应表头", `name="col2"`, `文件中的“户号”列`,
			`<option value="household_no">户编号 (household_no)</option>`)
		mustHide(t, body, "确认导入")

		// Read 户号 as the household number: the rows are checked, the phone is wrong.
		if loc := s.redirected(s.post(communityUser, job+"/map", url.Values{"col2": {"household_no"}})); loc != job {
			t.Errorf("mapping led to %q", loc)
		}
		body = s.settle(communityUser, job)
		// The wrong phone is shown as the file holds it: it is nobody's number, and
		// the user must see what to correct.
		mustShow(t, body, "发现 1 处问题", "号码格式不对", `href="`+job+`/report.xlsx"`, `<td class="num" data-label="行号">3</td>`, `<td class="mono" data-label="内容">12345</td>`)
		mustHide(t, body, "缺少必填列", `name="col2"`, "确认导入", "*****")

		rec := s.get(communityUser, job+"/report.xlsx")
		if rec.Code != http.StatusOK {
			t.Fatalf("report: %d %s", rec.Code, rec.Body)
		}
		if _, params, _ := mime.ParseMediaType(rec.Header().Get("Content-Disposition")); params["filename"] != "居民-错误报告.xlsx" {
			t.Errorf("report named %q", rec.Header().Get("Content-Disposition"))
		}
		rows := xlsxRows(t, rec.Body)
		if len(rows) != 3 || rows[1][0] != "" || !strings.HasPrefix(rows[2][0], "联系电话：") || rows[2][2] != "孙强" || rows[2][7] != "12345" {
			t.Errorf("report rows %q", rows)
		}
	})
}

func TestImportPages_AJobIsItsOwnersAlone(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	job := s.redirected(s.upload(communityUser, "/imports", "in.csv", twoResidents(), "kind", "residents"))
	s.settle(communityUser, job)
	other := auth.Principal{UserID: "c2", Role: auth.RoleCommunity, OrgCode: orgtest.Community}
	for _, rec := range []*httptest.ResponseRecorder{
		s.get(other, job), s.post(other, job+"/confirm", nil), s.post(other, job+"/map", url.Values{"col0": {"name"}}),
		s.get(other, job+"/report.xlsx"), s.get(communityUser, "/imports/NOSUCHJOB"),
	} {
		if rec.Code != http.StatusNotFound {
			t.Errorf("status %d, want 404", rec.Code)
		}
		mustShow(t, rec.Body.String(), "找不到这次导入")
	}
	if n := rowCounts(t, s.d)["residents"]; n != 3 {
		t.Errorf("another user's confirm imported: %d residents", n)
	}
}

func TestImportPages_FormSaysWhatIsWrong(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	rec := s.upload(communityUser, "/imports", "", nil, "kind", "residents")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("no file: %d", rec.Code)
	}
	mustShow(t, rec.Body.String(), "文件：不能为空", `aria-invalid="true"`, `<option value="residents" selected>`)
	rec = s.upload(communityUser, "/imports", "in.csv", twoResidents(), "kind", "org")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("a kind the user may not import: %d", rec.Code)
	}
	mustShow(t, rec.Body.String(), "您没有权限导入这类台账")

	// A file the reader refuses fails its job, not the form.
	job := s.redirected(s.upload(communityUser, "/imports", "居民.xlsx", []byte("not a workbook"), "kind", "residents"))
	body := s.settle(communityUser, job)
	mustShow(t, body, `class="alert alert-error"`, "重新上传")
	mustHide(t, body, "确认导入")
}

func TestImportPages_AuditorMayNotImport(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	auditor := auth.Principal{UserID: "a1", Role: auth.RoleReadOnly, OrgCode: orgtest.Community}
	if rec := s.get(auditor, "/imports"); rec.Code != http.StatusForbidden {
		t.Errorf("form: %d", rec.Code)
	}
	if rec := s.upload(auditor, "/imports", "in.csv", twoResidents(), "kind", "residents"); rec.Code != http.StatusForbidden {
		t.Errorf("upload: %d", rec.Code)
	}
	if got := transfer.Importable(auditor); len(got) != 0 {
		t.Errorf("an auditor may import %v", got)
	}
	if got := transfer.Importable(gridUser); len(got) != 2 || got[0] != transfer.Households || got[1] != transfer.Residents {
		t.Errorf("a grid worker may import %v, want households and residents", got)
	}
}

func TestExportPage_SendsTheFileOrAnErrorPage(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	rec := s.get(gridUser, "/exports/residents.xlsx?scope="+orgtest.Grid)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), "residents-"+orgtest.Grid+".xlsx") {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Disposition"))
	}
	if rows := xlsxRows(t, rec.Body); len(rows) != 3 || rows[1][1] != pii.MaskIDNumber(idLi) {
		t.Errorf("rows %q", rows)
	}
	if rec := s.get(communityUser, "/exports/staff?format=csv"); rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte("\uFEFF"+staffTemplate)) {
		t.Errorf("CSV: %d %s", rec.Code, rec.Body)
	}
	for target, status := range map[string]int{
		"/exports/residents.xlsx?scope=" + orgtest.GridB: http.StatusNotFound,
		"/exports/pets.xlsx":                             http.StatusNotFound,
		"/exports/residents.pdf":                         http.StatusBadRequest,
	} {
		rec := s.get(gridUser, target)
		if rec.Code != status || rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("%s: %d, want %d", target, rec.Code, status)
		}
		mustShow(t, rec.Body.String(), "<html")
	}
}

// Closing the pages, as the server does when it stops, deletes the uploaded files
// nobody confirmed: registers full of ID numbers must not stay on its disk.
func TestPages_CloseDeletesTheUploads(t *testing.T) {
	d := dbtest.SQLite(t)
	s := newTransferSite(t, d)
	rend, err := web.NewRenderer(bundle(t), transfer.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages := transfer.RegisterPages(mux, s.svc, rend)
	s.h = web.Language(mux)
	s.settle(communityUser, s.redirected(s.upload(communityUser, "/imports", "居民.csv", twoResidents(), "kind", "residents")))
	uploads, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "shequ-imports-*", "*"))
	if len(uploads) == 0 {
		t.Fatal("the upload was not saved where the test looks")
	}
	if err := pages.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "shequ-imports-*")); len(left) > 0 {
		t.Errorf("left behind after Close: %v", left)
	}
}
