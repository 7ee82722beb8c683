package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// figures are one load's requests per second and latencies.
type figures struct {
	rps      float64
	p50, p99 time.Duration
	bad      int // answers other than 200, and transport errors
}

// row is an endpoint of shequ beside its anchors.
type row struct {
	name, path string
	size       int // bytes of shequ's answer, and so of the anchors'
	app, pk    figures
	json       *figures // the bare JSON answer, for the first row only
	target     float64  // the least ratio of app to pk
}

// results is what measure found.
type results struct {
	dialect  string
	duration time.Duration
	conns    int
	rows     []row
	stats    statsFigures
	aborted  abortFigures
}

type statsFigures struct {
	first      time.Duration
	repeatP50  time.Duration
	concurrent figures
}

type abortFigures struct {
	requests   uint64
	errors500  int
	errorLines int
}

func (w *world) measure(ctx context.Context) (*results, error) {
	res := &results{dialect: w.dialect, duration: w.cfg.duration, conns: w.cfg.conns}
	// The first statistics call comes before any other, while nothing is cached.
	start := time.Now()
	if _, err := w.fetch(ctx, w.app+"/api/v1/stats", w.city); err != nil {
		return nil, err
	}
	res.stats.first = time.Since(start)

	endpoints := []row{
		{name: "resident by id", path: "/api/v1/residents/", target: 0.5},
		{name: "household by id", path: "/api/v1/households/", target: 1.0 / 3},
		{name: "household list page", path: "/api/v1/org/" + community + "/households", target: 1.0 / 3},
		{name: "`/api/v1/me`", path: "/api/v1/me", target: 0.8},
	}
	for i := range endpoints {
		r := &endpoints[i]
		app := w.appTargets(r.path)
		size, err := w.meanSize(ctx, app)
		if err != nil {
			return nil, err
		}
		r.size = size
		log.Printf("%s: %d bytes an answer", r.name, size)
		r.app = w.attack(app, res.conns, res.duration)
		r.pk = w.attack(w.bareTargets("/pk/", size), res.conns, res.duration)
		if i == 0 {
			f := w.attack(w.bareTargets("/json", size), res.conns, res.duration)
			r.json = &f
		}
		res.rows = append(res.rows, *r)
	}

	var lat []time.Duration
	for range 200 {
		t := time.Now()
		if _, err := w.fetch(ctx, w.app+"/api/v1/stats", w.city); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	res.stats.repeatP50 = lat[len(lat)/2]
	res.stats.concurrent = w.attack([]vegeta.Target{w.get(w.app+"/api/v1/stats", w.city)}, res.conns, res.duration/2)

	aborted, err := w.abort()
	if err != nil {
		return nil, err
	}
	res.aborted = aborted
	return res, nil
}

// abort sends the resident load and walks away from it mid-flight, as a load
// balancer or an impatient phone does, then reads shequ's log: a client that
// went away is no server error.
func (w *world) abort() (abortFigures, error) {
	a := vegeta.NewAttacker(vegeta.Workers(uint64(w.cfg.conns)), vegeta.MaxWorkers(uint64(w.cfg.conns)),
		vegeta.Connections(w.cfg.conns), vegeta.Timeout(20*time.Millisecond))
	var f abortFigures
	results := a.Attack(rotate(w.appTargets("/api/v1/residents/")), vegeta.Rate{}, 2*time.Second, "abort")
	for range results {
		f.requests++
	}
	time.Sleep(time.Second)
	b, err := os.ReadFile(w.serveLog)
	if err != nil {
		return f, err
	}
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, "status=500") {
			f.errors500++
		}
		if strings.Contains(line, "level=ERROR") {
			f.errorLines++
			log.Printf("shequ logged: %s", strings.TrimSpace(line))
		}
	}
	return f, nil
}

// attack loads targets with conns connections, each sending its next request as
// soon as its last is answered, for a second to warm up and then du, and returns
// what du saw.
func (w *world) attack(targets []vegeta.Target, conns int, du time.Duration) figures {
	// An attacker is spent once its attack ends: each of the two has its own.
	attacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
			vegeta.Connections(conns), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	}
	for range attacker().Attack(rotate(targets), vegeta.Rate{}, time.Second, "warm-up") {
	}
	var m vegeta.Metrics
	for r := range attacker().Attack(rotate(targets), vegeta.Rate{}, du, "load") {
		m.Add(r)
	}
	m.Close()
	f := figures{rps: float64(m.Requests) / m.Duration.Seconds(), p50: m.Latencies.P50, p99: m.Latencies.P99}
	for code, n := range m.StatusCodes {
		if code != "200" {
			f.bad += n
		}
	}
	return f
}

// rotate hands out targets in turn, to any number of workers.
func rotate(targets []vegeta.Target) vegeta.Targeter {
	var mu sync.Mutex
	i := 0
	return func(t *vegeta.Target) error {
		mu.Lock()
		*t = targets[i%len(targets)]
		i++
		mu.Unlock()
		return nil
	}
}

// appTargets are shequ's requests for path: with each resident or household id
// appended when path ends in "/", as the community worker.
func (w *world) appTargets(path string) []vegeta.Target {
	var ids []string
	switch path {
	case "/api/v1/residents/":
		ids = w.residents
	case "/api/v1/households/":
		ids = w.houses
	default:
		return []vegeta.Target{w.get(w.app+path, w.worker)}
	}
	var out []vegeta.Target
	for _, id := range ids {
		out = append(out, w.get(w.app+path+id, w.worker))
	}
	return out
}

// bareTargets are the anchor's requests at path, answers of size bytes: the
// primary-key lookup rotates through the same residents.
func (w *world) bareTargets(path string, size int) []vegeta.Target {
	q := "?size=" + strconv.Itoa(size)
	if path == "/json" {
		return []vegeta.Target{w.get(w.bare+path+q, "")}
	}
	var out []vegeta.Target
	for _, id := range w.residents {
		out = append(out, w.get(w.bare+path+id+q, ""))
	}
	return out
}

func (w *world) get(url, token string) vegeta.Target {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return vegeta.Target{Method: http.MethodGet, URL: url, Header: h}
}

// meanSize is the mean size of the answers to the first targets.
func (w *world) meanSize(ctx context.Context, targets []vegeta.Target) (int, error) {
	n, total := min(len(targets), 20), 0
	for _, t := range targets[:n] {
		b, err := w.fetch(ctx, t.URL, strings.TrimPrefix(t.Header.Get("Authorization"), "Bearer "))
		if err != nil {
			return 0, err
		}
		total += len(b)
	}
	return total / n, nil
}

// fetch GETs url with token and returns the body of a 200.
func (w *world) fetch(ctx context.Context, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return b, err
}
