package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ/internal/platform/db"
)

// auditRun runs `shequ audit args…` and returns its output and error.
func auditRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("SHEQU_LANG", "zh-CN")
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut, now: func() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }}
	err := e.auditCmd(context.Background(), args)
	return out.String(), errOut.String(), err
}

func TestAuditCommand_VerifySaysIntactOrNamesTheBrokenRecord(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, now: time.Now}
	for _, args := range [][]string{{"--code", "450400", "--name", "梧州市"}, {"--code", "450403", "--name", "万秀区", "--parent", "450400"}} {
		if err := e.orgCmd(context.Background(), append([]string{"add", "--db", dbPath}, args...)); err != nil {
			t.Fatal(err)
		}
	}
	stdout, _, err := auditRun(t, "verify", "--db", dbPath)
	if err != nil || !strings.Contains(stdout, "审计记录完整：共 2 条") || !strings.Contains(stdout, "最后一条（第 2 条）的哈希：") {
		t.Errorf("verify: %v, %q", err, stdout)
	}

	_, stderr, err := auditRun(t, "export", "--db", dbPath, "--format", "csv", "--out", filepath.Join(dir, "a.csv"))
	if err != nil || !strings.Contains(stderr, "已导出 3 条审计记录") {
		t.Fatalf("export: %v, %q", err, stderr)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "a.csv"))
	if !strings.Contains(string(csv), "序号,时间") || !strings.Contains(string(csv), "org.create,org:450403,ok") {
		t.Errorf("export:\n%s", csv)
	}
	if _, _, err := auditRun(t, "export", "--db", dbPath, "--since", "2026-02-30"); err == nil {
		t.Error("an export since 30 February")
	}

	if _, _, err := auditRun(t, "retention", "--db", dbPath, "--days", "100"); err == nil || !strings.Contains(e.describe(err), "180") {
		t.Errorf("retention of 100 days: %v", err)
	}
	if stdout, _, err := auditRun(t, "retention", "--db", dbPath, "--days", "400"); err != nil || !strings.Contains(stdout, "审计记录保存 400 天（个人信息处理记录至少保存 1095 天）") {
		t.Errorf("retention of 400 days: %v, %q", err, stdout)
	}
	if stdout, _, err := auditRun(t, "purge", "--db", dbPath); err != nil || !strings.Contains(stdout, "没有超过保存期限的审计记录") {
		t.Errorf("purge: %v, %q", err, stdout)
	}
	// org.create ×2, the export, the retention change, the purge.
	if stdout, _, err := auditRun(t, "verify", "--db", dbPath); err != nil || !strings.Contains(stdout, "共 5 条") {
		t.Errorf("verify: %v, %q", err, stdout)
	}

	d, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET user_name = 'someone else' WHERE seq = 2`} {
		if _, err := d.Write().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	stdout, _, err = auditRun(t, "verify", "--db", dbPath)
	if !errors.As(err, new(problemsError)) || !strings.Contains(stdout, "已核验 1 条完好的记录") || !strings.Contains(stdout, "审计记录第 2 条已被篡改：内容与其哈希不符") {
		t.Errorf("verify after tampering: %v, %q", err, stdout)
	}
	if _, _, err := auditRun(t, "fly"); !errors.As(err, new(usageError)) {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestAuditCommand_GrantsPrintsTheApplicationRolesStatements(t *testing.T) {
	stdout, _, err := auditRun(t, "grants", "--role", "shequ_app")
	want := `GRANT USAGE, CREATE ON SCHEMA "public" TO "shequ_app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "shequ_app";
REVOKE UPDATE, DELETE, TRUNCATE ON "public".audit_log, "public".audit_anchor FROM "shequ_app";
`
	if err != nil || stdout != want {
		t.Errorf("grants: %v\n%s", err, stdout)
	}
	if _, _, err := auditRun(t, "grants"); !errors.As(err, new(usageError)) {
		t.Errorf("grants without a role: %v", err)
	}
}
