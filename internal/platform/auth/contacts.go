package auth

import "shequ/internal/platform/scope"

// SeesWorkContactsOf reports whether p may see in full the work contacts — the
// phones — of the people who serve unit, a community or one of its grids: its
// community workers (社区工作者) and its grid contacts (楼栋长, 居民小组长, 居民代表).
// Colleagues need them to reach each other, so the community's own users, the
// community role and the grid role bound to the community or a grid in it, see
// them whole. Everyone else sees them masked, as any phone in the register: the
// street, district and city, the read-only role, other communities, and anyone
// asking about a unit above a community.
func (p Principal) SeesWorkContactsOf(unit string) bool {
	if p.Role != RoleCommunity && p.Role != RoleGrid {
		return false
	}
	if l := scope.LevelOf(unit); l != scope.Community && l != scope.Grid {
		return false
	}
	return scope.Of(unit[:scope.Community.CodeLength()]).Contains(p.OrgCode)
}
