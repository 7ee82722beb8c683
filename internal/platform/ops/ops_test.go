package ops

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter counts the writes that reach it, as system calls would be.
type countingWriter struct {
	mu     sync.Mutex
	writes int
	buf    bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *countingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// A thousand lines from many goroutines reach the log whole, in a handful of
// writes, and all of them by Close.
func TestLogBuffer_GathersLinesAndFlushesThemOnClose(t *testing.T) {
	var out countingWriter
	b := NewLogBuffer(&out, time.Hour)
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("level=INFO msg=http goroutine=" + string(rune('a'+g)) + " path=/api/v1/residents/{id}\n"))
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1000 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "level=INFO msg=http goroutine=") || !strings.HasSuffix(l, "{id}") {
			t.Fatalf("a line came out broken: %q", l)
		}
	}
	if out.writes > 5 {
		t.Errorf("%d writes for 1,000 lines", out.writes)
	}
}

// Lines written while nothing else happens still reach the log within the interval.
func TestLogBuffer_FlushesOnItsOwn(t *testing.T) {
	var out countingWriter
	b := NewLogBuffer(&out, 10*time.Millisecond)
	defer b.Close()
	b.Write([]byte("level=ERROR msg=\"request failed\"\n"))
	for out.String() == "" {
		time.Sleep(time.Millisecond)
	}
}

func TestNetworks_LoopbackUnlessGivenAndExactlyWhatIsGiven(t *testing.T) {
	var none Networks
	for addr, want := range map[string]bool{"127.0.0.1": true, "127.8.9.10": true, "::1": true, "::ffff:127.0.0.1": true,
		"10.0.0.1": false, "::2": false, "": false, "localhost": false} {
		if got := none.Allow(addr); got != want {
			t.Errorf("default, %q: %v", addr, got)
		}
	}
	n, err := ParseNetworks("10.30.0.0/24, 192.168.1.5 fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"10.30.0.200": true, "10.30.1.1": false, "192.168.1.5": true, "192.168.1.6": false,
		"fd12::1": true, "127.0.0.1": false} {
		if got := n.Allow(addr); got != want {
			t.Errorf("%q: %v", addr, got)
		}
	}
	for _, bad := range []string{"10.0.0.1/8", "prometheus", "10.0.0.300", "fe80::1%eth0"} {
		if _, err := ParseNetworks(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestListenProfiler_OnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := ListenProfiler(addr)
		if err != nil {
			if strings.Contains(addr, "::1") && strings.Contains(err.Error(), "cannot assign") {
				continue // a machine without IPv6 loopback
			}
			t.Errorf("%s: %v", addr, err)
			continue
		}
		ln.Close()
	}
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "localhost:0", "192.0.2.1:0", "6060"} {
		if ln, err := ListenProfiler(addr); err == nil {
			ln.Close()
			t.Errorf("%s: listening", addr)
		}
	}
}
