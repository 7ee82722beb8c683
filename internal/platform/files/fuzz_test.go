package files_test

import (
	"bytes"
	"errors"
	"image"
	"os"
	"slices"
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/files"
	"shequ/internal/platform/i18n"
)

// FuzzPrepare: whatever is uploaded, Prepare does not panic, and either refuses
// it with an Invalid error on "file" that has a message, or returns what may be
// stored: a type it takes, that decodes as that type within the limits, carrying
// no metadata segment. The limits are small so that each run is quick.
func FuzzPrepare(f *testing.F) {
	b, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	webp, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		f.Fatal(err)
	}
	photo := jpegOf(f, marked(48, 32))
	f.Add(photo)
	f.Add(withExif(f, photo, 6))
	f.Add(pngOf(f, marked(20, 30)))
	f.Add(pngClaiming(f, 5000, 5000))
	f.Add(webp)
	f.Add([]byte("%PDF-1.7\n%%EOF\n"))
	f.Add([]byte("\x00\x00\x00\x18ftypheic"))
	lim := files.Limits{MaxBytes: 64 << 10, MaxPixels: 1 << 20, MaxSide: 64, Thumb: 16, Accept: []string{files.JPEG, files.PNG, files.WebP, files.PDF}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := files.Prepare("upload.jpg", bytes.NewReader(data), lim)
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != "file" || !b.Has("err."+e.Key) {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		switch p.ContentType() {
		case files.PDF:
			if !bytes.Equal(p.Bytes(), data) {
				t.Fatal("a PDF was changed")
			}
			return
		case files.JPEG, files.PNG:
		default:
			t.Fatalf("stored as %s", p.ContentType())
		}
		for _, stored := range [][]byte{p.Bytes(), p.ThumbBytes()} {
			img, format, err := image.Decode(bytes.NewReader(stored))
			if err != nil || "image/"+format != p.ContentType() {
				t.Fatalf("stored %s does not decode as such: %s, %v", p.ContentType(), format, err)
			}
			if s := img.Bounds().Size(); s.X > lim.MaxSide || s.Y > lim.MaxSide {
				t.Fatalf("stored %v", s)
			}
			if p.ContentType() == files.JPEG && slices.ContainsFunc(markers(t, stored), func(m byte) bool { return m >= 0xE0 && m <= 0xEF || m == 0xFE }) {
				t.Fatal("a metadata segment survived")
			}
		}
	})
}
