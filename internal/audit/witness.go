package audit

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"shequ/internal/platform/apperr"
)

// Witness is a head of the chain as it was seen at a moment and signed outside the
// database (an external witness, 外部见证): the record's seq, hash and time, when it
// was witnessed, and the fingerprint of the SM2 key that signed it. Kept where the
// database's owner cannot reach — a file copied off the server, a syslog collector —
// it later shows whether the chain up to it was rewritten, which the chain alone
// cannot: hashes can be recomputed, a signature without the key cannot.
type Witness struct {
	Seq       int64
	Hash      string
	At        time.Time // the witnessed record's time
	Witnessed time.Time
	Key       string // KeyFingerprint of the signing key
}

// A witness line is one line of text, the signed part first and its signature
// last, so that a file of them can be appended to, read by eye and sent through
// syslog:
//
//	shequ-witness-1 seq=48213 hash=9f1c…e07a at=2026-11-27T07:59:58.120Z witnessed=2026-11-27T08:00:00.000Z key=3b0e…41aa sig=MEUCIQ…
//
// The signature is SM2 (GB/T 32918, default user ID) over the bytes before " sig=",
// in ASN.1 DER and standard base64.
const (
	witnessTag    = "shequ-witness-1"
	witnessTime   = "2006-01-02T15:04:05.000Z"
	maxWitnessLen = 1024
)

// WitnessSigner signs witness lines with an SM2 private key read from a file kept
// apart from the database.
type WitnessSigner struct {
	key         *sm2.PrivateKey
	fingerprint string
}

// WitnessKeys are the public keys witness lines are checked against, by
// fingerprint. They come from the operator (a .pub file), never from the lines.
type WitnessKeys map[string]*ecdsa.PublicKey

// GenerateWitnessKey creates an SM2 key pair: the private key in PKCS#8 PEM at
// privPath, readable by its owner only (0600), and the public key in PEM at
// pubPath. It refuses to overwrite either file: a lost signing key makes the
// witness lines written with it uncheckable only if its public key goes too, but
// an overwritten one cannot be told from a forged one. It returns the key's
// fingerprint.
func GenerateWitnessKey(privPath, pubPath string) (string, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	priv, err := smx509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	pub, err := smx509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", err
	}
	if err := writeNew(privPath, 0o600, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})); err != nil {
		return "", err
	}
	if err := writeNew(pubPath, 0o644, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})); err != nil {
		os.Remove(privPath)
		return "", err
	}
	return fingerprint(pub), nil
}

// writeNew writes data to a file that must not exist yet, with mode perm.
func writeNew(path string, perm os.FileMode, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fingerprint is the hex SM3 hash of a public key's PKIX DER encoding.
func fingerprint(pkix []byte) string {
	h := sm3.Sum(pkix)
	return hex.EncodeToString(h[:])
}

// LoadWitnessSigner reads the SM2 private key at path. It refuses a file that
// others than its owner may read or write, as ssh does: whoever reads the key can
// sign witness lines for a rewritten chain.
func LoadWitnessSigner(path string) (*WitnessSigner, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, apperr.New(apperr.Invalid, "audit.witness_key_open", "").With("file", path).With("mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an SM2 private key", path)
	}
	pub, err := smx509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &WitnessSigner{key: priv, fingerprint: fingerprint(pub)}, nil
}

// Fingerprint is the fingerprint of the signer's public key.
func (s *WitnessSigner) Fingerprint() string { return s.fingerprint }

// LoadWitnessKeys reads SM2 public keys in PEM, one a file: the keys the
// operator trusts to have signed witness lines (the current one, and earlier ones
// whose lines are still kept).
func LoadWitnessKeys(paths ...string) (WitnessKeys, error) {
	keys := WitnessKeys{}
	for _, path := range paths {
		der, err := readPEM(path, "PUBLIC KEY")
		if err != nil {
			return nil, err
		}
		k, err := smx509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		pub, ok := k.(*ecdsa.PublicKey)
		if !ok || !sm2.IsSM2PublicKey(pub) {
			return nil, fmt.Errorf("%s: not an SM2 public key", path)
		}
		keys[fingerprint(der)] = pub
	}
	return keys, nil
}

// readPEM returns the DER bytes of the first PEM block of type typ in the file.
func readPEM(path, typ string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != typ {
		return nil, fmt.Errorf("%s: no PEM block %q", path, typ)
	}
	return b.Bytes, nil
}

// Sign returns the signed witness line (without a newline) of the head rep
// reached, witnessed at now. Only the head of an intact chain is witnessed: a
// witness vouches for what it saw, and a broken chain is not to be vouched for.
func (s *WitnessSigner) Sign(rep Report, now time.Time) (string, error) {
	if rep.Broken != nil {
		return "", ErrChainBroken(*rep.Broken)
	}
	if rep.Count == 0 {
		return "", errors.New("audit: an empty chain has no head to witness")
	}
	w := Witness{Seq: rep.Last, Hash: rep.Head, At: rep.LastAt, Witnessed: now, Key: s.fingerprint}
	body := w.body()
	sig, err := s.key.SignWithSM2(rand.Reader, nil, []byte(body))
	if err != nil {
		return "", err
	}
	return body + " sig=" + base64.StdEncoding.EncodeToString(sig), nil
}

// body is the signed part of w's line.
func (w Witness) body() string {
	return witnessTag + " seq=" + strconv.FormatInt(w.Seq, 10) + " hash=" + w.Hash +
		" at=" + w.At.UTC().Format(witnessTime) + " witnessed=" + w.Witnessed.UTC().Format(witnessTime) + " key=" + w.Key
}

// ParseWitnessLine reads a witness line, from its tag on: whatever comes before
// the tag (a syslog prefix) is left out. It returns the witness, the bytes the
// signature covers, and the signature; it checks the form, not the signature.
func ParseWitnessLine(line string) (Witness, string, []byte, error) {
	var w Witness
	i := strings.Index(line, witnessTag+" ")
	if i < 0 || len(line) > maxWitnessLen {
		return w, "", nil, errors.New("not a witness line")
	}
	body, sig64, ok := strings.Cut(strings.TrimRight(line[i:], "\r\n"), " sig=")
	if !ok {
		return w, "", nil, errors.New("no signature")
	}
	fields := strings.Split(body, " ")
	if len(fields) != 6 {
		return w, "", nil, errors.New("want seq, hash, at, witnessed and key")
	}
	val := func(i int, key string) (string, error) {
		v, ok := strings.CutPrefix(fields[i], key+"=")
		if !ok || v == "" {
			return "", fmt.Errorf("field %d is not %s=", i, key)
		}
		return v, nil
	}
	var vals [5]string
	for j, key := range []string{"seq", "hash", "at", "witnessed", "key"} {
		v, err := val(j+1, key)
		if err != nil {
			return w, "", nil, err
		}
		vals[j] = v
	}
	var err error
	if w.Seq, err = strconv.ParseInt(vals[0], 10, 64); err != nil || w.Seq < 1 {
		return w, "", nil, errors.New("seq is not a record number")
	}
	w.Hash, w.Key = vals[1], vals[4]
	if !isHex64(w.Hash) || !isHex64(w.Key) {
		return w, "", nil, errors.New("hash and key must be 64 lower-case hex digits")
	}
	if w.At, err = time.Parse(witnessTime, vals[2]); err != nil {
		return w, "", nil, err
	}
	if w.Witnessed, err = time.Parse(witnessTime, vals[3]); err != nil {
		return w, "", nil, err
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(sig64)
	if err != nil || len(sig) == 0 {
		return w, "", nil, errors.New("the signature is not base64")
	}
	// What is signed must be what was read, byte for byte.
	if w.body() != body {
		return w, "", nil, errors.New("not in canonical form")
	}
	return w, body, sig, nil
}

func isHex64(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// ReadWitnesses reads a witness file: every line that holds a witness tag must be
// a well-formed line signed by one of keys, and lines without one (other syslog
// traffic) are skipped. A line signed by another key, or whose signature does not
// verify, is refused with the line's number: a file someone could add lines to
// proves nothing.
func ReadWitnesses(r io.Reader, keys WitnessKeys) ([]Witness, error) {
	var out []Witness
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.Contains(line, witnessTag) {
			continue
		}
		w, body, sig, err := ParseWitnessLine(line)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "audit.witness_malformed", "").With("line", n).With("why", err.Error())
		}
		pub, ok := keys[w.Key]
		if !ok {
			return nil, apperr.New(apperr.Invalid, "audit.witness_other_key", "").With("line", n).With("key", w.Key[:16])
		}
		if !sm2.VerifyASN1WithSM2(pub, nil, []byte(body), sig) {
			return nil, apperr.New(apperr.Invalid, "audit.witness_bad_signature", "").With("line", n)
		}
		out = append(out, w)
	}
	return out, sc.Err()
}
