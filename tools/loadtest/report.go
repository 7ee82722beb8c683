package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// markdown is the results as the section of docs/benchmarks.md that holds them.
func (r *results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d connections, %s a measurement after a second's warm-up; measured %s.\n\n",
		map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.dialect], r.conns, r.duration, time.Now().Format("2006-01-02"))
	b.WriteString("| endpoint | answer | shequ req/s (p50, p99) | bare primary-key lookup req/s (p50, p99) | ratio | target | met |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, row := range r.rows {
		ratio := row.app.rps / row.pk.rps
		met := "**no**"
		if ratio >= row.target {
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %d B | %s | %s | %.2f | %.2f | %s |\n", row.name, row.size, cell(row.app), cell(row.pk), ratio, row.target, met)
	}
	if len(r.rows) > 0 && r.rows[0].json != nil {
		j := r.rows[0].json
		fmt.Fprintf(&b, "\nA bare JSON answer of the resident's size, touching no database: %s; the resident by id is %.2f of it.\n",
			cell(*j), r.rows[0].app.rps/j.rps)
	}
	s := r.stats
	fmt.Fprintf(&b, "\nCity statistics (`GET /api/v1/stats` as the city): first call %s; a repeated call p50 %s (target under 10 ms); "+
		"%d concurrent callers p99 %s (target under 100 ms), %.0f req/s.\n",
		ms(s.first), ms(s.repeatP50), r.conns, ms(s.concurrent.p99), s.concurrent.rps)
	fmt.Fprintf(&b, "\nA load of %d requests abandoned mid-flight (20 ms client timeout): %d answers of 500 and %d ERROR lines in shequ's log, over the whole run.\n",
		r.aborted.requests, r.aborted.errors500, r.aborted.errorLines)
	bad := 0
	for _, row := range r.rows {
		bad += row.app.bad + row.pk.bad
	}
	if bad > 0 {
		fmt.Fprintf(&b, "\n%d answers were not 200 during the measurements.\n", bad)
	}
	return b.String()
}

func cell(f figures) string {
	return fmt.Sprintf("%.0f (%s, %s)", f.rps, ms(f.p50), ms(f.p99))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// writeSection puts table into the markdown file at path, between the marks
// <!-- loadtest:DIALECT --> and <!-- /loadtest:DIALECT -->, which must be there.
func writeSection(path, dialect, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- loadtest:"+dialect+" -->", "<!-- /loadtest:"+dialect+" -->"
	before, rest, ok := strings.Cut(string(b), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		return fmt.Errorf("%s has no marks %s … %s", path, begin, end)
	}
	return os.WriteFile(path, []byte(before+begin+"\n"+table+"\n"+end+after), 0o644)
}
