package registry

import (
	"context"

	"shequ/internal/platform/db"
)

// DictInflowReason is the local dictionary of 流入原因: the reasons floating
// residents give for coming, which differ by region (cn-standards §3.4), so an
// administrator keeps them rather than the binary.
const DictInflowReason = "inflow_reason"

// DictionaryEntry is one code of a local dictionary.
type DictionaryEntry struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Dictionary returns a local dictionary's entries in their order.
func Dictionary(ctx context.Context, q db.Querier, dictionary string) ([]DictionaryEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name FROM dictionary_entries WHERE dictionary = $1 ORDER BY position, code`, dictionary)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DictionaryEntry{}
	for rows.Next() {
		var e DictionaryEntry
		if err := rows.Scan(&e.Code, &e.Name); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DictionaryHas reports whether a local dictionary holds a code.
func DictionaryHas(ctx context.Context, q db.Querier, dictionary, code string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_entries WHERE dictionary = $1 AND code = $2`, dictionary, code).Scan(&n)
	return n > 0, err
}
