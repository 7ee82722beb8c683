package qr_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"shequ/internal/platform/qr"
)

func render(c *qr.Code) string {
	var b strings.Builder
	for y := range c.Size {
		for x := range c.Size {
			if c.Dark(x, y) {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestEncode_MatchesACodeThatScannersRead: testdata/otpauth.txt is this encoder's
// code of an otpauth:// link, which zbarimg decoded back to the link when it was
// made. Any change to the encoding shows here.
func TestEncode_MatchesACodeThatScannersRead(t *testing.T) {
	want, err := os.ReadFile("testdata/otpauth.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, err := qr.Encode([]byte("otpauth://totp/shequ:li?secret=JBSWY3DPEHPK3PXP&issuer=shequ"))
	if err != nil {
		t.Fatal(err)
	}
	if got := render(c); got != string(want) {
		t.Errorf("version %d mask %d:\n%s\nwant:\n%s", c.Version, c.Mask, got, want)
	}
}

func TestEncode_TakesTheSmallestVersionThatHoldsTheData(t *testing.T) {
	for _, tc := range []struct{ bytes, version int }{
		{1, 1}, {14, 1}, {15, 2}, {26, 2}, {27, 3}, {62, 4}, {106, 6}, {107, 7}, {122, 7}, {152, 8}, {180, 9}, {181, 10}, {213, 10},
	} {
		c, err := qr.Encode([]byte(strings.Repeat("a", tc.bytes)))
		if err != nil || c.Version != tc.version || c.Size != 17+4*tc.version {
			t.Errorf("%d bytes: %+v %v, want version %d", tc.bytes, c, err, tc.version)
		}
	}
	if _, err := qr.Encode(make([]byte, 214)); !errors.Is(err, qr.ErrTooLong) {
		t.Errorf("214 bytes: %v", err)
	}
}

// TestEncode_FormatInformationNamesLevelMAndTheMask reads the format bits around the
// top-left finder pattern back and checks them against the standard's BCH code.
func TestEncode_FormatInformationNamesLevelMAndTheMask(t *testing.T) {
	for n := 1; n <= 213; n += 17 {
		c, _ := qr.Encode([]byte(strings.Repeat("shequ", n)[:n]))
		var bits int
		at := [][2]int{{8, 0}, {8, 1}, {8, 2}, {8, 3}, {8, 4}, {8, 5}, {8, 7}, {8, 8}, {7, 8}, {5, 8}, {4, 8}, {3, 8}, {2, 8}, {1, 8}, {0, 8}}
		for i, xy := range at {
			if c.Dark(xy[0], xy[1]) {
				bits |= 1 << i
			}
		}
		bits ^= 0x5412
		data := bits >> 10
		rem := data
		for range 10 {
			rem = rem<<1 ^ (rem>>9)*0x537
		}
		if data>>3 != 0 || data&7 != c.Mask || bits != data<<10|rem {
			t.Errorf("%d bytes: format bits %015b, want level M and mask %d", n, bits, c.Mask)
		}
		for _, corner := range [][2]int{{0, 0}, {c.Size - 7, 0}, {0, c.Size - 7}} {
			for i := range 7 {
				if !c.Dark(corner[0]+i, corner[1]) || !c.Dark(corner[0], corner[1]+i) {
					t.Errorf("%d bytes: no finder pattern at %v", n, corner)
				}
			}
		}
	}
}

func TestSVG_UsesAttributesOnlyAndEscapesTheLabel(t *testing.T) {
	c, _ := qr.Encode([]byte("x"))
	svg := c.SVG(`<"二维码">`, 4)
	for _, want := range []string{`<svg class="qr"`, `viewBox="0 0 29 29"`, `width="116"`, `aria-label="&lt;&#34;二维码&#34;&gt;"`, `<path fill="#000" d="M`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	if strings.Contains(svg, "style") {
		t.Error("the SVG has a style, which the Content-Security-Policy forbids")
	}
}
