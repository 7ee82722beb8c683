// Package org is the city's tree: city 市, district 区, street office 街道, community
// 社区 and grid 网格, keyed by national codes that are materialised paths (see
// platform/scope). It depends only on platform packages; registry and staff stand on it.
package org

import (
	"strings"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
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
	// OfficeAreaM2 is a community's office and service floor area in m²; the report
	// measures it against 300 (demonstration), 150 (required) and 90 (minimum).
	OfficeAreaM2 int `json:"office_area_m2,omitempty"`
	// AuthorizedPosts is a community's 编制: posts for community workers.
	AuthorizedPosts int `json:"authorized_posts,omitempty"`
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
		if u.FoundedYear != 0 || u.OfficeAreaM2 != 0 || u.AuthorizedPosts != 0 {
			return apperr.Invalidf("level", "org.not_community")
		}
		return nil
	}
	if u.FoundedYear != 0 && (u.FoundedYear < 1949 || u.FoundedYear > thisYear) {
		return apperr.Invalidf("founded_year", "org.founded_year")
	}
	if u.OfficeAreaM2 < 0 || u.OfficeAreaM2 > 100000 {
		return apperr.Invalidf("office_area_m2", "org.office_area")
	}
	if u.AuthorizedPosts < 0 || u.AuthorizedPosts > 1000 {
		return apperr.Invalidf("authorized_posts", "org.posts")
	}
	return nil
}
