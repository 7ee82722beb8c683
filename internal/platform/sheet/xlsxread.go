package sheet

import (
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxReader streams one worksheet through excelize's row iterator.
type xlsxReader struct {
	book   *excelize.File
	rows   *excelize.Rows
	header []string
	limits Limits
	row    int // the row last read, as Excel numbers it
	total  int // the rows the sheet's dimension declares; 0 if unknown
	eof    bool
}

// openXLSX opens the worksheet named sheet, or the first, once checkXLSX has found
// it within lim. excelize is handed files from anyone, so a panic inside it is taken
// for what it almost always is, a file that is not a workbook, rather than allowed
// to take the server down.
func openXLSX(path, sheet string, lim Limits) (r Reader, err error) {
	var book *excelize.File
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fileError("sheet.not_xlsx")
		}
		if err != nil && book != nil {
			_ = book.Close()
		}
	}()
	name, err := checkXLSX(path, sheet, lim)
	if err != nil {
		return nil, err
	}
	book, err = excelize.OpenFile(path, excelize.Options{RawCellValue: true,
		UnzipSizeLimit: lim.UnzipBytes, UnzipXMLSizeLimit: spillBytes(lim)})
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			return nil, err
		}
		return nil, fileError("sheet.not_xlsx")
	}
	x := &xlsxReader{book: book, limits: lim}
	if ref, err := book.GetSheetDimension(name); err == nil {
		x.total = lastRow(ref)
	}
	if x.rows, err = book.Rows(name); err != nil {
		return nil, fileError("sheet.not_xlsx")
	}
	row, err := x.Next()
	if err == io.EOF {
		_ = x.rows.Close()
		return nil, fileError("sheet.empty")
	}
	if err != nil {
		_ = x.rows.Close()
		return nil, err
	}
	x.header = row.Cells
	return x, nil
}

// lastRow returns the last row of a range such as "A1:H500", or 0 when the range
// says nothing useful: a sheet written by a stream writer, excelize's own among them,
// declares just "A1".
func lastRow(ref string) int {
	_, end, _ := strings.Cut(ref, ":")
	if end == "" {
		return 0
	}
	_, row, err := excelize.CellNameToCoordinates(end)
	if err != nil || row <= 1 {
		return 0
	}
	return row
}

func (x *xlsxReader) Header() []string { return x.header }

// Next returns the next row that is not empty. excelize's iterator stops once for
// every row number, also those the file leaves out because they are blank, so
// counting its steps gives Excel's row numbers.
func (x *xlsxReader) Next() (row Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = Row{}, fileError("sheet.not_xlsx")
		}
	}()
	for x.rows.Next() {
		x.row++
		cells, err := x.rows.Columns()
		if err != nil {
			return Row{}, fileError("sheet.not_xlsx")
		}
		if !trimCells(cells) {
			continue
		}
		if err := x.check(cells); err != nil {
			return Row{}, err
		}
		return Row{Line: x.row, Cells: cells}, nil
	}
	if err := x.rows.Error(); err != nil {
		return Row{}, fileError("sheet.not_xlsx")
	}
	x.eof = true
	return Row{}, io.EOF
}

// check holds a row to the limits checkSheetXML could not see: the length of a
// cell's text, which for a shared string is only known once excelize has found it.
func (x *xlsxReader) check(cells []string) error {
	for i, c := range cells {
		if len(c) > x.limits.CellBytes {
			return cellTooLong(x.row, i+1, x.limits.CellBytes)
		}
	}
	return nil
}

func (x *xlsxReader) Progress() float64 {
	switch {
	case x.eof:
		return 1
	case x.total == 0:
		return 0
	}
	return min(1, float64(x.row)/float64(x.total))
}

func (x *xlsxReader) Encoding() Encoding { return "" }

func (x *xlsxReader) Close() error {
	return errors.Join(x.rows.Close(), x.book.Close())
}
