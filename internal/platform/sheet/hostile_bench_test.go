package sheet_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"shequ/internal/platform/sheet"
)

// BenchmarkHostileFiles reads each hostile file, and beside it a normal register
// of the same size on disk, its anchor: the time per read, and the peak memory
// (VmHWM) of a process that does nothing else, run once.
//
//	go test -run='^$' -bench=HostileFiles -benchtime=3x ./internal/platform/sheet/
func BenchmarkHostileFiles(b *testing.B) {
	cases := []struct {
		name   string
		format sheet.Format
		data   func(testing.TB) []byte
	}{
		{"csv_million_columns", sheet.CSV, func(testing.TB) []byte { return millionColumnsCSV() }},
		{"csv_12M_rows", sheet.CSV, func(testing.TB) []byte { return manyRowsCSV() }},
		{"xlsx_600MB_shared_cell", sheet.XLSX, hugeSharedCellXLSX},
		{"xlsx_600MB_inline_cell", sheet.XLSX, hugeInlineCellXLSX},
		{"xlsx_12M_rows", sheet.XLSX, manyRowsXLSX},
		{"xlsx_zip_bomb_4GiB", sheet.XLSX, zipBombXLSX},
		{"xlsx_lying_zip_bomb", sheet.XLSX, lyingZipBombXLSX},
		{"xlsx_3.7M_tiny_shared_strings", sheet.XLSX, func(tb testing.TB) []byte { return tinySharedStringsXLSX(tb, 3_700_000) }},
	}
	for _, c := range cases {
		data := c.data(b)
		for _, kind := range []string{"hostile", "anchor"} {
			file := data
			if kind == "anchor" {
				file = normalFile(b, c.format, len(data))
			}
			path := writeFile(b, "f."+string(c.format), file)
			b.Run(c.name+"/"+kind, func(b *testing.B) {
				for b.Loop() {
					readToEnd(path, c.format)
				}
				b.ReportMetric(float64(len(file))/(1<<20), "MB-on-disk")
				b.ReportMetric(peakMemory(b, path, c.format), "MB-peak-RSS")
			})
		}
	}
}

// normalFile is a register of residents of about size bytes on disk.
func normalFile(tb testing.TB, f sheet.Format, size int) []byte {
	rows := [][]string{register()[0]}
	row := func(i int) []string {
		return []string{fmt.Sprintf("居民%d", i), fmt.Sprintf("4504031980%08d", i), fmt.Sprintf("长洲区兴业路 %d 号", i), "无"}
	}
	if f == sheet.CSV {
		var b bytes.Buffer
		w := sheet.NewCSV(&b)
		for i := 0; b.Len() < size; i++ {
			if err := w.Write(row(i)); err != nil {
				tb.Fatal(err)
			}
		}
		return b.Bytes()
	}
	// An .xlsx compresses a register about tenfold: guess the rows, then grow.
	n := max(size/9, 100)
	for {
		rows = rows[:1]
		for i := range n {
			rows = append(rows, row(i))
		}
		data := book(tb, "名单", rows)
		if len(data) >= size {
			return data
		}
		n = n * size / len(data) * 11 / 10
	}
}

// readToEnd opens a file and reads it until its end or its first error.
func readToEnd(path string, f sheet.Format) error {
	r, err := sheet.Open(path, f, sheet.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	for {
		if _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// peakMemory runs TestReadOneFile in a process of its own on path and returns its
// peak resident memory in MB.
func peakMemory(b *testing.B, path string, f sheet.Format) float64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestReadOneFile$")
	cmd.Env = append(os.Environ(), "SHEQU_READ_ONE="+string(f)+":"+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	_, kb, ok := strings.Cut(string(out), "VmHWM:")
	if !ok {
		b.Fatalf("no VmHWM in %s", out)
	}
	n, err := strconv.Atoi(strings.Fields(kb)[0])
	if err != nil {
		b.Fatal(err)
	}
	return float64(n) / 1024
}

// TestReadOneFile is BenchmarkHostileFiles' subprocess: it reads the file
// SHEQU_READ_ONE names and prints its peak memory.
func TestReadOneFile(t *testing.T) {
	spec := os.Getenv("SHEQU_READ_ONE")
	if spec == "" {
		t.Skip("run by BenchmarkHostileFiles")
	}
	f, path, _ := strings.Cut(spec, ":")
	err := readToEnd(path, sheet.Format(f))
	status, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(status)) {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Print(line)
		}
	}
	fmt.Println("error:", err)
}
