package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_UserLifecycle_AdministratorsDisableAndThePolicy(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	mustRun(t, "org", "add", "--db", dbPath, "--code", "450400", "--name", "梧州市")
	for _, role := range []string{"sysadmin", "secadmin", "auditadmin"} {
		out := mustRun(t, "user", "add", "--db", dbPath, "--name", "admin-"+role, "--role", role, "--org", "450400")
		if !strings.Contains(out, "initial password: ") || !strings.Contains(out, "must change it") || !strings.Contains(out, "second factor") {
			t.Errorf("user add %s: %q", role, out)
		}
	}
	code, _, errOut := run(t, "user", "add", "--db", dbPath, "--name", "admin-sysadmin", "--role", "secadmin", "--org", "450400")
	if code != 1 || !strings.Contains(errOut, "该用户名已被使用") {
		t.Errorf("a second administrator role for one name: exit %d %q", code, errOut)
	}
	if out := mustRun(t, "user", "disable", "--db", dbPath, "--name", "admin-auditadmin"); !strings.Contains(out, "disabled") {
		t.Errorf("disable: %q", out)
	}
	list := mustRun(t, "user", "list", "--db", dbPath)
	for _, want := range []string{"STATUS", "2FA", "LAST LOGIN", "admin-auditadmin  auditadmin", "disabled", "must-change", "required"} {
		if !strings.Contains(list, want) {
			t.Errorf("user list lacks %q:\n%s", want, list)
		}
	}
	mustRun(t, "user", "enable", "--db", dbPath, "--name", "admin-auditadmin")
	if list := mustRun(t, "user", "list", "--db", dbPath); strings.Contains(list, "disabled") {
		t.Errorf("still disabled after enable:\n%s", list)
	}
	if code, _, errOut := run(t, "user", "disable", "--db", dbPath, "--name", "ghost"); code != 1 || !strings.Contains(errOut, "找不到该用户") {
		t.Errorf("disabling an unknown user: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "user", "enable", "--db", dbPath); code != 2 || !strings.Contains(errOut, "--name") {
		t.Errorf("enable without a name: exit %d %q", code, errOut)
	}
	if out := mustRun(t, "user", "policy", "--db", dbPath); !strings.Contains(out, "passwords last 90 days") {
		t.Errorf("default policy: %q", out)
	}
	if out := mustRun(t, "user", "policy", "--db", dbPath, "--password-max-age", "0"); !strings.Contains(out, "passwords last forever") {
		t.Errorf("policy without expiry: %q", out)
	}
	if out := mustRun(t, "user", "reset-totp", "--db", dbPath, "--name", "admin-secadmin"); !strings.Contains(out, "removed") {
		t.Errorf("reset-totp: %q", out)
	}
}

func TestCLI_TheOldAuditorRoleIsRefusedNamingBothItCouldMean(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	mustRun(t, "org", "add", "--db", dbPath, "--code", "450400", "--name", "梧州市")
	code, _, errOut := run(t, "user", "add", "--db", dbPath, "--name", "zhao", "--role", "auditor", "--org", "450400")
	if code != 2 || !strings.Contains(errOut, "readonly") || !strings.Contains(errOut, "auditadmin") {
		t.Errorf("--role auditor: exit %d %q", code, errOut)
	}
	out := mustRun(t, "user", "add", "--db", dbPath, "--name", "zhao", "--role", "readonly", "--org", "450400")
	if !strings.Contains(out, "role readonly") {
		t.Errorf("--role readonly: %q", out)
	}
	if code, _, errOut := run(t, "user", "list", "--db", dbPath, "--tz", "Mars/Olympus"); code != 2 || !strings.Contains(errOut, "Asia/Shanghai") {
		t.Errorf("an unknown zone: exit %d %q", code, errOut)
	}
}
