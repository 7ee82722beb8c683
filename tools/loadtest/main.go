// Command loadtest measures shequ's API under load beside a bare anchor server, as
// issue 15 asks: it builds shequ, loads the demo city into a fresh database, starts
// `shequ serve` and a bare net/http server reading the same database file with the
// same driver and settings (db.Open), and drives both with the same load — vegeta,
// 50 connections as fast as they are answered — printing a table of requests per
// second, latencies and ratios, which -write puts into docs/benchmarks.md.
//
//	go run ./tools/loadtest                                   # SQLite, a fresh demo city
//	go run ./tools/loadtest -postgres postgres://postgres@127.0.0.1:5432/postgres
//	go run ./tools/loadtest -write docs/benchmarks.md
//
// It is not part of `go test ./...`: it takes minutes and wants the machine to itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "anchor" {
		if err := runAnchor(os.Args[2:]); err != nil {
			log.Fatal(err)
		}
		return
	}
	log.SetFlags(0)
	log.SetPrefix("loadtest: ")
	var cfg config
	flag.StringVar(&cfg.postgres, "postgres", "", "a PostgreSQL server's URL: run on a new database there, dropped at the end (default: SQLite)")
	flag.StringVar(&cfg.sqlite, "sqlite", "", "an SQLite file holding the demo city already, to skip loading it (default: a fresh one)")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each measurement runs")
	flag.IntVar(&cfg.conns, "conns", 50, "concurrent connections")
	flag.StringVar(&cfg.write, "write", "", "put the results into this markdown file, between its loadtest marks")
	flag.Parse()
	ctx := context.Background()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// config is what a run is asked to do.
type config struct {
	postgres string
	sqlite   string
	duration time.Duration
	conns    int
	write    string
}

// run sets the two servers up, measures, and reports.
func run(ctx context.Context, cfg config, out io.Writer) error {
	w, err := newWorld(ctx, cfg)
	if err != nil {
		return err
	}
	defer w.close()
	res, err := w.measure(ctx)
	if err != nil {
		return err
	}
	table := res.markdown()
	fmt.Fprintln(out, table)
	if cfg.write != "" {
		return writeSection(cfg.write, w.dialect, table)
	}
	return nil
}
