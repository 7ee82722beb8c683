package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// excelRows and excelColumns are the most a worksheet can have in Excel; a row or
// cell past them is not in a workbook Excel wrote.
const (
	excelRows    = 1 << 20
	excelColumns = 1 << 14
)

// spillBytes is the size past which excelize unpacks a worksheet to a temporary file
// rather than memory (its Options.UnzipXMLSizeLimit): excelize's own default, or
// less if the limits on memory are lower.
func spillBytes(lim Limits) int64 { return min(16<<20, lim.XMLBytes) }

// checkXLSX checks the workbook at file against lim before excelize opens it, and
// returns the name of the worksheet to read: sheet, found without regard to case as
// Excel does, or the first. excelize trusts a zip's declared sizes, holds most
// parts in memory, reads the shared strings whole and walks every row of a sheet
// before it can fail, so a zip bomb, a cell of 600 MB or twelve million rows would
// cost it gigabytes and minutes. Here the parts' declared sizes are added up
// (archive/zip refuses to unpack more than a part declares), then the worksheet is
// read once as a stream (checkSheetXML).
func checkXLSX(file, sheet string, lim Limits) (string, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		// A file that cannot be opened at all is the server's problem, not the user's.
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			return "", err
		}
		return "", fileError("sheet.not_xlsx")
	}
	defer z.Close()
	var total, inMemory uint64
	var held []*zip.File
	for _, f := range z.File {
		total += f.UncompressedSize64
		if !strings.HasPrefix(strings.ToLower(f.Name), "xl/worksheets/sheet") || f.UncompressedSize64 <= uint64(spillBytes(lim)) {
			inMemory += f.UncompressedSize64
			held = append(held, f)
		}
	}
	if total > uint64(lim.UnzipBytes) {
		return "", fileError("sheet.unzip_too_big").With("max", lim.UnzipBytes>>20)
	}
	if inMemory > uint64(lim.XMLBytes) {
		return "", fileError("sheet.xml_too_big").With("max", lim.XMLBytes>>20)
	}
	// excelize ignores an error unpacking a part it holds, so one that inflates
	// past its declared size would be read cut short, or another than it says. The
	// shared strings are counted on the way: excelize holds each entry as a struct
	// of some hundred bytes, so 64 MiB of one-letter entries would cost it over
	// 400 MB.
	for _, f := range held {
		err := unpacks(f, "", 0)
		if strings.EqualFold(path.Base(f.Name), "sharedStrings.xml") {
			err = unpacks(f, "si", lim.SharedStrings)
		}
		if errors.Is(err, errTooManyElements) {
			return "", fileError("sheet.too_many_shared_strings").With("max", lim.SharedStrings)
		}
		if err != nil {
			return "", fileError("sheet.not_xlsx")
		}
	}
	names, parts, err := sheetParts(&z.Reader)
	if err != nil || len(names) == 0 {
		return "", fileError("sheet.not_xlsx")
	}
	i := 0
	if sheet != "" {
		i = -1
		for j, n := range names {
			if strings.EqualFold(n, sheet) {
				i = j
				break
			}
		}
		if i < 0 {
			return "", fileError("sheet.no_sheet").With("sheet", sheet).With("sheets", strings.Join(names, "、"))
		}
	}
	if parts[i] == "" {
		return "", fileError("sheet.not_xlsx")
	}
	// Counting the rows first, at the speed of unpacking, refuses twelve million of
	// them in a tenth of a second; the XML pass below would take seconds to get there.
	j := slices.IndexFunc(z.File, func(f *zip.File) bool { return f.Name == parts[i] })
	if j < 0 {
		return "", fileError("sheet.not_xlsx")
	}
	maxRows := min(lim.Rows, excelRows)
	switch err := unpacks(z.File[j], "row", maxRows); {
	case errors.Is(err, errTooManyElements):
		return "", fileError("sheet.too_many_rows").With("max", maxRows)
	case err != nil:
		return "", fileError("sheet.not_xlsx")
	}
	f, err := z.File[j].Open()
	if err != nil {
		return "", fileError("sheet.not_xlsx")
	}
	defer f.Close()
	return names[i], checkSheetXML(f, lim)
}

// unpacks reads a part through, for archive/zip to check it against its declared
// size and checksum, counting the start tags called local on the way: more than
// max of them is errTooManyElements. With local "" it only reads.
func unpacks(f *zip.File, local string, max int) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if local == "" {
		_, err = io.Copy(io.Discard, rc)
		return err
	}
	return countElements(rc, local, max)
}

// errLongRun is runGuard's: text or a tag longer than any cell may be.
var errLongRun = errors.New("sheet: a run of XML longer than a cell may be")

// runGuard passes XML through, failing once a run of bytes without '<' or '>' —
// the text of one cell, or one tag — is longer than max. encoding/xml holds such a
// run whole, so without it one cell of 600 MB would be read into memory before its
// length could be checked.
type runGuard struct {
	r   io.Reader
	max int
	run int
}

func (g *runGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		if b == '<' || b == '>' {
			g.run = 0
			continue
		}
		if g.run++; g.run > g.max {
			return i, errLongRun
		}
	}
	return n, err
}

// checkSheetXML reads the XML of a worksheet once, to its end, with flat memory. It
// refuses a sheet with more rows than lim allows (declared in its dimension, or
// found), a cell with a value further right than lim's columns, and a cell too long
// by its XML, as escaped text is up to six times its length. It also finds a sheet
// cut short inside an intact zip (a half-finished save, a broken tool), which
// excelize's row iterator would read as a shorter sheet and import in part.
func checkSheetXML(part io.Reader, lim Limits) error {
	maxRows := min(lim.Rows, excelRows)
	tooMany := fileError("sheet.too_many_rows").With("max", maxRows)
	d := xml.NewDecoder(&runGuard{r: part, max: 6*lim.CellBytes + 64})
	closed, row, col, inCell := false, 0, 0, false
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errLongRun) && inCell {
			return cellTooLong(row, col, lim.CellBytes)
		}
		if err != nil {
			return fileError("sheet.not_xlsx")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dimension":
				if lastRow(attr(t, "ref")) > maxRows {
					return tooMany
				}
			case "row":
				row, col = row+1, 0
				if r, err := strconv.Atoi(attr(t, "r")); err == nil {
					row = r
				}
				if row > maxRows {
					return tooMany
				}
			case "c":
				col++
				if c, _, err := excelize.CellNameToCoordinates(attr(t, "r")); err == nil {
					col = c
				}
				if col > excelColumns {
					return fileError("sheet.not_xlsx")
				}
				inCell = true
			case "v", "is":
				if inCell && col > lim.Columns {
					return fileError("sheet.too_many_columns").With("row", row).With("max", lim.Columns)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				inCell = false
			case "worksheet":
				closed = true
			}
		}
	}
	if !closed {
		return fileError("sheet.not_xlsx")
	}
	return nil
}

// attr returns the value of the attribute called name, or "".
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// sheetParts returns the names of the worksheets, in order, with the zip path of
// each found through the workbook's relationships ("" if none).
func sheetParts(z *zip.Reader) (names, parts []string, err error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(z, "xl/workbook.xml", &wb); err != nil {
		return nil, nil, err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(z, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, nil, err
	}
	for _, s := range wb.Sheets {
		part := ""
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				part = path.Join("xl", r.Target)
				if strings.HasPrefix(r.Target, "/") {
					part = strings.TrimPrefix(r.Target, "/")
				}
				break
			}
		}
		names, parts = append(names, s.Name), append(parts, part)
	}
	return names, parts, nil
}

func decodePart(z *zip.Reader, name string, v any) error {
	f, err := z.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return xml.NewDecoder(f).Decode(v)
}
