package server

import (
	"context"
	"net/http"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/ops"
	"shequ/internal/platform/web"
)

// newMetrics is the server's own registry, with the database's pools and the audit
// chain's length beside what the server counts itself.
func newMetrics(d *db.DB) *ops.Metrics {
	m := ops.NewMetrics()
	read, write := d.Pools()
	if read == write {
		m.Pool("shared", read) // PostgreSQL: one pool
	} else {
		m.Pool("read", read)
		m.Pool("write", write)
	}
	m.Gauge("shequ_audit_chain_length", "Records ever appended to the audit chain (the head's seq).",
		func(ctx context.Context) (float64, error) {
			n, err := audit.Length(ctx, d.Read())
			return float64(n), err
		})
	return m
}

// metricsHandler serves the metrics to the networks of Config.MetricsFrom, judged
// by the client address after trusted proxies, the one the sign-in limit and the
// audit trail use. They hold nothing personal, but route counts and pool figures
// are the city's operational business; others get 403.
func (s *Server) metricsHandler() http.Handler {
	h := s.metrics.Handler(s.cfg.Logger)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.MetricsFrom.Allow(web.ClientAddr(r)) {
			s.render.Error(w, r, apperr.New(apperr.Forbidden, "metrics.forbidden", ""))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// observe counts a request under the pattern of the route that serves it, found
// again here because the middleware around the mux sees the request before the mux
// names its route. A path no route matches counts as ops.Unmatched.
func (s *Server) observe(r *http.Request, status int, took time.Duration) {
	_, route := s.mux.Handler(r)
	s.metrics.Request(route, status, took)
}
