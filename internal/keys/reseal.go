package keys

import (
	"context"
	"strings"

	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
)

// table names a table whose rows carry a sealed ID number and phone.
type table struct {
	name string
	tail bool // has id_tail_bidx
}

var (
	residents = table{"residents", true}
	workers   = table{"workers", false}
)

func (t table) columns() []string {
	if t.tail {
		return []string{"id_number_sealed", "id_number_bidx", "id_tail_bidx", "phone_sealed", "phone_bidx"}
	}
	return []string{"id_number_sealed", "id_number_bidx", "phone_sealed", "phone_bidx"}
}

// row is what reseal reads of a row: its id, sealed values and indexes.
type row struct {
	id                    string
	idSealed, phoneSealed []byte
	idIndex, phoneIndex   string
}

// resealBatch is how many rows reseal reads at a time: memory stays flat whatever
// the table's size.
const resealBatch = 2048

// reseal rewrites the sealed values and indexes of the rows of t that match where,
// reading each row's plain ID number and phone with plain and sealing them with to.
// A batch's new values go through the bulk writer (COPY on PostgreSQL) into a
// temporary table and are applied with one UPDATE … FROM: a statement per row would
// take minutes on PostgreSQL for a city, and one statement for the whole table held
// 800 MB of SQLite's statement journal in memory. It returns the number of rows.
func reseal(ctx context.Context, b *db.Bulk, t table, where string, plain func(row) (id, phone string, err error), to crypt.Keyring) (int, error) {
	cols := t.columns()
	if _, err := b.ExecContext(ctx, `CREATE TEMP TABLE reseal AS SELECT id, `+strings.Join(cols, ", ")+` FROM `+t.name+` WHERE 1 = 0`); err != nil {
		return 0, err
	}
	n, err := resealBatches(ctx, b, t, where, plain, to)
	if err != nil {
		return 0, err
	}
	_, err = b.ExecContext(ctx, `DROP TABLE reseal`)
	return n, err
}

// resealBatches reads the matching rows of t a batch at a time, in id order, and
// rewrites each batch through the reseal table.
func resealBatches(ctx context.Context, b *db.Bulk, t table, where string, plain func(row) (id, phone string, err error), to crypt.Keyring) (int, error) {
	ins := b.NewInserter()
	defer ins.Close()
	cols := t.columns()
	out := db.NewTable("reseal", append([]string{"id"}, cols...)...)
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = reseal." + c
	}
	update := `UPDATE ` + t.name + ` SET ` + strings.Join(set, ", ") + ` FROM reseal WHERE ` + t.name + `.id = reseal.id`
	n, after := 0, ""
	for {
		rows, err := b.QueryContext(ctx, `SELECT id, id_number_sealed, id_number_bidx, phone_sealed, phone_bidx FROM `+t.name+`
			WHERE `+where+` AND id > $1 ORDER BY id LIMIT $2`, after, resealBatch)
		if err != nil {
			return 0, err
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.idSealed, &r.idIndex, &r.phoneSealed, &r.phoneIndex); err != nil {
				rows.Close()
				return 0, err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(batch) == 0 {
			return n, nil
		}
		ids, phones := make([]string, len(batch)), make([]string, len(batch))
		for i, r := range batch {
			if ids[i], phones[i], err = plain(r); err != nil {
				return 0, err
			}
		}
		people, err := crypt.SealPeople(to, ids, phones)
		if err != nil {
			return 0, err
		}
		for i, p := range people {
			if t.tail {
				out.Add(batch[i].id, p.IDNumber, p.IDIndex, p.TailIndex, p.PhoneArg(), p.PhoneIndex)
			} else {
				out.Add(batch[i].id, p.IDNumber, p.IDIndex, p.PhoneArg(), p.PhoneIndex)
			}
		}
		if err := ins.Write(ctx, out); err != nil {
			return 0, err
		}
		if _, err := b.ExecContext(ctx, update); err != nil {
			return 0, err
		}
		if _, err := b.ExecContext(ctx, `DELETE FROM reseal`); err != nil {
			return 0, err
		}
		n += len(batch)
		after = batch[len(batch)-1].id
	}
}
