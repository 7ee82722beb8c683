package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestLocalPath_KeepsAPathOnThisSite(t *testing.T) {
	for _, next := range []string{
		"/",
		"/staff",
		"/residents/42?tab=moves",
		"/search?q=%E5%A4%A7%E5%AD%A6%E8%B7%AF",
		"/search?q=大学路",
		"/units/450403001001#grids",
	} {
		if got := LocalPath(next); got != next {
			t.Errorf("LocalPath(%q) = %q, want it kept", next, got)
		}
	}
}

// The review's finding: "/%09/evil.example" arrives as "/\t/evil.example", which
// starts with one slash, and the browser, dropping the tab, goes to evil.example.
func TestLocalPath_RefusesWhatABrowserWouldTakeOffSite(t *testing.T) {
	for _, next := range []string{
		"/\t/evil.example",
		"/\n/evil.example",
		"/\r/evil.example",
		"/\t\t/evil.example",
		"//evil.example",
		"///evil.example",
		"/\\evil.example",
		"/\\/evil.example",
		"\\\\evil.example",
		" //evil.example",
		"/ /evil.example",
		"/\u00a0/evil.example",
		"/\u3000/evil.example",
		"/\x00/evil.example",
		"/\x7f/evil.example",
		"/\u200b/evil.example",
		"/%2F/evil.example",
		"/%2f%2fevil.example",
		"/%5Cevil.example",
		"/%09/evil.example",
		"https://evil.example",
		"https:/evil.example",
		"javascript:alert(1)",
		"evil.example",
		"",
		"/\xff",
	} {
		if got := LocalPath(next); got != "/" {
			t.Errorf("LocalPath(%q) = %q, want /", next, got)
		}
	}
}

// FuzzLocalPath checks LocalPath against a model of how a browser resolves a
// Location on this site: whatever it keeps, the browser's reading of it — tabs and
// line breaks dropped, control characters and spaces stripped at the ends,
// backslashes taken as slashes — still names this host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/staff?x=1", "/\t/evil.example", "/\\evil", "//x", "/%2F/x", "/a b"} {
		f.Add(s)
	}
	base, err := url.Parse("https://shequ.example/login")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := LocalPath(next)
		if got != "/" && got != next {
			t.Fatalf("LocalPath(%q) = %q: neither kept nor /", next, got)
		}
		seen := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		seen = strings.TrimFunc(seen, func(r rune) bool { return r <= ' ' })
		ref, err := url.Parse(seen)
		if err != nil {
			t.Fatalf("kept %q, which does not parse: %v", got, err)
		}
		if u := base.ResolveReference(ref); u.Host != base.Host || u.Scheme != base.Scheme {
			t.Fatalf("kept %q, which a browser takes to %s", got, u)
		}
		if unescaped, err := url.PathUnescape(ref.EscapedPath()); err == nil && strings.HasPrefix(unescaped, "//") {
			t.Fatalf("kept %q, whose path starts with // once unescaped", got)
		}
	})
}
