package reorg

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"shequ/internal/platform/apperr"
)

// staffColumns are the staff list's columns, by the names a header may give them.
var staffColumns = map[string]string{
	"worker": "worker", "工作者": "worker", "身份证号": "worker", "公民身份号码": "worker",
	"community": "community", "社区": "community", "新社区": "community",
	"grids": "grids", "网格": "grids",
}

// ReadStaffList reads a reviewed staff list (人员安排名单): a CSV file in UTF-8 with
// a header row naming its columns — worker (工作者: the worker's ID number or id),
// community (社区: a community's code, or a number the change gives a community,
// such as a plan's) and grids (网格: grid codes, separated by spaces, optional) —
// and a row per worker. A problem names its row (the header is row 1) and column.
func ReadStaffList(r io.Reader) ([]Posting, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, apperr.Invalidf("staff", "reorg.staff_header")
	}
	if err != nil {
		return nil, apperr.Invalidf("staff", "reorg.staff_csv").With("row", 1)
	}
	at := map[string]int{}
	for i, h := range header {
		if c, ok := staffColumns[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))]; ok {
			at[c] = i
		}
	}
	if _, ok := at["worker"]; !ok {
		return nil, apperr.Invalidf("staff", "reorg.staff_header")
	}
	if _, ok := at["community"]; !ok {
		return nil, apperr.Invalidf("staff", "reorg.staff_header")
	}
	cell := func(rec []string, c string) string {
		if i, ok := at[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	out := []Posting{}
	seen := map[string]int{}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, apperr.Invalidf("staff", "reorg.staff_csv").With("row", row)
		}
		p := Posting{Worker: cell(rec, "worker"), Community: cell(rec, "community"), Grids: strings.Fields(cell(rec, "grids"))}
		if p.Worker == "" && p.Community == "" && len(p.Grids) == 0 {
			continue
		}
		for _, c := range []string{"worker", "community"} {
			if cell(rec, c) == "" {
				return nil, apperr.Invalidf("staff", "reorg.staff_cell").With("row", row).With("column", c)
			}
		}
		if first, ok := seen[p.Worker]; ok {
			return nil, apperr.Invalidf("staff", "reorg.staff_twice").With("row", row).With("first", strconv.Itoa(first))
		}
		seen[p.Worker] = row
		out = append(out, p)
	}
}
