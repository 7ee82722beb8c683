// Package idem makes a creating request safe to repeat. A phone that lost its
// network sends the same report again and again until one answer reaches it; it
// names the report with an Idempotency-Key of its own choosing, and the first
// request that commits records the key, a hash of the body, and what it created,
// in the same transaction as the thing itself. A retry with the key and the same
// body gets what the first one created; the key with another body is refused, as
// it can only be a client's mistake.
package idem

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
)

// MaxKey is the longest key taken, in bytes; the IETF draft suggests a UUID.
const MaxKey = 128

// Request is a creating request that carries an Idempotency-Key.
type Request struct {
	UserID string
	Key    string
	// BodyHash is the SHA-256 of what the request asks for, hex.
	BodyHash string
}

// New returns the request of user with key over body, or nil when key is empty
// (the client asked for no idempotency). A key too long or of control characters
// is invalid, naming the header.
func New(userID, key string, body []byte) (*Request, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, nil
	}
	if len(key) > MaxKey || strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, apperr.Invalidf("Idempotency-Key", "idem.key")
	}
	sum := sha256.Sum256(body)
	return &Request{UserID: userID, Key: key, BodyHash: hex.EncodeToString(sum[:])}, nil
}

// Lookup returns what an earlier request with r's key created ("" when there was
// none). Errors: unprocessable when the earlier request had another body.
func Lookup(ctx context.Context, q db.Querier, r *Request) (string, error) {
	if r == nil {
		return "", nil
	}
	var hash, created string
	err := q.QueryRowContext(ctx, `SELECT body_sha256, created FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2`,
		r.UserID, r.Key).Scan(&hash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if hash != r.BodyHash {
		return "", apperr.New(apperr.Unprocessable, "idem.reused", "Idempotency-Key")
	}
	return created, nil
}

// Record notes in tx that r created the thing with id created. Two requests with
// one key that both got past Lookup cannot both commit: the second fails here on
// the key, its transaction rolls back, and Lookup then finds the first.
func Record(ctx context.Context, tx *sql.Tx, r *Request, created string, now time.Time) error {
	if r == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, body_sha256, created, created_at)
		VALUES ($1, $2, $3, $4, $5)`, r.UserID, r.Key, r.BodyHash, created, now.UnixMilli())
	return err
}
