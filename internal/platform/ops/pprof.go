package ops

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// ListenProfiler opens addr for the Go profiler (net/http/pprof), refusing any address
// that is not loopback (127.0.0.0/8 or ::1): profiles show the program's inner
// workings, and asking for one costs the server CPU for as long as the asker likes,
// so it is reached on the server itself or over an SSH tunnel, never from the network. A host name is refused too, as is an empty host (which would
// listen on every interface): what the name resolves to is not checked here, the
// literal address is.
func ListenProfiler(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-addr %s: %w", addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return nil, fmt.Errorf("--pprof-addr %s: the profiler listens only on a loopback address (127.0.0.1:6060 or [::1]:6060)", addr)
	}
	return net.Listen("tcp", addr)
}

// Profiler is the server of the Go profiler's pages under /debug/pprof/. The
// command line (/debug/pprof/cmdline) is left out: it can hold a PostgreSQL URL
// with its password.
func Profiler() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile or a trace takes as long as asked (?seconds=).
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}
