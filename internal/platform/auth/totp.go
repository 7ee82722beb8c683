package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP (RFC 6238) as every authenticator app implements it by default: HMAC-SHA-1,
// six digits, a 30-second step, and one step of clock drift either way.
const (
	totpStep   = 30 // seconds
	totpDigits = 6
	totpDrift  = 1 // steps
	// TOTPIssuer names the application in authenticator apps.
	TOTPIssuer = "shequ"
	// RecoveryCodes is how many single-use recovery codes an enrolment gives.
	RecoveryCodes = 10
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret (RFC 4226's recommended length) in
// base32, the form apps take.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return totpEncoding.EncodeToString(b)
}

// TOTPURI is the otpauth:// URI of a secret for the named user, which apps read
// from a QR code or take pasted.
func TOTPURI(userName, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {TOTPIssuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(totpDigits)}, "period": {fmt.Sprint(totpStep)}}
	return "otpauth://totp/" + url.PathEscape(TOTPIssuer+":"+userName) + "?" + q.Encode()
}

// TOTPCode returns the code of secret at time t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(totpStepAt(t))), nil
}

func decodeTOTPSecret(secret string) ([]byte, error) {
	return totpEncoding.DecodeString(strings.ToUpper(strings.ReplaceAll(secret, " ", "")))
}

func totpStepAt(t time.Time) int64 { return t.Unix() / totpStep }

// hotp is RFC 4226's HOTP: HMAC-SHA-1 of the counter, dynamically truncated.
func hotp(key []byte, counter uint64) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, v%1_000_000)
}

// matchTOTP returns the time step, within the drift around now and after the step
// last accepted, whose code is code.
func matchTOTP(secret, code string, now time.Time, last int64) (int64, bool) {
	key, err := decodeTOTPSecret(secret)
	if err != nil || len(code) != totpDigits {
		return 0, false
	}
	at := totpStepAt(now)
	for step := at - totpDrift; step <= at+totpDrift; step++ {
		if step > last && subtle.ConstantTimeCompare([]byte(hotp(key, uint64(step))), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// isTOTPCode reports whether s has the shape of a code rather than of a recovery code.
func isTOTPCode(s string) bool {
	if len(s) != totpDigits {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// newRecoveryCode returns a code of ten base32 characters (50 bits) in two groups,
// "K7QMD-2XW4P".
func newRecoveryCode() string {
	t := rand.Text()
	return t[:5] + "-" + t[5:10]
}

// hashRecoveryCode is what the database keeps of a recovery code: its hash, salted
// with the user's id, over the code without case, spaces or hyphens.
func hashRecoveryCode(userID, code string) string {
	code = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	h := sha256.Sum256([]byte(userID + ":" + code))
	return hex.EncodeToString(h[:])
}
