package sheet

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// sizingRows is how many rows of a sheet are held back to size its columns by:
// enough to see past the header, cheap to keep.
const sizingRows = 100

// Column widths in Excel's unit, the width of a digit: no column so narrow that a
// two-character header is cut, none so wide that one long remark hides the others.
const (
	minColumnWidth = 8
	maxColumnWidth = 60
)

// Book is an .xlsx workbook written as a stream, so that a sheet of 458,000 rows does
// not sit in memory: excelize keeps each sheet's rows in a buffer that goes to a
// temporary file past 16 MiB. Sheets are written one after another: a sheet must be
// finished before the next is started, and starting the next (or WriteTo) finishes it.
//
// Every cell is written as text, in columns formatted as text, so that an ID number
// or a phone number never turns into a number; the first row of each sheet is bold
// and frozen, and the columns are sized to their first rows.
type Book struct {
	file   *excelize.File
	sheets int
	open   *bookSheet // the sheet being written, nil before the first
	header int        // style of the first row: bold text
	text   int        // style of the columns: text
}

// NewBook returns an empty workbook. Close it to remove its temporary files.
func NewBook() *Book { return &Book{file: excelize.NewFile()} }

// Sheet starts a sheet called name, finishing the one before. The first call renames
// the sheet a new workbook comes with.
func (b *Book) Sheet(name string) (Writer, error) {
	if err := b.finish(); err != nil {
		return nil, err
	}
	if b.sheets == 0 {
		if err := b.styles(); err != nil {
			return nil, err
		}
		if err := b.file.SetSheetName(b.file.GetSheetName(0), name); err != nil {
			return nil, err
		}
	} else {
		// NewSheet hands back an existing sheet of the same name, which would be
		// written over.
		if i, _ := b.file.GetSheetIndex(name); i >= 0 {
			return nil, fmt.Errorf("sheet: a sheet called %q is already in the book", name)
		}
		if _, err := b.file.NewSheet(name); err != nil {
			return nil, err
		}
	}
	stream, err := b.file.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	b.sheets++
	b.open = &bookSheet{book: b, name: name, stream: stream}
	return b.open, nil
}

func (b *Book) styles() error {
	const textFormat = 49 // Excel's built-in "@"
	var err error
	if b.text, err = b.file.NewStyle(&excelize.Style{NumFmt: textFormat}); err != nil {
		return err
	}
	b.header, err = b.file.NewStyle(&excelize.Style{NumFmt: textFormat, Font: &excelize.Font{Bold: true}})
	return err
}

// WriteTo finishes the last sheet and writes the workbook to w. excelize builds the
// zipped file in memory first, so this needs about as much memory as the file is big.
func (b *Book) WriteTo(w io.Writer) (int64, error) {
	if err := b.finish(); err != nil {
		return 0, err
	}
	return b.file.WriteTo(w)
}

// Close removes the temporary files the workbook was buffered in.
func (b *Book) Close() error { return b.file.Close() }

func (b *Book) finish() error {
	if b.open == nil || b.open.done {
		return nil
	}
	return b.open.finish()
}

// bookSheet writes the rows of one sheet of a Book.
type bookSheet struct {
	book    *Book
	name    string
	stream  *excelize.StreamWriter
	pending [][]string // the first rows, until the columns are sized
	sized   bool
	rows    int // rows written to the stream
	columns int // the most cells in a row
	done    bool
}

func (s *bookSheet) Write(cells []string) error {
	if s.done {
		return errors.New("sheet: write to a sheet after the next was started")
	}
	s.columns = max(s.columns, len(cells))
	if s.sized {
		return s.write(cells)
	}
	s.pending = append(s.pending, slices.Clone(cells))
	if len(s.pending) < sizingRows {
		return nil
	}
	return s.size()
}

// size sets the columns' widths and format from the rows held back, which it then
// writes: excelize takes column settings only before the first row.
func (s *bookSheet) size() error {
	s.sized = true
	widths := make([]int, s.columns)
	for _, row := range s.pending {
		for i, cell := range row {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	for i, w := range widths {
		w = min(max(w+2, minColumnWidth), maxColumnWidth)
		if err := s.stream.SetColWidth(i+1, i+1, float64(w)); err != nil {
			return err
		}
	}
	if s.columns > 0 {
		if err := s.stream.SetColStyle(1, s.columns, s.book.text); err != nil {
			return err
		}
	}
	if len(s.pending) > 1 {
		err := s.stream.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		if err != nil {
			return err
		}
	}
	for _, row := range s.pending {
		if err := s.write(row); err != nil {
			return err
		}
	}
	s.pending = nil
	return nil
}

func (s *bookSheet) write(cells []string) error {
	s.rows++
	values := make([]any, len(cells))
	for i, c := range cells {
		switch {
		case c == "":
			// nil leaves the cell out rather than writing an empty string.
		case s.rows == 1:
			values[i] = excelize.Cell{StyleID: s.book.header, Value: c}
		default:
			values[i] = c
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.stream.SetRow(cell, values)
}

func (s *bookSheet) finish() error {
	s.done = true
	if !s.sized {
		if err := s.size(); err != nil {
			return err
		}
	}
	if s.rows > 0 && s.columns > 0 {
		// Without this Excel marks every ID number with a green "number stored as
		// text" triangle, inviting a click that would destroy it.
		last, err := excelize.CoordinatesToCellName(s.columns, s.rows)
		if err != nil {
			return err
		}
		if err := s.book.file.AddIgnoredErrors(s.name, "A1:"+last, excelize.IgnoredErrorsNumberStoredAsText); err != nil {
			return err
		}
	}
	return s.stream.Flush()
}

// displayWidth is how many digits wide s shows: a Chinese character is two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
