// Package scope holds the codes of the city's tree and the data scope they define.
// Codes are national administrative codes used as a materialised path: a city 6
// digits ending in 00 (450400), a district 6 (450403), a street 9, a community 12,
// a grid the community's code plus 3. Everything under a unit shares its prefix, so
// a scope is one range on an index: code >= prefix AND code < prefix || ':'.
package scope

import (
	"strconv"
	"strings"
)

// Level is a rung of the tree.
type Level string

// The levels, top down.
const (
	City      Level = "city"      // 市
	District  Level = "district"  // 区
	Street    Level = "street"    // 街道
	Community Level = "community" // 社区(居委会)
	Grid      Level = "grid"      // 网格
)

// Levels lists the levels top down.
var Levels = []Level{City, District, Street, Community, Grid}

// Valid reports whether l is one of the five levels.
func (l Level) Valid() bool {
	for _, v := range Levels {
		if v == l {
			return true
		}
	}
	return false
}

// CodeLength is the number of digits a code at this level has.
func (l Level) CodeLength() int {
	switch l {
	case City, District:
		return 6
	case Street:
		return 9
	case Community:
		return 12
	case Grid:
		return 15
	}
	return 0
}

// Parent returns the level above, or "" for a city.
func (l Level) Parent() Level {
	for i, v := range Levels {
		if v == l && i > 0 {
			return Levels[i-1]
		}
	}
	return ""
}

// Child returns the level below, or "" for a grid.
func (l Level) Child() Level {
	for i, v := range Levels {
		if v == l && i+1 < len(Levels) {
			return Levels[i+1]
		}
	}
	return ""
}

// LevelOf infers the level from a code's length and shape, or "" if the code is not
// all digits or has no level's length.
func LevelOf(code string) Level {
	for _, r := range code {
		if r < '0' || r > '9' {
			return ""
		}
	}
	switch len(code) {
	case 6:
		if strings.HasSuffix(code, "00") {
			return City
		}
		return District
	case 9:
		return Street
	case 12:
		return Community
	case 15:
		return Grid
	}
	return ""
}

// Prefix returns the part of code that every code under it starts with: a city's
// trailing zeros are not part of it (450400 → 4504).
func Prefix(code string) string {
	if LevelOf(code) == City {
		return strings.TrimSuffix(code, "00")
	}
	return code
}

// Scope is a set of org codes: one unit's subtree. The zero Scope contains nothing,
// so a forgotten scope fails closed.
type Scope struct {
	prefix string
	set    bool
}

// Of returns the scope of the subtree under code.
func Of(code string) Scope { return Scope{prefix: Prefix(code), set: true} }

// Everything returns the scope of the whole database. Only administrative command
// paths that say so in their name use it.
func Everything() Scope { return Scope{set: true} }

// Contains reports whether code lies in the scope.
func (s Scope) Contains(code string) bool { return s.set && strings.HasPrefix(code, s.prefix) }

// Range returns the half-open range [lo, hi) of codes in the scope. ':' sorts right
// after '9', so every digit string with the prefix lies below prefix+":".
func (s Scope) Range() (lo, hi string) {
	if !s.set {
		return ":", ":"
	}
	return s.prefix, s.prefix + ":"
}

// Where returns a SQL condition restricting column to the scope, with the numbers of
// its two placeholders starting at n, and the arguments to bind to them.
func (s Scope) Where(column string, n int) (string, []any) {
	lo, hi := s.Range()
	return column + " >= $" + strconv.Itoa(n) + " AND " + column + " < $" + strconv.Itoa(n+1), []any{lo, hi}
}

// String is for logs.
func (s Scope) String() string {
	if !s.set {
		return "scope(none)"
	}
	return "scope(" + s.prefix + "*)"
}

// ParentCode returns the code of the unit above code: a grid's community, a
// community's street, a street's district, a district's city (its first four
// digits and 00); "" for a city or a code of no level.
func ParentCode(code string) string {
	switch LevelOf(code) {
	case Grid:
		return code[:12]
	case Community:
		return code[:9]
	case Street:
		return code[:6]
	case District:
		return code[:4] + "00"
	}
	return ""
}
