package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"shequ/internal/org/orgtest"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db/dbtest"
)

// BenchmarkMe measures /api/v1/me, which is authentication alone, through the
// whole server beside its anchor: a bare handler on the same database that reads
// one user by primary key and answers the same fields as JSON. The ratio of the
// two (bare ns/op ÷ server ns/op) is what docs/benchmarks.md records.
func BenchmarkMe(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		d := dbtest.Open(b, dialect)
		orgtest.Build(b, d)
		as := auth.NewService(d, time.Now)
		ctx := context.Background()
		if _, err := as.AddUser(ctx, "li", auth.RoleCommunity, orgtest.Community); err != nil {
			b.Fatal(err)
		}
		token, err := as.NewAPIToken(ctx, "li")
		if err != nil {
			b.Fatal(err)
		}
		p, err := as.Principal(ctx, "li")
		if err != nil {
			b.Fatal(err)
		}
		srv := quietServer(b, d)
		bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var v struct {
				Name    string `json:"name"`
				Role    string `json:"role"`
				OrgCode string `json:"org_code"`
			}
			err := d.Read().QueryRowContext(r.Context(), `SELECT name, role, org_code FROM users WHERE id = $1`, p.UserID).
				Scan(&v.Name, &v.Role, &v.OrgCode)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(v)
		})
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"server", srv}, {"bare", bare}} {
			b.Run(string(dialect)+"/"+h.name, func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req := httptest.NewRequest("GET", "/api/v1/me", nil)
						req.Header.Set("Authorization", "Bearer "+token)
						rec := httptest.NewRecorder()
						h.h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d %s", h.name, rec.Code, rec.Body)
						}
					}
				})
			})
		}
	}
}
