package sheet

import "shequ/internal/platform/apperr"

// The errors of this package are *apperr.Error values with code Invalid. Their keys,
// with the arguments each carries, for the locale files ("err.<key>"):
//
//	sheet.format          the file name is neither .csv nor .xlsx
//	sheet.encoding        {value}: an encoding ParseEncoding or Open does not know (field "encoding")
//	sheet.empty           the file has no header row
//	sheet.utf16           the CSV is UTF-16 (Excel's "Unicode text"), which is not read
//	sheet.mixed_encoding  {row}: a UTF-8 file holds a row in another encoding
//	sheet.csv_syntax      {row} {column}: a quote out of place; column is a letter, "B"
//	sheet.not_xlsx        the file is not a readable .xlsx workbook (truncated, renamed, .xls, encrypted)
//	sheet.no_sheet        {sheet} {sheets}: no worksheet of that name; sheets lists those there are, joined by "、"
//	sheet.date            {value}: ParseDate cannot read the date (no field: the caller sets it)
//	sheet.invalid_gb18030 {row} {column}: a GB18030 file holds bytes that are not GB18030 in that cell
//
// And the limits of Limits, {max} their value:
//
//	sheet.too_many_columns {row} {max}: a row has more cells than Limits.Columns
//	sheet.cell_too_long    {row} {column} {max}: a cell is longer than Limits.CellBytes
//	sheet.too_many_rows    {max}: more rows than Limits.Rows (or Excel's 1,048,576 in .xlsx)
//	sheet.unzip_too_big    {max}: an .xlsx unpacks to more than Limits.UnzipBytes, in MiB
//	sheet.xml_too_big      {max}: an .xlsx's parts held in memory unpack to more than Limits.XMLBytes, in MiB
//	sheet.too_many_shared_strings {max}: an .xlsx's shared-string table has more than Limits.SharedStrings entries
//
// All but sheet.encoding and sheet.date name the field "file". {row} is the row
// number Excel shows, counted from 1 at the top of the file.

// fileError returns an Invalid error on the uploaded file.
func fileError(key string) *apperr.Error { return apperr.Invalidf("file", key) }
