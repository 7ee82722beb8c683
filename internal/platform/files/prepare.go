package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"shequ/internal/platform/apperr"
)

// jpegQuality is what stored JPEGs are encoded at: the usual setting for photos
// shown on screens, where the loss does not show.
const jpegQuality = 85

// thumbQuality is the thumbnails': they are seen small, and a list shows dozens.
const thumbQuality = 75

// maxNameRunes bounds a stored name; longer ones are cut, keeping the extension.
const maxNameRunes = 100

// Prepared is an upload read, checked and made safe to store, not yet saved.
// Its fields are unexported so that only Prepare makes one: Save stores nothing
// that has not passed through it.
type Prepared struct {
	name, contentType string
	width, height     int
	original, thumb   []byte
	sha256            string
}

// Name is the cleaned name the file will be stored under.
func (p Prepared) Name() string { return p.name }

// ContentType is the type the file will be stored as.
func (p Prepared) ContentType() string { return p.contentType }

// Size is the length of the bytes that will be stored, in bytes.
func (p Prepared) Size() int64 { return int64(len(p.original)) }

// Dimensions are an image's width and height as stored (upright); 0, 0 for a PDF.
func (p Prepared) Dimensions() (width, height int) { return p.width, p.height }

// SHA256 is the hex SHA-256 of the bytes that will be stored.
func (p Prepared) SHA256() string { return p.sha256 }

// Bytes are the bytes that will be stored.
func (p Prepared) Bytes() []byte { return p.original }

// ThumbBytes are the thumbnail's bytes, nil when there is none.
func (p Prepared) ThumbBytes() []byte { return p.thumb }

// Prepare reads an upload named name from r and makes it ready to store, touching
// no database: the type is taken from the content (the name is not believed), the
// size and an image's pixels are checked against lim before the image is decoded,
// and an image is decoded, turned upright by its EXIF orientation, scaled down to
// lim.MaxSide and encoded again — so no EXIF block, GPS position or other metadata
// survives — with a thumbnail. A PDF is stored as it came.
//
// Its errors are Invalid, on the field "file" (callers whose form names it
// otherwise use InField), with these keys:
//
//	files.empty            nothing was sent
//	files.too_large        {max}: more than lim.MaxBytes, in MiB
//	files.heic             an iPhone's HEIC photo, which browsers send as JPEG when asked
//	files.type_not_allowed {allowed}: not one of lim.Accept, whatever its name says
//	files.not_an_image     it starts like an image but does not decode as one
//	files.too_many_pixels  {max}: more than lim.MaxPixels, in megapixels
func Prepare(name string, r io.Reader, lim Limits) (Prepared, error) {
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return Prepared{}, fmt.Errorf("read upload: %w", err)
	}
	if len(data) == 0 {
		return Prepared{}, apperr.Invalidf("file", "files.empty")
	}
	if int64(len(data)) > lim.MaxBytes {
		return Prepared{}, apperr.Invalidf("file", "files.too_large").With("max", mib(lim.MaxBytes))
	}
	ct := sniff(data)
	if ct == "image/heic" {
		return Prepared{}, apperr.Invalidf("file", "files.heic")
	}
	if !lim.accepts(ct) {
		return Prepared{}, apperr.Invalidf("file", "files.type_not_allowed").With("allowed", lim.acceptNames())
	}
	if ct == PDF {
		return prepared(name, PDF, 0, 0, data, nil), nil
	}
	return prepareImage(name, ct, data, lim)
}

// sniff names the type of data by its first bytes, as browsers do, and knows one
// type they do not: HEIC, the iPhone's camera format, so that its user is told
// what to do rather than that a photo is not a photo.
func sniff(data []byte) string {
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	if ct == "application/octet-stream" && len(data) >= 12 && string(data[4:8]) == "ftyp" {
		switch string(data[8:12]) {
		case "heic", "heix", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		}
	}
	return ct
}

// decoders are the image formats Prepare decodes, each called by name rather than
// through image.Decode, so that a format some imported package registers is never
// taken in by accident.
func decoders(ct string) (decode func(io.Reader) (image.Image, error), config func(io.Reader) (image.Config, error)) {
	switch ct {
	case JPEG:
		return jpeg.Decode, jpeg.DecodeConfig
	case PNG:
		return png.Decode, png.DecodeConfig
	case WebP:
		return webp.Decode, webp.DecodeConfig
	}
	return nil, nil
}

// prepareImage checks an image's header against lim, then decodes it, turns it
// upright, scales it and encodes it again with its thumbnail.
func prepareImage(name, ct string, data []byte, lim Limits) (Prepared, error) {
	decode, config := decoders(ct)
	cfg, err := config(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return Prepared{}, apperr.Invalidf("file", "files.not_an_image")
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return Prepared{}, apperr.Invalidf("file", "files.too_many_pixels").With("max", lim.MaxPixels/1_000_000)
	}
	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return Prepared{}, apperr.Invalidf("file", "files.not_an_image")
	}
	orientation := 1
	if ct == JPEG {
		orientation = jpegOrientation(data)
	}
	// PNG keeps its transparency as PNG; WebP, mostly photos, becomes JPEG.
	stored := JPEG
	if ct == PNG {
		stored = PNG
	}
	// The photo's last step is bilinear without a kernel's buffer (see scaled); the
	// thumbnail's, from at most twice its size, is Catmull-Rom, sharper when small.
	img := upright(scaled(src, lim.MaxSide, stored == JPEG, draw.ApproxBiLinear), orientation)
	original, err := encode(img, stored, jpegQuality)
	if err != nil {
		return Prepared{}, err
	}
	var thumb []byte
	if lim.Thumb > 0 {
		if thumb, err = encode(scaled(img, lim.Thumb, stored == JPEG, draw.CatmullRom), stored, thumbQuality); err != nil {
			return Prepared{}, err
		}
	}
	b := img.Bounds()
	return prepared(name, stored, b.Dx(), b.Dy(), original, thumb), nil
}

func prepared(name, ct string, width, height int, original, thumb []byte) Prepared {
	sum := sha256.Sum256(original)
	return Prepared{name: cleanName(name, extension(ct)), contentType: ct, width: width, height: height,
		original: original, thumb: thumb, sha256: hex.EncodeToString(sum[:])}
}

// scaled draws src into a new image of four bytes a pixel, no larger than side on
// its longest side (side 0: as large as src). An image more than twice too large
// is halved first, as often as it takes — bilinear sampling at exactly half is the
// average of each 2 × 2 pixels, so nothing is skipped — and finish takes it the
// rest of the way, less than a halving. A kernel scaler asked for the whole way at
// once holds a float64 buffer of the output's width by the input's height: 250 MB
// for a 12-megapixel photo.
func scaled(src image.Image, side int, opaque bool, finish draw.Scaler) draw.Image {
	sb := src.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), side)
	for sb.Dx() >= 2*w && sb.Dy() >= 2*h {
		src = paint(src, sb.Dx()/2, sb.Dy()/2, opaque, draw.ApproxBiLinear)
		sb = src.Bounds()
	}
	return paint(src, w, h, opaque, finish)
}

// paint draws src into a new w × h image with scaler. An image bound for JPEG
// (opaque) is an RGBA drawn over white, as a browser shows a transparent one; one
// bound for PNG is an NRGBA that keeps its transparency. Both are types the
// drawing packages have fast paths for.
func paint(src image.Image, w, h int, opaque bool, scaler draw.Scaler) draw.Image {
	sb := src.Bounds()
	r := image.Rect(0, 0, w, h)
	var dst draw.Image = image.NewNRGBA(r)
	op := draw.Src
	if opaque {
		dst = image.NewRGBA(r)
		if o, ok := src.(interface{ Opaque() bool }); !ok || !o.Opaque() {
			draw.Draw(dst, r, image.White, image.Point{}, draw.Src)
			op = draw.Over
		}
	}
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, r, src, sb.Min, op)
	} else {
		scaler.Scale(dst, r, src, sb, op, nil)
	}
	return dst
}

// fit returns the size of a w × h image scaled down to side on its longest side,
// keeping its proportions; an image that fits already, or side 0, keeps its size.
func fit(w, h, side int) (int, int) {
	if side <= 0 || (w <= side && h <= side) {
		return w, h
	}
	if w >= h {
		return side, max(1, int(int64(h)*int64(side)/int64(w)))
	}
	return max(1, int(int64(w)*int64(side)/int64(h))), side
}

// encode writes img as content type ct. Neither encoder writes metadata of any
// kind: what the camera put in the file is gone once it has passed through here.
func encode(img image.Image, ct string, quality int) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if ct == PNG {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ct, err)
	}
	return buf.Bytes(), nil
}

// mib is n bytes in whole MiB, for messages.
func mib(n int64) int64 { return n >> 20 }

// cleanName makes an uploaded file's name fit to show and to offer as a download's
// name: the last element of whatever path a browser sent, without control and
// format characters (a right-to-left override makes "photo‮gpj.exe" read as
// "photoexe.jpg"), cut to maxNameRunes, and ending in ext, the extension of what
// is stored, whatever the name claimed. An empty name becomes "file".
func cleanName(name, ext string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	name = strings.Trim(name, " .")
	if runes := []rune(name); len(runes) > maxNameRunes {
		name = strings.TrimRight(string(runes[:maxNameRunes]), " .")
	}
	if name == "" {
		name = "file"
	}
	return name + ext
}
