package cli

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/server"
)

func (e *env) serve(ctx context.Context, args []string) error {
	fs := e.flags("serve")
	dsn := dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "load the demo city into an empty database, and print demo logins")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
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
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	h, err := server.New(server.Config{DB: d, Now: e.now, Logger: logger, Demo: isDemo})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	fmt.Fprintf(e.stdout, "\nshequ is listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
