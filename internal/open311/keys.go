package open311

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/audit"
	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// The audit actions of keys.
const (
	ActKeyAdd    = "open311.key_add"
	ActKeyRevoke = "open311.key_revoke"
)

// A key reads "o311_" and 52 letters and digits: 32 random bytes in base32. The
// first 13 characters are its public prefix, which finds its row and names it in
// lists; the 216 bits after it are the secret.
const (
	keyTag    = "o311_"
	prefixLen = len(keyTag) + 8
	maxName   = 100
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Key is a client app's key (api_key): whoever holds it reports into its unit's
// intake and reads its unit's subtree.
type Key struct {
	ID        string
	Name      string // the app's name, as the administrator gave it
	OrgCode   string
	Prefix    string // the key's first characters, safe to show
	CreatedAt time.Time
	CreatedBy string    // the user id of who added it ("system" at the command line)
	RevokedAt time.Time // zero while the key is in use
}

// Scope is the subtree the key reads.
func (k Key) Scope() scope.Scope { return scope.Of(k.OrgCode) }

// Revoked reports whether the key has been revoked.
func (k Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// KeyStore keeps the client apps' keys. Adding and revoking are the administrator's,
// at the command line: the store checks no permission, and records who acted.
type KeyStore struct {
	db  *db.DB
	now func() time.Time
}

// NewKeyStore returns the keys of d.
func NewKeyStore(d *db.DB, now func() time.Time) *KeyStore { return &KeyStore{db: d, now: now} }

// hashKey is what the database keeps of a key: a stolen copy of it opens nothing.
func hashKey(plaintext string) string {
	h := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(h[:])
}

const keyColumns = `id, name, org_code, prefix, created_at, created_by, COALESCE(revoked_at, 0)`

func scanKey(row interface{ Scan(...any) error }, extra ...any) (Key, error) {
	var k Key
	var created, revoked int64
	err := row.Scan(append([]any{&k.ID, &k.Name, &k.OrgCode, &k.Prefix, &created, &k.CreatedBy, &revoked}, extra...)...)
	k.CreatedAt = time.UnixMilli(created).UTC()
	if revoked != 0 {
		k.RevokedAt = time.UnixMilli(revoked).UTC()
	}
	return k, err
}

// Add makes a key named name for the unit orgCode and returns it in plain text, the
// only time it is seen, with its record. The addition is audited as by's.
//
// Errors: invalid on key_name (empty, past 100 characters, not UTF-8) or on org (no
// such unit).
func (s *KeyStore) Add(ctx context.Context, by auth.Principal, name, orgCode string) (string, Key, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxName {
		return "", Key{}, apperr.Invalidf("key_name", "open311.key_name").With("max", maxName)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", Key{}, err
	}
	plaintext := keyTag + keyEncoding.EncodeToString(secret)
	now := s.now()
	k := Key{ID: db.NewID(), Name: name, OrgCode: orgCode, Prefix: plaintext[:prefixLen],
		CreatedAt: time.UnixMilli(now.UnixMilli()).UTC(), CreatedBy: by.UserID}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		u, err := org.Lookup(ctx, tx, orgCode)
		if err != nil {
			return err
		}
		if u == nil {
			return apperr.Invalidf("org", "open311.key_org")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO open311_keys (id, name, org_code, prefix, key_hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, k.Name, k.OrgCode, k.Prefix, hashKey(plaintext), now.UnixMilli(), k.CreatedBy); err != nil {
			return err
		}
		e := audit.Of(by, now, ActKeyAdd, "open311_key:"+k.ID)
		e.Reason = "name:" + k.Name + " org:" + k.OrgCode + " prefix:" + k.Prefix
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return "", Key{}, err
	}
	return plaintext, k, nil
}

// List returns every key, revoked ones too, oldest first.
func (s *KeyStore) List(ctx context.Context) ([]Key, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+keyColumns+` FROM open311_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Revoke ends the key whose id or prefix is idOrPrefix, at once and for good; its
// record stays. The revocation is audited as by's.
//
// Errors: not found on key; conflict on key when it is revoked already.
func (s *KeyStore) Revoke(ctx context.Context, by auth.Principal, idOrPrefix string) (Key, error) {
	var k Key
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		k, err = scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM open311_keys WHERE id = $1 OR prefix = $1`, idOrPrefix))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "open311.key_not_found", "key")
		}
		if err != nil {
			return err
		}
		if k.Revoked() {
			return apperr.New(apperr.Conflict, "open311.key_revoked_already", "key")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE open311_keys SET revoked_at = $1 WHERE id = $2`, now.UnixMilli(), k.ID); err != nil {
			return err
		}
		k.RevokedAt = time.UnixMilli(now.UnixMilli()).UTC()
		e := audit.Of(by, now, ActKeyRevoke, "open311_key:"+k.ID)
		e.Reason = "name:" + k.Name + " org:" + k.OrgCode + " prefix:" + k.Prefix
		return audit.Record(ctx, tx, e)
	})
	return k, err
}

// Resolve returns the key plaintext is, as a client sent it in api_key.
//
// Errors, all forbidden on api_key, as the spec answers a missing or wrong key with
// 403: a missing key; a key unknown (the hash compared in constant time); a key
// revoked.
func (s *KeyStore) Resolve(ctx context.Context, plaintext string) (Key, error) {
	if plaintext == "" {
		return Key{}, apperr.New(apperr.Forbidden, "open311.key_missing", "api_key")
	}
	invalid := apperr.New(apperr.Forbidden, "open311.key_invalid", "api_key")
	if len(plaintext) <= prefixLen || !strings.HasPrefix(plaintext, keyTag) {
		return Key{}, invalid
	}
	var stored string
	k, err := scanKey(s.db.Read().QueryRowContext(ctx, `SELECT `+keyColumns+`, key_hash FROM open311_keys WHERE prefix = $1`,
		plaintext[:prefixLen]), &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, invalid
	}
	if err != nil {
		return Key{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashKey(plaintext)), []byte(stored)) != 1 {
		return Key{}, invalid
	}
	if k.Revoked() {
		return Key{}, apperr.New(apperr.Forbidden, "open311.key_revoked", "api_key")
	}
	return k, nil
}
