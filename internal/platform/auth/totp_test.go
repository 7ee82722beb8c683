package auth_test

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"shequ/internal/platform/auth"
)

// TestTOTPCode_MatchesRFC6238 checks the SHA-1 test vectors of RFC 6238,
// appendix B, cut to six digits.
func TestTOTPCode_MatchesRFC6238(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		got, err := auth.TOTPCode(secret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.want {
			t.Errorf("code at %d = %q %v, want %s", tc.unix, got, err, tc.want)
		}
	}
	if _, err := auth.TOTPCode("not base32!", time.Unix(59, 0)); err == nil {
		t.Error("a malformed secret gave a code")
	}
}

func TestTOTPURI_IsWhatAuthenticatorAppsRead(t *testing.T) {
	secret := auth.NewTOTPSecret()
	if len(secret) != 32 || strings.ContainsAny(secret, "=") {
		t.Errorf("secret %q: want 32 base32 characters without padding", secret)
	}
	uri := auth.TOTPURI("wang fang", secret)
	for _, part := range []string{"otpauth://totp/shequ:wang%20fang?", "secret=" + secret, "issuer=shequ", "digits=6", "period=30", "algorithm=SHA1"} {
		if !strings.Contains(uri, part) {
			t.Errorf("URI %s lacks %s", uri, part)
		}
	}
}
