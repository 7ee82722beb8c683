// Package crypt seals people's identifiers — citizen ID numbers and phones — and
// users' TOTP secrets before they reach the database: SM4-GCM for the values, and
// keyed HMAC-SM3 blind indexes so that a record can still be found by an exact value. Keys sit behind Keyring, so
// that a certified cryptographic module (商用密码模块) can take the software keyring's
// place. It depends on no other shequ package.
package crypt

import (
	"errors"
	"runtime"
	"sync"
)

// Purpose names what a value is. A sealed value can only be opened for the purpose it
// was sealed for, and each purpose has its own index key, so equal tails and equal
// ID numbers do not share index values.
type Purpose string

// The purposes of the register, and of signing in.
const (
	IDNumber Purpose = "id_number" // a citizen ID number, 18 characters, X upper-case
	IDTail   Purpose = "id_tail"   // its last four characters, which people quote
	Phone    Purpose = "phone"     // a normalised phone number
	// TOTPSecret is a user's TOTP shared secret in base32: a copy of the database
	// must not yield the second factor. It is sealed and opened, never indexed:
	// nothing is looked up by a secret.
	TOTPSecret Purpose = "totp_secret"
)

// Purposes lists every purpose a keyring indexes, each with an index key of its
// own. Sealing needs no list: the purpose is bound in as associated data.
var Purposes = []Purpose{IDNumber, IDTail, Phone}

// Keyring seals, opens and indexes values with a database's key. Implementations are
// safe for concurrent use.
type Keyring interface {
	// Seal encrypts plain for purpose, with a fresh random nonce each time.
	Seal(p Purpose, plain string) ([]byte, error)
	// Open decrypts what Seal made for the same purpose; anything else is an error.
	Open(p Purpose, sealed []byte) (string, error)
	// Index returns the blind index of value for purpose: equal values give equal
	// indexes under one key, and without the key an index tells nothing of its value.
	Index(p Purpose, value string) string
	// Fingerprint names the key without revealing it, so that a database can tell
	// its own key from another.
	Fingerprint() string
}

// ErrSealed is returned by Open for a value that was not sealed by this key for
// this purpose, or was changed since.
var ErrSealed = errors.New("crypt: the value cannot be opened with this key")

// Person is how a person's ID number and phone are stored: each sealed, with the
// blind indexes that find them.
type Person struct {
	IDNumber   []byte // id_number_sealed
	IDIndex    string // id_number_bidx: unique, one person one record
	TailIndex  string // id_tail_bidx: the last four characters
	Phone      []byte // phone_sealed; nil when there is no phone
	PhoneIndex string // phone_bidx; "" when there is no phone
}

// PhoneArg is the phone_sealed column's value: NULL when there is no phone.
func (p Person) PhoneArg() any {
	if p.Phone == nil {
		return nil
	}
	return p.Phone
}

// SealPerson seals an ID number (already checked and normalised) and a phone
// (normalised, or empty) and computes their indexes.
func SealPerson(k Keyring, idNumber, phone string) (Person, error) {
	var p Person
	var err error
	if p.IDNumber, err = k.Seal(IDNumber, idNumber); err != nil {
		return Person{}, err
	}
	p.IDIndex = k.Index(IDNumber, idNumber)
	p.TailIndex = k.Index(IDTail, Tail(idNumber))
	if phone != "" {
		if p.Phone, err = k.Seal(Phone, phone); err != nil {
			return Person{}, err
		}
		p.PhoneIndex = k.Index(Phone, phone)
	}
	return p, nil
}

// PhoneIndex is the phone_bidx value of a phone: "" for none.
func PhoneIndex(k Keyring, phone string) string {
	if phone == "" {
		return ""
	}
	return k.Index(Phone, phone)
}

// OpenPhone opens a phone_sealed value; NULL (nil) is no phone.
func OpenPhone(k Keyring, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	return k.Open(Phone, sealed)
}

// Tail returns the last four characters of an ID number, the part people quote.
func Tail(idNumber string) string {
	if len(idNumber) < 4 {
		return idNumber
	}
	return idNumber[len(idNumber)-4:]
}

// SealPeople seals many people at once, spread over every CPU: a batch of an import
// or a bulk load costs a few microseconds a person, which one core would add to
// the database's own time. people[i] seals idNumbers[i] and phones[i].
func SealPeople(k Keyring, idNumbers, phones []string) ([]Person, error) {
	out := make([]Person, len(idNumbers))
	workers := min(runtime.GOMAXPROCS(0), (len(idNumbers)+63)/64)
	if workers <= 1 {
		for i := range idNumbers {
			var err error
			if out[i], err = SealPerson(k, idNumbers[i], phones[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	chunk := (len(idNumbers) + workers - 1) / workers
	for w := range workers {
		wg.Go(func() {
			for i := w * chunk; i < min(len(idNumbers), (w+1)*chunk); i++ {
				p, err := SealPerson(k, idNumbers[i], phones[i])
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = p
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
