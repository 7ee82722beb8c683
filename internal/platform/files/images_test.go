package files_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"shequ/internal/platform/apperr"
)

// The images the tests upload are made here rather than committed, so that each
// test shows what its file holds.

var (
	red   = color.RGBA{R: 255, A: 255}
	green = color.RGBA{G: 255, A: 255}
	white = color.RGBA{R: 255, G: 255, B: 255, A: 255}
)

// marked is a w × h white picture with a red block at its top left and a green one
// at its top right, so that any turn or flip of it can be told from any other.
func marked(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := white
			switch {
			case y < h/4 && x < w/4:
				c = red
			case y < h/4 && x >= w-w/4:
				c = green
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func jpegOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gpsLatitude is 23°28′30″ N, where the test's phone stood, as the three EXIF
// rationals it is written as: the bytes a leak would carry.
var gpsLatitude = []uint32{23, 1, 28, 1, 3000, 100}

// withExif returns the JPEG data with an APP1 EXIF block, as a phone writes it,
// after its SOI marker: the camera's make, the orientation o, and a GPS directory
// holding where the photo was taken.
func withExif(t testing.TB, data []byte, o uint16) []byte {
	t.Helper()
	le := binary.LittleEndian
	var tiff bytes.Buffer
	tiff.WriteString("II")
	_ = binary.Write(&tiff, le, uint16(42))
	_ = binary.Write(&tiff, le, uint32(8)) // IFD0 follows the header
	// IFD0 at 8: three entries of 12 bytes and the offset of the next IFD; then
	// the GPS directory, two entries; then the values too long to stand in one.
	const gpsAt = 8 + 2 + 3*12 + 4
	const makeAt = gpsAt + 2 + 2*12 + 4
	const latitudeAt = makeAt + 6
	entry := func(tag, typ uint16, count, value uint32) {
		_ = binary.Write(&tiff, le, tag)
		_ = binary.Write(&tiff, le, typ)
		_ = binary.Write(&tiff, le, count)
		_ = binary.Write(&tiff, le, value)
	}
	_ = binary.Write(&tiff, le, uint16(3))
	entry(0x010F, 2, 6, makeAt)    // Make, ASCII
	entry(0x0112, 3, 1, uint32(o)) // Orientation, a SHORT in the value's first two bytes
	entry(0x8825, 4, 1, gpsAt)     // GPSInfo: where the GPS directory is
	_ = binary.Write(&tiff, le, uint32(0))
	_ = binary.Write(&tiff, le, uint16(2))
	entry(0x0001, 2, 2, uint32('N')) // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, latitudeAt)  // GPSLatitude, three RATIONALs
	_ = binary.Write(&tiff, le, uint32(0))
	tiff.WriteString("Apple\x00")
	_ = binary.Write(&tiff, le, gpsLatitude)
	if tiff.Len() != latitudeAt+24 {
		t.Fatalf("the EXIF block is %d bytes: its offsets are wrong", tiff.Len())
	}
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := append([]byte{}, data[:2]...)
	out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, data[2:]...)
}

// markers lists the markers of a JPEG's segments up to its image data.
func markers(t testing.TB, data []byte) []byte {
	t.Helper()
	var out []byte
	for i := 2; i+4 <= len(data); {
		m := data[i+1]
		out = append(out, m)
		if m == 0xDA {
			return out
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	t.Fatal("no image data in the JPEG")
	return nil
}

// pngClaiming is a valid 1 × 1 PNG whose header claims w × h pixels (with a
// correct checksum): a few dozen bytes that would decode to gigabytes.
func pngClaiming(t testing.TB, w, h uint32) []byte {
	t.Helper()
	data := pngOf(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// The signature (8), then IHDR: length (4), type (4), width, height, ..., CRC.
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// decoded decodes what Prepare stored.
func decoded(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// near reports whether c is within a JPEG's loss of want.
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return int(a>>8)-int(b) < 48 && int(b)-int(a>>8) < 48 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// invalid fails t unless err is an Invalid error on field with message key key.
func invalid(t testing.TB, err error, field, key string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != field || e.Key != key {
		t.Fatalf("got %v, want invalid %s on %s", err, key, field)
	}
}
