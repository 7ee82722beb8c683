package transfer

import (
	"context"
	"io"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/sheet"
)

// WriteExport runs an export of kind under code into a file of format f on w, and
// returns the number of data rows. A CSV is streamed as the rows are read; an XLSX
// book is built whole and written at the end, so an error before then leaves w
// untouched. The XLSX sheet is named after the register in lang (居民), which
// an import ignores: it reads the first sheet whatever its name.
func WriteExport(ctx context.Context, svc *Service, p auth.Principal, kind Kind, code, lang string, f sheet.Format, w io.Writer) (int, error) {
	if f == sheet.CSV {
		c := sheet.NewCSV(w)
		n, err := svc.Export(ctx, p, kind, code, lang, c)
		if err != nil {
			return n, err
		}
		return n, c.Close()
	}
	b := sheet.NewBook()
	defer b.Close()
	s, err := b.Sheet(svc.bundle.T(lang, "transfer.sheet."+string(kind)))
	if err != nil {
		return 0, err
	}
	n, err := svc.Export(ctx, p, kind, code, lang, s)
	if err != nil {
		return n, err
	}
	_, err = b.WriteTo(w)
	return n, err
}
