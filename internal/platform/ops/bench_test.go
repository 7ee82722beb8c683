package ops_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shequ/internal/platform/ops"
	"shequ/internal/platform/web"
)

// BenchmarkAccessLog serves a bare answer through the access log written straight
// to a file (a write system call per line, as before), through a LogBuffer, and
// through a LogBuffer with the request counted in the metrics; "bare" is the
// handler alone, the anchor.
func BenchmarkAccessLog(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	run := func(b *testing.B, h http.Handler) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/residents/0197a000-0000-7000-8000-000000000000", nil)
		b.RunParallel(func(pb *testing.PB) {
			w := httptest.NewRecorder()
			for pb.Next() {
				w.Body.Reset()
				h.ServeHTTP(w, req)
			}
		})
	}
	file := func(b *testing.B) *os.File {
		f, err := os.Create(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		return f
	}
	b.Run("bare", func(b *testing.B) { run(b, ok) })
	b.Run("file", func(b *testing.B) {
		run(b, web.AccessLog{Logger: slog.New(slog.NewTextHandler(file(b), nil))}.Wrap(ok))
	})
	b.Run("buffered", func(b *testing.B) {
		buf := ops.NewLogBuffer(file(b), time.Second)
		defer buf.Close()
		run(b, web.AccessLog{Logger: slog.New(slog.NewTextHandler(buf, nil))}.Wrap(ok))
	})
	b.Run("buffered+metrics", func(b *testing.B) {
		buf := ops.NewLogBuffer(file(b), time.Second)
		defer buf.Close()
		m := ops.NewMetrics()
		mux := http.NewServeMux()
		mux.Handle("GET /api/v1/residents/{id}", ok)
		observe := func(r *http.Request, status int, took time.Duration) {
			_, route := mux.Handler(r)
			m.Request(route, status, took)
		}
		run(b, web.AccessLog{Logger: slog.New(slog.NewTextHandler(buf, nil)), Observe: observe}.Wrap(mux))
	})
}
