package files_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/files"
	"shequ/internal/platform/scope"
)

var at = time.Date(2026, 3, 9, 2, 30, 0, 0, time.UTC)

// caseIn is a case of the grid code, as the cases domain owns one.
func caseIn(id, code string) files.Owner { return files.Owner{Kind: "case", ID: id, OrgCode: code} }

func preparedPhoto(t testing.TB) files.Prepared {
	t.Helper()
	p, err := files.Prepare("井盖.jpg", bytes.NewReader(withExif(t, jpegOf(t, marked(640, 400)), 6)), files.Photos())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// save stores p for owner in a transaction of its own, as a domain's write would.
func save(t testing.TB, d *db.DB, s files.Store, sc scope.Scope, p files.Prepared, owner files.Owner) files.File {
	t.Helper()
	var f files.File
	err := d.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		f, err = s.Save(context.Background(), tx, sc, p, owner, "user-1", at)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func notFound(t testing.TB, err error) {
	t.Helper()
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("got %v, want not found", err)
	}
}

func TestSave_StoresTheRowAndBothVariantsAndListsThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		s := files.NewStore(files.InDatabase{})
		sc := scope.Of(orgtest.Community)
		p := preparedPhoto(t)
		first := save(t, d, s, sc, p, caseIn("case-1", orgtest.Grid))
		second := save(t, d, s, sc, preparedPhoto(t), caseIn("case-1", orgtest.Grid))
		save(t, d, s, sc, preparedPhoto(t), caseIn("case-2", orgtest.Grid))

		want := files.File{ID: first.ID, OwnerKind: "case", OwnerID: "case-1", OrgCode: orgtest.Grid, Name: "井盖.jpg",
			ContentType: files.JPEG, Size: p.Size(), SHA256: first.SHA256, Width: 400, Height: 640, CreatedBy: "user-1", CreatedAt: at}
		if first != want || len(first.SHA256) != 64 {
			t.Errorf("saved %+v\nwant  %+v", first, want)
		}
		list, err := files.List(ctx, d.Read(), sc, "case", "case-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0] != first || list[1].ID != second.ID {
			t.Errorf("listed %+v", list)
		}
		for v, want := range map[files.Variant][]byte{files.Original: p.Bytes(), files.Thumb: p.ThumbBytes()} {
			f, b, err := s.Open(ctx, d.Read(), sc, first.ID, v)
			if err != nil {
				t.Fatal(err)
			}
			if f != first || !bytes.Equal(b, want) {
				t.Errorf("%s: opened %+v with %d bytes, want %d", v, f, len(b), len(want))
			}
		}
	})
}

func TestFiles_OutsideTheScopeDoNotExist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		s := files.NewStore(files.InDatabase{})
		f := save(t, d, s, scope.Of(orgtest.Grid), preparedPhoto(t), caseIn("case-1", orgtest.Grid))
		other := scope.Of(orgtest.Street2)

		list, err := files.List(ctx, d.Read(), other, "case", "case-1")
		if err != nil || len(list) != 0 {
			t.Errorf("listed %v, %v outside the scope", list, err)
		}
		_, _, err = s.Open(ctx, d.Read(), other, f.ID, files.Original)
		notFound(t, err)
		var out *audit.OutOfScope
		if !errors.As(err, &out) || out.Object != "file:"+f.ID {
			t.Errorf("a file beyond the scope is %v, not an OutOfScope for the audit trail", err)
		}
		_, _, err = s.Open(ctx, d.Read(), scope.Scope{}, f.ID, files.Thumb)
		notFound(t, err)
		_, _, err = s.Open(ctx, d.Read(), scope.Of(orgtest.Grid), "no-such-file", files.Original)
		if notFound(t, err); errors.As(err, &out) {
			t.Errorf("a file that does not exist is reported as outside the scope")
		}
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return s.Delete(ctx, tx, other, f.ID) }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("deleted from outside the scope: %v", err)
		}
		if _, _, err := s.Open(ctx, d.Read(), scope.Of(orgtest.District), f.ID, files.Original); err != nil {
			t.Errorf("the district cannot open its grid's file: %v", err)
		}
	})
}

func TestSave_RefusesAnOwnerOutsideTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := files.NewStore(files.InDatabase{})
		for _, tc := range []struct {
			name  string
			sc    scope.Scope
			owner files.Owner
		}{
			{"another street's case", scope.Of(orgtest.Street), caseIn("case-1", orgtest.Grid2)},
			{"no scope", scope.Scope{}, caseIn("case-1", orgtest.Grid)},
			{"no owner", scope.Of(orgtest.Grid), files.Owner{OrgCode: orgtest.Grid}},
		} {
			err := d.InTx(context.Background(), func(tx *sql.Tx) error {
				_, err := s.Save(context.Background(), tx, tc.sc, preparedPhoto(t), tc.owner, "user-1", at)
				return err
			})
			if err == nil {
				t.Errorf("%s: saved", tc.name)
			}
		}
		err := d.InTx(context.Background(), func(tx *sql.Tx) error {
			_, err := s.Save(context.Background(), tx, scope.Of(orgtest.Grid), files.Prepared{}, caseIn("case-1", orgtest.Grid), "user-1", at)
			return err
		})
		if err == nil {
			t.Error("saved a file that did not pass through Prepare")
		}
	})
}

func TestSave_IsUndoneWithTheTransactionOfItsOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		s := files.NewStore(files.InDatabase{})
		var saved files.File
		failed := errors.New("the case could not be saved")
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			if saved, err = s.Save(ctx, tx, scope.Of(orgtest.Grid), preparedPhoto(t), caseIn("case-1", orgtest.Grid), "user-1", at); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatal(err)
		}
		_, _, err = s.Open(ctx, d.Read(), scope.Everything(), saved.ID, files.Original)
		notFound(t, err)
		countRows(t, d, "file_blobs", 0)
	})
}

func TestDelete_RemovesTheFileAndItsBytes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		s := files.NewStore(files.InDatabase{})
		sc := scope.Of(orgtest.Grid)
		f := save(t, d, s, sc, preparedPhoto(t), caseIn("case-1", orgtest.Grid))
		kept := save(t, d, s, sc, preparedPhoto(t), caseIn("case-1", orgtest.Grid))
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return s.Delete(ctx, tx, sc, f.ID) }); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Open(ctx, d.Read(), sc, f.ID, files.Original)
		notFound(t, err)
		countRows(t, d, "file_blobs", 2) // the other file's photo and thumbnail
		if list, err := files.List(ctx, d.Read(), sc, "case", "case-1"); err != nil || len(list) != 1 || list[0].ID != kept.ID {
			t.Errorf("left %v, %v", list, err)
		}
	})
}

func TestReassign_MovesAnOwnersFilesIntoItsNewUnitsScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		s := files.NewStore(files.InDatabase{})
		f := save(t, d, s, scope.Of(orgtest.Grid), preparedPhoto(t), caseIn("case-1", orgtest.Grid))
		other := save(t, d, s, scope.Of(orgtest.Grid), preparedPhoto(t), caseIn("case-2", orgtest.Grid))
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			return files.Reassign(ctx, tx, scope.Of(orgtest.Community), caseIn("case-1", orgtest.GridB))
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Open(ctx, d.Read(), scope.Of(orgtest.Grid), f.ID, files.Original)
		notFound(t, err)
		if moved, _, err := s.Open(ctx, d.Read(), scope.Of(orgtest.GridB), f.ID, files.Original); err != nil || moved.OrgCode != orgtest.GridB {
			t.Errorf("in the new grid: %+v, %v", moved, err)
		}
		if _, _, err := s.Open(ctx, d.Read(), scope.Of(orgtest.Grid), other.ID, files.Original); err != nil {
			t.Errorf("another case's file moved too: %v", err)
		}
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			return files.Reassign(ctx, tx, scope.Of(orgtest.Community), caseIn("case-1", orgtest.Grid2))
		})
		if err == nil {
			t.Error("moved files to a unit outside the scope")
		}
	})
}

func TestOpen_AThumbnailThatWasNeverMadeIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		ctx := context.Background()
		s := files.NewStore(files.InDatabase{})
		pdf, err := files.Prepare("申请表.pdf", bytes.NewReader([]byte("%PDF-1.7\n%%EOF\n")), files.Materials())
		if err != nil {
			t.Fatal(err)
		}
		f := save(t, d, s, scope.Of(orgtest.Community), pdf, files.Owner{Kind: "application", ID: "app-1", OrgCode: orgtest.Community})
		_, _, err = s.Open(ctx, d.Read(), scope.Of(orgtest.Community), f.ID, files.Thumb)
		notFound(t, err)
		_, _, err = s.Open(ctx, d.Read(), scope.Of(orgtest.Community), f.ID, "large")
		notFound(t, err)
		if got, b, err := s.Open(ctx, d.Read(), scope.Of(orgtest.Community), f.ID, files.Original); err != nil || got.Width != 0 || !bytes.Equal(b, pdf.Bytes()) {
			t.Errorf("opened %+v, %q, %v", got, b, err)
		}
	})
}

func countRows(t testing.TB, d *db.DB, table string, want int) {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%s holds %d rows, want %d", table, n, want)
	}
}
