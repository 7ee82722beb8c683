package sheet

import (
	"bytes"
	"errors"
	"io"
)

// elementCounter counts the start tags of one element, by its local name, in XML
// written through it, and fails once there are more than max. It reads bytes, not
// tokens — ten times faster than encoding/xml — so that a worksheet of twelve
// million rows or a shared-string table of millions of tiny entries is refused
// after a few megabytes, not after excelize or a full XML pass has paid for them.
// It is a bound, not a parser: a tag inside a comment or CDATA counts too, which
// can only make a hostile file fail sooner.
type elementCounter struct {
	local []byte // the local name counted, "row" or "si"
	max   int
	n     int
	inTag bool   // after a '<', reading the name
	name  []byte // the name read so far
}

// errTooManyElements is elementCounter's, once it has counted more than max.
var errTooManyElements = errors.New("sheet: too many elements")

// maxNameBytes is longer than any element name an .xlsx part uses.
const maxNameBytes = 64

func (c *elementCounter) Write(p []byte) (int, error) {
	for i, b := range p {
		if b == '<' {
			c.inTag, c.name = true, c.name[:0]
			continue
		}
		if !c.inTag {
			continue
		}
		switch b {
		case ' ', '>', '/', '\t', '\n', '\r':
			c.inTag = false
			local := c.name
			if j := bytes.LastIndexByte(local, ':'); j >= 0 {
				local = local[j+1:]
			}
			if bytes.Equal(local, c.local) {
				if c.n++; c.n > c.max {
					return i, errTooManyElements
				}
			}
		default:
			if len(c.name) == maxNameBytes {
				c.inTag = false
			} else {
				c.name = append(c.name, b)
			}
		}
	}
	return len(p), nil
}

// countElements reads r to its end, or until more than max start tags called
// local, and reports which.
func countElements(r io.Reader, local string, max int) error {
	_, err := io.Copy(&elementCounter{local: []byte(local), max: max}, r)
	return err
}
