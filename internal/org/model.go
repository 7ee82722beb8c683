// Package org is the city's tree: city 市, district 区, street office 街道, community
// 社区 and grid 网格, keyed by national codes that are materialised paths (see
// platform/scope). It depends only on platform packages; registry and staff stand on it.
package org

import (
	"strings"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
	"shequ/internal/platform/scope"
)

// Unit is one node of the tree. Community-only facts are zero elsewhere.
type Unit struct {
	Code       string      `json:"code"`
	Name       string      `json:"name"`
	Level      scope.Level `json:"level"`
	ParentCode string      `json:"parent_code,omitempty"`
	// FoundedYear is the year a community committee was set up (0 when unknown).
	FoundedYear int `json:"founded_year,omitempty"`
	// OfficeArea is a community's office and service floor area (办公服务用房面积),
	// to the hundredth of a m²; OfficeStandard measures it.
	OfficeArea area.Area `json:"office_area_m2,omitempty"`
	// AuthorizedPosts is a community's 编制: posts for community workers.
	AuthorizedPosts int `json:"authorized_posts,omitempty"`
	// DissolvedOn is the first day the unit no longer exists ("" while it does): a
	// unit that ends is kept, for the register as of the days it stood (decision 34).
	DissolvedOn string `json:"dissolved_on,omitempty"`
}

// maxOfficeArea is more office space than any community has: a typo, not a floor.
const maxOfficeArea = 100_000 * area.SquareMetre

// The report's standards for a community's office and service space (办公服务用房).
const (
	OfficeDemonstration = 300 * area.SquareMetre // 示范标准
	OfficeRequired      = 150 * area.SquareMetre // 规定标准
	OfficeMinimum       = 90 * area.SquareMetre  // 最低标准
)

// OfficePerHundredMinimum is the national benchmark of community service space per
// hundred households (每百户居民拥有综合服务设施面积不低于30平方米: 住房和城乡建设部办公厅、
// 民政部办公厅, 完整社区建设试点, 2022; cn-standards §7).
const OfficePerHundredMinimum = 30 * area.SquareMetre

// OfficePerHundredHouseholds returns a community's office space per hundred
// households, to the nearest hundredth of a m², to hold against
// OfficePerHundredMinimum; false when the space or the households are not known.
func (u Unit) OfficePerHundredHouseholds(households int) (area.Area, bool) {
	if u.Level != scope.Community || u.OfficeArea <= 0 || households <= 0 {
		return 0, false
	}
	h := int64(households)
	return area.Area((int64(u.OfficeArea)*200 + h) / (2 * h)), true
}

// OfficeStandard says which of the report's standards a community's office space
// meets: "300" (demonstration), "150" (required), "below_150", "below_90", or
// "unknown" when none is recorded. 149.50 m² is below 150.
func (u Unit) OfficeStandard() string {
	switch a := u.OfficeArea; {
	case a == 0:
		return "unknown"
	case a >= OfficeDemonstration:
		return "300"
	case a >= OfficeRequired:
		return "150"
	case a >= OfficeMinimum:
		return "below_150"
	}
	return "below_90"
}

// Validate checks a unit on its own and against its parent (nil for a city).
func (u Unit) Validate(parent *Unit, thisYear int) error {
	if strings.TrimSpace(u.Name) == "" {
		return apperr.Invalidf("name", "required")
	}
	if utf8.RuneCountInString(u.Name) > 60 {
		return apperr.Invalidf("name", "too_long").With("max", 60)
	}
	if !u.Level.Valid() {
		return apperr.Invalidf("level", "org.level")
	}
	for _, r := range u.Code {
		if r < '0' || r > '9' {
			return apperr.Invalidf("code", "org.code_format")
		}
	}
	if len(u.Code) != u.Level.CodeLength() || scope.LevelOf(u.Code) != u.Level {
		return apperr.Invalidf("code", "org.code_length").With("want", u.Level.CodeLength())
	}
	if u.Level == scope.City {
		if parent != nil {
			return apperr.Invalidf("parent_code", "org.parent_level").With("want", "")
		}
	} else {
		if parent == nil {
			return apperr.Invalidf("parent_code", "org.not_found")
		}
		if parent.Level != u.Level.Parent() {
			return apperr.Invalidf("parent_code", "org.parent_level").With("want", string(u.Level.Parent()))
		}
		if !scope.Of(parent.Code).Contains(u.Code) || u.Code == parent.Code {
			return apperr.Invalidf("code", "org.code_prefix").With("parent", scope.Prefix(parent.Code))
		}
	}
	if u.Level != scope.Community {
		if u.FoundedYear != 0 || u.OfficeArea != 0 || u.AuthorizedPosts != 0 {
			return apperr.Invalidf("level", "org.not_community")
		}
		return nil
	}
	if u.FoundedYear != 0 && (u.FoundedYear < 1949 || u.FoundedYear > thisYear) {
		return apperr.Invalidf("founded_year", "org.founded_year")
	}
	if err := u.OfficeArea.Check("office_area_m2"); err != nil {
		return err
	}
	if u.OfficeArea > maxOfficeArea {
		return apperr.Invalidf("office_area_m2", "org.office_area")
	}
	if u.AuthorizedPosts < 0 || u.AuthorizedPosts > 1000 {
		return apperr.Invalidf("authorized_posts", "org.posts")
	}
	return nil
}
