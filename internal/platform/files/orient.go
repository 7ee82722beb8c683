package files

import (
	"encoding/binary"
	"image"

	"golang.org/x/image/draw"
)

// A phone holds its sensor one way and records how it was held in the EXIF
// Orientation tag; viewers turn the picture by it. Encoding the photo again drops
// the tag, so the pixels are turned first, or a photo taken upright is stored lying
// on its side. Only the tag is read, from the JPEG's APP1 block — a few lines
// against a whole EXIF library for one number. Cameras write JPEG; the tag in
// other formats is dropped unread.

// jpegOrientation returns the EXIF orientation (1–8) of the JPEG data, 1 (as
// taken) when it has none or the block cannot be read.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			i++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // the image data begins: no APP1 comes after
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		if seg := data[i+4 : i+2+n]; marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 (Orientation) from the first directory of a
// TIFF-structured EXIF block, 1 when it is absent or out of range.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd+2 > int64(len(tiff)) {
		return 1
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(tiff)) && e < ifd+2+12*count; e += 12 {
		const orientationTag, typeShort = 0x0112, 3
		if order.Uint16(tiff[e:]) != orientationTag {
			continue
		}
		if order.Uint16(tiff[e+2:]) != typeShort {
			return 1
		}
		if o := int(order.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}

// upright returns img turned and flipped as EXIF orientation o says a viewer
// should show it: 2 mirrored, 3 turned half round, 4 flipped, 5 transposed, 6 a
// quarter turn clockwise, 7 transversed, 8 a quarter turn anticlockwise. img is one
// of scaled's four-byte-a-pixel images, and the result is of the same type.
func upright(img draw.Image, o int) draw.Image {
	if o <= 1 || o > 8 {
		return img
	}
	var pix []byte
	var stride int
	switch m := img.(type) {
	case *image.RGBA:
		pix, stride = m.Pix, m.Stride
	case *image.NRGBA:
		pix, stride = m.Pix, m.Stride
	default:
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := make([]byte, 4*dw*dh)
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-dx, dy
			case 3:
				sx, sy = w-1-dx, h-1-dy
			case 4:
				sx, sy = dx, h-1-dy
			case 5:
				sx, sy = dy, dx
			case 6:
				sx, sy = dy, h-1-dx
			case 7:
				sx, sy = w-1-dy, h-1-dx
			case 8:
				sx, sy = w-1-dy, dx
			}
			copy(out[4*(dy*dw+dx):], pix[sy*stride+4*sx:sy*stride+4*sx+4])
		}
	}
	r := image.Rect(0, 0, dw, dh)
	if _, ok := img.(*image.NRGBA); ok {
		return &image.NRGBA{Pix: out, Stride: 4 * dw, Rect: r}
	}
	return &image.RGBA{Pix: out, Stride: 4 * dw, Rect: r}
}
