package calendar_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"shequ/internal/audit"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := i18n.Load(calendar.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, calendar.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
	keys := []string{"calendar.replaces.shipped", "calendar.replaces.added", "calendar.deadline_missing_year"}
	for _, k := range []calendar.WarningKind{calendar.ThisYearMissing, calendar.NextYearMissing} {
		keys = append(keys, "calendar.warning."+string(k))
	}
	for d := range 7 {
		keys = append(keys, "calendar.weekday."+string(rune('0'+d)))
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}

// site serves the calendar's pages over d, the clock at now().
type site struct {
	d *db.DB
	h http.Handler
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	b, err := i18n.Load(calendar.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, calendar.Templates)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	calendar.RegisterPages(mux, newService(t, d), rend)
	return &site{d: d, h: audit.Middleware(web.Language(mux))}
}

// send asks the site as p; a body, when given, is posted with its content type.
func (s *site) send(p auth.Principal, target, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if body != nil {
		req = httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
	}
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *site) get(p auth.Principal, target string) *httptest.ResponseRecorder {
	return s.send(p, target, "", nil)
}

// post sends a form as a browser does without a file.
func (s *site) post(p auth.Principal, form url.Values) *httptest.ResponseRecorder {
	return s.send(p, "/calendar/import", "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// upload sends the form with a file, as a browser does with one chosen.
func (s *site) upload(t *testing.T, p auth.Principal, year string, file []byte) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("year", year); err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteField("text", ""); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", year+".csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	return s.send(p, "/calendar/import", mw.FormDataContentType(), buf.Bytes())
}

func check(t *testing.T, name string, rec *httptest.ResponseRecorder, status int, want, not []string) {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != status {
		t.Errorf("%s: status %d, want %d", name, rec.Code, status)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q", name, s)
		}
	}
	for _, s := range not {
		if strings.Contains(body, s) {
			t.Errorf("%s: page shows %q", name, s)
		}
	}
}

func TestCalendarPage_ShowsEveryoneTheYearsAndWhatIsMissing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		for _, tc := range []struct {
			name   string
			p      auth.Principal
			target string
			status int
			want   []string
			not    []string
		}{
			{"this year, as a community worker", community, "/calendar", 200,
				[]string{"工作日历", "2026 年节假日安排", "国办发明电〔2025〕7号", "随软件发布", "春节",
					`<span class="mono">2026-02-15</span> 周日<br>至 <span class="mono">2026-02-23</span> 周一`, "9 天",
					`<span class="mono">2026-02-14</span> 周六`, "放假 33 天，调休上班 6 天",
					"还没有 2027 年的节假日安排", "每个工作日 08:30–12:00 / 14:30–17:30", `href="/calendar?year=2013"`},
				[]string{"/calendar/import"}},
			{"the city may import", city, "/calendar", 200,
				[]string{`href="/calendar/import"`, `href="/calendar/import?year=2027"`}, nil},
			{"the system administrator may import", sysadmin, "/calendar", 200, []string{`href="/calendar/import"`}, nil},
			{"another year", readonly, "/calendar?year=2015", 200,
				[]string{"2015 年节假日安排", "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日", "国发明电〔2015〕1号",
					`<span class="mono">2015-09-06</span> 周日`},
				[]string{"2026 年节假日安排"}},
			{"a year the calendar lacks", community, "/calendar?year=2030", 404, []string{"没有 2030 年的节假日安排"}, nil},
			{"not a year", community, "/calendar?year=next", 400, []string{"年份应在 2000 年至 2099 年之间"}, nil},
			{"in English", community, "/calendar?lang=en", 200,
				[]string{"Working-day calendar", "Holidays in 2026", "Shipped with shequ", "Sat", "has no arrangement for 2027"}, []string{"随软件发布"}},
			{"nobody signed in", auth.Principal{}, "/calendar", 403, nil, []string{"春节"}},
		} {
			check(t, tc.name, s.get(tc.p, tc.target), tc.status, tc.want, tc.not)
		}
	})
}

func TestImportPage_ChecksShowsThenSaves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		check(t, "the form", s.get(city, "/calendar/import"), 200,
			[]string{"导入节假日安排", `name="year"`, `value="2027"`, `type="file"`, "# source: 国务院办公厅关于2027年部分节假日安排的通知"}, nil)
		rec := s.post(city, url.Values{"year": {"2027"}, "text": {year2027}})
		check(t, "the preview", rec, 200,
			[]string{"2027 年：确认后将保存以下安排", "确认保存", `name="confirm" value="1"`, "放假 4 天，调休上班 2 天",
				`<span class="mono">2026-12-26</span> 周六`, `<span class="mono">2027-02-06</span> 周六<br>至 <span class="mono">2027-02-08</span> 周一`},
			[]string{"将替换", "随软件发布"})
		if got := trail(t, d); len(got) != 0 {
			t.Errorf("the preview recorded %q", got)
		}
		rec = s.post(city, url.Values{"year": {"2027"}, "text": {year2027}, "confirm": {"1"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/calendar?year=2027&done=1" {
			t.Fatalf("saving: status %d, location %q", rec.Code, rec.Header().Get("Location"))
		}
		check(t, "the year saved", s.get(city, "/calendar?year=2027&done=1"), 200,
			[]string{"已导入 2027 年的节假日安排", "王市 于 2026-12-03 10:00 导入", "测试用，非真实通知"},
			[]string{"还没有 2027 年"})
		check(t, "replacing it", s.post(city, url.Values{"year": {"2027"}, "text": {year2027}}), 200,
			[]string{"将替换此前导入的 2027 年数据。"}, nil)
		check(t, "replacing a shipped year", s.post(sysadmin, url.Values{"year": {"2026"}, "text": {"# source: x\ndate,kind,name\n2026-10-01,holiday,国庆节\n"}}), 200,
			[]string{"将替换随软件发布的 2026 年数据。"}, nil)
	})
}

func TestImportPage_ReadsAnExcelFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		gb, err := simplifiedchinese.GB18030.NewEncoder().String(strings.ReplaceAll(year2027, "\n", "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, "a GB18030 file", s.upload(t, city, "2027", []byte(gb)), 200,
			[]string{"确认保存", "春节", "测试用，非真实通知"}, nil)
	})
}

func TestImportPage_SaysWhereTheFileIsWrong(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		bad := "# source: x\ndate,kind,name\n2027-02-06,holiday,春节\n2027/2/7,holiday,春节\n2027-02-10,workday,春节\n"
		check(t, "a file with problems", s.post(city, url.Values{"year": {"2027"}, "text": {bad}, "confirm": {"1"}}), 400,
			[]string{"文件有 2 处问题，没有保存任何内容", "文件：第 4 行第 1 列（date）：“2027/2/7”不是有效日期",
				"文件：第 5 行第 2 列（kind）：2027-02-10 是周一至周五", "2027/2/7,holiday,春节\n2027-02-10,workday,春节\n</textarea>"},
			[]string{"确认保存"})
		check(t, "in English", s.send(city, "/calendar/import?lang=en", "application/x-www-form-urlencoded",
			[]byte(url.Values{"year": {"2027"}, "text": {bad}}.Encode())), 400,
			[]string{"Problems in the file: 2", "File: line 4, column 1 (date)"}, nil)
		check(t, "a bad year", s.post(city, url.Values{"year": {"27"}, "text": {year2027}}), 400,
			[]string{"年份：年份应在 2000 年至 2099 年之间", `aria-invalid="true"`}, nil)
		check(t, "nothing sent", s.post(city, url.Values{"year": {"2027"}}), 400,
			[]string{"缺少注明来源的一行"}, nil)
		if _, ok := load(t, newService(t, d)).Year(2027); ok {
			t.Error("a refused file was saved")
		}
	})
}

func TestImportPage_OnlyForThoseWhoMayImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		for _, p := range []auth.Principal{community, district, readonly, {}} {
			if rec := s.get(p, "/calendar/import"); rec.Code != http.StatusForbidden {
				t.Errorf("%s: form status %d", p.Role, rec.Code)
			}
			if rec := s.post(p, url.Values{"year": {"2027"}, "text": {year2027}, "confirm": {"1"}}); rec.Code != http.StatusForbidden {
				t.Errorf("%s: save status %d", p.Role, rec.Code)
			}
		}
		got := trail(t, d)
		if len(got) != 4 || got[1] != "u-dist calendar.import calendar:2027 denied auth.forbidden" {
			t.Errorf("refusals recorded: %q", got)
		}
	})
}
