package db_test

import (
	"context"
	"database/sql"
	"testing"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// Analyze leaves the planner knowing how many rows a table and its indexes hold,
// and, on SQLite, no samples of values that would have it re-plan prepared
// statements for their bound values.
func TestDB_AnalyzeKeepsEstimatesWithoutSamples(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE analysed (code TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `CREATE INDEX analysed_n ON analysed (n)`); err != nil {
				return err
			}
			for i := range 300 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO analysed (code, n) VALUES ($1, $2)`, db.NewID(), i%7); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.Postgres {
			var rows float64
			if err := d.Read().QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE relname = 'analysed' AND relnamespace = current_schema()::regnamespace`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != 300 {
				t.Fatalf("PostgreSQL estimates %v rows, want 300", rows)
			}
			return
		}
		var stat string
		if err := d.Read().QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE idx = 'analysed_n'`).Scan(&stat); err != nil {
			t.Fatalf("no estimate for the index: %v", err)
		}
		if stat != "300 43" {
			t.Fatalf("estimate %q, want 300 rows, 43 a value", stat)
		}
		var samples int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_stat4`).Scan(&samples); err != nil {
			t.Fatal(err)
		}
		if samples != 0 {
			t.Fatalf("%d samples kept, want none", samples)
		}
	})
}
