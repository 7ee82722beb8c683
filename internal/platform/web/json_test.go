package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shequ/internal/platform/apperr"
)

type unitInput struct {
	Name        string `json:"name"`
	FoundedYear int    `json:"founded_year"`
	Address     struct {
		Street string `json:"street"`
	} `json:"address"`
	Area wholeArea `json:"area"`
}

// wholeArea refuses a fraction with a domain error of its own, as area.Area refuses
// a third decimal.
type wholeArea int

func (a *wholeArea) UnmarshalJSON(data []byte) error {
	if strings.Contains(string(data), ".") {
		return apperr.Invalidf("", "area.decimals")
	}
	return json.Unmarshal(data, (*int)(a))
}

func decode(body string) (unitInput, error) {
	var in unitInput
	req := httptest.NewRequest(http.MethodPost, "/api/v1/units", strings.NewReader(body))
	err := DecodeJSON(httptest.NewRecorder(), req, &in)
	return in, err
}

func TestDecodeJSON_ReadsOneObject(t *testing.T) {
	in, err := decode(`{"name": "大学路社区", "founded_year": 2011, "address": {"street": "大学路"}}` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "大学路社区" || in.FoundedYear != 2011 || in.Address.Street != "大学路" {
		t.Errorf("got %+v", in)
	}
}

func TestDecodeJSON_NamesWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       apperr.Code
		key, field string
	}{
		{"unknown field", `{"name": "x", "nickname": "y"}`, apperr.Invalid, "json.unknown_field", "nickname"},
		{"wrong type", `{"founded_year": "2011"}`, apperr.Invalid, "json.type", "founded_year"},
		{"wrong type, nested", `{"address": {"street": 5}}`, apperr.Invalid, "json.type", "address.street"},
		{"refused by the type itself", `{"area": 149.5}`, apperr.Invalid, "area.decimals", "area"},
		{"unknown field without a name", `{"": 1}`, apperr.Invalid, "json.unknown_field", "body"},
		{"not an object", `["name"]`, apperr.Invalid, "json.type", "body"},
		{"a number", `000`, apperr.Invalid, "json.type", "body"},
		{"malformed", `{"name": `, apperr.Invalid, "json.malformed", "body"},
		{"not JSON", `name=x`, apperr.Invalid, "json.malformed", "body"},
		{"empty body", ``, apperr.Invalid, "json.malformed", "body"},
		{"trailing garbage", `{"name": "x"} garbage`, apperr.Invalid, "json.malformed", "body"},
		{"second object", `{"name": "x"} {"name": "y"}`, apperr.Invalid, "json.malformed", "body"},
		{"too large", `{"name": "` + strings.Repeat("x", MaxBodyBytes) + `"}`, apperr.Invalid, "json.too_large", "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(tc.body)
			var e *apperr.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, not a domain error", err)
			}
			if e.Code != tc.code || e.Key != tc.key || e.Field != tc.field {
				t.Errorf("got %s %s field %q, want %s %s field %q", e.Code, e.Key, e.Field, tc.code, tc.key, tc.field)
			}
		})
	}
	_, err := decode(`{"nickname": 1}`)
	if got := bundle(t).Error("en", err); got != "unknown field “nickname”" {
		t.Errorf("message %q", got)
	}
}

// A member sent twice would let the second value pass unseen by whoever read the
// first, and one in another case would slip past a rule written for the exact name:
// both are refused naming the member, as an unknown one is.
func TestDecodeJSON_RefusesAMemberNamedTwiceOrInAnotherCase(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		key, field string
	}{
		{"named twice", `{"name": "大学路社区", "name": "=HYPERLINK(1)"}`, "json.duplicate_field", "name"},
		{"named twice, nested", `{"address": {"street": "a", "street": "b"}}`, "json.duplicate_field", "address.street"},
		{"named twice, escaped", `{"name": "a", "\u006eame": "b"}`, "json.duplicate_field", "name"},
		{"another case", `{"Name": "x"}`, "json.unknown_field", "Name"},
		{"another case after the exact one", `{"name": "x", "NAME": "y"}`, "json.unknown_field", "NAME"},
		{"another case, nested", `{"address": {"Street": "x"}}`, "json.unknown_field", "address.Street"},
		{"not UTF-8", "{\"name\": \"\xff\"}", "json.malformed", "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(tc.body)
			var e *apperr.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, not a domain error", err)
			}
			if e.Code != apperr.Invalid || e.Key != tc.key || e.Field != tc.field {
				t.Errorf("got %s %s field %q, want invalid %s field %q", e.Code, e.Key, e.Field, tc.key, tc.field)
			}
		})
	}
	_, err := decode(`{"name": "a", "name": "b"}`)
	if got := bundle(t).Error("en", err); got != "Name: field “name” appears more than once" {
		t.Errorf("message %q", got)
	}
}

func TestDecodeJSON_OversizeBodyAnswers400NamingTheBody(t *testing.T) {
	_, err := decode(`{"name": "` + strings.Repeat("x", MaxBodyBytes) + `"}`)
	rec := httptest.NewRecorder()
	WriteAPIError(rec, httptest.NewRequest(http.MethodPost, "/api/v1/units", nil), bundle(t), err)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d", rec.Code)
	}
	want := `{"error":{"code":"invalid","message":"请求内容：太大了，上限为 1 MB","field":"body"}}` + "\n"
	if rec.Body.String() != want {
		t.Errorf("body %s", rec.Body)
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusCreated, map[string]int{"households": 142176})
	if rec.Code != http.StatusCreated || rec.Body.String() != `{"households":142176}`+"\n" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}

	rec = httptest.NewRecorder()
	WriteJSON(rec, http.StatusOK, map[string]any{"f": func() {}})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("unencodable value: status %d", rec.Code)
	}
}

func TestWriteAPIError_OneShapeAndTheStatusOfEachCode(t *testing.T) {
	b := bundle(t)
	for _, tc := range []struct {
		err    error
		status int
		want   string
	}{
		{apperr.Invalidf("id_number", "id_number.check_digit").With("want", "X"), 400,
			`{"error":{"code":"invalid","message":"公民身份号码：校验位错误，应为 X","field":"id_number"}}`},
		{apperr.New(apperr.NotFound, "resident.not_found", ""), 404,
			`{"error":{"code":"not_found","message":"找不到该居民，或不在您的管辖范围内","field":""}}`},
		{apperr.New(apperr.Forbidden, "auth.forbidden", ""), 403,
			`{"error":{"code":"forbidden","message":"您没有权限进行此操作","field":""}}`},
		{apperr.New(apperr.Conflict, "household.no_taken", "household_no"), 409,
			`{"error":{"code":"conflict","message":"户号：该户号已被使用","field":"household_no"}}`},
		{apperr.New(apperr.Unauthorized, "auth.required", ""), 401,
			`{"error":{"code":"unauthorized","message":"请先登录","field":""}}`},
		{apperr.New(apperr.PreconditionFailed, "workflow.stale", ""), 412,
			`{"error":{"code":"precondition_failed","message":"在此期间已有其他人办理过，请刷新页面后重新办理","field":""}}`},
		{apperr.New(apperr.PreconditionRequired, "workflow.version_required", ""), 428,
			`{"error":{"code":"precondition_required","message":"请求没有注明基于哪个版本办理（If-Match），请刷新后重试","field":""}}`},
		{apperr.New(apperr.Invalid, "json.too_large", "body"), 400,
			`{"error":{"code":"invalid","message":"请求内容：太大了，上限为 1 MB","field":"body"}}`},
		{errors.New("database is locked"), 500,
			`{"error":{"code":"internal","message":"系统出错了，请稍后再试；如果问题一直存在，请联系系统管理员","field":""}}`},
		{apperr.New(apperr.Internal, "org.not_found", "code"), 500,
			`{"error":{"code":"internal","message":"系统出错了，请稍后再试；如果问题一直存在，请联系系统管理员","field":""}}`},
	} {
		rec := httptest.NewRecorder()
		WriteAPIError(rec, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), b, tc.err)
		if rec.Code != tc.status || rec.Body.String() != tc.want+"\n" {
			t.Errorf("%v: got %d %s, want %d %s", tc.err, rec.Code, rec.Body, tc.status, tc.want)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Errorf("%v: not JSON", tc.err)
		}
	}
}

func TestRendererError_AnswersAPIPathsWithJSONInTheRequestLanguage(t *testing.T) {
	r := renderer(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Error(w, req, apperr.Invalidf("phone", "phone.format"))
	})
	rec := get(h, "/api/v1/residents", "Accept-Language", "en")
	want := `{"error":{"code":"invalid","message":"Phone: not a valid number: a mobile has 11 digits, a landline needs its area code","field":"phone"}}` + "\n"
	if rec.Code != http.StatusBadRequest || rec.Body.String() != want {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}
