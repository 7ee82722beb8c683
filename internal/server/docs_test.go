package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shequ/internal/platform/auth"
	"shequ/internal/server"
)

// permissionTableMark stands above the permission tables in the documentation.
const permissionTableMark = "<!-- permission tables: generated from internal/platform/auth; TestDocs_PermissionTablesMatchTheCode checks them -->"

// permissionTables writes the tables of roles and their actions, and of actions and
// their labels, as the documentation shows them.
func permissionTables(t *testing.T) string {
	b, err := server.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	s.WriteString("| role | 角色 | second factor | actions |\n|---|---|---|---|\n")
	for _, r := range auth.Roles {
		var actions []string
		for _, a := range auth.Permissions(r) {
			actions = append(actions, "`"+string(a)+"`")
		}
		factor := "optional"
		if r.RequiresSecondFactor() {
			factor = "**required**"
		}
		s.WriteString("| `" + string(r) + "` | " + b.T("zh-CN", "role."+string(r)) + " | " + factor + " | " + strings.Join(actions, ", ") + " |\n")
	}
	s.WriteString("\n| action | 权限 | permission |\n|---|---|---|\n")
	for _, a := range auth.Actions {
		s.WriteString("| `" + string(a) + "` | " + b.T("zh-CN", "action."+string(a)) + " | " + b.T("en", "action."+string(a)) + " |\n")
	}
	return s.String()
}

// TestDocs_PermissionTablesMatchTheCode holds the documented permission tables to
// auth.Permissions and the labels the account page shows. On a mismatch it prints
// the tables to paste below the mark.
func TestDocs_PermissionTablesMatchTheCode(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := permissionTables(t)
	found := 0
	for _, name := range docs {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		_, after, ok := strings.Cut(string(text), permissionTableMark+"\n\n")
		if !ok {
			continue
		}
		found++
		if !strings.HasPrefix(after, want) {
			t.Errorf("%s: the permission tables differ from the code; below the mark they should read:\n\n%s", name, want)
		}
	}
	if found != 1 {
		t.Errorf("%d documents carry the permission tables, want 1", found)
	}
}

// TestAccountPage_EveryActionHasALabel: the account page shows each action by its
// message "action.<name>".
func TestAccountPage_EveryActionHasALabel(t *testing.T) {
	b, err := server.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[auth.Action]bool{}
	for _, a := range auth.Actions {
		seen[a] = true
		if !b.Has("action." + string(a)) {
			t.Errorf("action %s has no label", a)
		}
	}
	for _, r := range auth.Roles {
		for _, a := range auth.Permissions(r) {
			if !seen[a] {
				t.Errorf("role %s has action %s, missing from auth.Actions", r, a)
			}
		}
	}
}
