// Package area holds floor areas (面积) in square metres with two decimals, the way
// Chinese registers keep them (建筑面积, 办公服务用房面积: decimal(8,2) in real schemas;
// cn-standards §7). An Area counts hundredths of a square metre, so it stays exact in
// an INTEGER column on both databases (named *_dm2: 0.01 m² is 1 dm²) and compares
// as the integer it is: 149.5 m² is below 150. It depends only on apperr.
package area

import (
	"bytes"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"shequ/internal/platform/apperr"
)

// Area is a floor area in hundredths of a square metre (dm²): 14950 is 149.50 m².
// The zero Area is "not recorded" wherever a register keeps one.
type Area int64

// SquareMetre is one m².
const SquareMetre Area = 100

// Max is the largest area Parse accepts, 10 km². The largest buildings on earth
// have under 2 million m² of floor; a bigger figure is a slip of the keyboard or a
// number in the wrong unit, never a measurement.
const Max Area = 10_000_000 * SquareMetre

// M2 returns n whole square metres.
func M2(n int64) Area { return Area(n) * SquareMetre }

// suffixes are the ways a cell or a form may name the unit after the number; one
// is taken off. "m2" is "m²" typed on a keyboard without superscripts.
var suffixes = []string{"平方米", "平米", "㎡", "m²", "m2", "M²", "M2"}

// Parse reads an area in square metres as people write it: "149.5", "149.50",
// "150", with full-width digits (１４９．５), and optionally followed by its unit
// (㎡, m², m2, 平方米, 平米). Zeros past the second decimal are taken ("149.500"
// is 149.50 exactly); any other third decimal is refused, never rounded. "" is 0.
//
// Its errors are Invalid domain errors with field as the field at fault, one key
// per reason: area.format (not a number: also "1,500", ".5" and "1e3", which a
// reader could take for another number), area.negative, area.decimals and
// area.too_large (past Max, with the argument max in whole m²).
func Parse(field, s string) (Area, error) {
	s = strings.TrimSpace(width.Narrow.String(s))
	if s == "" {
		return 0, nil
	}
	for _, suf := range suffixes {
		if rest, ok := strings.CutSuffix(s, suf); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	negative := strings.HasPrefix(s, "-")
	whole, frac, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !digits(whole) || (dot && !digits(frac)) {
		return 0, apperr.Invalidf(field, "area.format")
	}
	if negative {
		return 0, apperr.Invalidf(field, "area.negative")
	}
	if trimmed := strings.TrimRight(frac, "0"); len(trimmed) > 2 {
		return 0, apperr.Invalidf(field, "area.decimals")
	}
	frac = (frac + "00")[:2]
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > len(strconv.FormatInt(int64(Max/SquareMetre), 10)) {
		return 0, tooLarge(field)
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, apperr.Invalidf(field, "area.format")
	}
	if a := Area(n); a <= Max {
		return a, nil
	}
	return 0, tooLarge(field)
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String writes the area in square metres with exactly two decimals: "149.50".
func (a Area) String() string {
	sign, n := "", int64(a)
	if n < 0 {
		sign, n = "-", -n
	}
	return sign + strconv.FormatInt(n/100, 10) + "." + strconv.FormatInt(100+n%100, 10)[1:]
}

// Check refuses an area that Parse would not have given: a negative one (a caller
// that computed it) or one past Max. Its errors are Parse's, on field.
func (a Area) Check(field string) error {
	switch {
	case a < 0:
		return apperr.Invalidf(field, "area.negative")
	case a > Max:
		return tooLarge(field)
	}
	return nil
}

func tooLarge(field string) error {
	return apperr.Invalidf(field, "area.too_large").With("max", int64(Max/SquareMetre))
}

// MarshalJSON writes the area as a JSON number of square metres with two decimals,
// 149.50, so that a reader sees the precision the register keeps.
func (a Area) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON reads a JSON number of square metres under Parse's rules; null
// leaves the area as it is. Its errors name no field: the JSON decoder's caller
// knows the member (web.DecodeJSON names it by its path).
func (a *Area) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	if len(data) == 0 || data[0] == '"' {
		return apperr.Invalidf("", "area.format")
	}
	v, err := Parse("", string(data))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
