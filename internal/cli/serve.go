package cli

import (
	"context"
	"crypto/tls"
	"embed"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/ops"
	"shequ/internal/platform/web"
	"shequ/internal/server"
)

func (e *env) serve(ctx context.Context, args []string) error {
	fs := e.flags("serve")
	dsn := e.dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "load the demo city into an empty database, and print demo logins")
	certFile := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (chain), together with --tls-key")
	keyFile := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	trustedProxy := fs.String("trusted-proxy", "", "reverse proxies whose X-Forwarded-For names the client: IP addresses and CIDR networks, comma-separated")
	var logLevel, accessLevel slog.Level
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "the least important log lines written: debug, info, warn or error")
	fs.TextVar(&accessLevel, "access-log-level", slog.LevelInfo, "the level of the access log's lines (one per request): debug keeps them out of an info log")
	metricsFrom := fs.String("metrics-from", "", "the addresses /metrics answers, IP addresses and CIDR networks, comma-separated (default: loopback only)")
	pprofAddr := fs.String("pprof-addr", "", "serve the Go profiler (net/http/pprof) on this loopback address, such as 127.0.0.1:6060 (default: off)")
	importLimits := limitFlags(fs)
	witness := addWitnessFlags(fs)
	tz := zoneFlag(fs)
	workHours := fs.String("work-hours", calendar.DefaultHours().String(), "the sessions of a working day that deadlines in working hours count, such as 08:30-12:00,14:30-17:30")
	if err := fs.Parse(args); err != nil {
		return err
	}
	zone, err := loadZone(*tz)
	if err != nil {
		return err
	}
	hours, err := calendar.ParseHours(*workHours)
	if err != nil {
		return usageError{"--work-hours " + *workHours + ": want sessions such as 08:30-12:00,14:30-17:30"}
	}
	// Before the database: a server that cannot serve what it was asked to must not
	// start at all, let alone serve plain HTTP instead.
	tlsConfig, err := loadTLS(*certFile, *keyFile)
	if err != nil {
		return err
	}
	proxies, err := web.ParseProxies(*trustedProxy)
	if err != nil {
		return usageError{"--trusted-proxy " + *trustedProxy + ": " + err.Error()}
	}
	metricsNets, err := ops.ParseNetworks(*metricsFrom)
	if err != nil {
		return usageError{"--metrics-from " + *metricsFrom + ": " + err.Error()}
	}
	var profiler net.Listener
	if *pprofAddr != "" {
		if profiler, err = ops.ListenProfiler(*pprofAddr); err != nil {
			return usageError{err.Error()}
		}
		defer profiler.Close()
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	// Buffered: under load a line per request must not cost a write of its own.
	// Deferred first, so flushed last, after everything that logs has stopped.
	logs := ops.NewLogBuffer(e.stderr, time.Second)
	defer logs.Close()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: logLevel}))
	watch, err := witness.watch(d, logger, e.now)
	if err != nil {
		return err
	}
	isDemo, empty, err := demoState(ctx, d)
	if err != nil {
		return err
	}
	if *withDemo {
		if empty {
			if err := e.loadDemo(ctx, d); err != nil {
				return err
			}
			isDemo = true
		}
		if !isDemo {
			return usageError{"--demo: the database already holds a city that is not the demo; leave out --demo or use another --db"}
		}
		if err := e.demoLogins(ctx, d); err != nil {
			return err
		}
	}
	h, err := server.New(server.Config{DB: d, Now: e.now, Logger: logger, Demo: isDemo, SecureCookies: tlsConfig != nil,
		TrustedProxies: proxies, ImportLimits: importLimits(), AccessLogLevel: accessLevel, MetricsFrom: metricsNets, Zone: zone, WorkHours: hours})
	if err != nil {
		return err
	}
	defer h.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	srv := &http.Server{Handler: web.StrictTransportSecurity(h), TLSConfig: tlsConfig,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	fmt.Fprintf(e.stdout, "\nshequ is listening on %s://%s\n", scheme, ln.Addr())
	if profiler != nil {
		prof := ops.Profiler()
		go prof.Serve(profiler)
		defer prof.Close()
		fmt.Fprintf(e.stdout, "the Go profiler is on http://%s/debug/pprof/\n", profiler.Addr())
	}
	fmt.Fprintf(e.stdout, "metrics at /metrics for %s\n", metricsNets)
	if watch != nil {
		wctx, stop := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() { watch.Run(wctx); close(watched) }()
		defer func() { stop(); <-watched }() // before the database closes
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			// ServeTLS with the certificate in TLSConfig, not a TLS listener: it also
			// offers HTTP/2.
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// zoneFlag adds --tz, the city's time zone, in which a command shows times and
// counts "today": $SHEQU_TZ, else Asia/Shanghai.
func zoneFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("SHEQU_TZ")
	if def == "" {
		def = web.DefaultZone
	}
	return fs.String("tz", def, "the city's time zone, an IANA name (default $SHEQU_TZ, else "+web.DefaultZone+")")
}

// loadZone reads --tz as zoneFlag added it.
func loadZone(name string) (*time.Location, error) {
	zone, err := web.LoadZone(name)
	if err != nil {
		return nil, usageError{"--tz: " + err.Error()}
	}
	return zone, nil
}

// loadTLS reads the certificate and key to serve HTTPS with, or returns nil when
// neither is given. TLS 1.2 is the oldest version offered (1.0 and 1.1 are broken
// and no browser a city office runs needs them); Go's own cipher suites and their
// order are kept, as they change with security releases.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, usageError{"--tls-cert and --tls-key go together: give both, or neither to serve plain HTTP"}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot serve HTTPS with --tls-cert %s and --tls-key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// demoState reports whether the database holds the demo city, and whether it holds
// no city at all.
func demoState(ctx context.Context, d *db.DB) (isDemo, empty bool, err error) {
	var units, marks int
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM org_units`).Scan(&units); err != nil {
		return false, false, err
	}
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'demo' AND value = '1'`).Scan(&marks); err != nil {
		return false, false, err
	}
	return marks > 0, units == 0, nil
}

//go:embed locales/*.json
var locales embed.FS

// loadBundle loads the messages of every domain and of the command line itself.
func loadBundle() (*i18n.Bundle, error) { return i18n.Load(append(server.Locales(), locales)...) }
