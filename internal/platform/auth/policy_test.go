package auth_test

import (
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
)

func TestPasswordPolicy_EachReasonHasItsOwnKeyOnTheFieldPassword(t *testing.T) {
	for _, tc := range []struct {
		name, password, key string
	}{
		{"wangfang", "Ab3$xyz", "password.too_short"},
		{"wangfang", "abcdefgh12", "password.classes"},
		{"wangfang", "ABCDEFGH!!", "password.classes"},
		{"wangfang", "Xy7!WangFang", "password.contains_name"},
		{"wangfang", "Zhang123!", "password.common"},
		{"wangfang", "P@ssw0rd", "password.common"},
		{"wangfang", "Woaini1314", "password.common"},
		{"wangfang", "Aa123456", "password.common"},
		{"wangfang", "A1b2c3d4", "password.common"},
		{"wangfang", "Qwer@1234", "password.common"},
		{"wangfang", string(make([]byte, 129)), "too_long"},
		{"wangfang", "Lychee-Orbit-73", ""},
		{"wangfang", "长城Great2026", ""},
		{"li", "Reliable#9", ""}, // names under three characters are not looked for
		{"wangfang", "tea7Pot!", ""},
	} {
		err := auth.CheckPasswordPolicy(tc.name, tc.password)
		if tc.key == "" {
			if err != nil {
				t.Errorf("%q for %s: %v, want it accepted", tc.password, tc.name, err)
			}
			continue
		}
		e, ok := err.(*apperr.Error)
		if !ok || e.Key != tc.key || e.Field != "password" || e.Code != apperr.Invalid {
			t.Errorf("%q for %s: %v, want %s on the field password", tc.password, tc.name, err, tc.key)
		}
	}
}

func TestGeneratePassword_MeetsThePolicyAndDiffersEachTime(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"li", "abc", "demo-city", "wangfang"} {
		for range 50 {
			pw := auth.GeneratePassword(name)
			if err := auth.CheckPasswordPolicy(name, pw); err != nil {
				t.Fatalf("generated %q for %s: %v", pw, name, err)
			}
			if seen[pw] {
				t.Fatalf("generated %q twice", pw)
			}
			seen[pw] = true
		}
	}
}
