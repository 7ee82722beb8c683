package audit

import (
	"context"

	"shequ/internal/platform/db"
)

// Length is the number of records ever appended to the chain: the head's seq, one
// row read, however long the trail (purged records count, as the chain still
// accounts for them through its anchor). Operators watch it grow; a fall means
// the head was rewritten.
func Length(ctx context.Context, q db.Querier) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&seq)
	return seq, err
}
