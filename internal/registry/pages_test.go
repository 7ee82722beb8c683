package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/web"
	"shequ/internal/registry"
)

func TestPages_EveryTemplateKeyIsTranslated(t *testing.T) {
	b, err := i18n.Load(registry.Locales)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := i18n.MissingTemplateKeys(b, registry.Templates)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("keys used by the templates but not in the locale files: %v", missing)
	}
}

// pagesWorld is the fixture of the register's tests served by the register's pages.
type pagesWorld struct {
	fixture
	d *db.DB
	h http.Handler
}

func newPagesWorld(t *testing.T, d *db.DB) pagesWorld {
	t.Helper()
	f := setup(t, d)
	mux := http.NewServeMux()
	registry.RegisterPages(mux, f.s, org.NewService(d, now), renderer(t))
	return pagesWorld{fixture: f, d: d, h: web.Language(mux)}
}

// renderer is the register's renderer: its templates and strings.
func renderer(t *testing.T) *web.Renderer {
	t.Helper()
	b, err := i18n.Load(registry.Locales)
	if err != nil {
		t.Fatal(err)
	}
	rend, err := web.NewRenderer(b, registry.Templates)
	if err != nil {
		t.Fatal(err)
	}
	return rend
}

// eachPagesWorld runs fn on a pagesWorld on each database.
func eachPagesWorld(t *testing.T, fn func(t *testing.T, w pagesWorld)) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { fn(t, newPagesWorld(t, d)) })
}

// get requests target as p, in Chinese unless the target asks otherwise.
func (w pagesWorld) get(p auth.Principal, target string) (int, string) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, s := range unwanted {
		if strings.Contains(body, s) {
			t.Errorf("page shows %q", s)
		}
	}
}

func TestHouseholdPage_ShowsMembersMasked(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		code, body := w.get(gridA, "/households/"+w.hA.ID)
		if code != http.StatusOK {
			t.Fatalf("status %d\n%s", code, body)
		}
		mustContain(t, body, "户号 H001", "梧州市万秀区东兴路12号3栋201室", "3栋",
			`<a href="/org/`+orgtest.Grid+`">东兴第一网格</a>`, `<a href="/residents/`+w.head.ID+`">李建国</a>`,
			"户主", "男", pii.MaskIDNumber(w.head.IDNumber), "138****5678", "低保", "户籍")
		mustNotContain(t, body, w.head.IDNumber, "13812345678")
		// A grid worker's breadcrumbs name the units above the grid but link none of them.
		mustNotContain(t, body, `href="/org/`+orgtest.Community+`"`)
	})
}

func TestHouseholdPage_IsNotFoundOutsideTheScope(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		for _, target := range []string{"/households/" + w.hA.ID, "/residents/" + w.head.ID} {
			code, body := w.get(gridB, target)
			if code != http.StatusNotFound {
				t.Errorf("%s as another grid's worker: status %d", target, code)
			}
			mustContain(t, body, "出错了")
			mustNotContain(t, body, "李建国", w.head.IDNumber)
		}
		if code, _ := w.get(city, "/households/no-such-id"); code != http.StatusNotFound {
			t.Errorf("unknown household: status %d", code)
		}
	})
}

func TestResidentPage_ShowsTheRecordMaskedAndItsHistory(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		code, body := w.get(street, "/residents/"+w.head.ID)
		if code != http.StatusOK {
			t.Fatalf("status %d\n%s", code, body)
		}
		mustContain(t, body, "李建国", pii.MaskIDNumber(w.head.IDNumber), "1965-03-12", "61 岁", "男",
			`<a href="/households/`+w.hA.ID+`">H001</a>`, "138****5678", "data-print", "户主", "中国共产党党员", "人户一致",
			"登记与迁移记录", "<td>2026-11-27</td>", "登记", "其他", `href="/org/`+orgtest.Community+`"`)
		mustNotContain(t, body, w.head.IDNumber, "13812345678", "relation.", "从 H001")

		if _, err := w.s.MoveResident(context.Background(), city, w.head.ID, registry.MoveInput{HouseholdNo: "H002", Relation: "head"}); err != nil {
			t.Fatal(err)
		}
		_, body = w.get(street, "/residents/"+w.head.ID+"?lang=en")
		mustContain(t, body, "Moves and registrations", "Moved from H001 to H002", "Registered", "2026-11-27", "61 years", "Male", "户主",
			"Member of the Communist Party of China", "Living where registered")
		mustNotContain(t, body, w.head.IDNumber)
	})
}

func TestSearchPage(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		tail := w.head.IDNumber[14:]
		for _, tc := range []struct {
			name, query string
			status      int
			want, not   []string
		}{
			{"empty form", "", http.StatusOK, []string{`name="q"`, "末 4 位"}, []string{"查询结果"}},
			{"by ID tail", tail, http.StatusOK, []string{"共 1 人", "李建国", pii.MaskIDNumber(w.head.IDNumber), `href="/households/` + w.hA.ID + `"`, "低保"}, nil},
			{"by full ID number", w.head.IDNumber, http.StatusOK, []string{"李建国"}, nil},
			{"by phone", "13812345678", http.StatusOK, []string{"李建国", "138****5678"}, nil},
			{"by address", "东兴路", http.StatusOK, []string{"李建国"}, nil},
			{"nobody", "王某某", http.StatusOK, []string{"没有找到符合条件的居民"}, []string{"李建国"}},
			{"too short", "李", http.StatusBadRequest, []string{"查询内容太短", `aria-invalid="true"`, `value="李"`}, []string{"查询结果"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, body := w.get(city, "/search?q="+tc.query)
				if code != tc.status {
					t.Errorf("status %d, want %d", code, tc.status)
				}
				mustContain(t, body, tc.want...)
				mustNotContain(t, body, tc.not...)
				if tc.query != w.head.IDNumber { // the search box keeps what the user typed
					mustNotContain(t, body, w.head.IDNumber)
				}
			})
		}
		if code, body := w.get(gridB, "/search?q="+tail); code != http.StatusOK || strings.Contains(body, "李建国") {
			t.Errorf("another grid's worker found the resident: %d", code)
		}
	})
}

// post sends a form to target as p.
func (w pagesWorld) post(p auth.Principal, target string, form url.Values) (int, string) {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// The resident's page offers to show one full number with a reason; without one it
// says what is missing and shows nothing, with one it shows that number alone.
func TestResidentPage_RevealsOneNumberWithAReason(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		full := idNumber("450403", "19650312", "001")
		target := "/residents/" + w.head.ID
		_, body := w.get(gridA, target)
		mustContain(t, body, `action="`+target+`/reveal"`, "查看原因", "显示完整号码")
		_, body = w.get(auditor, target)
		mustNotContain(t, body, `/reveal"`)

		code, body := w.post(gridA, target+"/reveal", url.Values{"field": {"id_number"}, "reason": {""}})
		if code != http.StatusBadRequest {
			t.Errorf("no reason: %d, want 400", code)
		}
		mustContain(t, body, "请写明查看原因")
		mustNotContain(t, body, full)

		code, body = w.post(gridA, target+"/reveal", url.Values{"field": {"id_number"}, "reason": {"办理低保核对身份"}})
		if code != http.StatusOK {
			t.Fatalf("reveal: %d", code)
		}
		mustContain(t, body, full, "已记入审计记录", "138****5678")
		mustNotContain(t, body, "13812345678")
	})
}

// Every legal ground the erasure form offers has its label.
func TestErasePage_EveryGroundHasALabel(t *testing.T) {
	b, err := i18n.Load(registry.Locales)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range registry.Grounds {
		if !b.Has("erase.ground." + g) {
			t.Errorf("ground %s has no label", g)
		}
	}
}

// The resident's page leads a user who may erase to a form that warns, asks for a
// ground, a reason and the last four characters of the ID number, says what is
// wrong on the form itself, and after the erasure goes to the household.
func TestErasePage_ConfirmsThenErasesAndGoesToTheHousehold(t *testing.T) {
	eachPagesWorld(t, func(t *testing.T, w pagesWorld) {
		target := "/residents/" + w.head.ID
		_, body := w.get(community, target)
		mustContain(t, body, `action="`+target+`/erase"`, "删除个人信息…")
		for _, p := range []auth.Principal{gridA, auditor} {
			_, body = w.get(p, target)
			mustNotContain(t, body, "/erase")
		}

		code, body := w.get(community, target+"/erase")
		if code != http.StatusOK {
			t.Fatalf("the form: %d", code)
		}
		mustContain(t, body, "删除 李建国 的个人信息", "删除后无法恢复", "记入审计记录", `name="ground"`, `value="consent_withdrawn"`,
			"个人撤回同意", "保存期限已届满", `name="reason"`, `name="confirm"`, pii.MaskIDNumber(w.head.IDNumber), "永久删除")
		mustNotContain(t, body, w.head.IDNumber, "13812345678")
		_, body = w.get(community, target+"/erase?lang=en")
		mustContain(t, body, "This cannot be undone", "The person withdrew their consent", "Delete for good")

		if code, _ := w.get(gridA, target+"/erase"); code != http.StatusForbidden {
			t.Errorf("the form for the grid's worker: %d, want 403", code)
		}
		if code, _ := w.get(community2, target+"/erase"); code != http.StatusNotFound {
			t.Errorf("the form for another community: %d, want 404", code)
		}

		tail := w.head.IDNumber[14:]
		good := url.Values{"ground": {"consent_withdrawn"}, "reason": {"本人书面申请"}, "confirm": {tail}}
		for _, tc := range []struct {
			name, field, value, message string
		}{
			{"no ground", "ground", "", "删除依据：不能为空"},
			{"unknown ground", "ground", "whim", "删除依据：请从所列的法定情形中选择"},
			{"no reason", "reason", "", "原因：请写明删除原因"},
			{"wrong last four", "confirm", "0000", "确认：与公民身份号码的末 4 位不符"},
		} {
			form := url.Values{}
			for k, v := range good {
				form[k] = v
			}
			form.Set(tc.field, tc.value)
			code, body := w.post(community, target+"/erase", form)
			if code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", tc.name, code)
			}
			mustContain(t, body, tc.message, `id="erase-`+tc.field+`"`)
			if !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("%s: no input marked invalid", tc.name)
			}
		}
		if code, _ := w.post(gridA, target+"/erase", good); code != http.StatusForbidden {
			t.Errorf("the grid's worker sends the form: %d, want 403", code)
		}
		if _, _, err := w.s.Resident(context.Background(), city, w.head.ID); err != nil {
			t.Fatalf("the resident after refused forms: %v", err)
		}

		req := httptest.NewRequest(http.MethodPost, target+"/erase", strings.NewReader(good.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req = req.WithContext(auth.WithPrincipal(req.Context(), community))
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/households/"+w.hA.ID+"?done=erased" {
			t.Fatalf("erase: %d to %q, want 303 to the household", rec.Code, loc)
		}
		_, body = w.get(community, "/households/"+w.hA.ID+"?done=erased")
		mustContain(t, body, "已删除一名居民的个人信息", "这一户还没有登记成员")
		mustNotContain(t, body, "李建国")
		if code, _ := w.get(community, target); code != http.StatusNotFound {
			t.Errorf("the erased resident's page: %d, want 404", code)
		}
	})
}
