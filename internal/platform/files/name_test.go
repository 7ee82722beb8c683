package files

import (
	"strings"
	"testing"
)

func TestCleanName_IsFitToShowAndNeverAPath(t *testing.T) {
	long := strings.Repeat("长", 150)
	for _, tc := range []struct{ in, ext, want string }{
		{"IMG_0001.JPG", ".jpg", "IMG_0001.jpg"},
		{"现场照片.jpeg", ".jpg", "现场照片.jpg"},
		{"截图", ".png", "截图.png"},
		{`C:\Users\网格员\Desktop\井盖.jpg`, ".jpg", "井盖.jpg"},
		{"../../etc/passwd", ".jpg", "passwd.jpg"},
		{"photo\u202egpj.exe", ".jpg", "photogpj.jpg"}, // a right-to-left override would show "photoexe.jpg"
		{"a\x00b\r\nc.png", ".png", "abc.png"},
		{"bad\xffutf8.jpg", ".jpg", "badutf8.jpg"},
		{"  .hidden.  ", ".jpg", "hidden.jpg"},
		{".jpg", ".jpg", "file.jpg"},
		{"", ".pdf", "file.pdf"},
		{"photo.jpg", ".png", "photo.png"}, // a PNG named .jpg is named for what it is
		{long + ".pdf", ".pdf", strings.Repeat("长", maxNameRunes) + ".pdf"},
	} {
		if got := cleanName(tc.in, tc.ext); got != tc.want {
			t.Errorf("cleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExifOrientation_ReadsBothByteOrdersAndRefusesWhatIsOutOfRange(t *testing.T) {
	entry := func(order string, o uint16) []byte {
		if order == "II" {
			return []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, byte(o), byte(o >> 8), 0, 0}
		}
		return []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0}
	}
	for _, tc := range []struct {
		name string
		tiff []byte
		want int
	}{
		{"little-endian", entry("II", 6), 6},
		{"big-endian", entry("MM", 8), 8},
		{"out of range", entry("II", 9), 1},
		{"zero", entry("MM", 0), 1},
		{"cut short", entry("II", 6)[:15], 1},
		{"directory past the end", []byte{'I', 'I', 42, 0, 0xFF, 0xFF, 0xFF, 0xFF}, 1},
		{"not TIFF", []byte("JFIF\x00\x00\x00\x00"), 1},
	} {
		if got := exifOrientation(tc.tiff); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
