package transfer

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"shequ/internal/platform/sheet"
)

// Report writes the error report of an import as an XLSX book: the rows of the
// file as they were, with a column added that says what is wrong with each. r is
// the same file opened again; res has been through Describe.
func (s *Service) Report(res *Result, r sheet.Reader, lang string, w io.Writer) error {
	byRow := map[int][]string{}
	for _, p := range res.Problems {
		msg := p.Message
		if p.Column != "" {
			msg = p.Column + "：" + msg
		}
		byRow[p.Row] = append(byRow[p.Row], msg)
	}
	b := sheet.NewBook()
	defer b.Close()
	out, err := b.Sheet(s.bundle.T(lang, "transfer.report.sheet"))
	if err != nil {
		return err
	}
	problems := func(row int) string {
		msgs := byRow[row]
		delete(byRow, row)
		return strings.Join(msgs, "；")
	}
	header := append([]string{s.bundle.T(lang, "transfer.report.problems"), s.bundle.T(lang, "transfer.report.row")}, r.Header()...)
	if err := out.Write(header); err != nil {
		return err
	}
	if msgs := problems(1); msgs != "" {
		if err := out.Write([]string{msgs, "1"}); err != nil {
			return err
		}
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			break // the problem that stopped the import is listed below
		}
		cells := append([]string{problems(row.Line), strconv.Itoa(row.Line)}, row.Cells...)
		if err := out.Write(cells); err != nil {
			return err
		}
	}
	for _, p := range res.Problems {
		if msgs, ok := byRow[p.Row]; ok {
			delete(byRow, p.Row)
			if err := out.Write([]string{strings.Join(msgs, "；"), strconv.Itoa(p.Row)}); err != nil {
				return err
			}
		}
	}
	_, err = b.WriteTo(w)
	return err
}
