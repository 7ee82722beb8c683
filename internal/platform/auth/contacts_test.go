package auth_test

import (
	"testing"

	"shequ/internal/platform/auth"
)

// TestSeesWorkContactsOf_OnlyTheCommunitysOwnUsers: the community and grid users of
// a community see its workers' and grid contacts' phones in full, whichever of its
// grids they are bound to; the offices above it, the read-only role, the three
// administrators and another community's users do not, nor does anyone for a unit
// above a community.
func TestSeesWorkContactsOf_OnlyTheCommunitysOwnUsers(t *testing.T) {
	const (
		community  = "450403001001"
		grid       = "450403001001001"
		gridB      = "450403001001002"
		community2 = "450403002001"
		grid2      = "450403002001001"
	)
	for _, tc := range []struct {
		role      auth.Role
		org, unit string
		sees      bool
		what      string
	}{
		{auth.RoleCommunity, community, community, true, "a community's own workers"},
		{auth.RoleCommunity, community, grid, true, "a grid's contacts in the user's community"},
		{auth.RoleGrid, grid, community, true, "a grid worker's colleagues of the community"},
		{auth.RoleGrid, grid, gridB, true, "the contacts of the grid beside the worker's own"},
		{auth.RoleGrid, grid, grid, true, "the contacts of the worker's own grid"},
		{auth.RoleCommunity, community, community2, false, "another community's workers"},
		{auth.RoleCommunity, community, grid2, false, "another community's grid"},
		{auth.RoleGrid, grid, grid2, false, "a grid of another community"},
		{auth.RoleCommunity, community, "450403001", false, "a unit above a community"},
		{auth.RoleCommunity, community, "", false, "no unit"},
		{auth.RoleCommunity, community, "45040300100x", false, "not a code"},
		{auth.RoleStreet, "450403001", community, false, "the street above"},
		{auth.RoleDistrict, "450403", grid, false, "the district above"},
		{auth.RoleCity, "450400", community, false, "the city"},
		{auth.RoleReadOnly, community, community, false, "the read-only role, even bound to the community"},
		{auth.RoleSysAdmin, "450400", community, false, "an administrator"},
		{"", "", community, false, "nobody"},
	} {
		p := auth.Principal{UserID: "u", Role: tc.role, OrgCode: tc.org}
		if got := p.SeesWorkContactsOf(tc.unit); got != tc.sees {
			t.Errorf("%s at %s, %s (%q): %v, want %v", tc.role, tc.org, tc.what, tc.unit, got, tc.sees)
		}
	}
	if auth.System().SeesWorkContactsOf(community) {
		t.Error("the command line's system principal sees work contacts in full")
	}
}
