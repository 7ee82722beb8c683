package fieldwork_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"shequ/internal/org"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/server"
)

// The benchmark's city: benchGrids grids of 东兴社区, each of benchHouseholds
// households visited every visitEvery days for five years, with five workers per
// grid for the day page's fifty.
const (
	benchGrids      = 10
	benchHouseholds = 300
	visitEvery      = 30
	workersPerGrid  = 5
)

func benchGrid(i int) string { return fmt.Sprintf("%s%03d", orgtest.Community, 101+i) }

// benchCity generates the city into d: the grids, their households and five years
// of visits, some of them asking to go back today.
func benchCity(b *testing.B, d *db.DB) {
	b.Helper()
	ctx := context.Background()
	orgtest.Build(b, d)
	for i := range benchGrids {
		if err := org.Insert(ctx, d.Write(), org.Unit{Code: benchGrid(i), Name: fmt.Sprintf("压测网格%d", i+1), Level: scope.Grid, ParentCode: orgtest.Community}, 0); err != nil {
			b.Fatal(err)
		}
	}
	ht := db.NewTable("households", "id", "household_no", "org_code", "address", "created_at", "updated_at", "established_on")
	vt := db.NewTable("visits", "id", "org_code", "household_id", "visited_on", "met", "purpose", "notes", "follow_up_on", "user_id", "created_at")
	today := now()
	for g := range benchGrids {
		grid := benchGrid(g)
		for h := range benchHouseholds {
			id := fmt.Sprintf("h-%d-%d", g, h)
			ht.Add(id, fmt.Sprintf("B%02d%04d", g, h), grid, fmt.Sprintf("东兴路%d号%d室", h/20+1, h%20+101), today.UnixMilli(), today.UnixMilli(), "2020-01-01")
			// A tenth of the households were last seen half a year ago: overdue.
			last := h % visitEvery
			if h%10 == 0 {
				last = 180 + h%30
			}
			for ago, k := last, 0; ago < 5*365; ago, k = ago+visitEvery, k+1 {
				on := today.AddDate(0, 0, -ago)
				var follow any
				if k == 0 && h%15 == 0 {
					follow = today.Format(time.DateOnly)
				}
				vt.Add(fmt.Sprintf("v-%d-%d-%d", g, h, k), grid, id, on.Format(time.DateOnly), "户主", "01", "家中情况正常", follow, "u-bench", on.UnixMilli())
			}
		}
	}
	err := d.BulkTx(ctx, func(bk *db.Bulk) error {
		in := bk.NewInserter()
		defer in.Close()
		return in.Write(ctx, ht, vt)
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Write().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// benchServer serves the city, with a token for the community's user and one for
// each of the grids' workers.
func benchServer(b *testing.B, d *db.DB) (http.Handler, string, []string) {
	b.Helper()
	ctx := context.Background()
	as := auth.NewService(d, now)
	token := func(name string, role auth.Role, unit string) string {
		if _, err := as.AddUser(ctx, name, role, unit); err != nil {
			b.Fatal(err)
		}
		tok, err := as.NewAPIToken(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	office := token("社区", auth.RoleCommunity, orgtest.Community)
	var workers []string
	for g := range benchGrids {
		for w := range workersPerGrid {
			workers = append(workers, token(fmt.Sprintf("网格员%d-%d", g, w), auth.RoleGrid, benchGrid(g)))
		}
	}
	srv, err := server.New(server.Config{DB: d, Now: now, Zone: shanghai, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return srv, office, workers
}

// get asks h for path with token and fails unless it answers 200.
func get(b *testing.B, h http.Handler, token, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Errorf("%s: %d", path, rec.Code)
	}
}

// anchorQuery is the bare read the grid's page stands on: the grid's households in
// number order, without their visits, team or contacts, and without a page.
func anchorQuery(b *testing.B, d *db.DB, grid string) {
	rows, err := d.Read().QueryContext(context.Background(), `SELECT id, household_no, address FROM households
		WHERE org_code = $1 AND dissolved_on IS NULL ORDER BY household_no`, grid)
	if err != nil {
		b.Error(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id, no, address string
		if err := rows.Scan(&id, &no, &address); err != nil {
			b.Error(err)
			return
		}
	}
}

func p(ds []time.Duration, q float64) float64 {
	slices.Sort(ds)
	return float64(ds[int(float64(len(ds)-1)*q)].Microseconds()) / 1000
}

// BenchmarkFieldwork measures, on each database, the grid's page (/grids/{code},
// HTML, as the community's office) with "last visited" for 300 households with
// five years of visits — target p99 under 30 ms — and the worker's day (/day) asked
// by 50 workers at once — target p99 under 100 ms. Beside each, in the same loop,
// its anchor: the bare query of the grid's households, alone and by 50 at once.
func BenchmarkFieldwork(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.Open(b, dialect)
			benchCity(b, d)
			h, office, workers := benchServer(b, d)
			b.Run("grid_page", func(b *testing.B) {
				var page, anchor []time.Duration
				for b.Loop() {
					for i := range benchGrids {
						grid := benchGrid(i)
						t0 := time.Now()
						get(b, h, office, "/grids/"+grid)
						t1 := time.Now()
						anchorQuery(b, d, grid)
						page, anchor = append(page, t1.Sub(t0)), append(anchor, time.Since(t1))
					}
				}
				b.ReportMetric(p(page, 0.5), "p50_ms")
				b.ReportMetric(p(page, 0.99), "p99_ms")
				b.ReportMetric(p(anchor, 0.5), "anchor_p50_ms")
				b.ReportMetric(p(anchor, 0.99), "anchor_p99_ms")
			})
			b.Run("day_50_workers", func(b *testing.B) {
				var mu sync.Mutex
				var day, anchor []time.Duration
				for b.Loop() {
					for _, bare := range []bool{false, true} {
						var wg sync.WaitGroup
						for i, tok := range workers {
							wg.Go(func() {
								t0 := time.Now()
								if bare {
									anchorQuery(b, d, benchGrid(i/workersPerGrid))
								} else {
									get(b, h, tok, "/day")
								}
								took := time.Since(t0)
								mu.Lock()
								if bare {
									anchor = append(anchor, took)
								} else {
									day = append(day, took)
								}
								mu.Unlock()
							})
						}
						wg.Wait()
					}
				}
				b.ReportMetric(p(day, 0.5), "p50_ms")
				b.ReportMetric(p(day, 0.99), "p99_ms")
				b.ReportMetric(p(anchor, 0.5), "anchor_p50_ms")
				b.ReportMetric(p(anchor, 0.99), "anchor_p99_ms")
			})
		})
	}
}
