package i18n_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
)

func load(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoad_EmbeddedLocalesAgree: Load itself refuses files that disagree, so loading
// the embedded files is the test that both have the same keys, no empty message and
// the same placeholders.
func TestLoad_EmbeddedLocalesAgree(t *testing.T) {
	b := load(t)
	if got := b.Langs(); !slices.Equal(got, []string{"zh-CN", "en"}) {
		t.Errorf("Langs() = %v", got)
	}
}

func TestLoad_RefusesLocalesThatDisagree(t *testing.T) {
	for _, tc := range []struct {
		name, zh, en, want string
	}{
		{"key missing in en", `{"x.a": "甲", "x.b": "乙"}`, `{"x.a": "A"}`, "en: missing x.b"},
		{"key missing in zh", `{"x.a": "甲"}`, `{"x.a": "A", "x.b": "B"}`, "zh-CN: missing x.b"},
		{"empty message", `{"x.a": " "}`, `{"x.a": "A"}`, "zh-CN: x.a is empty"},
		{"placeholder missing", `{"x.a": "共 {n} 人"}`, `{"x.a": "people"}`, "x.a has placeholders"},
		{"placeholder renamed", `{"x.a": "{n} 人"}`, `{"x.a": "{count} people"}`, "x.a has placeholders"},
		{"label differs", `{"x.a": "{w:level}"}`, `{"x.a": "{w}"}`, "x.a has placeholders"},
		{"duplicate in a file", `{"x.a": "甲", "x.a": "乙"}`, `{"x.a": "A"}`, `key "x.a" defined twice`},
		{"duplicate of a platform key", `{"nav.home": "首页"}`, `{"nav.home": "Home"}`, `key "nav.home" defined twice`},
		{"not an object", `["x"]`, `{}`, "not a JSON object"},
		{"not a string", `{"x.a": 1}`, `{"x.a": "A"}`, `key "x.a"`},
		{"trailing data", `{"x.a": "甲"} {}`, `{"x.a": "A"}`, "data after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := i18n.Load(fstest.MapFS{
				"locales/zh-CN.json": {Data: []byte(tc.zh)},
				"locales/en.json":    {Data: []byte(tc.en)},
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := i18n.Load(fstest.MapFS{"locales/zh-CN.json": {Data: []byte(`{}`)}}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing en.json: err = %v", err)
	}
}

func TestLoad_AddsAPackagesOwnMessages(t *testing.T) {
	b, err := i18n.Load(fstest.MapFS{
		"locales/zh-CN.json": {Data: []byte(`{"staff.title": "社区工作者名册"}`)},
		"locales/en.json":    {Data: []byte(`{"staff.title": "Community workers"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T("en", "staff.title"); got != "Community workers" {
		t.Errorf("got %q", got)
	}
	if got := b.T("zh-CN", "nav.home"); got != "首页" {
		t.Errorf("platform messages lost: %q", got)
	}
}

// TestBundle_DefinesTheKeysTheDomainUses pins the keys domain code and pages rely on,
// with their placeholders, so that none is renamed or dropped by accident.
func TestBundle_DefinesTheKeysTheDomainUses(t *testing.T) {
	want := map[string]string{ // key → placeholder the message must use
		"err.id_number.length": "length", "err.id_number.digits": "", "err.id_number.birth_date": "date",
		"err.id_number.check_digit": "want", "err.phone.format": "", "err.required": "", "err.too_long": "max",
		"err.org.not_found": "", "err.org.code_format": "", "err.org.code_length": "want",
		"err.org.code_prefix": "parent", "err.org.parent_level": "want", "err.org.level": "",
		"err.org.code_taken": "", "err.org.founded_year": "", "err.org.office_area": "", "err.org.posts": "",
		"err.org.not_community": "", "err.household.not_found": "", "err.household.no_taken": "",
		"err.household.grid_not_found": "", "err.resident.not_found": "", "err.resident.id_taken": "",
		"err.resident.relation": "", "err.resident.population_type": "", "err.resident.tag": "tag",
		"err.resident.same_household": "", "err.worker.not_found": "", "err.worker.position": "",
		"err.worker.education": "", "err.worker.date": "", "err.worker.grid": "grid", "err.worker.grid_full": "",
		"err.user.role": "", "err.user.role_level": "want", "err.user.name_taken": "", "err.user.not_found": "",
		"err.auth.bad_credentials": "", "err.auth.required": "", "err.auth.forbidden": "", "err.demo.not_empty": "",
		"err.json.malformed": "", "err.json.unknown_field": "name", "err.json.too_large": "", "err.json.type": "",
		"err.not_found": "", "err.internal": "", "err.search.too_short": "",
		"err.erase.ground": "", "err.erase.reason": "", "err.erase.confirm": "",
	}
	for _, group := range []struct {
		prefix string
		values string
	}{
		{"field.", "id_number phone name code level parent_code founded_year office_area_m2 authorized_posts household_no grid_code address building household_id relation population_type tags position education hired_on certificates grid_codes role org password q body scope as_of reason ground confirm"},
		{"level.", "city district street community grid"},
		{"relation.", "head spouse child parent grandchild sibling other"},
		{"pop.", "registered floating"},
		{"tag.", "dibao disabled elderly_alone empty_nest entitled unemployed party_member"},
		{"position.", "secretary_director secretary director deputy_secretary deputy_director member grid_worker"},
		{"education.", "junior_middle_or_below senior_high technical_secondary junior_college bachelor postgraduate"},
		{"role.", "city district street community grid readonly"},
		{"sex.", "M F"},
		{"contact.", "group_leader representative building_head"},
	} {
		for v := range strings.FieldsSeq(group.values) {
			want[group.prefix+v] = ""
		}
	}
	b := load(t)
	for key, ph := range want {
		if !b.Has(key) {
			t.Errorf("missing %s", key)
			continue
		}
		if ph == "" {
			continue
		}
		for _, lang := range b.Langs() {
			if msg := b.T(lang, key, ph, "§"); !strings.Contains(msg, "§") {
				t.Errorf("%s %s = %q does not use {%s}", lang, key, msg, ph)
			}
		}
	}
	if got := b.T("zh-CN", "field.id_number"); got != "公民身份号码" {
		t.Errorf("field.id_number = %q", got)
	}
}

func TestT_FillsPlaceholdersAndShowsMistakes(t *testing.T) {
	b := load(t)
	for _, tc := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"zh-CN", "err.too_long", []any{"max", 60}, "不能超过 60 个字"},
		{"en", "err.too_long", []any{"max", 60}, "must be at most 60 characters"},
		{"fr", "nav.home", nil, "首页"},                                   // unknown language: the default
		{"en", "no.such.key", nil, "no.such.key"},                       // unknown key: the key
		{"en", "err.too_long", nil, "must be at most {max} characters"}, // missing argument stays visible
		{"en", "err.too_long", []any{"max"}, "must be at most {max} characters"},
		{"zh-CN", "err.org.parent_level", []any{"want", "street"}, "上级单位的层级不对，应为：街道"},
		{"en", "err.org.parent_level", []any{"want", "street"}, "the parent unit is at the wrong level; it should be: Street"},
		{"zh-CN", "err.org.parent_level", []any{"want", ""}, "上级单位的层级不对，应为：无（市没有上级单位）"},
		{"en", "err.org.parent_level", []any{"want", "moon"}, "the parent unit is at the wrong level; it should be: moon"},
		{"en", "err.resident.tag", []any{"tag", "{max}"}, "unknown tag “{max}”"},                        // arguments are not re-read
		{"zh-CN", "err.workflow.result", []any{"allowed", []string{"x.a", "x.b"}}, "请从以下选项中选择：x.a、x.b"}, // a list, joined the language's way
		{"en", "err.workflow.result", []any{"allowed", []string{"x.a", "x.b"}}, "choose one of: x.a, x.b"},
	} {
		if got := b.T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
	if got := b.Tm("en", "err.worker.grid", map[string]any{"grid": "450403001001001"}); !strings.Contains(got, "450403001001001") {
		t.Errorf("Tm = %q", got)
	}
}

func TestError_TranslatesDomainErrorsWithTheirField(t *testing.T) {
	b := load(t)
	checkDigit := apperr.Invalidf("id_number", "id_number.check_digit").With("want", "X")
	for _, tc := range []struct {
		name, lang string
		err        error
		want       string
	}{
		{"field label first", "zh-CN", checkDigit, "公民身份号码：校验位错误，应为 X"},
		{"english", "en", checkDigit, "Citizen ID number: wrong check digit: it should be X"},
		{"wrapped", "zh-CN", fmt.Errorf("save: %w", checkDigit), "公民身份号码：校验位错误，应为 X"},
		{"no field", "zh-CN", apperr.New(apperr.Forbidden, "auth.forbidden", ""), "您没有权限进行此操作"},
		{"field without a label", "en", apperr.Invalidf("nickname", "json.unknown_field").With("name", "nickname"), "unknown field “nickname”"},
		{"label argument", "zh-CN", apperr.Invalidf("org", "user.role_level").With("want", "community"), "所属单位：该角色须配属到社区一级的单位"},
		{"plain error", "zh-CN", errors.New("disk full at /var/lib/shequ"), "系统出错了，请稍后再试；如果问题一直存在，请联系系统管理员"},
		{"nil domain error", "en", (*apperr.Error)(nil), b.T("en", "err.internal")},
	} {
		if got := b.Error(tc.lang, tc.err); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMatch_PicksTheBestSupportedLanguage(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "zh-CN"},
		{"en", "en"},
		{"en-US,en;q=0.9", "en"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"en;q=0.8, zh-TW;q=0.9", "zh-CN"},
		{"fr-FR, de;q=0.9", "zh-CN"},
		{"fr, en;q=0.5", "en"},
		{"en;q=0, zh;q=0", "zh-CN"},
		{"*", "zh-CN"},
		{"en;q=bogus, zh-Hans", "zh-CN"},
		{"EN-gb", "en"},
	} {
		if got := i18n.Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"zh-CN", "zh-CN", true}, {"zh", "zh-CN", true}, {"zh-cn", "zh-CN", true},
		{"en", "en", true}, {"en-GB", "en", true}, {"fr", "", false}, {"", "", false},
	} {
		if got, ok := i18n.Canonical(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("Canonical(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

func TestMissingTemplateKeys_FindsLiteralKeysPassedToT(t *testing.T) {
	fsys := fstest.MapFS{
		"a.html": {Data: []byte(`{{define "content"}}<h1>{{t "nav.home"}}</h1>{{t "x.missing1" "n" 1}}
			{{if .X}}{{template "empty" (t "x.missing2")}}{{else}}{{"x.missing3" | t}}{{end}}
			{{range .Y}}<a title="{{t "nav.staff"}}">{{t (print "level." .)}}</a>{{end}}{{end}}`)},
		"sub/b.html": {Data: []byte(`{{with .Z}}{{t "x.missing1"}}{{end}}{{block "title" .}}{{t "x.missing4"}}{{end}}`)},
		"notes.txt":  {Data: []byte(`{{t "x.not_a_template"}}`)},
	}
	missing, err := i18n.MissingTemplateKeys(load(t), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"x.missing1", "x.missing2", "x.missing3", "x.missing4"}; !slices.Equal(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
	if _, err := i18n.MissingTemplateKeys(load(t), fstest.MapFS{"bad.html": {Data: []byte(`{{if}}`)}}); err == nil {
		t.Error("a template that does not parse gave no error")
	}
}

// TestErrorKeysInSource_AreTranslated reads every Go file of the module for literal
// message keys given to apperr.New and apperr.Invalidf, so a domain error added
// anywhere without its messages fails here, not in front of a user. Domain error
// keys and field labels belong in this package's locale files for that reason.
func TestErrorKeysInSource_AreTranslated(t *testing.T) {
	b := load(t)
	root := moduleRoot(t)
	fset := token.NewFileSet()
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "apperr" {
				return true
			}
			var keyArg int
			switch {
			case sel.Sel.Name == "New" && len(call.Args) == 3:
				keyArg = 1
			case sel.Sel.Name == "Invalidf" && len(call.Args) == 2:
				keyArg = 1
			default:
				return true
			}
			lit, ok := call.Args[keyArg].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			seen++
			if !b.Has("err." + key) {
				t.Errorf("%s: err.%s has no message", fset.Position(lit.Pos()), key)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("found no apperr calls: is the module root right?")
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
