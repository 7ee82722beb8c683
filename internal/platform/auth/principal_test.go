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
