package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
)

// The password policy (等保 身份鉴别: 口令复杂度).
const (
	MinPasswordLength = 8
	maxPasswordLength = 128
	// minNameInPassword is the shortest user name that a password may not contain:
	// a two-letter name such as "li" would forbid half the words of a language.
	minNameInPassword = 3
)

// commonPasswordsFile lists, one a line and in lower case, passwords that guessing
// tries first: the well-known lists' top entries, keyboard walks, pinyin words and
// names with the digits and symbols people add to meet a complexity rule.
//
//go:embed common-passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 8192)
	for line := range strings.Lines(commonPasswordsFile) {
		if p := strings.TrimSpace(line); p != "" {
			m[p] = true
		}
	}
	return m
})

// CheckPasswordPolicy returns why password may not be the password of the user
// named name, or nil: at least MinPasswordLength characters; three of the four
// classes upper-case letter, lower-case letter, digit and anything else (symbols,
// and Chinese characters); not containing the user name, ignoring case; not in the
// list of common passwords, ignoring case. Each reason has its own message key and
// names the field password.
func CheckPasswordPolicy(name, password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return apperr.Invalidf("password", "password.too_short").With("min", MinPasswordLength)
	}
	if n > maxPasswordLength {
		return apperr.Invalidf("password", "too_long").With("max", maxPasswordLength)
	}
	if passwordClasses(password) < 3 {
		return apperr.Invalidf("password", "password.classes")
	}
	lower := strings.ToLower(password)
	if name = strings.ToLower(strings.TrimSpace(name)); utf8.RuneCountInString(name) >= minNameInPassword && strings.Contains(lower, name) {
		return apperr.Invalidf("password", "password.contains_name")
	}
	if commonPasswords()[lower] {
		return apperr.Invalidf("password", "password.common")
	}
	return nil
}

// passwordClasses counts the classes of character password uses.
func passwordClasses(password string) int {
	var upper, lower, digit, other int
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return upper + lower + digit + other
}
