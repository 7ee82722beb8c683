package db_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestStatements_AStatementIsPreparedOnceAndReusedInAndOutOfTransactions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const q = `SELECT value FROM settings WHERE key = $1`
		st := d.Statements()
		prepared, reused := st.Prepared.Load(), st.Reused.Load()
		for range 100 {
			if err := d.Read().QueryRowContext(ctx, q, "nothing").Scan(new(string)); err != sql.ErrNoRows {
				t.Fatalf("err = %v, want no rows", err)
			}
		}
		// One after another, the reads take the same idle connection.
		if n := st.Prepared.Load() - prepared; n > 1 {
			t.Errorf("100 reads prepared the statement %d times, want once", n)
		}
		if n := st.Reused.Load() - reused; n < 99 {
			t.Errorf("100 reads reused the statement %d times, want 99", n)
		}
		for i := range 3 {
			prepared := st.Prepared.Load()
			err := d.InTx(ctx, func(tx *sql.Tx) error {
				for j := range 20 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, strconv.Itoa(i*100+j), "v"); err != nil {
						return err
					}
					if err := tx.QueryRowContext(ctx, q, strconv.Itoa(i*100+j)).Scan(new(string)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := st.Prepared.Load() - prepared; n > 2 {
				t.Errorf("transaction %d prepared %d statements for 40 calls of two, want at most two", i, n)
			}
		}
	})
}

func TestStatements_TenThousandDistinctTextsStayWithinTheBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := range 10_000 {
			var got int
			if err := d.Read().QueryRowContext(ctx, `SELECT `+strconv.Itoa(i)+` + $1`, 1).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != i+1 {
				t.Fatalf("statement %d answered %d", i, got)
			}
		}
		conns := int64(d.Read().(*sql.DB).Stats().OpenConnections + 1) // and the write connection
		if n := d.Statements().Cached.Load(); n > conns*db.StatementsPerConnection {
			t.Fatalf("%d statements cached on %d connections, bound %d each", n, conns, db.StatementsPerConnection)
		}
	})
}

func TestStatements_PlanEachTimeDoesNotPrepare(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := db.PlanEachTime(context.Background())
		prepared := d.Statements().Prepared.Load()
		for range 10 {
			var got string
			if err := d.Read().QueryRowContext(ctx, `SELECT $1 || 'b'`, "a").Scan(&got); err != nil || got != "ab" {
				t.Fatalf("got %q, %v", got, err)
			}
		}
		if n := d.Statements().Prepared.Load() - prepared; n != 0 {
			t.Fatalf("%d statements prepared, want none", n)
		}
	})
}

// On SQLite a connection reads several result sets at once, so a statement may run
// again while its own rows are still open, or be pushed out of the cache by others;
// the open rows must not notice. (PostgreSQL's connection reads one result at a
// time, cached or not.)
func TestStatements_OpenRowsSurviveTheirStatementRunningAgainOrLeavingTheCache(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, k, k+k); err != nil {
				return err
			}
		}
		const q = `SELECT key, value FROM settings WHERE key >= $1 AND key <= 'c' ORDER BY key`
		rows, err := tx.QueryContext(ctx, q, "a")
		if err != nil {
			return err
		}
		defer rows.Close()
		var seen []string
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			seen = append(seen, k)
			var first string
			if err := tx.QueryRowContext(ctx, q, "b").Scan(&first, new(string)); err != nil || first != "b" {
				t.Fatalf("the same statement run again answered %q, %v", first, err)
			}
			for i := range db.StatementsPerConnection + 1 {
				if err := tx.QueryRowContext(ctx, `SELECT `+strconv.Itoa(i)+` + $1`, 0).Scan(new(int)); err != nil {
					return err
				}
			}
		}
		if len(seen) != 3 {
			t.Fatalf("read %v, want a b c", seen)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
