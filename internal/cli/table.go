package cli

import (
	"io"
	"strings"
	"unicode"
)

// writeTable prints rows as columns, the first left-aligned and the rest right-aligned,
// measuring each cell as a terminal shows it: a Chinese character takes two columns,
// which text/tabwriter does not know.
func writeTable(w io.Writer, rows [][]string) error {
	widths := map[int]int{}
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-displayWidth(cell))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth counts wide (East Asian) characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xff60) || r == '㎡' {
			n += 2
		} else {
			n++
		}
	}
	return n
}
