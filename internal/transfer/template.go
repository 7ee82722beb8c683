package transfer

import (
	"io"
	"strings"

	"shequ/internal/platform/i18n"
	"shequ/internal/platform/sheet"
)

// Template writes an empty table of kind for people to fill in: the header row in
// Chinese and, in XLSX, a second sheet that explains each column and its allowed
// values, in Chinese too — the people filling it in work in Chinese.
func (s *Service) Template(kind Kind, format sheet.Format, w io.Writer) error {
	const lang = i18n.Default
	if format == sheet.CSV {
		c := sheet.NewCSV(w)
		if err := c.Write(kind.Headers(lang)); err != nil {
			return err
		}
		return c.Close()
	}
	b := sheet.NewBook()
	defer b.Close()
	data, err := b.Sheet(s.bundle.T(lang, "transfer.sheet."+string(kind)))
	if err != nil {
		return err
	}
	if err := data.Write(kind.Headers(lang)); err != nil {
		return err
	}
	help, err := b.Sheet(s.bundle.T(lang, "transfer.help.sheet"))
	if err != nil {
		return err
	}
	t := func(key string) string { return s.bundle.T(lang, key) }
	if err := help.Write([]string{t("transfer.help.column"), t("transfer.help.field"), t("transfer.help.required"),
		t("transfer.help.meaning"), t("transfer.help.values")}); err != nil {
		return err
	}
	for _, c := range kind.columns() {
		required := t("transfer.help.optional")
		if c.Required {
			required = t("transfer.help.must")
		}
		var values []string
		switch {
		case c.Enum != "":
			for _, v := range c.Values {
				values = append(values, s.bundle.T(lang, c.Enum+v))
			}
		case c.Table != nil:
			// A form for a new record offers no legacy code; an import still takes one.
			for _, e := range c.Table().Entries() {
				if !e.Legacy {
					values = append(values, e.Code+" "+e.Name)
				}
			}
		}
		if err := help.Write([]string{c.Header, c.Field, required, t("transfer.help." + string(kind) + "." + c.Field), strings.Join(values, "、")}); err != nil {
			return err
		}
	}
	_, err = b.WriteTo(w)
	return err
}
