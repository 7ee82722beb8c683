// Package sheet reads and writes the table files communities keep their registers in
// (台账): CSV, as saved by Excel or WPS in UTF-8 or GB18030, and Excel .xlsx. It reads
// a row at a time so a register of half a million residents never sits in memory, and
// it knows nothing of what the columns mean. It depends on apperr, excelize and x/text.
package sheet
