package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/ops"
	"shequ/internal/server"
)

// loggedServer is the world's server logging at INFO into logs, as serve runs it.
func loggedServer(t *testing.T, d *db.DB, cfg server.Config) (*world, *lockedBuffer) {
	t.Helper()
	w := newWorld(t, d)
	logs := &lockedBuffer{}
	cfg.DB, cfg.Now, cfg.Logger = d, now, slog.New(slog.NewTextHandler(logs, nil))
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w.srv = srv
	return w, logs
}

// A burst of requests whose clients go away while the handler waits on the database
// leaves no 500 and no ERROR in the log: each is a 499. The clients are real
// connections that close, as a load generator's do when it is stopped.
func TestCancelledRequests_Are499AndNoError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, logs := loggedServer(t, d, server.Config{})
		var entered atomic.Int64
		ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			entered.Add(1)
			w.srv.ServeHTTP(rw, r)
		}))
		paths := []string{
			"/api/v1/residents/" + w.ids["residentA"],
			"/api/v1/households/" + w.ids["householdA"],
			"/api/v1/residents?q=" + w.ids["idnumberA"],
			"/residents/" + w.ids["residentA"],
		}

		// Every connection of the database held: the requests queue for it, in the
		// pool or behind one that is (a cache filling once for all).
		held := holdPools(t, d)
		const n = 40
		ctx, cancel := context.WithCancel(context.Background())
		var clients sync.WaitGroup
		for i := range n {
			clients.Go(func() { getGone(ctx, w, ts.URL+paths[i%len(paths)]) })
		}
		for entered.Load() < n || held.waits() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		clients.Wait()
		for strings.Count(logs.String(), "msg=http") < n { // each request answered, none let through
			time.Sleep(5 * time.Millisecond)
		}
		held.release()

		// Then the same requests, cut off at random moments of their course.
		var burst sync.WaitGroup
		for i := range 200 {
			burst.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(3000))*time.Microsecond)
				defer cancel()
				getGone(ctx, w, ts.URL+paths[i%len(paths)])
			})
		}
		burst.Wait()
		ts.Close() // waits for every handler to finish

		out := logs.String()
		if got := strings.Count(out, "status=499"); got < n {
			t.Errorf("%d requests logged as 499, want at least the %d cut off in the database:\n%s", got, n, out)
		}
		for line := range strings.Lines(out) {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "status=500") {
				t.Errorf("a client going away logged as a fault of the server: %s", line)
			}
		}
	})
}

// getGone asks url as the community user, until ctx ends.
func getGone(ctx context.Context, w *world, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.tokens["community"])
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// heldPools are every connection of a database's pools, taken by a test.
type heldPools struct {
	pools []*sql.DB
	conns []*sql.Conn
	base  int64
}

func holdPools(t *testing.T, d *db.DB) *heldPools {
	t.Helper()
	read, write := d.Pools()
	h := &heldPools{pools: []*sql.DB{read}}
	if write != read {
		h.pools = append(h.pools, write)
	}
	for _, p := range h.pools {
		st := p.Stats() // some may be held already, by a listener for changes
		for range st.MaxOpenConnections - st.InUse {
			c, err := p.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			h.conns = append(h.conns, c)
		}
	}
	h.base = h.waits()
	t.Cleanup(h.release)
	return h
}

// waits is how many times a caller has waited for a connection since the hold.
func (h *heldPools) waits() int64 {
	var n int64
	for _, p := range h.pools {
		n += p.Stats().WaitCount
	}
	return n - h.base
}

func (h *heldPools) release() {
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

// scrape asks /metrics from addr and returns the status and the body.
func scrape(t *testing.T, w *world, addr string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// value is the sample of the metric named with its labels ("name{a=\"b\"}") in a
// scrape, -1 when there is none.
func value(t *testing.T, body, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	return -1
}

// /metrics answers loopback, and its figures move as requests are served: by route
// pattern (never the path, which holds ids) and status, the pools, exports, and the
// audit chain, which every audited read lengthens.
func TestMetrics_MoveUnderLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := loggedServer(t, d, server.Config{})
		code, before := scrape(t, w, "127.0.0.1:40000")
		if code != http.StatusOK {
			t.Fatalf("scrape from loopback: %d %s", code, before)
		}
		resident := `shequ_http_request_duration_seconds_count{code="200",route="GET /api/v1/residents/{id}"}`
		missing := `shequ_http_request_duration_seconds_count{code="404",route="GET /api/v1/residents/{id}"}`
		unmatched := `shequ_http_request_duration_seconds_count{code="404",route="none"}`
		export := `shequ_export_duration_seconds_count{kind="residents",outcome="exported"}`
		chain := `shequ_audit_chain_length`
		if v := value(t, before, resident); v != -1 {
			t.Errorf("counted before any request: %v", v)
		}
		chainBefore := value(t, before, chain)
		if chainBefore < 0 {
			t.Errorf("no audit chain length:\n%s", before)
		}

		for range 5 {
			w.do(t, "community", http.MethodGet, "/api/v1/residents/"+w.ids["residentA"], "")
		}
		w.do(t, "community", http.MethodGet, "/api/v1/residents/0197a000-0000-7000-8000-000000000000", "")
		w.do(t, "community", http.MethodGet, "/no/such/page/"+w.ids["idnumberA"], "")
		if code, _ := w.do(t, "community", http.MethodGet, "/api/v1/exports/residents", ""); code != http.StatusOK {
			t.Fatalf("export: %d", code)
		}

		_, after := scrape(t, w, "[::1]:40000")
		for series, want := range map[string]float64{resident: 5, missing: 1, unmatched: 1, export: 1} {
			if got := value(t, after, series); got != want {
				t.Errorf("%s = %v, want %v", series, got, want)
			}
		}
		if got := value(t, after, chain); got <= chainBefore {
			t.Errorf("audit chain length %v after an export, %v before", got, chainBefore)
		}
		pools := []string{"read", "write"}
		if d.Dialect == db.Postgres {
			pools = []string{"shared"}
		}
		for _, p := range pools {
			if value(t, after, fmt.Sprintf(`go_sql_max_open_connections{db_name=%q}`, p)) <= 0 {
				t.Errorf("no figures of the %s pool", p)
			}
		}
		for _, leak := range []string{w.ids["residentA"], w.ids["idnumberA"], "/no/such"} {
			if strings.Contains(after, leak) {
				t.Errorf("the metrics hold %s", leak)
			}
		}
	})
}

// /metrics answers only the networks it is given, judged by the client's address
// after trusted proxies: a client outside them gets 403, however it names itself.
func TestMetrics_OnlyToTheOperatorsNetworks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		nets, err := ops.ParseNetworks("10.30.0.0/24")
		if err != nil {
			t.Fatal(err)
		}
		w, _ := loggedServer(t, d, server.Config{MetricsFrom: nets})
		for addr, want := range map[string]int{
			"10.30.0.7:5000":  http.StatusOK,
			"10.30.1.7:5000":  http.StatusForbidden,
			"127.0.0.1:5000":  http.StatusForbidden, // a list given says exactly who
			"192.0.2.1:5000":  http.StatusForbidden,
			"[::1]:5000":      http.StatusForbidden,
			"[fe80::1]:50000": http.StatusForbidden,
		} {
			if code, body := scrape(t, w, addr); code != want {
				t.Errorf("from %s: %d, want %d: %.200s", addr, code, want, body)
			}
		}
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("X-Forwarded-For", "10.30.0.7")
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("an untrusted X-Forwarded-For was believed: %d", rec.Code)
		}
	})
}
