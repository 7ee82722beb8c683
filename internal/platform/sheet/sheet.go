package sheet

import (
	"path/filepath"
	"strings"

	"shequ/internal/platform/apperr"
)

// Format is a file format.
type Format string

// The formats this package reads and writes.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FormatOf returns the format of a file name by its extension, in any case. An old
// .xls workbook is refused like any other name: it has to be saved again as .xlsx.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	}
	return "", fileError("sheet.format")
}

// Encoding is the character encoding of a CSV file.
type Encoding string

// The encodings a CSV file may be read in. GB18030 is a superset of GBK and GB2312,
// so it also reads what Excel and WPS on Chinese Windows write as "ANSI".
const (
	Auto    Encoding = "auto"
	UTF8    Encoding = "utf-8"
	GB18030 Encoding = "gb18030"
)

// ParseEncoding reads an encoding as a user or a form names it: "" or "auto",
// "utf-8" or "utf8", "gb18030", "gbk" or "gb2312", in any case.
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Auto, nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "gb18030", "gbk", "gb2312":
		return GB18030, nil
	}
	return "", apperr.Invalidf("encoding", "sheet.encoding").With("value", s)
}

// Options say how to read a file.
type Options struct {
	Encoding Encoding // CSV only; "" or Auto detects it
	Sheet    string   // XLSX only; "" means the first sheet
	Limits   Limits   // what reading may cost; zero fields take DefaultLimits
}

// Row is one data row.
//
// Line is the row number Excel shows for it, counting from 1 at the top of the file,
// so the first data row under a header in row 1 is 2 and an error message can send
// the user straight to it. In a CSV file blank lines count as rows, as they do when
// Excel opens it, and a quoted cell spanning several lines still makes one row.
//
// Cells are trimmed of surrounding white space, the ideographic space (U+3000)
// included. Rows may be ragged: a row shorter or longer than the header is returned
// as it is.
type Row struct {
	Line  int
	Cells []string
}

// Reader yields the rows of one table one at a time, so memory stays flat whatever
// the size of the file.
type Reader interface {
	// Header returns the first row that is not empty, trimmed, a UTF-8 BOM removed.
	Header() []string
	// Next returns the next data row, skipping rows whose cells are all empty, or
	// io.EOF after the last one.
	Next() (Row, error)
	// Progress tells how far through the input the reader is, from 0 to 1: bytes
	// read for CSV, rows read of those the sheet declares for XLSX. It is an
	// estimate for a progress bar, 0 when unknown.
	Progress() float64
	// Encoding returns the encoding a CSV file is read in, detected or given;
	// "" for XLSX.
	Encoding() Encoding
	Close() error
}

// Open opens the file at path for reading in format f. A file with no header row
// is an error (sheet.empty), as is one that breaks opt.Limits, found before the
// first row is returned but for a cell's length, which an .xlsx file's shared
// strings and a GB18030 file's decoding only give as the row is read.
func Open(path string, f Format, opt Options) (Reader, error) {
	switch f {
	case CSV:
		return openCSV(path, opt.Encoding, opt.Limits.OrDefault())
	case XLSX:
		return openXLSX(path, opt.Sheet, opt.Limits.OrDefault())
	}
	return nil, fileError("sheet.format")
}

// trimCells trims every cell in place and reports whether any is left non-empty.
func trimCells(cells []string) bool {
	filled := false
	for i, c := range cells {
		cells[i] = strings.TrimSpace(c)
		if cells[i] != "" {
			filled = true
		}
	}
	return filled
}
