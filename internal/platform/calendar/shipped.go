package calendar

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// shippedFiles are the years shipped in the binary, years/YYYY.csv, each from
// the State Council General Office's notice for the year that its first line
// names (compiled and cross-checked in docs/cn-holidays.md of the project's
// shared documents). A year whose notice is not published, or was not found, is
// not shipped: an administrator adds it.
//
//go:embed years/*.csv
var shippedFiles embed.FS

// shipped are the shipped years, read once.
var shipped = sync.OnceValues(func() (map[int]Year, error) {
	files, err := fs.Glob(shippedFiles, "years/*.csv")
	if err != nil {
		return nil, err
	}
	out := map[int]Year{}
	for _, name := range files {
		year, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "years/"), ".csv"))
		if err != nil {
			return nil, fmt.Errorf("calendar: shipped file %s: name is not a year", name)
		}
		f, err := shippedFiles.Open(name)
		if err != nil {
			return nil, err
		}
		y, err := ParseYear(year, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("calendar: shipped file %s: %w", name, err)
		}
		out[year] = y
	}
	return out, nil
})

// Shipped returns the years shipped in the binary, in order.
func Shipped() ([]Year, error) {
	years, err := shipped()
	if err != nil {
		return nil, err
	}
	out := make([]Year, 0, len(years))
	for _, n := range slices.Sorted(maps.Keys(years)) {
		y := years[n]
		y.Days = slices.Clone(y.Days)
		out = append(out, y)
	}
	return out, nil
}
