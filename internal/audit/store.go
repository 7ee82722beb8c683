package audit

import (
	"context"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/db"
)

// Filter selects records; a zero field selects all.
type Filter struct {
	From, To time.Time // From inclusive, To exclusive
	User     string    // a user's name or id
	Action   string
	Outcome  string
	// Through, when not 0, leaves out records after it: the pages after the first
	// stay where they were while the trail grows.
	Through int64
}

// where is the filter as a condition on audit_log and its arguments, numbered
// from $1.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixMilli())
	}
	if f.User != "" {
		add("(user_name = ? OR user_id = ?)", f.User, f.User)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if f.Through != 0 {
		add("seq <= ?", f.Through)
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

const rowColumns = `seq, at, user_id, user_name, role, source_ip, action, object, outcome, reason, prev_hash, hash`

// List returns up to limit records that f selects, newest first, skipping offset.
func List(ctx context.Context, q db.Querier, f Filter, limit, offset int) ([]Row, error) {
	var out []Row
	err := each(ctx, q, f, true, limit, offset, func(r Row) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// Each hands every record that f selects to fn, oldest first, as an export
// writes them: in the order of the chain.
func Each(ctx context.Context, q db.Querier, f Filter, fn func(Row) error) error {
	return each(ctx, q, f, false, 0, 0, fn)
}

// each hands the records that f selects to fn one at a time, newest first if desc;
// limit 0 means all of them.
func each(ctx context.Context, q db.Querier, f Filter, desc bool, limit, offset int, fn func(Row) error) error {
	w, args := f.where()
	query := `SELECT ` + rowColumns + ` FROM audit_log WHERE ` + w + ` ORDER BY seq`
	if desc {
		query += ` DESC`
	}
	if limit > 0 {
		query += ` LIMIT $` + strconv.Itoa(len(args)+1) + ` OFFSET $` + strconv.Itoa(len(args)+2)
		args = append(args, limit, offset)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
