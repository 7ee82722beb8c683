package auth

import (
	"context"
	"database/sql"
	"strconv"
	"testing"
	"time"

	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestHeld_TenThousandDistinctTokensStayWithinTheBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHeld(changes.NewWatch(d, changes.Auth, time.Minute), 100)
		ctx := context.Background()
		for i := range 10000 {
			key := "token " + strconv.Itoa(i)
			_, gen, _, err := h.get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			h.put(gen, key, credential{})
		}
		if n := len(h.entries); n != 100 {
			t.Errorf("%d credentials held, want the bound of 100", n)
		}
	})
}

func TestHeld_ACredentialReadBeforeAChangeIsNotHeldAfterIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHeld(changes.NewWatch(d, changes.Auth, time.Minute), 100)
		ctx := context.Background()
		_, gen, _, err := h.get(ctx, "session x")
		if err != nil {
			t.Fatal(err)
		}
		// The credential was read from the database under gen; a sign-out commits
		// before it is put.
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return changes.Bump(ctx, tx, changes.Auth) }); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := h.get(ctx, "session y"); err != nil {
			t.Fatal(err)
		}
		h.put(gen, "session x", credential{})
		if _, _, ok, _ := h.get(ctx, "session x"); ok {
			t.Error("a credential read before a change is held after it")
		}
	})
}
