package files

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Every function here takes the scope: a file outside it does not exist for the
// caller, as its owner does not. A domain calls them inside its own transaction,
// the one that writes the owner and its audit record.

// Blobs keeps the bytes of files, by file and variant, apart from their rows, so
// that where bytes live can change without the rows noticing (decision 24). q is
// the transaction or pool the file's row is written or read in: bytes kept in the
// database go in that same transaction; a store outside the database ignores it.
type Blobs interface {
	// Put stores b as variant v of file id.
	Put(ctx context.Context, q db.Querier, id string, v Variant, b []byte) error
	// Get returns variant v of file id, or an error wrapping fs.ErrNotExist.
	Get(ctx context.Context, q db.Querier, id string, v Variant) ([]byte, error)
	// Delete removes every variant of file id.
	Delete(ctx context.Context, q db.Querier, id string) error
}

// InDatabase keeps bytes in the file_blobs table, beside their rows: one backup,
// one transaction, on SQLite and PostgreSQL alike.
type InDatabase struct{}

// Put inserts b as variant v of file id.
func (InDatabase) Put(ctx context.Context, q db.Querier, id string, v Variant, b []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO file_blobs (file_id, variant, bytes) VALUES ($1, $2, $3)`, id, string(v), b)
	return err
}

// Get reads variant v of file id.
func (InDatabase) Get(ctx context.Context, q db.Querier, id string, v Variant) ([]byte, error) {
	var b []byte
	err := q.QueryRowContext(ctx, `SELECT bytes FROM file_blobs WHERE file_id = $1 AND variant = $2`, id, string(v)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("file %s %s: %w", id, v, fs.ErrNotExist)
	}
	return b, err
}

// Delete removes the variants of file id.
func (InDatabase) Delete(ctx context.Context, q db.Querier, id string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM file_blobs WHERE file_id = $1`, id)
	return err
}

// Store keeps files: their rows in the database, their bytes in its Blobs. The
// functions that touch bytes are its methods; those that read rows only are plain
// functions.
type Store struct{ blobs Blobs }

// NewStore returns a store whose bytes live in b.
func NewStore(b Blobs) Store { return Store{blobs: b} }

const fileColumns = `id, owner_kind, owner_id, org_code, name, content_type, size, sha256, width, height, created_by, created_at`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	var at int64
	err := row.Scan(&f.ID, &f.OwnerKind, &f.OwnerID, &f.OrgCode, &f.Name, &f.ContentType, &f.Size, &f.SHA256,
		&f.Width, &f.Height, &f.CreatedBy, &at)
	f.CreatedAt = time.UnixMilli(at).UTC()
	return f, err
}

// notFound is the answer for a file that does not exist, or not for the caller.
func notFound() error { return apperr.New(apperr.NotFound, "files.not_found", "file") }

// Save stores p as a file of owner, uploaded at now by the user whose id is by,
// in tx: the row and its bytes together, so that a case saved with its photos has
// them all or none. The owner's unit must lie in sc: the owner's domain has read
// the owner through the same scope, and a unit outside it here is a fault of that
// domain. The domain's own audit record of the write covers the file.
func (s Store) Save(ctx context.Context, tx *sql.Tx, sc scope.Scope, p Prepared, owner Owner, by string, now time.Time) (File, error) {
	if p.original == nil {
		return File{}, errors.New("files: Save of a file that did not pass through Prepare")
	}
	if owner.Kind == "" || owner.ID == "" || !sc.Contains(owner.OrgCode) {
		return File{}, fmt.Errorf("files: owner %s:%s of unit %q is not one the caller may add files to in %s", owner.Kind, owner.ID, owner.OrgCode, sc)
	}
	f := File{ID: db.NewID(), OwnerKind: owner.Kind, OwnerID: owner.ID, OrgCode: owner.OrgCode, Name: p.name,
		ContentType: p.contentType, Size: p.Size(), SHA256: p.sha256, Width: p.width, Height: p.height,
		CreatedBy: by, CreatedAt: time.UnixMilli(now.UnixMilli()).UTC()}
	if _, err := tx.ExecContext(ctx, `INSERT INTO files (`+fileColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		f.ID, f.OwnerKind, f.OwnerID, f.OrgCode, f.Name, f.ContentType, f.Size, f.SHA256, f.Width, f.Height, f.CreatedBy,
		f.CreatedAt.UnixMilli()); err != nil {
		return File{}, err
	}
	if err := s.blobs.Put(ctx, tx, f.ID, Original, p.original); err != nil {
		return File{}, err
	}
	if p.thumb != nil {
		if err := s.blobs.Put(ctx, tx, f.ID, Thumb, p.thumb); err != nil {
			return File{}, err
		}
	}
	return f, nil
}

// List returns the files of one owner in the order they were added; none when the
// owner lies outside sc.
func List(ctx context.Context, q db.Querier, sc scope.Scope, ownerKind, ownerID string) ([]File, error) {
	w, args := sc.Where("org_code", 3)
	rows, err := q.QueryContext(ctx, `SELECT `+fileColumns+` FROM files WHERE owner_kind = $1 AND owner_id = $2 AND `+w+`
		ORDER BY created_at, id`, append([]any{ownerKind, ownerID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []File{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Get returns a file's row by id. A file outside sc is not found, as an
// audit.OutOfScope for the caller to record (audit.RecordOutOfScope).
func Get(ctx context.Context, q db.Querier, sc scope.Scope, id string) (File, error) {
	w, args := sc.Where("org_code", 2)
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = $1 AND `+w, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, audit.NotFound(ctx, q, "files", "file", id, notFound())
	}
	return f, err
}

// Open returns a file's row and the bytes of its variant v. A file outside sc is
// not found, as Get says; so is the thumbnail of a file that has none (a PDF).
func (s Store) Open(ctx context.Context, q db.Querier, sc scope.Scope, id string, v Variant) (File, []byte, error) {
	if v != Original && v != Thumb {
		return File{}, nil, notFound()
	}
	f, err := Get(ctx, q, sc, id)
	if err != nil {
		return File{}, nil, err
	}
	b, err := s.blobs.Get(ctx, q, id, v)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, nil, notFound()
	}
	return f, b, err
}

// Delete removes a file and its bytes, in tx; a file outside sc is not found, as
// Get says.
func (s Store) Delete(ctx context.Context, tx *sql.Tx, sc scope.Scope, id string) error {
	if _, err := Get(ctx, tx, sc, id); err != nil {
		return err
	}
	if err := s.blobs.Delete(ctx, tx, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM files WHERE id = $1`, id)
	return err
}

// Reassign moves the files of owner to owner.OrgCode, in tx: a case moved to
// another grid takes its photos with it, so that they stay in the scopes the case
// is in. Only files within sc move, as only an owner within it could.
func Reassign(ctx context.Context, tx *sql.Tx, sc scope.Scope, owner Owner) error {
	if !sc.Contains(owner.OrgCode) {
		return fmt.Errorf("files: unit %q is outside %s", owner.OrgCode, sc)
	}
	w, args := sc.Where("org_code", 4)
	_, err := tx.ExecContext(ctx, `UPDATE files SET org_code = $1 WHERE owner_kind = $2 AND owner_id = $3 AND `+w,
		append([]any{owner.OrgCode, owner.Kind, owner.ID}, args...)...)
	return err
}
