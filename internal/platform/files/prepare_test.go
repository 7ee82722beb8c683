package files_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"os"
	"slices"
	"strings"
	"testing"

	"shequ/internal/platform/files"
)

func TestPrepare_RefusesWhatIsNotAPhotoWhateverItsName(t *testing.T) {
	photo := jpegOf(t, marked(64, 40))
	for _, tc := range []struct {
		name string
		file string
		data []byte
		key  string
	}{
		{"text named .jpg", "现场.jpg", []byte("这不是照片，是一段文字。\n"), "files.type_not_allowed"},
		{"a web page named .jpg", "photo.jpg", []byte("<html><script>alert(1)</script></html>"), "files.type_not_allowed"},
		{"a GIF", "photo.jpg", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "files.type_not_allowed"},
		{"a PDF where photos are taken", "photo.jpg", []byte("%PDF-1.7\n%%EOF\n"), "files.type_not_allowed"},
		{"a JPEG cut short", "photo.jpg", photo[:len(photo)/2], "files.not_an_image"},
		{"JPEG's first bytes and nothing more", "photo.jpg", []byte("\xFF\xD8\xFF\xE0 not a JPEG at all"), "files.not_an_image"},
		{"an iPhone's HEIC", "IMG_0001.HEIC", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), "files.heic"},
		{"nothing", "photo.jpg", nil, "files.empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := files.Prepare(tc.file, bytes.NewReader(tc.data), files.Photos())
			invalid(t, err, "file", tc.key)
		})
	}
}

func TestPrepare_RefusesAPhotoTooLarge(t *testing.T) {
	// A real photo with 11 MiB after it: past the 10 MiB of photos as sent.
	data := append(jpegOf(t, marked(64, 40)), make([]byte, 11<<20)...)
	_, err := files.Prepare("photo.jpg", bytes.NewReader(data), files.Photos())
	invalid(t, err, "file", "files.too_large")
	if got := err.Error(); !strings.Contains(got, "max=10") {
		t.Errorf("error %q does not give the limit in MiB", got)
	}
}

func TestPrepare_RefusesADecompressionBombByItsHeader(t *testing.T) {
	// 100,000 × 100,000 pixels claimed in 70 bytes: 40 GB decoded. The header is
	// read and the file refused before any pixel is.
	bomb := pngClaiming(t, 100_000, 100_000)
	if len(bomb) > 100 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	_, err := files.Prepare("bomb.png", bytes.NewReader(bomb), files.Photos())
	invalid(t, err, "file", "files.too_many_pixels")
}

func TestPrepare_StripsEXIFAndTheGPSPosition(t *testing.T) {
	upload := withExif(t, jpegOf(t, marked(64, 40)), 1)
	lat := binary.LittleEndian.AppendUint32(nil, gpsLatitude[0])
	for _, v := range gpsLatitude[1:] {
		lat = binary.LittleEndian.AppendUint32(lat, v)
	}
	if !bytes.Contains(upload, []byte("Exif")) || !bytes.Contains(upload, lat) || !bytes.Contains(upload, []byte("Apple")) {
		t.Fatal("the upload does not carry the EXIF block it should")
	}
	p, err := files.Prepare("IMG_0001.JPG", bytes.NewReader(upload), files.Photos())
	if err != nil {
		t.Fatal(err)
	}
	for name, stored := range map[string][]byte{"photo": p.Bytes(), "thumbnail": p.ThumbBytes()} {
		for _, leak := range [][]byte{[]byte("Exif"), lat, []byte("Apple")} {
			if bytes.Contains(stored, leak) {
				t.Errorf("the stored %s still holds %q", name, leak)
			}
		}
		for _, m := range markers(t, stored) {
			if m >= 0xE0 && m <= 0xEF || m == 0xFE {
				t.Errorf("the stored %s has an APP%d or comment segment (marker %X)", name, m-0xE0, m)
			}
		}
	}
	if p.ContentType() != files.JPEG || p.Name() != "IMG_0001.jpg" {
		t.Errorf("stored as %s named %q", p.ContentType(), p.Name())
	}
}

// The phone writes the picture as its sensor saw it and says in the EXIF
// orientation how to turn it; each case below writes the upright picture the way
// that orientation describes, and what is stored must be the upright picture.
func TestPrepare_TurnsAPhotoUprightByItsOrientation(t *testing.T) {
	upright := marked(64, 40)
	for o, sensor := range map[uint16]func(image.Image) *image.RGBA{
		1: func(m image.Image) *image.RGBA { return rotCW(rotCW(rotCW(rotCW(m)))) },
		2: func(m image.Image) *image.RGBA { return flipH(m) },
		3: func(m image.Image) *image.RGBA { return rotCW(rotCW(m)) },
		4: func(m image.Image) *image.RGBA { return flipH(rotCW(rotCW(m))) },
		5: func(m image.Image) *image.RGBA { return flipH(rotCW(m)) },               // transposed
		6: func(m image.Image) *image.RGBA { return rotCW(rotCW(rotCW(m))) },        // a phone held upright
		7: func(m image.Image) *image.RGBA { return flipH(rotCW(rotCW(rotCW(m)))) }, // transversed
		8: func(m image.Image) *image.RGBA { return rotCW(m) },                      // held the other way
	} {
		upload := withExif(t, jpegOf(t, sensor(upright)), o)
		p, err := files.Prepare("photo.jpg", bytes.NewReader(upload), files.Photos())
		if err != nil {
			t.Fatal(err)
		}
		got := decoded(t, p.Bytes())
		if w, h := p.Dimensions(); got.Bounds().Dx() != 64 || got.Bounds().Dy() != 40 || w != 64 || h != 40 {
			t.Errorf("orientation %d: stored %v, said %d × %d, want 64 × 40", o, got.Bounds().Size(), w, h)
			continue
		}
		for _, probe := range []struct {
			x, y int
			want color.RGBA
		}{{8, 5, red}, {56, 5, green}, {8, 35, white}, {56, 35, white}} {
			if c := got.At(probe.x, probe.y); !near(c, probe.want) {
				t.Errorf("orientation %d: at (%d, %d) %v, want %v", o, probe.x, probe.y, c, probe.want)
			}
		}
	}
}

// rotCW turns m a quarter turn clockwise.
func rotCW(m image.Image) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dy()-1-y, x, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// flipH mirrors m left to right.
func flipH(m image.Image) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dx()-1-x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

func TestPrepare_ThumbnailIsBoundedAndNeverEnlarged(t *testing.T) {
	for _, tc := range []struct{ w, h, tw, th int }{
		{1000, 600, 320, 192},
		{600, 1000, 192, 320},
		{320, 320, 320, 320},
		{100, 50, 100, 50},
	} {
		p, err := files.Prepare("photo.jpg", bytes.NewReader(jpegOf(t, marked(tc.w, tc.h))), files.Photos())
		if err != nil {
			t.Fatal(err)
		}
		if got := decoded(t, p.ThumbBytes()).Bounds().Size(); got != image.Pt(tc.tw, tc.th) {
			t.Errorf("%d × %d: thumbnail %v, want %d × %d", tc.w, tc.h, got, tc.tw, tc.th)
		}
	}
}

func TestPrepare_ScalesALargePhotoDownToItsLimit(t *testing.T) {
	for _, tc := range []struct{ w, h, sw, sh int }{
		{3000, 1000, 2560, 853},  // less than a halving
		{6000, 4000, 2560, 1706}, // halved, then the rest of the way
		{2560, 1920, 2560, 1920}, // as large as may be
	} {
		p, err := files.Prepare("photo.jpg", bytes.NewReader(jpegOf(t, marked(tc.w, tc.h))), files.Photos())
		if err != nil {
			t.Fatal(err)
		}
		got := decoded(t, p.Bytes())
		if w, h := p.Dimensions(); got.Bounds().Size() != image.Pt(tc.sw, tc.sh) || w != tc.sw || h != tc.sh {
			t.Errorf("%d × %d: stored %v, said %d × %d, want %d × %d", tc.w, tc.h, got.Bounds().Size(), w, h, tc.sw, tc.sh)
		}
		if !near(got.At(tc.sw/8, tc.sh/8), red) || !near(got.At(tc.sw-tc.sw/8, tc.sh/8), green) || !near(got.At(tc.sw/2, tc.sh/2), white) {
			t.Errorf("%d × %d: the picture did not survive the scaling", tc.w, tc.h)
		}
	}
}

func TestPrepare_KeepsAPNGAsPNGWithItsTransparency(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	p, err := files.Prepare("截图.PNG", bytes.NewReader(pngOf(t, img)), files.Photos())
	if err != nil {
		t.Fatal(err)
	}
	got := decoded(t, p.Bytes())
	if p.ContentType() != files.PNG || p.Name() != "截图.png" {
		t.Errorf("stored as %s named %q", p.ContentType(), p.Name())
	}
	if _, _, _, a := got.At(10, 10).RGBA(); a != 0 {
		t.Errorf("a transparent pixel has alpha %d", a)
	}
	if r, _, _, a := got.At(1, 1).RGBA(); r>>8 != 200 || a>>8 != 255 {
		t.Errorf("the red pixel is %v", got.At(1, 1))
	}
}

func TestPrepare_StoresAWebPAsJPEG(t *testing.T) {
	// blue-purple-pink.lossy.webp is golang.org/x/image's test image (BSD licence).
	data, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	p, err := files.Prepare("photo.webp", bytes.NewReader(data), files.Photos())
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType() != files.JPEG || p.Name() != "photo.jpg" || decoded(t, p.Bytes()).Bounds().Size() != image.Pt(150, 100) {
		w, h := p.Dimensions()
		t.Errorf("stored as %s named %q, %d × %d", p.ContentType(), p.Name(), w, h)
	}
}

func TestPrepare_TakesAPDFAsMaterialAsItCame(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	p, err := files.Prepare("申请表（盖章）.pdf", bytes.NewReader(pdf), files.Materials())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Bytes(), pdf) || p.ThumbBytes() != nil || p.ContentType() != files.PDF || p.Name() != "申请表（盖章）.pdf" {
		t.Errorf("stored %q as %s named %q, thumbnail %v", p.Bytes(), p.ContentType(), p.Name(), p.ThumbBytes() != nil)
	}
}

func TestPhotosAndMaterials_TakeWhatTheirUseNeeds(t *testing.T) {
	if got := files.Photos().Accept; !slices.Equal(got, []string{files.JPEG, files.PNG, files.WebP}) {
		t.Errorf("photos take %v", got)
	}
	if got := files.Materials().Accept; !slices.Contains(got, files.PDF) {
		t.Errorf("materials take %v", got)
	}
}
