// Package files keeps what users upload — a case's photos (照片), the hall's
// materials (材料) — so that nothing a phone hides in a photo reaches the database:
// the type is read from the content, the size and the pixels are bounded, images
// are decoded and encoded again (no EXIF, no GPS) upright and with a thumbnail, and
// every file carries its owner's unit, so it is read within a scope like its owner.
// Where the bytes live is decision 24. It stands on platform's db, scope, auth, web
// and apperr, and on audit for reads beyond a scope; domains stand on it.
package files

import (
	"slices"
	"strings"
	"time"
)

// The content types files may hold. WebP is taken in and stored as JPEG.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
	PDF  = "application/pdf"
)

// typeName is the name users know content type ct by, for messages.
func typeName(ct string) string {
	switch ct {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case WebP:
		return "WebP"
	case PDF:
		return "PDF"
	}
	return ct
}

// extension is the ending a stored file's name is given for its stored type.
func extension(ct string) string {
	switch ct {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case PDF:
		return ".pdf"
	}
	return ""
}

// Limits are what one use of files accepts: a case's photos are not a hall's
// materials. MaxBytes bounds the upload as sent and MaxPixels an image's width ×
// height as its header states them, checked before anything is decoded, so a small
// file that unpacks to gigabytes is refused unread. Images with a side longer than
// MaxSide are stored scaled down to it (0 keeps them as they are); Thumb is the
// longest side of the thumbnail (0: none).
type Limits struct {
	MaxBytes  int64
	MaxPixels int
	MaxSide   int
	Thumb     int
	Accept    []string // the content types taken: JPEG, PNG, WebP, PDF
}

// Photos are the limits of photos taken in the field: a phone's photo as it
// comes (a 50-megapixel one at most), stored at most 2560 pixels a side, which
// shows a cracked slab or a blocked exit as well as the original in a fifth of
// its bytes.
func Photos() Limits {
	return Limits{MaxBytes: 10 << 20, MaxPixels: 50_000_000, MaxSide: 2560, Thumb: 320, Accept: []string{JPEG, PNG, WebP}}
}

// Materials are the limits of the documents a resident hands in at the hall:
// photos and scans of papers, and PDFs, which are stored as they come.
func Materials() Limits {
	return Limits{MaxBytes: 20 << 20, MaxPixels: 50_000_000, MaxSide: 3508, Thumb: 320, Accept: []string{JPEG, PNG, WebP, PDF}}
}

// accepts reports whether content type ct is one lim takes.
func (lim Limits) accepts(ct string) bool { return slices.Contains(lim.Accept, ct) }

// acceptNames lists the types lim takes by the names users know, for messages.
func (lim Limits) acceptNames() string {
	names := make([]string, 0, len(lim.Accept))
	for _, a := range lim.Accept {
		names = append(names, typeName(a))
	}
	return strings.Join(names, ", ")
}

// Variant is one of the stored forms of a file.
type Variant string

// The variants: the file as stored, and its thumbnail (images only).
const (
	Original Variant = "original"
	Thumb    Variant = "thumb"
)

// Owner is the record a file belongs to — a case, an application at the hall — and
// the unit that record belongs to, which places the file in scopes.
type Owner struct {
	Kind    string // "case", "application"
	ID      string
	OrgCode string
}

// File is a stored file as it is listed and served. Name is the name it was
// uploaded under, cleaned, with the extension of its stored type: for display and
// downloads only, never a path. SHA256 (hex) is of the stored bytes. An image has
// its Width and Height, and a thumbnail when its Limits asked for one.
type File struct {
	ID          string    `json:"id"`
	OwnerKind   string    `json:"owner_kind"`
	OwnerID     string    `json:"owner_id"`
	OrgCode     string    `json:"org_code"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Image reports whether f is an image, which has a thumbnail to show.
func (f File) Image() bool { return strings.HasPrefix(f.ContentType, "image/") }
