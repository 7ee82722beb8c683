// Package crypttest gives tests and benchmarks keyrings: a fresh random one, and
// Clear, which encrypts nothing, to measure what encryption costs.
package crypttest

import (
	"testing"

	"shequ/internal/platform/crypt"
)

// New returns a software keyring with a fresh random master key.
func New(tb testing.TB) *crypt.Software {
	tb.Helper()
	k, err := crypt.NewSoftware(crypt.NewMasterKey())
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Clear is a keyring that keeps values as they are: a sealed value is its plain
// bytes and an index is the value itself, as the register stored them before
// encryption. It exists to measure the cost of encryption in the same run; it must
// never hold real data.
type Clear struct{}

// Seal returns plain's bytes.
func (Clear) Seal(_ crypt.Purpose, plain string) ([]byte, error) { return []byte(plain), nil }

// Open returns sealed as a string.
func (Clear) Open(_ crypt.Purpose, sealed []byte) (string, error) { return string(sealed), nil }

// Index returns value itself.
func (Clear) Index(_ crypt.Purpose, value string) string { return value }

// Fingerprint names the clear keyring.
func (Clear) Fingerprint() string { return "clear" }
