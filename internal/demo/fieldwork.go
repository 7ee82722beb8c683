package demo

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"shequ/internal/fieldwork"
	"shequ/internal/platform/db"
)

// The demo's grid work: which households its workers visited and when, in a
// pattern the same at every load (it depends on now, and on the order of the
// households within their grid). Of every visitCycle households in a grid, one
// has never been visited; the others were last visited up to visitSpan days ago,
// so that the grid's page marks some as overdue; every followUpEvery-th visit asks
// to go back, some of those due today.
const (
	visitCycle       = 4
	visitSpan        = 150
	followUpEvery    = 9
	patrolsPerGrid   = 3
	demoFieldworker  = "demo-fieldworker"
	demoBoundsWuzhou = "22.6,110.3,24.1,111.9"
)

// demoNotes are what the demo's workers write, by visit purpose.
var demoNotes = map[string][]string{
	"01": {"家中情况正常", "户主在家，了解近况"},
	"02": {"老人独居，身体尚可，叮嘱注意安全", "慰问空巢老人，送去米油"},
	"03": {"核对家庭收入与人口，情况属实"},
	"04": {"回访楼道漏水问题，已修好，居民满意"},
}

// LoadFieldwork gives every grid of the demo city its grid work — visits to most of
// its households, some follow-ups due, and a few patrols in the last week — and
// sets the box the workers' points must fall in to the city's. It writes in one
// bulk transaction and touches no figure of the report: visits and patrols are
// counted by no statistic. It returns how many visits and patrols it made.
func LoadFieldwork(ctx context.Context, d *db.DB, now time.Time, zone *time.Location, w io.Writer) (visits, patrols int, err error) {
	rows, err := d.Read().QueryContext(ctx, `SELECT id, org_code FROM households WHERE dissolved_on IS NULL ORDER BY org_code, household_no`)
	if err != nil {
		return 0, 0, err
	}
	type home struct{ id, grid string }
	var homes []home
	for rows.Next() {
		var h home
		if err := rows.Scan(&h.id, &h.grid); err != nil {
			rows.Close()
			return 0, 0, err
		}
		homes = append(homes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	today := now.In(zone)
	vt := db.NewTable("visits", "id", "org_code", "household_id", "visited_on", "met", "purpose", "notes", "follow_up_on", "user_id", "created_at")
	pt := db.NewTable("patrols", "id", "org_code", "user_id", "started_at", "ended_at", "route_notes", "gps_consent")
	purposes := []string{"01", "01", "02", "03", "04"}
	grid, n := "", 0
	for _, h := range homes {
		if h.grid != grid {
			grid, n = h.grid, 0
			for i := range patrolsPerGrid {
				start := time.Date(today.Year(), today.Month(), today.Day()-2*i-1, 9, 0, 0, 0, zone)
				pt.Add("demo-patrol-"+grid+"-"+strconv.Itoa(i), grid, demoFieldworker, start.UnixMilli(), start.Add(90*time.Minute).UnixMilli(), "沿主干道及小区内部巡查一圈", 0)
				patrols++
			}
		}
		n++
		if n%visitCycle == 0 {
			continue
		}
		ago := (n * 37) % visitSpan
		on := today.AddDate(0, 0, -ago)
		purpose := purposes[n%len(purposes)]
		notes := demoNotes[purpose][n%len(demoNotes[purpose])]
		var follow any
		if n%followUpEvery == 0 {
			follow = today.AddDate(0, 0, n%3).Format(time.DateOnly)
		}
		vt.Add("demo-visit-"+h.id, grid, h.id, on.Format(time.DateOnly), "户主", purpose, notes, follow, demoFieldworker, on.UnixMilli())
		visits++
	}
	err = d.BulkTx(ctx, func(b *db.Bulk) error {
		in := b.NewInserter()
		defer in.Close()
		if err := in.Write(ctx, vt, pt); err != nil {
			return err
		}
		_, err := b.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, fieldwork.SettingBounds, demoBoundsWuzhou)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(w, "grid work: %d visits and %d patrols\n", visits, patrols)
	return visits, patrols, nil
}
