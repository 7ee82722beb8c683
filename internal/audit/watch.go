package audit

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"time"

	"shequ/internal/platform/db"
)

// Syslog is where a Watch also sends its lines: *syslog.Writer, or a test's own.
type Syslog interface {
	Info(m string) error
	Alert(m string) error
}

// Watch is the server's periodic check of the trail: every Every it verifies the
// chain and, when it is intact, writes a signed witness line of its head — appended
// to File, sent to Syslog, or both. A chain found broken is not witnessed; it is
// an alarm instead (decision 7): an ERROR line in the server's log and an ALERT to
// syslog, at every check until it is dealt with.
type Watch struct {
	DB     *db.DB
	Every  time.Duration
	Signer *WitnessSigner
	File   string
	Syslog Syslog
	Logger *slog.Logger
	Now    func() time.Time
}

// Run checks at once and then every w.Every, until ctx ends.
func (w Watch) Run(ctx context.Context) {
	t := time.NewTicker(w.Every)
	defer t.Stop()
	for {
		// Its failures are logged as they happen; the next tick tries again.
		_ = w.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once verifies the chain and witnesses its head, or raises the alarm. It returns
// what went wrong, after logging it.
func (w Watch) Once(ctx context.Context) error {
	rep, err := Verify(ctx, w.DB.Read())
	if err != nil {
		if ctx.Err() == nil {
			w.Logger.ErrorContext(ctx, "audit chain check failed", "err", err)
		}
		return err
	}
	if rep.Broken != nil {
		msg := "audit chain broken: not witnessed; run shequ audit verify, and see docs/security-audit.md"
		w.Logger.ErrorContext(ctx, msg, "seq", rep.Broken.Seq, "problem", rep.Broken.Problem)
		if w.Syslog != nil {
			_ = w.Syslog.Alert(msg + " (seq " + strconv.FormatInt(rep.Broken.Seq, 10) + ", " + string(rep.Broken.Problem) + ")")
		}
		return ErrChainBroken(*rep.Broken)
	}
	if rep.Count == 0 {
		return nil
	}
	line, err := w.Signer.Sign(rep, w.Now())
	if err != nil {
		w.Logger.ErrorContext(ctx, "audit witness failed", "err", err)
		return err
	}
	if w.File != "" {
		if err := AppendWitness(w.File, line); err != nil {
			w.Logger.ErrorContext(ctx, "audit witness not written", "file", w.File, "err", err)
			return err
		}
	}
	if w.Syslog != nil {
		if err := w.Syslog.Info(line); err != nil {
			w.Logger.ErrorContext(ctx, "audit witness not sent to syslog", "err", err)
			return err
		}
	}
	w.Logger.InfoContext(ctx, "audit head witnessed", "seq", rep.Last)
	return nil
}

// AppendWitness appends line and a newline to the file at path, creating it
// readable by its owner only, and waits for the disk: a witness that a crash could
// lose witnesses nothing.
func AppendWitness(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
