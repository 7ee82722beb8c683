package sheet_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"shequ/internal/platform/sheet"
)

// bigRows is about the size of a district's register: 200,000 residents, 17 MB of CSV.
const bigRows = 200_000

// memoryLimit is what reading or writing a big register may hold in the heap. The
// data far exceeds it; what excelize buffers (16 MiB of sheet, the zipped file on
// writing) does not.
const memoryLimit = 64 << 20

func TestCSV_ReadsABigFileInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 17 MB")
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := bufio.NewWriter(file)
	w := sheet.NewCSV(buf)
	if err := w.Write([]string{"姓名", "公民身份号码", "住址", "备注"}); err != nil {
		t.Fatal(err)
	}
	for i := range bigRows {
		row := []string{fmt.Sprintf("居民%d", i), fmt.Sprintf("4504031980%08d", i), fmt.Sprintf("长洲区兴业路 %d 号", i), "无"}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := buf.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}

	peak := heapInUse()
	r := open(t, path, sheet.CSV, sheet.Options{})
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Line != n+1 {
			t.Fatalf("row %d has Line %d", n, row.Line)
		}
		if n%10_000 == 0 {
			peak = max(peak, heapInUse())
		}
	}
	if n != bigRows {
		t.Fatalf("read %d rows, want %d", n, bigRows)
	}
	if peak > memoryLimit {
		t.Errorf("heap in use reached %d MiB reading %d rows, want under %d MiB", peak>>20, n, memoryLimit>>20)
	}
	t.Logf("heap in use peaked at %.1f MiB", float64(peak)/(1<<20))
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func TestXLSX_WritesAndReadsABigSheetInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a sheet of 200,000 rows")
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	peak := heapInUse()
	b := sheet.NewBook()
	defer func() { _ = b.Close() }()
	w, err := b.Sheet("名单")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"姓名", "公民身份号码", "住址", "备注"}); err != nil {
		t.Fatal(err)
	}
	for i := range bigRows {
		row := []string{fmt.Sprintf("居民%d", i), fmt.Sprintf("4504031980%08d", i), fmt.Sprintf("长洲区兴业路 %d 号", i), "无"}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
		if i%10_000 == 0 {
			peak = max(peak, heapInUse())
		}
	}
	if _, err := b.WriteTo(file); err != nil {
		t.Fatal(err)
	}
	peak = max(peak, heapInUse())
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("writing: heap in use peaked at %.1f MiB", float64(peak)/(1<<20))
	if peak > memoryLimit {
		t.Errorf("heap in use reached %d MiB writing %d rows, want under %d MiB", peak>>20, bigRows, memoryLimit>>20)
	}

	peak = heapInUse()
	r := open(t, path, sheet.XLSX, sheet.Options{})
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Line != n+1 {
			t.Fatalf("row %d has Line %d", n, row.Line)
		}
		if n%10_000 == 0 {
			peak = max(peak, heapInUse())
		}
	}
	t.Logf("reading: heap in use peaked at %.1f MiB", float64(peak)/(1<<20))
	if n != bigRows {
		t.Fatalf("read %d rows, want %d", n, bigRows)
	}
	if peak > memoryLimit {
		t.Errorf("heap in use reached %d MiB reading %d rows, want under %d MiB", peak>>20, n, memoryLimit>>20)
	}
}
