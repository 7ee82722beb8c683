package crypt

import (
	"bufio"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// MasterKeySize is the length of a master key in bytes.
const MasterKeySize = 32

// sealVersion is the first byte of every sealed value: SM4-GCM under the key derived
// from the master key, then a 12-byte nonce, the ciphertext and a 16-byte tag. A
// module that seals differently takes another number, so both can be told apart.
const sealVersion = 1

const nonceSize = 12

// indexSize is how much of an HMAC-SM3 an index keeps: 128 bits make a collision
// between two of a city's million values a chance of about 2⁻⁸⁸, and keep the
// indexes small (22 characters in base64).
const indexSize = 16

// Software is the keyring held in the program's memory, derived from one master key
// with HKDF-SM3: an SM4 key, an HMAC-SM3 key per purpose, and the fingerprint.
type Software struct {
	aead        cipher.AEAD
	nonces      sync.Pool              // of *bufio.Reader over crypto/rand: one read of the system's source serves many nonces
	macs        map[Purpose]*sync.Pool // of hash.Hash, each an HMAC-SM3 keyed for its purpose
	fingerprint string
}

// NewSoftware derives a keyring from a 32-byte master key.
func NewSoftware(master []byte) (*Software, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("crypt: a master key has %d bytes, not %d", MasterKeySize, len(master))
	}
	derive := func(label string, n int) []byte {
		k, err := hkdf.Key(sm3.New, master, nil, "shequ "+label, n)
		if err != nil {
			panic(err) // only for lengths HKDF cannot give, and these are fixed
		}
		return k
	}
	block, err := sm4.NewCipher(derive("sm4-gcm v1", 16))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Software{aead: aead, macs: map[Purpose]*sync.Pool{}, fingerprint: hex.EncodeToString(derive("fingerprint v1", 16))}
	s.nonces.New = func() any { return bufio.NewReaderSize(rand.Reader, 1024) }
	for _, p := range Purposes {
		key := derive("index v1 "+string(p), 32)
		s.macs[p] = &sync.Pool{New: func() any { return hmac.New(sm3.New, key) }}
	}
	return s, nil
}

// Seal implements Keyring.
func (s *Software) Seal(p Purpose, plain string) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	r := s.nonces.Get().(*bufio.Reader)
	_, err := io.ReadFull(r, out[1:])
	s.nonces.Put(r)
	if err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], []byte(plain), []byte(p)), nil
}

// Open implements Keyring.
func (s *Software) Open(p Purpose, sealed []byte) (string, error) {
	if len(sealed) < 1+nonceSize+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrSealed
	}
	plain, err := s.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], []byte(p))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}

// Index implements Keyring.
func (s *Software) Index(p Purpose, value string) string {
	pool, ok := s.macs[p]
	if !ok {
		panic("crypt: no index key for purpose " + string(p))
	}
	h := pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(value))
	var sum [sm3.Size]byte
	mac := h.Sum(sum[:0])
	pool.Put(h)
	return base64.RawURLEncoding.EncodeToString(mac[:indexSize])
}

// Fingerprint implements Keyring.
func (s *Software) Fingerprint() string { return s.fingerprint }
