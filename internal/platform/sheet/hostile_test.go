package sheet_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"testing"
)

// The hostile files below are built on the fly, small on disk: a zip part is
// written as raw deflate, a block compressing a chunk once and then repeated, so a
// part that unpacks to gigabytes takes a few megabytes and no time to make. The
// parts are refused before they are unpacked whole, so their checksums are left 0.

// millionColumnsCSV is a header of a million columns, 10 MB.
func millionColumnsCSV() []byte {
	return []byte(strings.Repeat("未知列,", 1_000_000) + "\n")
}

// manyRowsCSV is a header and twelve million rows of one cell, 24 MB.
func manyRowsCSV() []byte {
	return []byte("姓名\n" + strings.Repeat("a\n", 12_000_000))
}

// deflated compresses s as raw deflate blocks that start afresh, so that they can
// be repeated and concatenated; last ends the stream.
func deflated(t testing.TB, s string, last bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if last {
		err = w.Close()
	} else {
		err = w.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPart is a zip part: prefix, then chunk times n, then suffix.
type bombPart struct {
	name           string
	prefix, suffix string
	chunk          string
	n              int
	declared       int64 // the size the zip declares; 0: the true one
}

// withPart returns the workbook data with part in place of the part of that name,
// or added.
func withPart(t testing.TB, data []byte, p bombPart) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, file := range zr.File {
		if file.Name == p.name {
			continue
		}
		w, err := zw.Create(file.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := copyZipFile(w, file); err != nil {
			t.Fatal(err)
		}
	}
	body := deflated(t, p.prefix, false)
	chunk := deflated(t, p.chunk, false)
	raw := bytes.NewBuffer(body)
	for range p.n {
		raw.Write(chunk)
	}
	raw.Write(deflated(t, p.suffix, true))
	size := int64(len(p.prefix) + len(p.suffix) + p.n*len(p.chunk))
	if p.declared > 0 {
		size = p.declared
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate,
		CompressedSize64: uint64(raw.Len()), UncompressedSize64: uint64(size)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

const mib = 1 << 20

// hugeSharedCellXLSX is a workbook whose one cell is a shared string of 600 MB.
func hugeSharedCellXLSX(t testing.TB) []byte {
	data := withPart(t, book(t, "名单", register()), bombPart{name: "xl/worksheets/sheet1.xml",
		prefix: `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`})
	return withPart(t, data, bombPart{name: "xl/sharedStrings.xml", prefix: `<sst><si><t>`,
		chunk: strings.Repeat("a", mib), n: 600, suffix: `</t></si></sst>`})
}

// hugeInlineCellXLSX is a workbook whose second row holds a cell of 600 MB in the
// sheet itself.
func hugeInlineCellXLSX(t testing.TB) []byte {
	return withPart(t, book(t, "名单", register()), bombPart{name: "xl/worksheets/sheet1.xml",
		prefix: `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>`,
		chunk: strings.Repeat("a", mib), n: 600, suffix: `</t></is></c></row></sheetData></worksheet>`})
}

// manyRowsXLSX is a workbook of twelve million rows, 560 MB of XML.
func manyRowsXLSX(t testing.TB) []byte {
	const row = `<row><c t="inlineStr"><is><t>x</t></is></c></row>`
	return withPart(t, book(t, "名单", register()), bombPart{name: "xl/worksheets/sheet1.xml",
		prefix: `<worksheet><sheetData>`, chunk: strings.Repeat(row, 12_000), n: 1000, suffix: `</sheetData></worksheet>`})
}

// zipBombXLSX is a workbook with a part that unpacks to 4 GiB.
func zipBombXLSX(t testing.TB) []byte {
	return withPart(t, book(t, "名单", register()), bombPart{name: "xl/media/image1.png",
		chunk: strings.Repeat("\x00", mib), n: 4096})
}

// lyingZipBombXLSX is a workbook whose shared strings declare 1 KiB and unpack to
// 2 GiB.
func lyingZipBombXLSX(t testing.TB) []byte {
	return withPart(t, book(t, "名单", register()), bombPart{name: "xl/sharedStrings.xml", prefix: `<sst><si><t>`,
		chunk: strings.Repeat("a", mib), n: 2048, suffix: `</t></si></sst>`, declared: 1 << 10})
}

// tinySharedStringsXLSX is a whole, valid workbook — checksums right — whose
// shared-string table has n one-letter entries (17 bytes of XML each) and whose
// sheet shows the first two: 3.7 million of them fit under the 64 MiB of XMLBytes
// and cost excelize over 400 MB.
func tinySharedStringsXLSX(t testing.TB, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	part := func(name string, write func(w io.Writer) error) {
		w, err := zw.Create(name)
		if err == nil {
			err = write(w)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	text := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	part("[Content_Types].xml", text(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`))
	part("_rels/.rels", text(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	part("xl/workbook.xml", text(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" `+
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	part("xl/_rels/workbook.xml.rels", text(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`+
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`))
	part("xl/worksheets/sheet1.xml", text(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>`))
	part("xl/sharedStrings.xml", func(w io.Writer) error {
		const entry = `<si><t>a</t></si>`
		if _, err := io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`); err != nil {
			return err
		}
		chunk := strings.Repeat(entry, 4096)
		for left := n; left > 0; left -= 4096 {
			if _, err := io.WriteString(w, chunk[:min(left, 4096)*len(entry)]); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</sst>`)
		return err
	})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
