package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_Open311KeysAreAddedShownOnceListedAndRevoked(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	mustRun(t, "org", "add", "--db", dbPath, "--code", "450400", "--name", "梧州市")
	out := mustRun(t, "open311", "key", "add", "--db", dbPath, "--name", "梧州随手拍", "--org", "450400")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "o311_") || len(key) != 57 || !strings.Contains(out, "shown once") {
		t.Fatalf("key add: %q", out)
	}
	prefix := key[:13]
	list := mustRun(t, "open311", "key", "list", "--db", dbPath)
	if !strings.Contains(list, prefix) || !strings.Contains(list, "梧州随手拍") || !strings.Contains(list, "active") || strings.Contains(list, key[13:]) {
		t.Errorf("key list shows the prefix, never the key:\n%s", list)
	}
	if out := mustRun(t, "open311", "key", "revoke", prefix, "--db", dbPath); !strings.Contains(out, "revoked") {
		t.Errorf("key revoke: %q", out)
	}
	if list := mustRun(t, "open311", "key", "list", "--db", dbPath); !strings.Contains(list, "revoked 20") {
		t.Errorf("after revoking:\n%s", list)
	}
	if code, _, errOut := run(t, "open311", "key", "revoke", "--db", dbPath, prefix); code != 1 || !strings.Contains(errOut, "已经吊销") {
		t.Errorf("revoked twice: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "open311", "key", "add", "--db", dbPath, "--name", "app", "--org", "450499"); code != 1 || !strings.Contains(errOut, "所属单位：没有这个单位") {
		t.Errorf("an unknown unit: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "open311", "key", "add", "--db", dbPath, "--name", "app"); code != 2 || !strings.Contains(errOut, "--org") {
		t.Errorf("no unit: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "open311", "key", "revoke", "--db", dbPath); code != 2 || !strings.Contains(errOut, "prefix") {
		t.Errorf("revoke of nothing: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "open311", "keys"); code != 2 || !strings.Contains(errOut, "key add") {
		t.Errorf("a wrong command: exit %d %q", code, errOut)
	}
}
