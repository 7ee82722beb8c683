package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"
)

// checkSheetXML reads the XML of the named worksheet once, to its end, and reports
// whether it is whole. excelize's row iterator ignores XML errors, so a sheet cut
// short inside an intact zip (a half-finished save, a broken tool) would read as a
// shorter sheet and import in part. This pass costs one streaming read, with flat
// memory.
func checkSheetXML(file, sheet string) error {
	z, err := zip.OpenReader(file)
	if err != nil {
		return fileError("sheet.not_xlsx")
	}
	defer z.Close()
	part, err := sheetPart(&z.Reader, sheet)
	if err != nil {
		return fileError("sheet.not_xlsx")
	}
	f, err := z.Open(part)
	if err != nil {
		return fileError("sheet.not_xlsx")
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	closed := false
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fileError("sheet.not_xlsx")
		}
		if end, ok := tok.(xml.EndElement); ok && end.Name.Local == "worksheet" {
			closed = true
		}
	}
	if !closed {
		return fileError("sheet.not_xlsx")
	}
	return nil
}

// sheetPart finds the zip path of a worksheet by its name, through the workbook
// and its relationships.
func sheetPart(z *zip.Reader, sheet string) (string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(z, "xl/workbook.xml", &wb); err != nil {
		return "", err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(z, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", err
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/"), nil
				}
				return path.Join("xl", r.Target), nil
			}
		}
	}
	return "", errors.New("sheet part not found")
}

func decodePart(z *zip.Reader, name string, v any) error {
	f, err := z.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return xml.NewDecoder(f).Decode(v)
}
