package sheet

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// invalidMark is what strictGB18030 writes for bytes that are not GB18030: a byte
// never valid in UTF-8, so that record finds the cell as it finds a row in another
// encoding in a UTF-8 file, where U+FFFD would pass for text.
const invalidMark = 0xFF

// gbReplacement is U+FFFD itself in GB18030, which a file may hold as text and
// which x/text decodes to the same rune it puts in place of invalid bytes.
const gbReplacement = "\x84\x31\xA4\x37"

// strictGB18030 decodes GB18030 as x/text does, except that bytes x/text replaces
// with U+FFFD come out as invalidMark. Text with no U+FFFD in it, nearly all, goes
// through x/text's decoder in one call; a chunk with one is decoded again a
// character at a time to tell the file's own U+FFFD from invalid bytes.
type strictGB18030 struct {
	dec transform.Transformer
}

func newStrictGB18030() *strictGB18030 {
	return &strictGB18030{dec: simplifiedchinese.GB18030.NewDecoder()}
}

func (s *strictGB18030) Reset() { s.dec.Reset() }

func (s *strictGB18030) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	nDst, nSrc, err = s.dec.Transform(dst, src, atEOF)
	if !bytes.Contains(dst[:nDst], []byte(string(utf8.RuneError))) {
		return nDst, nSrc, err
	}
	return s.slow(dst, src, atEOF)
}

// slow decodes src one character at a time.
func (s *strictGB18030) slow(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	var one [utf8.UTFMax]byte
	for nSrc < len(src) {
		n := gbLength(src[nSrc:])
		if n == 0 {
			if !atEOF {
				return nDst, nSrc, transform.ErrShortSrc
			}
			n = 1
		}
		seq := src[nSrc : nSrc+n]
		out, _, _ := s.dec.Transform(one[:], seq, true)
		if string(one[:out]) == string(utf8.RuneError) && string(seq) != gbReplacement {
			one[0], out = invalidMark, 1
		}
		if nDst+out > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], one[:out])
		nSrc += n
	}
	return nDst, nSrc, nil
}

// gbLength returns the length of the character b starts with by the shape of
// GB18030's one-, two- and four-byte sequences, 1 for a byte that starts none, or 0
// when b ends before the character does.
func gbLength(b []byte) int {
	switch {
	case b[0] < 0x81 || b[0] == 0xFF:
		return 1
	case len(b) < 2:
		return 0
	case b[1] >= 0x30 && b[1] <= 0x39:
		if len(b) < 4 {
			return 0
		}
		if b[2] >= 0x81 && b[2] <= 0xFE && b[3] >= 0x30 && b[3] <= 0x39 {
			return 4
		}
		return 1
	case b[1] >= 0x40 && b[1] <= 0xFE && b[1] != 0x7F:
		return 2
	}
	return 1
}
