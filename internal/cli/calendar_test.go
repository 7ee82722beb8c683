package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_CalendarListsTheYearsAndImportsOne(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	code, out, errOut := run(t, "calendar", "list", "--db", dbPath)
	if code != 0 || !strings.Contains(out, "2026") || !strings.Contains(out, "2013") || !strings.Contains(out, "33/6") ||
		!strings.Contains(out, "随软件发布") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "calendar", "list", "--db", dbPath, "--year", "2026")
	if code != 0 || !strings.Contains(out, "国办发明电〔2025〕7号") || !strings.Contains(out, "2026-02-14 周六  调休上班  春节") {
		t.Errorf("list 2026: exit %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("# source: x\ndate,kind,name\n2027-02-10,workday,春节\n2027-13-01,holiday,春节\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "calendar", "import", "--db", dbPath, "--year", "2027", bad)
	if code != 1 || !strings.Contains(errOut, "文件有 2 处问题") || !strings.Contains(errOut, "第 3 行第 2 列（kind）") ||
		!strings.Contains(errOut, "第 4 行第 1 列（date）") {
		t.Errorf("a bad file: exit %d\n%s", code, errOut)
	}
	good := filepath.Join(dir, "2027.csv")
	if err := os.WriteFile(good, []byte("# source: 测试用\ndate,kind,name\n2027-01-01,holiday,元旦\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "calendar", "import", "--db", dbPath, "--year", "2027", good)
	if code != 0 || !strings.Contains(out, "已导入 2027 年的节假日安排") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "calendar", "list", "--db", dbPath)
	if code != 0 || !strings.Contains(out, "2027") || !strings.Contains(out, "system 于") {
		t.Errorf("list after the import: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "calendar", "import", "--db", dbPath, good); code != 2 || !strings.Contains(errOut, "--year") {
		t.Errorf("no year: exit %d %q", code, errOut)
	}
	if code, _, _ := run(t, "calendar"); code != 2 {
		t.Errorf("no subcommand: exit %d", code)
	}
}
