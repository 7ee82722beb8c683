package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a CSV file is looked at to guess its encoding: enough for
// the header and a few hundred rows, little enough to decide before reading on.
const sniffSize = 64 << 10

// The byte order marks a CSV file may start with.
const (
	bomUTF8    = "\xEF\xBB\xBF"
	bomUTF16LE = "\xFF\xFE"
	bomUTF16BE = "\xFE\xFF"
)

// csvReader reads a CSV file through encoding/csv, decoding GB18030 on the way.
type csvReader struct {
	file   *os.File
	size   int64
	count  *countingReader
	csv    *csv.Reader
	enc    Encoding
	limits Limits
	header []string
	// extra counts the line breaks inside quoted cells of the records read so far:
	// the physical line a record starts on, less extra, is its row in Excel.
	extra int
	// err is a syntax error, after which nothing more is read: past a stray quote
	// every cell may be shifted.
	err error
	eof bool
}

func openCSV(path string, enc Encoding, lim Limits) (Reader, error) {
	if enc == "" {
		enc = Auto
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := newCSVReader(file, enc, lim)
	if err != nil {
		_ = file.Close()
		return nil, err
	}
	return r, nil
}

func newCSVReader(file *os.File, enc Encoding, lim Limits) (*csvReader, error) {
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if err := scanCSV(io.NewSectionReader(file, 0, st.Size()), lim); err != nil {
		return nil, err
	}
	count := &countingReader{r: file}
	br := bufio.NewReaderSize(count, sniffSize)
	head, err := br.Peek(sniffSize)
	complete := err == io.EOF
	if err != nil && !complete {
		return nil, err
	}
	if bytes.HasPrefix(head, []byte(bomUTF16LE)) || bytes.HasPrefix(head, []byte(bomUTF16BE)) {
		return nil, fileError("sheet.utf16")
	}
	bom := bytes.HasPrefix(head, []byte(bomUTF8))
	switch {
	case enc == Auto && bom:
		enc = UTF8
	case enc == Auto:
		enc = sniff(head, complete)
	case enc != UTF8 && enc != GB18030:
		return nil, fileError("sheet.encoding").With("value", string(enc)).InField("encoding")
	}
	if enc == UTF8 && bom {
		_, _ = br.Discard(len(bomUTF8))
	}
	var src io.Reader = br
	if enc == GB18030 {
		src = transform.NewReader(br, newStrictGB18030())
	}
	c := &csvReader{file: file, size: st.Size(), count: count, csv: csv.NewReader(src), enc: enc, limits: lim}
	c.csv.FieldsPerRecord = -1
	for {
		_, cells, err := c.record()
		if err == io.EOF {
			return nil, fileError("sheet.empty")
		}
		if err != nil {
			return nil, err
		}
		cells[0] = strings.TrimPrefix(cells[0], "\uFEFF")
		if trimCells(cells) {
			c.header = cells
			return c, nil
		}
	}
}

// sniff guesses the encoding of a file without a BOM from head, its first bytes,
// which are the whole file when complete. Valid UTF-8 is UTF-8. Otherwise the first
// line that is not plain ASCII decides, the header as a rule: a register whose header
// is UTF-8 is a UTF-8 file with a row pasted in from elsewhere, which reading then
// reports; one whose header is not was saved by Excel or WPS on Chinese Windows.
func sniff(head []byte, complete bool) Encoding {
	if !complete {
		head = cutPartialRune(head)
	}
	if utf8.Valid(head) {
		return UTF8
	}
	for line := range bytes.Lines(head) {
		if !isASCII(line) {
			if utf8.Valid(line) {
				return UTF8
			}
			break
		}
	}
	return GB18030
}

// cutPartialRune drops a UTF-8 sequence cut short at the end of b, so that a sample
// taken at an arbitrary byte does not look invalid.
func cutPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// record reads the next record and returns it with its row number in Excel.
func (c *csvReader) record() (int, []string, error) {
	if c.err != nil {
		return 0, nil, c.err
	}
	rec, err := c.csv.Read()
	if err == io.EOF {
		c.eof = true
		return 0, nil, io.EOF
	}
	if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
		// On a parse error encoding/csv returns the fields it completed, so the cell
		// at fault is the one after them.
		col, _ := excelize.ColumnNumberToName(len(rec) + 1)
		c.err = fileError("sheet.csv_syntax").With("row", pe.StartLine-c.extra).With("column", col)
		return 0, nil, c.err
	}
	if err != nil {
		c.err = err
		return 0, nil, err
	}
	line, _ := c.csv.FieldPos(0)
	line -= c.extra
	for _, cell := range rec {
		c.extra += strings.Count(cell, "\n")
	}
	for i, cell := range rec {
		if len(cell) > c.limits.CellBytes {
			// Only a GB18030 cell gets here, grown past the limit by its decoding.
			c.err = cellTooLong(line, i+1, c.limits.CellBytes)
			return 0, nil, c.err
		}
	}
	for i, cell := range rec {
		switch {
		case utf8.ValidString(cell):
		case c.enc == UTF8:
			return 0, nil, fileError("sheet.mixed_encoding").With("row", line)
		default:
			col, _ := excelize.ColumnNumberToName(i + 1)
			return 0, nil, fileError("sheet.invalid_gb18030").With("row", line).With("column", col)
		}
	}
	for i, cell := range rec {
		rec[i] = restoreFormula(cell) // the quote NewCSV put before a formula
	}
	return line, rec, nil
}

func (c *csvReader) Header() []string { return c.header }

// Next returns the next row that is not empty. After sheet.mixed_encoding or
// sheet.invalid_gb18030 it goes on with the row after, so a caller can list every
// bad row; after sheet.csv_syntax or sheet.cell_too_long it returns that error again.
func (c *csvReader) Next() (Row, error) {
	for {
		line, cells, err := c.record()
		if err != nil {
			return Row{}, err
		}
		if trimCells(cells) {
			return Row{Line: line, Cells: cells}, nil
		}
	}
}

func (c *csvReader) Progress() float64 {
	if c.eof {
		return 1
	}
	if c.size <= 0 {
		return 0
	}
	return min(1, float64(c.count.n)/float64(c.size))
}

func (c *csvReader) Encoding() Encoding { return c.enc }

func (c *csvReader) Close() error { return c.file.Close() }

// countingReader counts the bytes read through it, for Progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
