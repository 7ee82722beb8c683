package server_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

// lockedBuffer is a log destination the server's goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The server's log never holds a full ID number or phone, whatever passes through
// it: searches by number, writes, refused writes, reveals, exports and imports.
func TestLogs_NeverHoldAFullIDNumberOrPhone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		var logs lockedBuffer
		srv, err := server.New(server.Config{DB: d, Now: now, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		w.srv = srv
		idA, newID, newPhone := w.ids["idnumberA"], idNumber("19900202", "055"), "13912345678"
		do := func(user, method, path, body, contentType string) {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+w.tokens[user])
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			srv.ServeHTTP(httptest.NewRecorder(), req)
		}
		do("community", http.MethodGet, "/api/v1/residents?q="+idA, "", "")
		do("community", http.MethodGet, "/search?q="+idA, "", "")
		do("community", http.MethodGet, "/api/v1/residents?q=13800000001", "", "")
		do("community", http.MethodPost, "/api/v1/residents", `{"name":"新人","id_number":"`+newID+`","household_no":"HA","relation":"child","population_type":"registered","phone":"`+newPhone+`"}`, "application/json")
		do("community", http.MethodPost, "/api/v1/residents", `{"name":"错号","id_number":"`+newID[:17]+`0","household_no":"HA","relation":"child","population_type":"registered"}`, "application/json")
		do("community", http.MethodPost, "/api/v1/residents/"+w.ids["residentA"]+"/reveal", `{"field":"id_number","reason":"核对身份"}`, "application/json")
		do("community", http.MethodGet, "/api/v1/exports/residents", "", "")
		do("community", http.MethodPost, "/api/v1/imports?kind=residents&filename=x.csv",
			"姓名,公民身份号码,户编号,与户主关系,人口类型,联系电话\n错人,"+newID[:17]+"1,HA,子女,户籍,13700001111\n", "text/csv")

		out := logs.String()
		if !strings.Contains(out, "/api/v1/residents") {
			t.Fatalf("the requests were not logged at all:\n%s", out)
		}
		for _, secret := range []string{idA, newID, newID[:17] + "0", newID[:17] + "1", newPhone, "13800000001", "13700001111"} {
			if strings.Contains(out, secret) {
				t.Errorf("the log holds %s:\n%s", secret, out)
			}
		}
	})
}
