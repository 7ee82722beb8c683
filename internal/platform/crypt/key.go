package crypt

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"strings"
)

// ErrMalformedKey is returned for a key that is not 32 bytes in base64.
var ErrMalformedKey = errors.New("crypt: a key is 32 bytes written in base64")

// NewMasterKey returns a new random master key.
func NewMasterKey() []byte {
	k := make([]byte, MasterKeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails
	return k
}

// EncodeKey returns the text form of a master key, as a key file holds it and
// SHEQU_KEY gives it: standard base64.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// ParseKey reads the text form of a master key: base64, standard or URL alphabet,
// padded or not, with any surrounding space.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == MasterKeySize {
			return k, nil
		}
	}
	return nil, ErrMalformedKey
}

// ReadKeyFile reads a master key from a key file. A file that does not exist gives
// an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKey(string(b))
}

// WriteKeyFile creates a key file holding k, readable by its owner only. It never
// replaces a file: a key file that exists may be the only key to some data.
func WriteKeyFile(path string, k []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(EncodeKey(k) + "\n")
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
