package sheet

import (
	"bufio"
	"encoding/csv"
	"io"
)

// Writer writes the rows of one table.
type Writer interface {
	Write(cells []string) error
}

// CSVWriter writes UTF-8 CSV that Excel opens right. It buffers: Close flushes.
type CSVWriter struct {
	buf *bufio.Writer
	csv *csv.Writer
	row []string // the row being written, reused
}

// NewCSV returns a writer of UTF-8 CSV to w, starting with a BOM: without one, Excel
// on Chinese Windows takes the file for GBK and shows the names garbled.
//
// A cell that a spreadsheet would run as a formula is neutralised first (see
// NeutralizeFormula); the others are written as they are. Excel still reads a CSV
// cell that looks like a number as a number, so an 18-digit ID number opened there
// loses its last digits; a register with ID numbers is better exported as .xlsx.
func NewCSV(w io.Writer) *CSVWriter {
	buf := bufio.NewWriter(w)
	_, _ = buf.WriteString(bomUTF8) // an error here sticks to buf and comes back from Close
	cw := csv.NewWriter(buf)
	cw.UseCRLF = true // as RFC 4180 has it, and Notepad on older Windows needs
	return &CSVWriter{buf: buf, csv: cw}
}

// Write writes one row, each cell neutralised against formulas. cells is not
// changed.
func (c *CSVWriter) Write(cells []string) error {
	c.row = c.row[:0]
	for _, v := range cells {
		c.row = append(c.row, NeutralizeFormula(v))
	}
	return c.csv.Write(c.row)
}

// Close flushes what is buffered to the underlying writer, which it leaves open.
func (c *CSVWriter) Close() error {
	c.csv.Flush()
	if err := c.csv.Error(); err != nil {
		return err
	}
	return c.buf.Flush()
}
