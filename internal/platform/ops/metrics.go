package ops

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the server's Prometheus registry and the metrics it counts. Each server
// has its own, never the library's global one, so that servers in parallel tests
// count apart and registering twice is not a panic.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	imports  *prometheus.HistogramVec
	exports  *prometheus.HistogramVec
}

// requestBuckets reach down to half a millisecond, where a read by id answers, and
// up to the ten seconds after which a user has given up.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// transferBuckets span an import of a few rows (a tenth of a second) to a city's
// register of half a million people (minutes).
var transferBuckets = []float64{.1, .25, .5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500}

// NewMetrics returns a registry holding the request, import and export histograms,
// with the Go runtime's and the process's own metrics beside them.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shequ_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and status code (499: the client went away).",
			Buckets: requestBuckets,
		}, []string{"route", "code"}),
		imports: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shequ_import_duration_seconds",
			Help:    "Time to import a register file, by kind and outcome (imported, checked, refused, failed).",
			Buckets: transferBuckets,
		}, []string{"kind", "outcome"}),
		exports: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shequ_export_duration_seconds",
			Help:    "Time to export a register, by kind and outcome (exported, refused, failed).",
			Buckets: transferBuckets,
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.imports, m.exports,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Unmatched is the route of a request no pattern matched: one value for every
// such path, which a client chooses and which must not become a label of its own.
const Unmatched = "none"

// Request counts a request answered with status after took. route is the pattern
// of the ServeMux that matched it ("GET /api/v1/residents/{id}"), never its path,
// so that the number of series stays that of the routes.
func (m *Metrics) Request(route string, status int, took time.Duration) {
	if route == "" {
		route = Unmatched
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(took.Seconds())
}

// Transfer counts an import or an export (op) of a register kind that ended with
// outcome after took.
func (m *Metrics) Transfer(op, kind, outcome string, took time.Duration) {
	h := m.exports
	if op == "import" {
		h = m.imports
	}
	h.WithLabelValues(kind, outcome).Observe(took.Seconds())
}

// Pool adds the figures of a database/sql pool (open, in use, idle, waits) under
// go_sql_*, labelled db_name=name.
func (m *Metrics) Pool(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Gauge adds a gauge read when scraped, for a figure the database already keeps:
// reading it costs one query per scrape, not one per change. A failed read leaves
// the gauge out of that scrape and is logged; the other metrics are still served.
func (m *Metrics) Gauge(name, help string, read func(ctx context.Context) (float64, error)) {
	m.reg.MustRegister(scraped{desc: prometheus.NewDesc(name, help, nil, nil), read: read})
}

// scrapeTimeout bounds a Gauge's read: a scrape must not wait on a locked table.
const scrapeTimeout = 5 * time.Second

type scraped struct {
	desc *prometheus.Desc
	read func(ctx context.Context) (float64, error)
}

func (s scraped) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s scraped) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	v, err := s.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(s.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, v)
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics, when the
// scraper asks for it). Errors in collecting go to logger at WARN.
func (m *Metrics) Handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}
