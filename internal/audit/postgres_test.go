package audit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/area"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
)

// TestPostgres_TheApplicationRoleMayAppendButNeverRewrite runs the application as
// docs/security.md says to: as a role that is not the owner, with the grants of
// AppRoleGrants. It writes and appends as usual, and every attempt to change or
// remove an audit record is refused by the server.
func TestPostgres_TheApplicationRoleMayAppendButNeverRewrite(t *testing.T) {
	base := dbtest.PostgresURL()
	if base == "" {
		t.Skip("SHEQU_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	dsn, drop := dbtest.NewSchema(t, base)
	t.Cleanup(drop)
	owner, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	if err := owner.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	orgtest.Build(t, owner)
	appendN(t, owner, 2)

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	role := "shequ_app_" + hex.EncodeToString(b)
	var schema string
	if err := owner.Read().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Write().Exec(`CREATE ROLE ` + role + ` LOGIN PASSWORD '` + role + `'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = owner.Write().Exec(`DROP OWNED BY ` + role)
		_, _ = owner.Write().Exec(`DROP ROLE ` + role)
	})
	for _, stmt := range audit.AppRoleGrants(schema, role) {
		if _, err := owner.Write().Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, role)
	app, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	// `shequ serve` checks the migrations at every start.
	if err := app.Migrate(ctx); err != nil {
		t.Fatalf("migrations as the application: %v", err)
	}
	// The application does its work, and the audit trail follows it.
	svc := org.NewService(app, now)
	if _, err := svc.Update(ctx, city, org.Unit{Code: orgtest.Community, Name: "东兴新社区", Level: scope.Community,
		FoundedYear: 2001, OfficeArea: area.M2(120), AuthorizedPosts: 8}); err != nil {
		t.Fatalf("a write as the application: %v", err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET reason = 'x' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 1`,
		`TRUNCATE audit_log`,
		`UPDATE audit_anchor SET seq = 2`,
		`DELETE FROM audit_anchor`,
		`DROP TABLE audit_log`,
		`ALTER TABLE audit_log DISABLE TRIGGER ALL`,
	} {
		_, err := app.Write().Exec(stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || (pe.Code != "42501" && pe.Code != "42P01") {
			t.Errorf("%s as the application: %v, want permission denied", stmt, err)
		}
	}
	_, err = audit.Purge(ctx, app, audit.FromPrincipal(city), now().AddDate(10, 0, 0))
	if err == nil {
		t.Error("the application purged the audit trail")
	}
	rep, err := audit.Verify(ctx, app.Read())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Broken != nil || rep.Count != 3 {
		t.Errorf("Verify = %+v, broken at %+v; want 3 records intact", rep, rep.Broken)
	}
	rows, err := audit.List(ctx, app.Read(), audit.Filter{Action: audit.ActOrgUpdate}, 10, 0)
	if err != nil || len(rows) != 1 || rows[0].Object != "org:"+orgtest.Community {
		t.Errorf("the update's record: %+v, %v", rows, err)
	}
	// The owner still can, and purges.
	if _, err := audit.Purge(ctx, owner, audit.FromPrincipal(city), now().AddDate(10, 0, 0)); err != nil {
		t.Errorf("purge as the owner: %v", err)
	}
	var n int
	if err := owner.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil || n != 1 {
		t.Errorf("after the purge %d records are left (%v), want its own", n, err)
	}
}
