package audit

import "github.com/jackc/pgx/v5"

// AppRoleGrants returns the PostgreSQL statements, to be run by the owner of the
// schema after each `shequ migrate`, that let role run the application there: read
// and write every table, but only read and append to the audit trail, so that
// nothing the application does — a bug, an injected statement — can change or
// remove a record. Only the owner can then purge (Purge) or alter the tables.
//
// CREATE on the schema is for the check every start of `shequ serve` makes,
// CREATE TABLE IF NOT EXISTS schema_migrations, which PostgreSQL refuses without
// it even when the table exists; it gives no power over tables the role does not
// own. `shequ audit grants` prints these statements.
func AppRoleGrants(schema, role string) []string {
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	return []string{
		`GRANT USAGE, CREATE ON SCHEMA ` + s + ` TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + s + ` TO ` + r,
		`REVOKE UPDATE, DELETE, TRUNCATE ON ` + s + `.audit_log, ` + s + `.audit_anchor FROM ` + r,
	}
}
