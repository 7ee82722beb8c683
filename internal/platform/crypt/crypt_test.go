package crypt_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"shequ/internal/platform/crypt"
)

func keyring(t testing.TB, master []byte) *crypt.Software {
	t.Helper()
	k, err := crypt.NewSoftware(master)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSoftware_SealedValuesOpenOnlyWithTheirKeyAndPurpose(t *testing.T) {
	k := keyring(t, crypt.NewMasterKey())
	const id = "45040319800101123X"
	a, err := k.Seal(crypt.IDNumber, id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Seal(crypt.IDNumber, id)
	if bytes.Equal(a, b) {
		t.Error("the same value sealed twice gives the same bytes: the nonce is not fresh")
	}
	if bytes.Contains(a, []byte(id)) || bytes.Contains(a, []byte("123X")) {
		t.Error("the sealed value contains the plain one")
	}
	if got, err := k.Open(crypt.IDNumber, a); err != nil || got != id {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(crypt.Phone, a); !errors.Is(err, crypt.ErrSealed) {
		t.Errorf("opened for another purpose: %v", err)
	}
	if _, err := keyring(t, crypt.NewMasterKey()).Open(crypt.IDNumber, a); !errors.Is(err, crypt.ErrSealed) {
		t.Errorf("opened with another key: %v", err)
	}
	changed := bytes.Clone(a)
	changed[len(changed)-1] ^= 1
	if _, err := k.Open(crypt.IDNumber, changed); !errors.Is(err, crypt.ErrSealed) {
		t.Errorf("opened a changed value: %v", err)
	}
	for _, junk := range [][]byte{nil, {}, []byte(id), {1, 2, 3}} {
		if _, err := k.Open(crypt.IDNumber, junk); !errors.Is(err, crypt.ErrSealed) {
			t.Errorf("opened %q: %v", junk, err)
		}
	}
}

// TestSoftware_ATOTPSecretOpensOnlyAsOne: a user's second factor and a resident's
// identifiers are sealed with one key, so the purpose alone keeps one from being
// passed off as the other.
func TestSoftware_ATOTPSecretOpensOnlyAsOne(t *testing.T) {
	k := keyring(t, crypt.NewMasterKey())
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	sealed, err := k.Seal(crypt.TOTPSecret, secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(secret)) {
		t.Error("the sealed secret contains the plain one")
	}
	if got, err := k.Open(crypt.TOTPSecret, sealed); err != nil || got != secret {
		t.Errorf("Open = %q, %v", got, err)
	}
	id, _ := k.Seal(crypt.IDNumber, "45040319800101123X")
	for _, tc := range []struct {
		p      crypt.Purpose
		sealed []byte
	}{{crypt.IDNumber, sealed}, {crypt.Phone, sealed}, {crypt.TOTPSecret, id}} {
		if _, err := k.Open(tc.p, tc.sealed); !errors.Is(err, crypt.ErrSealed) {
			t.Errorf("opened as %s: %v", tc.p, err)
		}
	}
}

func TestSoftware_IndexesAreKeyedAndSeparatePerPurpose(t *testing.T) {
	master := crypt.NewMasterKey()
	k, same := keyring(t, master), keyring(t, master)
	other := keyring(t, crypt.NewMasterKey())
	i := k.Index(crypt.IDTail, "123X")
	if i != same.Index(crypt.IDTail, "123X") {
		t.Error("one key gives two indexes for one value")
	}
	if i == other.Index(crypt.IDTail, "123X") {
		t.Error("two keys give the same index")
	}
	if i == k.Index(crypt.Phone, "123X") {
		t.Error("two purposes share an index")
	}
	if i == k.Index(crypt.IDTail, "1230") {
		t.Error("two values share an index")
	}
	if len(i) != 22 {
		t.Errorf("index %q is %d characters, want 22", i, len(i))
	}
	if k.Fingerprint() != same.Fingerprint() || k.Fingerprint() == other.Fingerprint() {
		t.Error("the fingerprint does not name the key")
	}
}

func TestSealPerson_NoPhoneIsNullAndEmptyIndex(t *testing.T) {
	k := keyring(t, crypt.NewMasterKey())
	p, err := crypt.SealPerson(k, "45040319800101123X", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.PhoneArg() != nil || p.PhoneIndex != "" || p.TailIndex != k.Index(crypt.IDTail, "123X") {
		t.Errorf("person %+v", p)
	}
	if got, err := crypt.OpenPhone(k, nil); got != "" || err != nil {
		t.Errorf("OpenPhone(nil) = %q, %v", got, err)
	}
	p, _ = crypt.SealPerson(k, "45040319800101123X", "13812345678")
	if got, err := crypt.OpenPhone(k, p.Phone); got != "13812345678" || err != nil || p.PhoneIndex != crypt.PhoneIndex(k, "13812345678") {
		t.Errorf("phone %q %v", got, err)
	}
}

func TestKeys_TextFormAndFiles(t *testing.T) {
	k := crypt.NewMasterKey()
	for _, s := range []string{crypt.EncodeKey(k), " " + crypt.EncodeKey(k) + "\n"} {
		if got, err := crypt.ParseKey(s); err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "not base64!", crypt.EncodeKey(k[:16])} {
		if _, err := crypt.ParseKey(bad); !errors.Is(err, crypt.ErrMalformedKey) {
			t.Errorf("ParseKey(%q): %v", bad, err)
		}
	}
	if _, err := crypt.NewSoftware(k[:16]); err == nil {
		t.Error("a 16-byte master key was accepted")
	}

	path := filepath.Join(t.TempDir(), "db.key")
	if _, err := crypt.ReadKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := crypt.WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if got, err := crypt.ReadKeyFile(path); err != nil || !bytes.Equal(got, k) {
		t.Errorf("ReadKeyFile = %x, %v", got, err)
	}
	if err := crypt.WriteKeyFile(path, crypt.NewMasterKey()); err == nil {
		t.Error("WriteKeyFile replaced an existing key file")
	}
	if got, _ := crypt.ReadKeyFile(path); !bytes.Equal(got, k) {
		t.Error("the existing key file changed")
	}
}

func BenchmarkSoftware(b *testing.B) {
	k := keyring(b, crypt.NewMasterKey())
	sealed, _ := k.Seal(crypt.IDNumber, "45040319800101123X")
	b.Run("seal", func(b *testing.B) {
		for b.Loop() {
			if _, err := k.Seal(crypt.IDNumber, "45040319800101123X"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if _, err := k.Open(crypt.IDNumber, sealed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			k.Index(crypt.IDNumber, "45040319800101123X")
		}
	})
	b.Run("person", func(b *testing.B) {
		for b.Loop() {
			if _, err := crypt.SealPerson(k, "45040319800101123X", "13812345678"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
