package demo

import (
	"context"
	"database/sql"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"shequ/internal/platform/db/dbtest"
)

func TestQuickGen(t *testing.T) {
	t0 := time.Now()
	s, err := generate(context.Background(), io.Discard, func(*tables) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v in %v", s, time.Since(t0))
}

func TestQuickLoad(t *testing.T) {
	if v := os.Getenv("BP"); v != "" {
		batchParams, _ = strconv.Atoi(v)
	}
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if p := os.Getenv("PRAGMAS"); p != "" {
		if _, err := d.Write().ExecContext(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	s, err := Load(ctx, d, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bp=%d rows=%d in %v", batchParams, s.Rows(), time.Since(t0))
}

func TestQuickBare(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if p := os.Getenv("PRAGMAS"); p != "" {
		if _, err := d.Write().ExecContext(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var hh, rs [][]any
	var orgs []any
	ocols := 8
	_, err := generate(ctx, io.Discard, func(ts *tables) error {
		orgs = append(orgs, ts.orgUnits.vals...)
		for i := 0; i < len(ts.households.vals); i += 7 {
			hh = append(hh, append([]any(nil), ts.households.vals[i:i+7]...))
		}
		for i := 0; i < len(ts.residents.vals); i += 13 {
			rs = append(rs, append([]any(nil), ts.residents.vals[i:i+13]...))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// org units and buildings are referenced; insert org units first (not timed), and drop building refs
	tx, _ := d.Write().BeginTx(ctx, nil)
	st, _ := tx.Prepare(insertSQL("org_units", newTables().orgUnits.cols, 1))
	for i := 0; i < len(orgs); i += ocols {
		if _, err := st.Exec(orgs[i : i+ocols]...); err != nil {
			t.Fatal(err)
		}
	}
	tx.Commit()
	t0 := time.Now()
	err = func() error {
		tx, err := d.Write().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var hs, rst *sql.Stmt
		hs, _ = tx.Prepare(insertSQL("households", newTables().households.cols, 1))
		rst, _ = tx.Prepare(insertSQL("residents", newTables().residents.cols, 1))
		for _, h := range hh {
			h[3] = nil
			if _, err := hs.Exec(h...); err != nil {
				return err
			}
		}
		for _, r := range rs {
			if _, err := rst.Exec(r...); err != nil {
				return err
			}
		}
		return tx.Commit()
	}()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bare rows=%d in %v", len(hh)+len(rs), time.Since(t0))
}
