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

	"shequ/internal/audit"
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

// The witness commands end to end: a key pair, a witness line appended to a file,
// verify against the file and the public key; then a chain rewritten with its
// hashes recomputed passes verify alone and fails it with the witness, and a
// witness file whose line was changed is refused.
func TestAuditCommand_WitnessCatchesARewrittenChain(t *testing.T) {
	dir := t.TempDir()
	dbPath, key, file := filepath.Join(dir, "t.db"), filepath.Join(dir, "keys", "witness.key"), filepath.Join(dir, "witness.log")
	if err := os.Mkdir(filepath.Dir(key), 0o700); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, now: time.Now}
	for _, args := range [][]string{{"--code", "450400", "--name", "梧州市"}, {"--code", "450403", "--name", "万秀区", "--parent", "450400"}} {
		if err := e.orgCmd(context.Background(), append([]string{"add", "--db", dbPath}, args...)); err != nil {
			t.Fatal(err)
		}
	}
	stdout, _, err := auditRun(t, "witness-key", "--out", key)
	if err != nil || !strings.Contains(stdout, "已生成 SM2 见证密钥对") {
		t.Fatalf("witness-key: %v, %q", err, stdout)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the private key: %v, %v", fi, err)
	}
	for range 2 {
		if stdout, _, err := auditRun(t, "witness", "--db", dbPath, "--key", key, "--out", file); err != nil || !strings.Contains(stdout, "已见证第 2 条") {
			t.Fatalf("witness: %v, %q", err, stdout)
		}
	}
	if _, _, err := auditRun(t, "verify", "--db", dbPath, "--witness", file); !errors.As(err, new(usageError)) {
		t.Errorf("--witness without --witness-pub: %v", err)
	}
	stdout, _, err = auditRun(t, "verify", "--db", dbPath, "--witness", file, "--witness-pub", key+".pub")
	if err != nil || !strings.Contains(stdout, "已对照 2 条外部见证") {
		t.Fatalf("verify --witness: %v, %q", err, stdout)
	}

	// Record 2 changed, its hash and the head's recomputed.
	d, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 1, 0)
	if err != nil || len(rows) != 1 || rows[0].Seq != 2 {
		t.Fatalf("record 2: %+v, %v", rows, err)
	}
	r := rows[0]
	r.UserName = "someone else"
	for _, s := range []string{`DROP TRIGGER audit_log_no_update`,
		`UPDATE audit_log SET user_name = 'someone else', hash = '` + r.Sum() + `' WHERE seq = 2`,
		`UPDATE audit_head SET hash = '` + r.Sum() + `' WHERE id = 1`} {
		if _, err := d.Write().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	if stdout, _, err := auditRun(t, "verify", "--db", dbPath); err != nil {
		t.Fatalf("the rewrite is not seamless: %v, %q", err, stdout)
	}
	stdout, _, err = auditRun(t, "verify", "--db", dbPath, "--witness", file, "--witness-pub", key+".pub")
	if !errors.As(err, new(problemsError)) || !strings.Contains(stdout, "外部见证过的第 2 条已不在链中") {
		t.Errorf("verify --witness after the rewrite: %v, %q", err, stdout)
	}

	lines, _ := os.ReadFile(file)
	forged := strings.Replace(string(lines), "seq=2 ", "seq=1 ", 1)
	if err := os.WriteFile(file, []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = auditRun(t, "verify", "--db", dbPath, "--witness", file, "--witness-pub", key+".pub")
	if err == nil || !strings.Contains(e.describe(err), "见证文件第 1 行的签名不对") {
		t.Errorf("verify with a changed witness line: %v", err)
	}
}

func TestServeFlags_WitnessNeedsAnIntervalAKeyAndSomewhereToWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    witnessFlags
	}{
		{"a key without an interval", witnessFlags{key: "k"}},
		{"an interval without a key", witnessFlags{every: time.Minute, file: "f"}},
		{"an interval and a key, nowhere to write", witnessFlags{every: time.Minute, key: "k"}},
	} {
		if _, err := tc.w.watch(nil, nil, time.Now); !errors.As(err, new(usageError)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if w, err := (&witnessFlags{}).watch(nil, nil, time.Now); w != nil || err != nil {
		t.Errorf("no witness flags: %v, %v", w, err)
	}
}
