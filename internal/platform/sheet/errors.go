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
//
// All but sheet.encoding and sheet.date name the field "file". {row} is the row
// number Excel shows, counted from 1 at the top of the file.

// fileError returns an Invalid error on the uploaded file.
func fileError(key string) *apperr.Error { return apperr.Invalidf("file", key) }
