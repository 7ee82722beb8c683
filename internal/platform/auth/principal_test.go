package auth_test

import (
	"testing"

	"shequ/internal/platform/auth"
)

// TestPermissions_EraseIsForTheOfficesThatAnswerForTheRegister: erasing a record is
// for community, street, district and city users, never for grid workers, auditors
// or the three administrators.
func TestPermissions_EraseIsForTheOfficesThatAnswerForTheRegister(t *testing.T) {
	may := map[auth.Role]bool{auth.RoleCity: true, auth.RoleDistrict: true, auth.RoleStreet: true, auth.RoleCommunity: true}
	for _, r := range auth.Roles {
		p := auth.Principal{UserID: "u", Role: r}
		if p.Can(auth.EraseRegister) != may[r] {
			t.Errorf("%s may erase: %v, want %v", r, p.Can(auth.EraseRegister), may[r])
		}
		if p.Can(auth.EraseRegister) && !(p.Can(auth.WriteRegister) && p.Can(auth.RevealRegister)) {
			t.Errorf("%s may erase a record it may not change or see in full", r)
		}
	}
}

func TestAccountActions_SplitBetweenTheSystemAndTheSecurityAdministrator(t *testing.T) {
	sys := auth.Principal{UserID: "s", Role: auth.RoleSysAdmin, OrgCode: "450400"}
	sec := auth.Principal{UserID: "a", Role: auth.RoleSecAdmin, OrgCode: "450400"}
	for _, tc := range []struct {
		action   auth.AccountAction
		sys, sec bool
	}{
		{auth.AccountAdd, true, false}, {auth.AccountReassign, true, false}, {auth.AccountResetPassword, true, false},
		{auth.AccountDisable, true, false}, {auth.AccountEnable, true, false},
		{auth.AccountResetTOTP, false, true}, {auth.AccountUnlock, false, true},
	} {
		if got := sys.MayManage(tc.action, auth.RoleCity); got != tc.sys {
			t.Errorf("system administrator may %s: %v", tc.action, got)
		}
		if got := sec.MayManage(tc.action, auth.RoleCity); got != tc.sec {
			t.Errorf("security administrator may %s: %v", tc.action, got)
		}
		for _, admin := range []auth.Role{auth.RoleSysAdmin, auth.RoleSecAdmin, auth.RoleAuditAdmin} {
			if sys.MayManage(tc.action, admin) || sec.MayManage(tc.action, admin) {
				t.Errorf("%s on a %s account is allowed in the browser", tc.action, admin)
			}
		}
	}
	for _, r := range auth.Roles {
		p := auth.Principal{Role: r}
		if p.MayListUsers() != (r == auth.RoleSysAdmin || r == auth.RoleSecAdmin) {
			t.Errorf("%s sees the users page: %v", r, p.MayListUsers())
		}
		if r != auth.RoleSysAdmin && r != auth.RoleSecAdmin && p.MayManage(auth.AccountDisable, auth.RoleGrid) {
			t.Errorf("%s may disable an account", r)
		}
	}
}
