// Package qr draws text as a QR code (ISO/IEC 18004): byte mode, error correction
// level M, versions 1 to 10 (up to 213 bytes), as an SVG image. It serves the
// otpauth:// links that authenticator apps scan, and depends on nothing.
package qr

import (
	"errors"
	"fmt"
	"html"
	"strings"
)

// ErrTooLong is returned for data that does not fit in version 10.
var ErrTooLong = errors.New("qr: data longer than 213 bytes")

// version is one size of code at level M: the error correction codewords of each
// block, the blocks as (count, data codewords), and the centres of the alignment
// patterns.
type version struct {
	ecPerBlock int
	blocks     [][2]int
	align      []int
}

// versions are versions 1 to 10 at level M, from the standard's table 9.
func versions() []version {
	return []version{
		{10, [][2]int{{1, 16}}, nil},
		{16, [][2]int{{1, 28}}, []int{6, 18}},
		{26, [][2]int{{1, 44}}, []int{6, 22}},
		{18, [][2]int{{2, 32}}, []int{6, 26}},
		{24, [][2]int{{2, 43}}, []int{6, 30}},
		{16, [][2]int{{4, 27}}, []int{6, 34}},
		{18, [][2]int{{4, 31}}, []int{6, 22, 38}},
		{22, [][2]int{{2, 38}, {2, 39}}, []int{6, 24, 42}},
		{22, [][2]int{{3, 36}, {2, 37}}, []int{6, 26, 46}},
		{26, [][2]int{{4, 43}, {1, 44}}, []int{6, 28, 50}},
	}
}

func (v version) dataCodewords() int {
	n := 0
	for _, b := range v.blocks {
		n += b[0] * b[1]
	}
	return n
}

// Code is a QR code of Size×Size modules.
type Code struct {
	Size     int
	Version  int
	Mask     int
	modules  [][]bool // [y][x], true for dark
	function [][]bool // finder, timing, alignment, format and version modules
}

// Dark reports whether the module in column x, row y is dark.
func (c *Code) Dark(x, y int) bool { return c.modules[y][x] }

// Encode returns the QR code of data in the smallest version that holds it, with
// the mask that scores best by the standard's penalty rules.
func Encode(data []byte) (*Code, error) {
	for i, v := range versions() {
		countBits := 8
		if i+1 >= 10 {
			countBits = 16
		}
		capacity := v.dataCodewords()
		if 4+countBits+8*len(data) > 8*capacity {
			continue
		}
		c := &Code{Version: i + 1, Size: 17 + 4*(i+1)}
		c.modules, c.function = grid(c.Size), grid(c.Size)
		c.drawFunctionPatterns(v)
		c.drawCodewords(interleave(v, pad(data, countBits, capacity)))
		best := -1
		for m := range 8 {
			c.applyMask(m)
			c.drawFormat(m)
			if p := c.penalty(); best < 0 || p < best {
				c.Mask, best = m, p
			}
			c.applyMask(m) // XOR again undoes it
		}
		c.applyMask(c.Mask)
		c.drawFormat(c.Mask)
		return c, nil
	}
	return nil, ErrTooLong
}

func grid(n int) [][]bool {
	g := make([][]bool, n)
	for i := range g {
		g[i] = make([]bool, n)
	}
	return g
}

// pad writes the segment (byte mode, count, data), the terminator and the pad
// codewords, to capacity codewords.
func pad(data []byte, countBits, capacity int) []byte {
	var bits []bool
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	put(0b0100, 4)
	put(len(data), countBits)
	for _, b := range data {
		put(int(b), 8)
	}
	put(0, min(4, 8*capacity-len(bits)))
	put(0, (8-len(bits)%8)%8)
	out := make([]byte, 0, capacity)
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for j := range 8 {
			if bits[i+j] {
				b |= 0x80 >> j
			}
		}
		out = append(out, b)
	}
	for p := byte(0xEC); len(out) < capacity; p ^= 0xEC ^ 0x11 {
		out = append(out, p)
	}
	return out
}

// interleave splits the data codewords into the version's blocks, adds each
// block's Reed–Solomon codewords, and interleaves them as the standard orders them.
func interleave(v version, data []byte) []byte {
	var blocks, ecs [][]byte
	gen := rsGenerator(v.ecPerBlock)
	for _, g := range v.blocks {
		for range g[0] {
			blocks = append(blocks, data[:g[1]])
			ecs = append(ecs, rsRemainder(data[:g[1]], gen))
			data = data[g[1]:]
		}
	}
	var out []byte
	for i := 0; ; i++ {
		added := false
		for _, b := range blocks {
			if i < len(b) {
				out, added = append(out, b[i]), true
			}
		}
		if !added {
			break
		}
	}
	for i := range v.ecPerBlock {
		for _, e := range ecs {
			out = append(out, e[i])
		}
	}
	return out
}

// gfMul multiplies in GF(2⁸) modulo x⁸+x⁴+x³+x²+1.
func gfMul(x, y byte) byte {
	z := 0
	for i := 7; i >= 0; i-- {
		z = z<<1 ^ (z>>7)*0x11D
		z ^= int(y>>i&1) * int(x)
	}
	return byte(z)
}

// rsGenerator returns the coefficients, highest power first without the leading 1,
// of the product of (x − αⁱ) for i below degree.
func rsGenerator(degree int) []byte {
	g := make([]byte, degree)
	g[degree-1] = 1
	root := byte(1)
	for range degree {
		for j := range g {
			g[j] = gfMul(g[j], root)
			if j+1 < len(g) {
				g[j] ^= g[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return g
}

func rsRemainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, b := range data {
		f := b ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i := range r {
			r[i] ^= gfMul(gen[i], f)
		}
	}
	return r
}

func (c *Code) set(x, y int, dark bool) {
	c.modules[y][x], c.function[y][x] = dark, true
}

func (c *Code) drawFunctionPatterns(v version) {
	n := c.Size
	for i := range n {
		c.set(6, i, i%2 == 0)
		c.set(i, 6, i%2 == 0)
	}
	for _, p := range [][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := p[0]+dx, p[1]+dy
				if x >= 0 && x < n && y >= 0 && y < n {
					d := max(abs(dx), abs(dy))
					c.set(x, y, d != 2 && d != 4)
				}
			}
		}
	}
	last := len(v.align) - 1
	for i, ax := range v.align {
		for j, ay := range v.align {
			if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
				continue // the finder patterns are there
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					c.set(ax+dx, ay+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	c.drawFormat(0) // reserves the format modules; drawn again with the mask
	if c.Version >= 7 {
		rem := c.Version
		for range 12 {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := c.Version<<12 | rem
		for i := range 18 {
			dark := bits>>i&1 == 1
			a, b := n-11+i%3, i/3
			c.set(a, b, dark)
			c.set(b, a, dark)
		}
	}
}

// drawFormat draws both copies of the format information: level M (00) and mask.
func (c *Code) drawFormat(mask int) {
	data := mask // level M's two bits are 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>i&1 == 1 }
	n := c.Size
	for i := range 6 {
		c.set(8, i, bit(i))
	}
	c.set(8, 7, bit(6))
	c.set(8, 8, bit(7))
	c.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		c.set(14-i, 8, bit(i))
	}
	for i := range 8 {
		c.set(n-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		c.set(8, n-15+i, bit(i))
	}
	c.set(8, n-8, true) // the dark module
}

// drawCodewords places the codewords' bits in the zigzag of two-module columns,
// right to left, skipping the function patterns and the vertical timing pattern.
func (c *Code) drawCodewords(data []byte) {
	n, i := c.Size, 0
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := range n {
			for j := range 2 {
				x, y := right-j, vert
				if (right+1)&2 == 0 {
					y = n - 1 - vert
				}
				if !c.function[y][x] && i < len(data)*8 {
					c.modules[y][x] = data[i>>3]>>(7-i&7)&1 == 1
					i++
				}
			}
		}
	}
}

func (c *Code) applyMask(mask int) {
	for y := range c.Size {
		for x := range c.Size {
			if c.function[y][x] {
				continue
			}
			var flip bool
			switch mask {
			case 0:
				flip = (x+y)%2 == 0
			case 1:
				flip = y%2 == 0
			case 2:
				flip = x%3 == 0
			case 3:
				flip = (x+y)%3 == 0
			case 4:
				flip = (x/3+y/2)%2 == 0
			case 5:
				flip = x*y%2+x*y%3 == 0
			case 6:
				flip = (x*y%2+x*y%3)%2 == 0
			case 7:
				flip = ((x+y)%2+x*y%3)%2 == 0
			}
			if flip {
				c.modules[y][x] = !c.modules[y][x]
			}
		}
	}
}

// penalty scores the code by the standard's four rules: runs of five or more
// modules of one colour, 2×2 blocks of one colour, finder-like patterns, and an
// imbalance of dark and light.
func (c *Code) penalty() int {
	n, p, dark := c.Size, 0, 0
	at := func(x, y int, transpose bool) bool {
		if transpose {
			return c.modules[x][y]
		}
		return c.modules[y][x]
	}
	finder := []bool{true, false, true, true, true, false, true}
	for _, t := range []bool{false, true} {
		for y := range n {
			run := 1
			for x := 1; x <= n; x++ {
				if x < n && at(x, y, t) == at(x-1, y, t) {
					run++
					continue
				}
				if run >= 5 {
					p += run - 2
				}
				run = 1
			}
			for x := 0; x+7 <= n; x++ {
				match := true
				for k, f := range finder {
					if at(x+k, y, t) != f {
						match = false
						break
					}
				}
				if match && (lightRun(at, x-4, x, y, t, n) || lightRun(at, x+7, x+11, y, t, n)) {
					p += 40
				}
			}
		}
	}
	for y := range n {
		for x := range n {
			if c.modules[y][x] {
				dark++
			}
			if x+1 < n && y+1 < n {
				v := c.modules[y][x]
				if c.modules[y][x+1] == v && c.modules[y+1][x] == v && c.modules[y+1][x+1] == v {
					p += 3
				}
			}
		}
	}
	total := n * n
	k := (abs(dark*20-total*10)+total-1)/total - 1
	return p + k*10
}

// lightRun reports whether modules from..to (exclusive) of a line are light; those
// outside the code are, being the quiet zone.
func lightRun(at func(x, y int, t bool) bool, from, to, y int, t bool, n int) bool {
	for x := from; x < to; x++ {
		if x >= 0 && x < n && at(x, y, t) {
			return false
		}
	}
	return true
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// SVG returns the code as an SVG image with the standard's four-module quiet zone,
// drawn at scale pixels a module, labelled for screen readers. It uses attributes
// only, no style, so a Content-Security-Policy without 'unsafe-inline' allows it.
func (c *Code) SVG(label string, scale int) string {
	const quiet = 4
	n := c.Size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" shape-rendering="crispEdges">`,
		n, n, n*scale, n*scale, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := range c.Size {
		for x := range c.Size {
			if c.modules[y][x] {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
