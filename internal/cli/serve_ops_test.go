package cli_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shequ/internal/cli"
)

// running is a `shequ serve` started by a test: the URLs it printed and its log.
type running struct {
	base, profiler string
	log            *syncBuffer
	stop           func() int // asks it to stop, waits, and returns its exit code
}

func start(t *testing.T, args ...string) running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	r := running{log: &syncBuffer{}}
	exited := make(chan int, 1)
	args = append([]string{"serve", "--db", filepath.Join(t.TempDir(), "t.db"), "--addr", "127.0.0.1:0"}, args...)
	go func() {
		code := cli.Run(ctx, args, outW, r.log)
		outW.Close()
		exited <- code
	}()
	var stopped bool
	var code int
	r.stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			code = <-exited
		}
		return code
	}
	t.Cleanup(func() { r.stop() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(out); sc.Scan(); {
			lines <- strings.TrimSpace(sc.Text())
		}
	}()
	for line := range lines {
		if url, ok := strings.CutPrefix(line, "the Go profiler is on "); ok {
			r.profiler = url
		}
		if url, ok := strings.CutPrefix(line, "shequ is listening on "); ok {
			r.base = url
		}
		if strings.HasPrefix(line, "metrics at /metrics") {
			go func() {
				for range lines {
				}
			}()
			return r
		}
	}
	t.Fatalf("the program did not start: %s", r.log.String())
	return r
}

// status is the status of a GET of url, redirects not followed.
func status(t *testing.T, url string) int {
	t.Helper()
	c := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The access log is buffered and still complete: a request's line is in the log
// once the server has stopped. Its level and the log's are the operator's to set.
func TestServe_LogsAtTheLevelsAskedAndFlushesOnStop(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		access bool
	}{
		{"by default", nil, true},
		{"--log-level warn", []string{"--log-level", "warn"}, false},
		{"--access-log-level debug", []string{"--access-log-level", "debug"}, false},
		{"both at debug", []string{"--access-log-level", "debug", "--log-level", "debug"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, tc.args...)
			status(t, r.base+"/healthz?q=110105194912310021")
			if code := r.stop(); code != 0 {
				t.Fatalf("exit %d: %s", code, r.log.String())
			}
			log := r.log.String()
			if got := strings.Contains(log, "path=/healthz"); got != tc.access {
				t.Errorf("access line logged: %v, want %v:\n%s", got, tc.access, log)
			}
			if strings.Contains(log, "110105194912310021") {
				t.Errorf("the log holds the query:\n%s", log)
			}
		})
	}
}

// The profiler is off unless asked for, and then on its own loopback listener,
// without the command line (which may hold a database password); /metrics answers
// loopback on the main listener.
func TestServe_ProfilerOnLoopbackAndMetrics(t *testing.T) {
	r := start(t)
	if r.profiler != "" {
		t.Errorf("a profiler without --pprof-addr: %s", r.profiler)
	}
	if got := status(t, r.base+"/debug/pprof/"); got != http.StatusSeeOther {
		t.Errorf("the main listener answers the profiler's path with %d, not as any page to sign in for", got)
	}
	if got := status(t, r.base+"/metrics"); got != http.StatusOK {
		t.Errorf("/metrics from loopback: %d", got)
	}

	r = start(t, "--pprof-addr", "127.0.0.1:0")
	if !strings.HasPrefix(r.profiler, "http://127.0.0.1:") {
		t.Fatalf("profiler at %q", r.profiler)
	}
	for path, want := range map[string]int{"": http.StatusOK, "heap?debug=1": http.StatusOK, "goroutine?debug=1": http.StatusOK, "cmdline": http.StatusNotFound} {
		if got := status(t, r.profiler+path); got != want {
			t.Errorf("profiler %s: %d, want %d", path, got, want)
		}
	}
}

func TestServe_RefusesAProfilerOffLoopbackAndBadMetricsNetworks(t *testing.T) {
	for _, args := range [][]string{
		{"--pprof-addr", "0.0.0.0:6060"},
		{"--pprof-addr", ":6060"},
		{"--pprof-addr", "localhost:6060"},
		{"--pprof-addr", "192.168.1.10:6060"},
		{"--pprof-addr", "[::]:6060"},
		{"--metrics-from", "10.0.0.1/8"},
		{"--metrics-from", "prometheus.internal"},
		{"--log-level", "loud"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "t.db")
			var out, errOut syncBuffer
			code := cli.Run(context.Background(), append([]string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, args...), &out, &errOut)
			if code == 0 {
				t.Errorf("exit 0")
			}
			if !strings.Contains(errOut.String(), strings.TrimPrefix(args[0], "-")) {
				t.Errorf("stderr does not name %s: %s", args[0], errOut.String())
			}
			if _, err := os.Stat(dbPath); err == nil {
				t.Errorf("it opened the database before refusing")
			}
		})
	}
}
