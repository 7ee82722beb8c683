package audit_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db/dbtest"
)

// syslogRecorder keeps what a Watch sends to syslog, by priority.
type syslogRecorder struct{ info, alert []string }

func (s *syslogRecorder) Info(m string) error  { s.info = append(s.info, m); return nil }
func (s *syslogRecorder) Alert(m string) error { s.alert = append(s.alert, m); return nil }

// The server's periodic check appends a signed line per check to the file and
// syslog; a broken chain is not witnessed but raised as an ERROR and a syslog
// ALERT at every check.
func TestWatch_WitnessesAnIntactChainAndRaisesTheAlarmOnABrokenOne(t *testing.T) {
	d := dbtest.SQLite(t)
	s, keys := witnessKey(t)
	var log bytes.Buffer
	sys := &syslogRecorder{}
	file := filepath.Join(t.TempDir(), "witness.log")
	w := audit.Watch{DB: d, Signer: s, File: file, Syslog: sys, Logger: slog.New(slog.NewTextHandler(&log, nil)), Now: now}
	ctx := context.Background()
	if err := w.Once(ctx); err != nil { // an empty trail: nothing to witness
		t.Fatal(err)
	}
	appendN(t, d, 2)
	for range 2 {
		if err := w.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := audit.ReadWitnesses(bytes.NewReader(data), keys)
	if err != nil || len(ws) != 2 || ws[1].Seq != 2 || len(sys.info) != 2 {
		t.Fatalf("witnessed %+v (%v), syslog %q", ws, err, sys.info)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("the witness file's mode is %v", fi.Mode())
	}

	asOwner(t, d, `UPDATE audit_log SET reason = 'x' WHERE seq = 1`)
	if err := w.Once(ctx); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("Once on a broken chain = %v", err)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(after, data) {
		t.Error("a broken chain was witnessed")
	}
	if !strings.Contains(log.String(), "level=ERROR msg=\"audit chain broken") || !strings.Contains(log.String(), "seq=1 problem=modified") ||
		len(sys.alert) != 1 || !strings.Contains(sys.alert[0], "seq 1, modified") {
		t.Errorf("the alarm: log %q, syslog alerts %q", log.String(), sys.alert)
	}
}
