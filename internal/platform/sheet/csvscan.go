package sheet

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// scanCSV reads the raw bytes of a CSV file once and returns the first of lim that
// it breaks: too many rows, a row of too many cells, a cell too long. It holds one
// buffer whatever the file, so it refuses a header of a million columns or a cell of
// 600 MB at the byte that breaks the limit, before encoding/csv would have built it,
// and a file of too many rows before a single one is imported.
//
// It follows encoding/csv's quoting: a quote opens a quoted cell only at its start,
// where commas and line breaks are text and "" is one quote. Cells are measured in
// the file's bytes, the same as UTF-8 for a UTF-8 file; a GB18030 cell grows by up to
// half as it is decoded, which record measures again.
func scanCSV(r io.Reader, lim Limits) error {
	const (
		cellStart = iota // at the start of a cell
		plain            // inside an unquoted cell
		quoted           // inside a quoted cell
		quote            // after a quote inside a quoted cell: its end, or the first of ""
	)
	state, row, col, cell := cellStart, 1, 1, 0
	started := false // whether row has a byte yet: a file ending in a line break has no row after it
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if !started {
				if row > lim.Rows {
					return fileError("sheet.too_many_rows").With("max", lim.Rows)
				}
				started = true
			}
			switch {
			case state == quoted && b == '"':
				state = quote
				continue
			case state == quoted:
				cell++
			case state == cellStart && b == '"':
				state = quoted
				continue
			case b == ',':
				state, cell = cellStart, 0
				if col++; col > lim.Columns {
					return fileError("sheet.too_many_columns").With("row", row).With("max", lim.Columns)
				}
				continue
			case b == '\n':
				state, cell, col, started = cellStart, 0, 1, false
				row++
				continue
			default:
				// A quote after the closing quote is the first of "", and is text; any
				// other byte there or a quote in an unquoted cell is a syntax error that
				// encoding/csv reports: counted as text meanwhile.
				if state == quote && b == '"' {
					state = quoted
				} else {
					state = plain
				}
				cell++
			}
			if cell > lim.CellBytes {
				return cellTooLong(row, col, lim.CellBytes)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// cellTooLong is the error on the cell in row and column col longer than max bytes.
func cellTooLong(row, col, max int) error {
	name, _ := excelize.ColumnNumberToName(col)
	return fileError("sheet.cell_too_long").With("row", row).With("column", name).With("max", max)
}
