package cli_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shequ/internal/keys"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
)

// TestCLI_RefusesToStartWithAMissingOrWrongKey: a configured key file that is
// missing, or holds another key, stops every command before it touches the data,
// with a message that says which and where.
func TestCLI_RefusesToStartWithAMissingOrWrongKey(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "city.db")
	if code, _, errOut := run(t, "migrate", "--db", dbPath); code != 0 || !strings.Contains(errOut, "created key file "+dbPath+".key") {
		t.Fatalf("first start: exit %d, %q", code, errOut)
	}
	missing := filepath.Join(dir, "gone.key")
	code, _, errOut := run(t, "migrate", "--db", dbPath, "--key-file", missing)
	if code != 1 || !strings.Contains(errOut, "密钥文件 "+missing+" 不存在") {
		t.Errorf("missing key file: exit %d, %q", code, errOut)
	}
	other := filepath.Join(dir, "other.key")
	if err := crypt.WriteKeyFile(other, crypt.NewMasterKey()); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "serve", "--db", dbPath, "--key-file", other, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, other+" 中的密钥不是本数据库的密钥") {
		t.Errorf("wrong key: exit %d, %q", code, errOut)
	}
	t.Setenv("SHEQU_KEY", crypt.EncodeKey(crypt.NewMasterKey()))
	code, _, errOut = run(t, "migrate", "--db", dbPath)
	if code != 1 || !strings.Contains(errOut, "SHEQU_KEY 中的密钥不是本数据库的密钥") {
		t.Errorf("wrong SHEQU_KEY: exit %d, %q", code, errOut)
	}
	if err := os.Remove(dbPath + ".key"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SHEQU_KEY", "")
	code, _, errOut = run(t, "migrate", "--db", dbPath)
	if code != 1 || !strings.Contains(errOut, "密钥文件 "+dbPath+".key 不见了") {
		t.Errorf("lost default key file: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(dbPath + ".key"); err == nil {
		t.Error("a new key file was made for a database that has data under another")
	}
}

func TestCLI_KeysRotateMovesTheDatabaseToANewKeyFile(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "city.db")
	newKey := filepath.Join(dir, "new.key")
	if code, _, errOut := run(t, "migrate", "--db", dbPath); code != 0 {
		t.Fatalf("first start: %q", errOut)
	}
	code, out, errOut := run(t, "keys", "rotate", "--db", dbPath, "--new-key-file", newKey)
	if code != 0 || !strings.Contains(out, "re-sealed") || !strings.Contains(out, "TOTP secrets of 0 users") || !strings.Contains(out, "--key-file "+newKey) {
		t.Fatalf("rotate: exit %d, %q %q", code, out, errOut)
	}
	if st, err := os.Stat(newKey); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("new key file: %v, %v", st, err)
	}
	if code, _, errOut := run(t, "migrate", "--db", dbPath, "--key-file", newKey); code != 0 {
		t.Errorf("start with the new key: exit %d, %q", code, errOut)
	}
	if code, _, _ := run(t, "migrate", "--db", dbPath); code != 1 {
		t.Errorf("the old default key file still opens the database: exit %d", code)
	}
	if code, _, errOut := run(t, "keys", "rotate", "--db", dbPath, "--key-file", newKey, "--new-key-file", newKey); code != 1 || !strings.Contains(errOut, "新密钥与数据库当前的密钥相同") {
		t.Errorf("rotate to the same key: exit %d, %q", code, errOut)
	}
	if code, _, _ := run(t, "keys", "rotate", "--db", dbPath); code != 2 {
		t.Errorf("rotate without --new-key-file: exit %d", code)
	}
}

// TestCLI_KeysRotateRefusesWhileTheDatabaseIsInUse: the operator is told to stop the
// server first, and the key file the rotation would have made is not left behind.
func TestCLI_KeysRotateRefusesWhileTheDatabaseIsInUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "city.db")
	newKey := filepath.Join(dir, "new.key")
	if code, _, errOut := run(t, "migrate", "--db", dbPath); code != 0 {
		t.Fatalf("first start: %q", errOut)
	}
	server, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if err := keys.Unlock(ctx, server, dbPath, keys.Source{}, io.Discard); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "keys", "rotate", "--db", dbPath, "--new-key-file", newKey)
	if code != 1 || !strings.Contains(errOut, "请先停止它再轮换密钥") {
		t.Errorf("rotating under a running server: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(newKey); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused rotation left its new key file")
	}
	server.Close()
	if code, _, errOut := run(t, "keys", "rotate", "--db", dbPath, "--new-key-file", newKey); code != 0 {
		t.Errorf("rotating once the server stopped: exit %d, %q", code, errOut)
	}
}
