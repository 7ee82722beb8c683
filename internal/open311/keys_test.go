package open311_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/open311"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// clock is a fixed instant in the city's morning.
var clock = time.Date(2026, 5, 20, 2, 30, 0, 0, time.UTC)

func keyStore(t *testing.T, d *db.DB) *open311.KeyStore {
	t.Helper()
	orgtest.Build(t, d)
	return open311.NewKeyStore(d, func() time.Time { return clock })
}

func TestKeyStore_AddShowsTheKeyOnceAndKeepsOnlyItsHash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := keyStore(t, d)
		plain, k, err := s.Add(ctx, auth.System(), "  东兴随手拍 ", orgtest.Community)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "o311_") || len(plain) != 57 || k.Prefix != plain[:13] {
			t.Errorf("key %q with prefix %q: want o311_ and 52 characters, its first 13 the prefix", plain, k.Prefix)
		}
		if k.Name != "东兴随手拍" || k.OrgCode != orgtest.Community || k.CreatedBy != "system" || !k.CreatedAt.Equal(clock) || k.Revoked() {
			t.Errorf("added %+v", k)
		}
		var stored string
		if err := d.Read().QueryRowContext(ctx, `SELECT key_hash FROM open311_keys WHERE id = $1`, k.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, plain[13:]) || len(stored) != 64 {
			t.Errorf("stored %q: want the SHA-256 of the key, not the key", stored)
		}
		got, err := s.Resolve(ctx, plain)
		if err != nil || got.ID != k.ID || got.OrgCode != orgtest.Community || !got.Scope().Contains(orgtest.Grid) || got.Scope().Contains(orgtest.Community2) {
			t.Errorf("Resolve = %+v, %v", got, err)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: open311.ActKeyAdd}, 10, 0)
		if err != nil || len(rows) != 1 || rows[0].Object != "open311_key:"+k.ID || rows[0].UserName != "system" ||
			!strings.Contains(rows[0].Reason, "org:"+orgtest.Community) || strings.Contains(rows[0].Reason, plain[13:]) {
			t.Errorf("audit of the addition: %+v, %v", rows, err)
		}
	})
}

func TestKeyStore_AddRefusesAnUnknownUnitAndABadName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := keyStore(t, d)
		for _, tc := range []struct {
			name, org, field string
		}{
			{"app", "450403001999", "org"},
			{"app", "", "org"},
			{"   ", orgtest.Community, "key_name"},
			{strings.Repeat("应", 101), orgtest.Community, "key_name"},
		} {
			_, _, err := s.Add(ctx, auth.System(), tc.name, tc.org)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != tc.field {
				t.Errorf("Add(%q, %q) = %v, want invalid on %s", tc.name, tc.org, err, tc.field)
			}
		}
		if keys, err := s.List(ctx); err != nil || len(keys) != 0 {
			t.Errorf("after refusals: %v, %v", keys, err)
		}
	})
}

func TestKeyStore_RevokeByIDOrPrefixEndsTheKeyAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := keyStore(t, d)
		first, k1, err := s.Add(ctx, auth.System(), "first", orgtest.Community)
		if err != nil {
			t.Fatal(err)
		}
		second, k2, err := s.Add(ctx, auth.System(), "second", orgtest.Street)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Revoke(ctx, auth.System(), k1.Prefix); err != nil || got.ID != k1.ID || !got.RevokedAt.Equal(clock) {
			t.Fatalf("revoke by prefix: %+v, %v", got, err)
		}
		if _, err := s.Revoke(ctx, auth.System(), k2.ID); err != nil {
			t.Fatalf("revoke by id: %v", err)
		}
		for _, plain := range []string{first, second} {
			if _, err := s.Resolve(ctx, plain); !isError(err, apperr.Forbidden, "open311.key_revoked") {
				t.Errorf("a revoked key resolves: %v", err)
			}
		}
		if _, err := s.Revoke(ctx, auth.System(), k1.ID); !isError(err, apperr.Conflict, "open311.key_revoked_already") {
			t.Errorf("revoked twice: %v", err)
		}
		if _, err := s.Revoke(ctx, auth.System(), "o311_nothing"); !isError(err, apperr.NotFound, "open311.key_not_found") {
			t.Errorf("revoking no key: %v", err)
		}
		keys, err := s.List(ctx)
		if err != nil || len(keys) != 2 || keys[0].Name != "first" || !keys[0].Revoked() || !keys[1].Revoked() {
			t.Errorf("List after revoking = %+v, %v", keys, err)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: open311.ActKeyRevoke}, 10, 0)
		if err != nil || len(rows) != 2 {
			t.Errorf("audit of the revocations: %+v, %v", rows, err)
		}
	})
}

func TestKeyStore_ResolveRefusesWhatIsNotAKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := keyStore(t, d)
		plain, _, err := s.Add(ctx, auth.System(), "app", orgtest.Community)
		if err != nil {
			t.Fatal(err)
		}
		last := plain[len(plain)-1]
		other := byte('a')
		if last == 'a' {
			other = 'b'
		}
		for _, tc := range []struct{ name, key, want string }{
			{"none", "", "open311.key_missing"},
			{"the prefix alone", plain[:13], "open311.key_invalid"},
			{"the right prefix and a wrong secret", plain[:len(plain)-1] + string(other), "open311.key_invalid"},
			{"no such prefix", "o311_zzzzzzzz" + plain[13:], "open311.key_invalid"},
			{"another kind of token", "Bearer " + plain, "open311.key_invalid"},
		} {
			if _, err := s.Resolve(ctx, tc.key); !isError(err, apperr.Forbidden, tc.want) {
				t.Errorf("%s: %v, want forbidden %s", tc.name, err, tc.want)
			}
		}
	})
}

func isError(err error, code apperr.Code, key string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code && e.Key == key
}
