package transfer_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/web"
	"shequ/internal/transfer"
)

// transferSite serves the transfer API and pages over the seeded register as the
// server does, each request as the principal the test names.
type transferSite struct {
	t   *testing.T
	d   *db.DB
	svc *transfer.Service
	h   http.Handler
}

func newTransferSite(t *testing.T, d *db.DB) *transferSite {
	t.Helper()
	// Uploads are saved under the system's temporary directory: this one goes
	// with the test.
	t.Setenv("TMPDIR", t.TempDir())
	svc := seed(t, d)
	rend, err := web.NewRenderer(bundle(t), transfer.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	transfer.RegisterAPI(mux, svc, rend)
	transfer.RegisterPages(mux, svc, rend)
	return &transferSite{t: t, d: d, svc: svc, h: web.Language(mux)}
}

func (s *transferSite) do(p auth.Principal, req *http.Request) *httptest.ResponseRecorder {
	s.t.Helper()
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *transferSite) get(p auth.Principal, target string) *httptest.ResponseRecorder {
	s.t.Helper()
	return s.do(p, httptest.NewRequest(http.MethodGet, target, nil))
}

// upload posts a multipart form with the file data named filename and the fields.
func (s *transferSite) upload(p auth.Principal, target, filename string, data []byte, fields ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			s.t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			s.t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		s.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return s.do(p, req)
}

// importResult decodes the answer of POST /api/v1/imports.
func importResult(t *testing.T, rec *httptest.ResponseRecorder) transfer.Result {
	t.Helper()
	var res transfer.Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("not a result: %v\n%s", err, rec.Body)
	}
	return res
}

// apiErrorOf decodes the one error shape of the API.
func apiErrorOf(t *testing.T, rec *httptest.ResponseRecorder) (code, field, message string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Field, Message string } `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not the error shape: %v\n%s", err, rec.Body)
	}
	return e.Error.Code, e.Error.Field, e.Error.Message
}

// twoResidents is a residents file of two new people, one in each grid of the
// community: H001 in Grid, H002 in GridB.
func twoResidents() []byte {
	return []byte(strings.Join([]string{residentHeader,
		"孙丽," + idSun + ",H002,户主,户籍,13900001111,",
		"孙强," + idSun2 + ",H001,子女,流动,,低保"}, "\n") + "\n")
}

func TestImportAPI_CleanFileIsImported(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		before := rowCounts(t, d)["residents"]
		rec := s.upload(communityUser, "/api/v1/imports?kind=residents", "居民.csv", twoResidents())
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		res := importResult(t, rec)
		if !res.Committed || res.DryRun || res.Rows != 2 || res.Inserted != 2 || res.ProblemCount != 0 || res.Encoding != "utf-8" {
			t.Errorf("result %+v", res)
		}
		if after := rowCounts(t, d)["residents"]; after != before+2 {
			t.Errorf("%d residents after the import, want %d", after, before+2)
		}
		// The same file again changes nothing.
		res = importResult(t, s.upload(communityUser, "/api/v1/imports?kind=residents", "居民.csv", twoResidents()))
		if !res.Committed || res.Inserted != 0 || res.Updated != 0 || res.Unchanged != 2 {
			t.Errorf("second import %+v", res)
		}
	})
}

func TestImportAPI_FileWithProblemsIs422AndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		before := rowCounts(t, d)
		bad := wrongCheckDigit(idSun2)
		file := residentHeader + "\n孙丽," + idSun + ",H002,户主,户籍,,\n孙强," + bad + ",H001,子女,户籍,,\n"
		req := httptest.NewRequest(http.MethodPost, "/api/v1/imports?kind=residents&filename=in.csv", strings.NewReader(file))
		req.Header.Set("Accept-Language", "en")
		rec := s.do(communityUser, req)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		res := importResult(t, rec)
		if res.Committed || res.ProblemCount != 1 || len(res.Problems) != 1 {
			t.Fatalf("result %+v", res)
		}
		p := res.Problems[0]
		if p.Row != 3 || p.Column != "公民身份号码" || p.Value != bad || p.Key != "id_number.check_digit" ||
			!strings.HasPrefix(p.Message, "wrong check digit") {
			t.Errorf("problem %+v", p)
		}
		assertUnchanged(t, d, before)
	})
}

func TestImportAPI_DryRunWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		before := rowCounts(t, d)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/imports?kind=residents&dry_run=true&filename=in.csv", bytes.NewReader(twoResidents()))
		rec := s.do(communityUser, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if res := importResult(t, rec); !res.DryRun || res.Committed || res.Inserted != 2 {
			t.Errorf("result %+v", res)
		}
		assertUnchanged(t, d, before)
	})
}

func TestImportAPI_GridWorkerImportsOnlyIntoTheirGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		file := householdHeader + "\nH020," + orgtest.Grid + ",东兴路40号,\nH021," + orgtest.GridB + ",东兴路41号,\n"
		rec := s.upload(gridUser, "/api/v1/imports?kind=households", "户.csv", []byte(file))
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		res := importResult(t, rec)
		if len(res.Problems) != 1 || res.Problems[0].Row != 3 || res.Problems[0].Key != "transfer.out_of_scope" {
			t.Errorf("problems %+v", res.Problems)
		}
		if n := query(t, d, `SELECT COUNT(*) FROM households WHERE household_no IN ('H020', 'H021')`); n != "0" {
			t.Errorf("%s of the file's households written", n)
		}
	})
}

func TestImportAPI_RefusesWhatItCannotUse(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	auditor := auth.Principal{UserID: "a1", Role: auth.RoleReadOnly, OrgCode: orgtest.Community}
	for _, tc := range []struct {
		name     string
		p        auth.Principal
		target   string
		filename string
		data     []byte
		status   int
		code     string
		field    string
	}{
		{"auditor", auditor, "/api/v1/imports?kind=residents", "in.csv", twoResidents(), 403, "forbidden", ""},
		{"grid worker, org units", gridUser, "/api/v1/imports?kind=org", "in.csv", twoResidents(), 403, "forbidden", ""},
		{"unknown kind", communityUser, "/api/v1/imports?kind=pets", "in.csv", twoResidents(), 400, "invalid", "kind"},
		{"no kind", communityUser, "/api/v1/imports", "in.csv", twoResidents(), 400, "invalid", "kind"},
		{"bad encoding", communityUser, "/api/v1/imports?kind=residents&encoding=big5", "in.csv", twoResidents(), 400, "invalid", "encoding"},
		{"bad map", communityUser, "/api/v1/imports?kind=residents&map=x", "in.csv", twoResidents(), 400, "invalid", "map"},
		{"bad dry_run", communityUser, "/api/v1/imports?kind=residents&dry_run=maybe", "in.csv", twoResidents(), 400, "invalid", "dry_run"},
		{"no file", communityUser, "/api/v1/imports?kind=residents", "", nil, 400, "invalid", "file"},
		{"not a table", communityUser, "/api/v1/imports?kind=residents", "notes.txt", []byte("hello"), 400, "invalid", "file"},
		{"not a workbook", communityUser, "/api/v1/imports?kind=residents", "居民.xlsx", twoResidents(), 400, "invalid", "file"},
		{"empty", communityUser, "/api/v1/imports?kind=residents", "居民.csv", []byte{}, 400, "invalid", "file"},
	} {
		rec := s.upload(tc.p, tc.target, tc.filename, tc.data)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, rec.Code, tc.status, rec.Body)
			continue
		}
		code, field, msg := apiErrorOf(t, rec)
		if code != tc.code || field != tc.field {
			t.Errorf("%s: error %s on %q, want %s on %q", tc.name, code, field, tc.code, tc.field)
		}
		if strings.Contains(msg, "err.") || (field == "file" && !strings.HasPrefix(msg, "文件：")) {
			t.Errorf("%s: message %q", tc.name, msg)
		}
	}
	if n := rowCounts(t, s.d)["residents"]; n != 3 {
		t.Errorf("%d residents after refused imports, want the 3 seeded", n)
	}
}

func TestExportAPI_MasksUnlessTheRoleMayExportInFull(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newTransferSite(t, d)
		rec := s.get(gridUser, "/api/v1/exports/residents?scope="+orgtest.Grid)
		if rec.Code != http.StatusOK {
			t.Fatalf("grid export: %d %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if _, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition")); err != nil || params["filename"] != "residents-"+orgtest.Grid+".csv" {
			t.Errorf("Content-Disposition %q", rec.Header().Get("Content-Disposition"))
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Error("an export may be cached")
		}
		body := rec.Body.String()
		if !strings.HasPrefix(body, "\uFEFF"+strings.Join(transfer.Residents.Headers("zh-CN"), ",")+"\r\n") ||
			!strings.Contains(body, "李建国,"+pii.MaskIDNumber(idLi)+",H001,户主,02,户籍,138****5678") {
			t.Errorf("grid export:\n%s", body)
		}
		if strings.Contains(body, idLi) || strings.Contains(body, "赵敏") {
			t.Errorf("grid export shows a full ID number or a resident of another grid:\n%s", body)
		}

		body = s.get(communityUser, "/api/v1/exports/residents").Body.String()
		if !strings.Contains(body, "李建国,"+idLi+",H001,户主,02,户籍,13812345678") {
			t.Errorf("community export lacks the full ID number and phone:\n%s", body)
		}

		rec = s.get(gridUser, "/api/v1/exports/residents?scope="+orgtest.GridB)
		if code, _, _ := apiErrorOf(t, rec); rec.Code != http.StatusNotFound || code != "not_found" || rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("another grid's export: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestExportAPI_XLSXInEnglish(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/exports/households?format=xlsx", nil)
	req.Header.Set("Accept-Language", "en")
	rec := s.do(communityUser, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	rows := xlsxRows(t, rec.Body)
	if len(rows) != 3 || !slices.Equal(rows[0], transfer.Households.Headers("en")) || rows[1][0] != "H001" {
		t.Errorf("rows %q", rows)
	}
	for _, bad := range []string{"/api/v1/exports/pets", "/api/v1/exports/households?format=pdf"} {
		if rec := s.get(communityUser, bad); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}

func TestTemplateAPI(t *testing.T) {
	s := newTransferSite(t, dbtest.SQLite(t))
	rec := s.get(gridUser, "/api/v1/templates/residents")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if _, params, _ := mime.ParseMediaType(rec.Header().Get("Content-Disposition")); params["filename"] != "residents-template.xlsx" {
		t.Errorf("Content-Disposition %q", rec.Header().Get("Content-Disposition"))
	}
	if rows := xlsxRows(t, rec.Body); len(rows) != 1 || !slices.Equal(rows[0], transfer.Residents.Headers("zh-CN")) {
		t.Errorf("template rows %q", rows)
	}
	if body := s.get(gridUser, "/api/v1/templates/staff?format=csv").Body.String(); body != "\uFEFF"+staffTemplate+"\r\n" {
		t.Errorf("CSV template %q", body)
	}
	if rec := s.get(gridUser, "/api/v1/templates/staff?format=xls"); rec.Code != http.StatusBadRequest {
		t.Errorf("format xls: %d", rec.Code)
	} else if _, field, msg := apiErrorOf(t, rec); field != "format" || !strings.Contains(msg, "xls") {
		t.Errorf("format xls: field %q, message %q", field, msg)
	}
}

// xlsxRows reads the first sheet of a workbook.
func xlsxRows(t *testing.T, r io.Reader) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(r)
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
