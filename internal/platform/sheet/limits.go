package sheet

// Limits bound what reading one file may cost, so that a file made to hurt the
// server (a million columns, one cell of 600 MB, a zip bomb) is refused within a
// second, naming the limit it broke, instead of taking gigabytes of memory and
// minutes of CPU. Each is checked while streaming, before the cells it guards are
// held in memory: a CSV file is scanned once before its first row is returned, an
// .xlsx workbook's parts are measured before excelize opens it.
//
// A zero field takes its default from DefaultLimits.
type Limits struct {
	// Columns is the most cells a row may have, the header's included.
	Columns int
	// CellBytes is the longest a cell may be, in bytes of UTF-8.
	CellBytes int
	// Rows is the most rows a file may have, counted as Excel numbers them.
	Rows int
	// UnzipBytes is the most an .xlsx workbook may unpack to, all its parts together.
	UnzipBytes int64
	// XMLBytes is the most the parts of an .xlsx workbook that excelize holds in
	// memory may unpack to, together: the shared strings, the styles, the workbook,
	// any worksheet small enough not to be spilled to disk.
	XMLBytes int64
	// SharedStrings is the most entries an .xlsx workbook's shared-string table may
	// have. excelize holds each as a struct of about a hundred bytes beside its
	// text, so it bounds memory where XMLBytes cannot: 64 MiB of one-letter
	// entries is almost four million of them.
	SharedStrings int
	// Problems is how many problems of one kind a report on the file lists; the
	// rest are counted. The reader does not use it: it is here so that every bound
	// on reading a file has its default in one place.
	Problems int
}

// DefaultLimits are generous for a register: a city's 458,000 residents fit with
// room to spare (8 columns, a few hundred thousand rows, some 40 MB of shared
// strings when Excel saves them), and reading at these limits keeps the server's
// memory under 300 MB.
func DefaultLimits() Limits {
	return Limits{
		Columns:       256,
		CellBytes:     4 << 10,
		Rows:          2_000_000,
		UnzipBytes:    1 << 30,
		XMLBytes:      64 << 20,
		SharedStrings: 2_000_000,
		Problems:      1000,
	}
}

// OrDefault returns l with its zero fields set to their defaults.
func (l Limits) OrDefault() Limits {
	d := DefaultLimits()
	return Limits{
		Columns:       positiveOr(l.Columns, d.Columns),
		CellBytes:     positiveOr(l.CellBytes, d.CellBytes),
		Rows:          positiveOr(l.Rows, d.Rows),
		UnzipBytes:    positiveOr(l.UnzipBytes, d.UnzipBytes),
		XMLBytes:      positiveOr(l.XMLBytes, d.XMLBytes),
		SharedStrings: positiveOr(l.SharedStrings, d.SharedStrings),
		Problems:      positiveOr(l.Problems, d.Problems),
	}
}

// positiveOr returns v, or def when v is not positive: a limit of zero or less,
// from a flag, means the default.
func positiveOr[T int | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
