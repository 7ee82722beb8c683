// Package auth knows who is asking and what they may see and do: users bound to an
// org unit, their role, their data scope (the unit's subtree), password hashing,
// server-side sessions and API tokens. Domains take a Principal and ask it for its
// Scope and its permissions; stores never run a place-bound query without a Scope.
package auth

import (
	"context"
	"net/http"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/scope"
)

// Role is what a user does; it fixes the level of unit they are bound to and what
// they may do within its subtree.
type Role string

// The roles of the platform core.
const (
	RoleCity      Role = "city"      // 市级: city civil-affairs officials
	RoleDistrict  Role = "district"  // 区级
	RoleStreet    Role = "street"    // 街道办事处
	RoleCommunity Role = "community" // 社区: secretaries, directors, window staff
	RoleGrid      Role = "grid"      // 网格员: one grid's worker
	// RoleReadOnly is 只读查询: reads the register in scope, and neither changes nor
	// exports it. It was "auditor", too near the audit administrator (decision 15).
	RoleReadOnly Role = "readonly"

	// The three administrators of 三员分立 (separation of duties, 等保 level 3):
	// none of them sees the register, and no user holds two of these roles.
	RoleSysAdmin   Role = "sysadmin"   // 系统管理员: accounts and the org tree's users
	RoleSecAdmin   Role = "secadmin"   // 安全管理员: security policy, keys, second factors
	RoleAuditAdmin Role = "auditadmin" // 审计管理员: reads and exports the audit trail
)

// Roles lists every role.
var Roles = []Role{RoleCity, RoleDistrict, RoleStreet, RoleCommunity, RoleGrid, RoleReadOnly, RoleSysAdmin, RoleSecAdmin, RoleAuditAdmin}

// Level returns the org level a user of this role is bound to, or "" when any level
// will do (read-only users).
func (r Role) Level() scope.Level {
	switch r {
	case RoleCity:
		return scope.City
	case RoleDistrict:
		return scope.District
	case RoleStreet:
		return scope.Street
	case RoleCommunity:
		return scope.Community
	case RoleGrid:
		return scope.Grid
	case RoleSysAdmin, RoleSecAdmin, RoleAuditAdmin:
		return scope.City
	}
	return ""
}

// RequiresSecondFactor reports whether users of this role must give a TOTP code
// besides their password: those who see a whole city or district, and the three
// administrators.
func (r Role) RequiresSecondFactor() bool {
	switch r {
	case RoleCity, RoleDistrict, RoleSysAdmin, RoleSecAdmin, RoleAuditAdmin:
		return true
	}
	return false
}

// Administrator reports whether r is one of the three administrators of 三员分立,
// whose accounts only the command line manages (decision 16).
func (r Role) Administrator() bool {
	return r == RoleSysAdmin || r == RoleSecAdmin || r == RoleAuditAdmin
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// Action is something a principal may be allowed to do.
type Action string

// Actions lists every action, in the order pages and documents show them.
var Actions = []Action{ReadRegister, WriteRegister, WriteOrg, WriteStaff, ExportRegister, ExportFull, RevealRegister, EraseRegister, ManageUsers, ManageSecurity, ReadAudit}

// The actions of the platform core.
const (
	ReadRegister  Action = "registry.read"  // see org units, households, residents, staff in scope
	WriteRegister Action = "registry.write" // create and change households and residents
	WriteOrg      Action = "org.write"      // create and change org units
	WriteStaff    Action = "staff.write"    // create and change community workers
	// ExportRegister lets a user take the register of their scope away as a file,
	// masked unless they also hold ExportFull. Reading one record at a time is not
	// copying a city: the read-only role reads and does not export (decision 15).
	ExportRegister Action = "registry.export"
	// ExportFull lets an export carry ID numbers and phones in full, so that the
	// offices that exchange registers can import each other's sheets; everyone
	// else exports them masked.
	ExportFull Action = "registry.export_full"
	// RevealRegister lets a user see one record's full ID number or phone, with a
	// typed reason that is audited.
	RevealRegister Action = "registry.reveal"
	// EraseRegister lets a user delete one resident's record for good, on a legal
	// ground of 个人信息保护法 art. 47 and with a typed reason that is audited. It is
	// graver than changing or revealing a record, as nothing brings the record back:
	// it goes to the units that answer to the person for the register and take
	// their request at the office — community, street, district, city — and not to
	// grid workers, who collect the register in the field, nor to auditors or the
	// three administrators, who never change it.
	EraseRegister Action = "registry.erase"
	// ManageUsers is the system administrator's: create accounts, disable and
	// enable them, reset their password, change their role and unit.
	ManageUsers Action = "user.manage"
	// ManageSecurity is the security administrator's: the password policy, keys,
	// and an account's second factor and lock, so that no one administrator can
	// both reset a password and the second factor that guards it (decision 16).
	ManageSecurity Action = "security.manage"
	ReadAudit      Action = "audit.read" // read and export the audit trail
)

// permissions is the declarative table role → actions.
var permissions = map[Role][]Action{
	RoleCity:       {ReadRegister, WriteRegister, WriteOrg, WriteStaff, ExportRegister, ExportFull, RevealRegister, EraseRegister},
	RoleDistrict:   {ReadRegister, WriteRegister, WriteOrg, WriteStaff, ExportRegister, ExportFull, RevealRegister, EraseRegister},
	RoleStreet:     {ReadRegister, WriteRegister, WriteOrg, WriteStaff, ExportRegister, ExportFull, RevealRegister, EraseRegister},
	RoleCommunity:  {ReadRegister, WriteRegister, WriteStaff, ExportRegister, ExportFull, RevealRegister, EraseRegister},
	RoleGrid:       {ReadRegister, WriteRegister, ExportRegister, RevealRegister},
	RoleReadOnly:   {ReadRegister},
	RoleSysAdmin:   {ManageUsers},
	RoleSecAdmin:   {ManageSecurity},
	RoleAuditAdmin: {ReadAudit},
}

// Permissions returns the actions a role may take, for display.
func Permissions(r Role) []Action { return append([]Action(nil), permissions[r]...) }

// Principal is the user behind a request.
type Principal struct {
	UserID  string
	Name    string
	Role    Role
	OrgCode string
}

// System is the principal of administrative command-line paths: it sees everything.
// Only code under cli that says so in its name uses it.
func System() Principal { return Principal{UserID: "system", Name: "system", Role: RoleCity} }

// Scope is the subtree of the city this principal may see.
func (p Principal) Scope() scope.Scope {
	if p.UserID == "system" {
		return scope.Everything()
	}
	if p.OrgCode == "" {
		return scope.Scope{}
	}
	return scope.Of(p.OrgCode)
}

// Can reports whether the principal's role allows action.
func (p Principal) Can(a Action) bool {
	for _, v := range permissions[p.Role] {
		if v == a {
			return true
		}
	}
	return false
}

// Require returns a forbidden error unless the principal may take action.
func (p Principal) Require(a Action) error {
	if p.Can(a) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "auth.forbidden", "")
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the signed-in principal of a request. The server's sign-in
// middleware guarantees one on every route that is not public; elsewhere it is the
// zero Principal, whose scope contains nothing and whose role may do nothing.
func From(r *http.Request) Principal {
	p, _ := PrincipalFrom(r.Context())
	return p
}

// PrincipalFrom returns the principal in ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
