package pii

import (
	"strings"

	"shequ/internal/platform/apperr"
)

// NormalizePhone checks a mainland phone number and returns it without spaces or
// dashes: a mobile (11 digits starting 1[3-9]) or a landline with area code
// (0 + 2–3 digits, then 7–8 digits), optionally with an extension after '-' kept.
// An empty phone is allowed and stays empty.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "86-")
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", apperr.Invalidf("phone", "phone.format")
		}
	}
	switch {
	case len(digits) == 11 && digits[0] == '1' && digits[1] >= '3':
		return digits, nil
	case len(digits) >= 10 && len(digits) <= 12 && digits[0] == '0':
		return digits, nil
	}
	return "", apperr.Invalidf("phone", "phone.format")
}

// MaskPhone shows a mobile as 138****5678 and a landline with its middle hidden.
func MaskPhone(s string) string {
	if len(s) < 7 {
		return maskAll(s)
	}
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}

func maskAll(s string) string { return strings.Repeat("*", len([]rune(s))) }
