package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LocalPath returns next if a browser sent there stays on this site, and "/"
// otherwise: it guards the redirect after sign-in (?next=) against being turned
// into a link that signs a worker in and hands them to another site.
//
// A prefix check is not enough, because a browser reads a Location more loosely
// than a parser: it drops tabs and line breaks anywhere ("/\t/evil.example" becomes
// "//evil.example", another host), strips leading and trailing control characters
// and spaces, and takes a backslash for a slash ("/\evil.example"). So next must
// parse as a bare path and query — no scheme, no host, no user — starting with one
// "/" and not "//", holding no control character, no backslash, no Unicode space
// and nothing that is not UTF-8, before or after its percent-escapes are decoded.
func LocalPath(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

func localPath(next string) bool {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || !plainText(next) {
		return false
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//") && plainText(u.Path)
}

// plainText reports whether s is UTF-8 without a backslash, a control character or
// a space of any kind, the characters a browser may drop or reinterpret in a URL.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
