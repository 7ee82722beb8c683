package server_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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

// TestDocs_EveryTestTheyNameExists keeps the security pages' "proved by" columns
// and the threat table honest: a test, fuzz target or benchmark named in docs/ in
// backquotes must be a function of some test file, so renaming or deleting one
// breaks here rather than leaving a claim without its proof.
func TestDocs_EveryTestTheyNameExists(t *testing.T) {
	root := filepath.Join("..", "..")
	defined := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]+)\(`)
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range decl.FindAllSubmatch(b, -1) {
			defined[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*)`")
	for _, name := range docs {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range named.FindAllSubmatch(text, -1) {
			if !defined[string(m[1])] {
				t.Errorf("%s names %s, which no test file defines", filepath.Base(name), m[1])
			}
		}
	}
}
