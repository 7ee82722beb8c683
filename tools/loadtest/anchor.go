package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"shequ/internal/platform/db"
)

// runAnchor is the bare server shequ is measured against: plain net/http on the same
// database, opened by the same db.Open (same driver, same pool, same pragmas), with
// nothing of shequ's — no authentication, scope, audit, templates or middleware. It
// answers
//
//	GET /pk/{id}?size=N  one primary-key lookup of a resident, a statement prepared
//	                     once as a well-written bare server would, padded to N bytes
//	GET /json?size=N     a JSON document of N bytes, touching no database
//
// so that each of shequ's answers is compared with a bare one of the same size.
func runAnchor(args []string) error {
	fs := flag.NewFlagSet("anchor", flag.ExitOnError)
	dsn := fs.String("db", "", "the database shequ serves")
	addr := fs.String("addr", "127.0.0.1:0", "where to listen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	stmt, err := d.Read().PrepareContext(ctx, `SELECT id, name, household_id, relation FROM residents WHERE id = $1`)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pk/{id}", func(w http.ResponseWriter, r *http.Request) {
		var v struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			HouseholdID string `json:"household_id"`
			Relation    string `json:"relation"`
			Pad         string `json:"pad"`
		}
		err := stmt.QueryRowContext(r.Context(), r.PathValue("id")).Scan(&v.ID, &v.Name, &v.HouseholdID, &v.Relation)
		if errors.Is(err, sql.ErrNoRows) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writePadded(w, r, &v, &v.Pad)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		var v struct {
			Pad string `json:"pad"`
		}
		writePadded(w, r, &v, &v.Pad)
	})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// The parent reads where to send its load from the first line.
	if _, err := os.Stdout.WriteString(l.Addr().String() + "\n"); err != nil {
		return err
	}
	return http.Serve(l, mux)
}

// writePadded answers v as JSON, its pad grown so that the whole body is the
// ?size= asked for.
func writePadded(w http.ResponseWriter, r *http.Request, v any, pad *string) {
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	body, _ := json.Marshal(v)
	if n := size - len(body) - 1; n > 0 {
		*pad = strings.Repeat("x", n)
		body, _ = json.Marshal(v)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}
