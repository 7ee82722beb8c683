package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

// signInWorld is the test city with a server whose clock the test moves.
type signInWorld struct {
	srv  *server.Server
	auth *auth.Service
	mu   sync.Mutex
	at   time.Time
}

func (w *signInWorld) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at
}

func (w *signInWorld) wait(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at = w.at.Add(d)
}

func newSignInWorld(t *testing.T, d *db.DB) *signInWorld {
	t.Helper()
	orgtest.Build(t, d)
	w := &signInWorld{at: time.Date(2026, 11, 27, 8, 0, 10, 0, time.UTC)}
	w.auth = auth.NewService(d, w.now)
	srv, err := server.New(server.Config{DB: d, Now: w.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = srv
	return w
}

// user adds a user; keep lets them keep the generated password, as the demo does.
func (w *signInWorld) user(t *testing.T, name string, role auth.Role, org string, keep bool) (string, auth.Principal) {
	t.Helper()
	ctx := context.Background()
	pw, err := w.auth.AddUser(ctx, name, role, org)
	if err != nil {
		t.Fatal(err)
	}
	if keep {
		if err := w.auth.WaivePasswordChange(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.auth.Principal(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return pw, p
}

// browser keeps cookies between requests and follows no redirect, so each answer
// can be checked.
type browser struct {
	t       *testing.T
	w       *signInWorld
	cookies map[string]*http.Cookie
}

func (w *signInWorld) browser(t *testing.T) *browser {
	return &browser{t: t, w: w, cookies: map[string]*http.Cookie{}}
}

// answer is one response: status, where a redirect leads, and the body.
type answer struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, path string, form url.Values) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		if strings.HasPrefix(req.URL.Path, c.Path) {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	rec := httptest.NewRecorder()
	b.w.srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return answer{status: rec.Code, location: rec.Header().Get("Location"), body: rec.Body.String()}
}

func (b *browser) get(path string) answer { return b.do(http.MethodGet, path, nil) }

func (b *browser) post(path string, form url.Values) answer { return b.do(http.MethodPost, path, form) }

// expect checks an answer's status, redirect and content.
func (b *browser) expect(what string, a answer, status int, location string, want ...string) {
	b.t.Helper()
	if a.status != status || a.location != location {
		b.t.Errorf("%s: %d → %q, want %d → %q", what, a.status, a.location, status, location)
	}
	for _, s := range want {
		if !strings.Contains(a.body, s) {
			b.t.Errorf("%s: the page lacks %q", what, s)
		}
	}
}

func (b *browser) login(name, password string) answer {
	b.t.Helper()
	return b.post("/login", url.Values{"name": {name}, "password": {password}, "next": {"/"}})
}

func TestSignIn_AFreshUserMustChangeThePasswordBeforeAnythingElse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		pw, _ := w.user(t, "chen", auth.RoleCommunity, orgtest.Community, false)
		b := w.browser(t)
		b.expect("sign-in", b.login("chen", pw), http.StatusSeeOther, "/account/password")
		b.expect("home", b.get("/"), http.StatusSeeOther, "/account/password")
		b.expect("account", b.get("/account"), http.StatusSeeOther, "/account/password")
		api := b.get("/api/v1/me")
		if e := decodeError(t, api.body); api.status != http.StatusForbidden || !strings.Contains(e.Error.Message, "请先修改密码") {
			t.Errorf("API while the change is due: %d %s", api.status, api.body)
		}
		b.expect("the form", b.get("/account/password"), http.StatusOK, "", "管理员设置", "当前密码", `autocomplete="new-password"`)
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"current_password": {pw}, "password": {"Lychee-Orbit-73"}, "password_repeat": {"Lychee-Orbit-74"}}, "两次输入的新密码不一致"},
			{url.Values{"current_password": {"wrong"}, "password": {"Lychee-Orbit-73"}, "password_repeat": {"Lychee-Orbit-73"}}, "当前密码：当前密码不对"},
			{url.Values{"current_password": {pw}, "password": {"woaini1314"}, "password_repeat": {"woaini1314"}}, "密码：须包含"},
			{url.Values{"current_password": {pw}, "password": {"Woaini1314"}, "password_repeat": {"Woaini1314"}}, "密码：是常见密码"},
		} {
			b.expect("refused change", b.post("/account/password", tc.form), http.StatusBadRequest, "", tc.want, `aria-invalid="true"`)
		}
		b.expect("change", b.post("/account/password", url.Values{"current_password": {pw}, "password": {"Lychee-Orbit-73"},
			"password_repeat": {"Lychee-Orbit-73"}}), http.StatusSeeOther, "/")
		b.expect("home after the change", b.get("/"), http.StatusOK, "", "东兴社区")
		b.expect("a voluntary change", b.post("/account/password", url.Values{"current_password": {"Lychee-Orbit-73"},
			"password": {"Harbour+Kite9"}, "password_repeat": {"Harbour+Kite9"}}), http.StatusSeeOther, "/account?changed=password")
		b.expect("account", b.get("/account?changed=password"), http.StatusOK, "", "密码已修改")
	})
}

// The review's finding: next=/%09/evil.example passed a prefix check, and the
// browser, dropping the tab, went from the sign-in to another site. After sign-in
// the browser goes only to a path of this site; anything else goes home.
func TestSignIn_GoesOnToAPathOfThisSiteOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		pw, _ := w.user(t, "li", auth.RoleCommunity, orgtest.Community, true)
		for next, want := range map[string]string{
			"/staff":               "/staff",
			"/\t/evil.example":     "/",
			"/\\evil.example":      "/",
			"//evil.example":       "/",
			"https://evil.example": "/",
		} {
			b := w.browser(t)
			form := url.Values{"name": {"li"}, "password": {pw}, "next": {next}}
			b.expect("sign-in with next="+next, b.post("/login", form), http.StatusSeeOther, want)
			page := b.get("/login?next=" + url.QueryEscape(next))
			if !strings.Contains(page.body, `name="next" value="`+want+`"`) {
				t.Errorf("the sign-in form for next=%q does not carry next=%q", next, want)
			}
		}
	})
}

func TestSignIn_WithASecondFactorTakesACodeOnceAndOnlyThenOpensASession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		ctx := context.Background()
		pw, p := w.user(t, "zhou", auth.RoleCity, orgtest.City, true)
		e, err := w.auth.BeginTOTP(ctx, p.UserID, false)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(e.Secret, w.now())
		if _, err := w.auth.ConfirmTOTP(ctx, p.UserID, code); err != nil {
			t.Fatal(err)
		}
		w.wait(30 * time.Second)
		code, _ = auth.TOTPCode(e.Secret, w.now())

		b := w.browser(t)
		b.expect("password", b.login("zhou", pw), http.StatusSeeOther, "/login/totp?next=%2F")
		if b.cookies["shequ_session"] != nil || b.cookies["shequ_pending"] == nil {
			t.Fatalf("after the password: cookies %v, want a pending sign-in and no session", b.cookies)
		}
		b.expect("home before the code", b.get("/"), http.StatusSeeOther, "/login?next=%2F")
		b.expect("the code form", b.get("/login/totp?next=%2F"), http.StatusOK, "", "双因素认证", `autocomplete="one-time-code"`)
		b.expect("a wrong code", b.post("/login/totp", url.Values{"totp_code": {"000000"}, "next": {"/"}}), http.StatusUnauthorized, "",
			"验证码：不正确或已使用过")
		b.expect("the right code", b.post("/login/totp", url.Values{"totp_code": {code}, "next": {"/"}}), http.StatusSeeOther, "/")
		b.expect("home", b.get("/"), http.StatusOK, "", "梧州市")

		other := w.browser(t)
		other.expect("password again", other.login("zhou", pw), http.StatusSeeOther, "/login/totp?next=%2F")
		other.expect("the same code replayed", other.post("/login/totp", url.Values{"totp_code": {code}, "next": {"/"}}),
			http.StatusUnauthorized, "", "已使用过")
		if other.cookies["shequ_session"] != nil {
			t.Error("a replayed code opened a session")
		}
		w.wait(6 * time.Minute)
		next, _ := auth.TOTPCode(e.Secret, w.now())
		other.expect("a code after the pending sign-in expired", other.post("/login/totp", url.Values{"totp_code": {next}, "next": {"/"}}),
			http.StatusUnauthorized, "", "登录已超时")
		other.expect("the code form without a pending sign-in", other.get("/login/totp"), http.StatusSeeOther, "/login?next=%2F")
	})
}

func TestSignIn_ACityUserWithoutASecondFactorMustEnrolOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		pw, _ := w.user(t, "qian", auth.RoleDistrict, orgtest.District, true)
		b := w.browser(t)
		b.expect("sign-in", b.login("qian", pw), http.StatusSeeOther, "/account/totp")
		b.expect("home", b.get("/"), http.StatusSeeOther, "/account/totp")
		api := b.get("/api/v1/stats")
		if e := decodeError(t, api.body); api.status != http.StatusForbidden || !strings.Contains(e.Error.Message, "请先绑定验证器") {
			t.Errorf("API before enrolling: %d %s", api.status, api.body)
		}
		page := b.get("/account/totp")
		b.expect("enrolment", page, http.StatusOK, "", "必须启用双因素认证", "otpauth://totp/shequ:qian?", `<svg class="qr"`, `aria-label="验证器绑定二维码"`)
		again := b.get("/account/totp")
		secret := between(page.body, `id="totp-secret">`, "<")
		if secret == "" || secret != between(again.body, `id="totp-secret">`, "<") {
			t.Fatalf("the secret %q changed on reloading the page", secret)
		}
		b.expect("a wrong code", b.post("/account/totp", url.Values{"totp_code": {"123456"}}), http.StatusBadRequest, "", "验证码：不正确")
		code, _ := auth.TOTPCode(secret, w.now())
		done := b.post("/account/totp", url.Values{"totp_code": {code}})
		b.expect("confirmation", done, http.StatusOK, "", "恢复码", "只显示这一次")
		if n := strings.Count(between(done.body, `id="recovery-codes">`, "</ol>"), "<li>"); n != 10 {
			t.Errorf("%d recovery codes shown, want 10", n)
		}
		b.expect("home after enrolling", b.get("/"), http.StatusOK, "", "万秀区")
		b.expect("the page once enrolled", b.get("/account/totp"), http.StatusOK, "", "验证器已于", "剩余恢复码 10 个", "更换验证器")
	})
}

func TestSignIn_IdleTamperedOrDisabledSessionsGoBackToTheSignInForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newSignInWorld(t, d)
		pw, _ := w.user(t, "wang", auth.RoleGrid, orgtest.Grid, true)
		b := w.browser(t)
		b.expect("sign-in", b.login("wang", pw), http.StatusSeeOther, "/")
		b.expect("home", b.get("/"), http.StatusOK, "")

		w.wait(31 * time.Minute)
		b.expect("after 31 idle minutes", b.get("/staff"), http.StatusSeeOther, "/login?next=%2Fstaff")
		if a := b.get("/api/v1/me"); a.status != http.StatusUnauthorized {
			t.Errorf("API after 31 idle minutes: %d", a.status)
		}

		b.expect("sign-in again", b.login("wang", pw), http.StatusSeeOther, "/")
		token := []byte(b.cookies["shequ_session"].Value)
		token[len(token)-1] ^= 0x01
		b.cookies["shequ_session"].Value = string(token)
		b.expect("a tampered cookie", b.get("/"), http.StatusSeeOther, "/login?next=%2F")
		if a := b.get("/api/v1/me"); a.status != http.StatusUnauthorized {
			t.Errorf("API with a tampered cookie: %d", a.status)
		}

		b.expect("sign-in again", b.login("wang", pw), http.StatusSeeOther, "/")
		if err := w.auth.SetDisabled(context.Background(), "wang", true); err != nil {
			t.Fatal(err)
		}
		b.expect("disabled meanwhile", b.get("/"), http.StatusSeeOther, "/login?next=%2F")
		b.expect("a disabled user signing in", b.login("wang", pw), http.StatusUnauthorized, "", "用户名或密码不对")
	})
}

func TestAccountPage_ShowsThePreviousSignInAndThePermissionsOfTheRole(t *testing.T) {
	w := newSignInWorld(t, dbtest.SQLite(t))
	pw, _ := w.user(t, "li", auth.RoleGrid, orgtest.Grid, true)
	b := w.browser(t)
	b.login("li", pw)
	b.expect("first visit", b.get("/account"), http.StatusOK, "", "（首次登录）", "2026-11-27 16:00", "东兴第一网格",
		"查看组织机构、住户、居民和社区工作者", "新增和修改住户、居民", `data-action="registry.reveal"`, "未启用（可选）", `href="/account/totp"`)
	w.wait(2 * time.Hour)
	b.login("li", pw)
	a := b.get("/account?lang=en")
	b.expect("second sign-in in English", a, http.StatusOK, "", "Previous sign-in", "2026-11-27 16:00", "2026-11-27 18:00",
		"Add and change households and residents")
	if strings.Contains(a.body, "Add and change units") {
		t.Error("a grid worker's account lists org.write")
	}
	pw, _ = w.user(t, "sys", auth.RoleSysAdmin, orgtest.City, true)
	admin := w.browser(t)
	admin.expect("an administrator's sign-in", admin.login("sys", pw), http.StatusSeeOther, "/account/totp")
}

// between returns the text of s after the first start and before the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}
