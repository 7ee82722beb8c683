package files_test

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/files"
	"shequ/internal/platform/scope"
)

// phonePhoto is a w × h picture with what makes a photo hard to compress —
// gradients and sensor noise — encoded as a phone does (quality 92), with its
// EXIF block: a stand-in for a 12-megapixel photo of a street (4032 × 3024).
func phonePhoto(b testing.TB, w, h int) []byte {
	b.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = uint8((x*255/w+y*255/h)/2 + rng.IntN(24))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(110+rng.IntN(12)), uint8(140+rng.IntN(12))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	return withExif(b, buf.Bytes(), 6)
}

// BenchmarkPrepare is the work of one photo from a phone before it is stored:
// decode, turn, scale to 2560, encode, thumbnail.
func BenchmarkPrepare(b *testing.B) {
	data := phonePhoto(b, 4032, 3024)
	b.SetBytes(int64(len(data)))
	var stored, thumb int
	for b.Loop() {
		p, err := files.Prepare("photo.jpg", bytes.NewReader(data), files.Photos())
		if err != nil {
			b.Fatal(err)
		}
		stored, thumb = len(p.Bytes()), len(p.ThumbBytes())
	}
	b.ReportMetric(float64(len(data))/1024, "KiB-sent")
	b.ReportMetric(float64(stored)/1024, "KiB-stored")
	b.ReportMetric(float64(thumb)/1024, "KiB-thumb")
}

// BenchmarkStore writes and reads a prepared photo and its thumbnail in each
// database: Save in a transaction of its own, Open from the read pool. Beside
// them, the anchor: the same bytes written to files of their own, as a store in
// the filesystem would (written, synced, renamed into place), and read back. The
// figures are in decision 24.
func BenchmarkStore(b *testing.B) {
	p, err := files.Prepare("photo.jpg", bytes.NewReader(phonePhoto(b, 1280, 960)), files.Photos())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("the photo is %d KiB, its thumbnail %d KiB", p.Size()>>10, len(p.ThumbBytes())>>10)
	ctx := context.Background()
	dir := b.TempDir()
	b.Run("filesystem/save", func(b *testing.B) {
		b.SetBytes(p.Size() + int64(len(p.ThumbBytes())))
		for b.Loop() {
			id := db.NewID()
			for v, data := range map[string][]byte{"original": p.Bytes(), "thumb": p.ThumbBytes()} {
				if err := writeSynced(filepath.Join(dir, id+"."+v), data); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	names, err := filepath.Glob(filepath.Join(dir, "*.original"))
	if err != nil || len(names) == 0 {
		b.Fatal(names, err)
	}
	b.Run("filesystem/open", func(b *testing.B) {
		b.SetBytes(p.Size())
		for b.Loop() {
			if _, err := os.ReadFile(names[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, dialect := range dbtest.Dialects() {
		d := dbtest.Open(b, dialect)
		orgtest.Build(b, d)
		s := files.NewStore(files.InDatabase{})
		sc := scope.Of(orgtest.Grid)
		var last files.File
		b.Run(string(dialect)+"/save", func(b *testing.B) {
			b.SetBytes(p.Size() + int64(len(p.ThumbBytes())))
			for b.Loop() {
				err := d.InTx(ctx, func(tx *sql.Tx) error {
					var err error
					last, err = s.Save(ctx, tx, sc, p, caseIn(db.NewID(), orgtest.Grid), "user-1", at)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(dialect)+"/open", func(b *testing.B) {
			b.SetBytes(p.Size())
			for b.Loop() {
				if _, _, err := s.Open(ctx, d.Read(), sc, last.ID, files.Original); err != nil {
					b.Fatal(err)
				}
			}
		})
		for range 3 {
			save(b, d, s, sc, p, caseIn("case-1", orgtest.Grid))
		}
		b.Run(string(dialect)+"/list", func(b *testing.B) {
			for b.Loop() {
				if _, err := files.List(ctx, d.Read(), sc, "case", "case-1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// writeSynced writes data to name as a careful file store does: to a temporary
// file, synced, then renamed into place.
func writeSynced(name string, data []byte) error {
	f, err := os.Create(name + ".tmp")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}
