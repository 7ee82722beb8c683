package pii

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
)

// NameMax is the longest name a record of a person takes, in characters.
const NameMax = 50

// CheckPerson checks what every record of a person carries — a name (required, at
// most NameMax characters), a citizen ID number, and a phone that may be empty —
// trimming and normalising each in place, as the register and the workforce both
// keep them. It returns the parsed ID number (zero when it is wrong) and every
// problem, one per field at most, for the record's own Check to add to.
func CheckPerson(name, idNumber, phone *string, today time.Time) (IDNumber, []*apperr.Error) {
	var errs []*apperr.Error
	*name = strings.TrimSpace(*name)
	switch {
	case *name == "":
		errs = append(errs, apperr.Invalidf("name", "required"))
	case utf8.RuneCountInString(*name) > NameMax:
		errs = append(errs, apperr.Invalidf("name", "too_long").With("max", NameMax))
	}
	id, err := ParseIDNumber(strings.TrimSpace(*idNumber), today)
	if err == nil {
		*idNumber = id.Value
	}
	p, perr := NormalizePhone(*phone)
	if perr == nil {
		*phone = p
	}
	for _, err := range []error{err, perr} {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			errs = append(errs, ae)
		}
	}
	return id, errs
}
