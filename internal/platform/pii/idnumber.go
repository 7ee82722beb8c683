// Package pii holds the rules for residents' personal identifiers: the citizen ID
// number of GB 11643 (公民身份号码), phone numbers, and how both are masked on screen.
// It depends on nothing but apperr.
package pii

import (
	"time"

	"shequ/internal/platform/apperr"
)

// Sex as encoded in an ID number: odd 17th digit male, even female.
type Sex string

// The two values of Sex.
const (
	Male   Sex = "M"
	Female Sex = "F"
)

// IDNumber is a checked citizen ID number with what it encodes.
type IDNumber struct {
	Value string    // 18 characters, check digit X upper-case
	Birth time.Time // UTC midnight of the birth date
	Sex   Sex
}

// BirthDate returns the birth date as YYYY-MM-DD.
func (n IDNumber) BirthDate() string { return n.Birth.Format(time.DateOnly) }

// Tail returns the last four characters, which people quote to find a record.
func (n IDNumber) Tail() string { return n.Value[14:] }

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckDigit computes the GB 11643 check character for the first 17 digits.
// first17 must be 17 ASCII digits.
func CheckDigit(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// ParseIDNumber checks s against GB 11643 as of today: length, characters, a real
// birth date not after today, and the check digit. The error's key says which rule
// failed; its field is "id_number".
func ParseIDNumber(s string, today time.Time) (IDNumber, error) {
	const field = "id_number"
	if len(s) == 18 && s[17] == 'x' {
		s = s[:17] + "X"
	}
	if len(s) != 18 {
		return IDNumber{}, apperr.Invalidf(field, "id_number.length").With("length", len([]rune(s)))
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return IDNumber{}, apperr.Invalidf(field, "id_number.digits")
		}
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return IDNumber{}, apperr.Invalidf(field, "id_number.digits")
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil {
		return IDNumber{}, apperr.Invalidf(field, "id_number.birth_date").With("date", s[6:14])
	}
	y, m, d := today.Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) || birth.Year() < 1850 {
		return IDNumber{}, apperr.Invalidf(field, "id_number.birth_date").With("date", s[6:14])
	}
	if want := CheckDigit(s[:17]); s[17] != want {
		return IDNumber{}, apperr.Invalidf(field, "id_number.check_digit").With("want", string(want))
	}
	sex := Female
	if (s[16]-'0')%2 == 1 {
		sex = Male
	}
	return IDNumber{Value: s, Birth: birth, Sex: sex}, nil
}

// MaskIDNumber shows the first six and last four characters: 450403********1234.
// Anything that is not 18 characters is masked whole.
func MaskIDNumber(s string) string {
	if len(s) != 18 {
		return maskAll(s)
	}
	return s[:6] + "********" + s[14:]
}

// CouldEndIDNumber reports whether some valid ID number could end in suffix (up to
// 18 characters): each character is held against what its place in the number
// allows — the birth year from 1850 to 2099, a month, a day, X only as the check
// character. Search uses it to skip looking for ID numbers that cannot exist: no
// number ends in an 11-digit mobile phone, whose 1 would fall on the year's second
// digit.
func CouldEndIDNumber(suffix string) bool {
	if len(suffix) > 18 {
		return false
	}
	start := 18 - len(suffix)
	at := func(p int) byte { // the character at place p, or 0 when the suffix does not reach it
		if p < start {
			return 0
		}
		return suffix[p-start]
	}
	for p := start; p < 18; p++ {
		c := at(p)
		if c == 'X' && p == 17 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
		prev := at(p - 1)
		ok := true
		switch p {
		case 6: // the year: 18xx, 19xx, 20xx
			ok = c == '1' || c == '2'
		case 7:
			switch prev {
			case '1':
				ok = c == '8' || c == '9'
			case '2':
				ok = c == '0'
			default:
				ok = c == '8' || c == '9' || c == '0'
			}
		case 10: // the month: 01–12
			ok = c <= '1'
		case 11:
			ok = (prev != '0' || c >= '1') && (prev != '1' || c <= '2')
		case 12: // the day: 01–31
			ok = c <= '3'
		case 13:
			ok = (prev != '0' || c >= '1') && (prev != '3' || c <= '1')
		}
		if !ok {
			return false
		}
	}
	return true
}
