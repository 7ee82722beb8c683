package cli

import (
	"bytes"
	"testing"
	"time"

	"shequ/internal/transfer"
)

// clock is a fake time that a test moves on by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func at(rows int, done float64, secs int) transfer.Progress {
	return transfer.Progress{Rows: rows, Done: done, Elapsed: time.Duration(secs) * time.Second}
}

func newTestBar(t *testing.T, tty bool) (*progressBar, *bytes.Buffer, *clock) {
	t.Helper()
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := &clock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}
	return newProgressBar(&out, tty, b, "zh-CN", c.now), &out, c
}

func TestProgressBar_OffATerminalWritesAPlainLineEveryFiveSeconds(t *testing.T) {
	bar, out, c := newTestBar(t, false)
	c.advance(4 * time.Second)
	bar.update(at(20000, 0.2, 4))
	if out.Len() != 0 {
		t.Errorf("a line before five seconds: %q", out)
	}
	c.advance(time.Second)
	bar.update(at(25000, 0.25, 5))
	c.advance(4 * time.Second)
	bar.update(at(45000, 0.45, 9))
	c.advance(time.Second)
	bar.update(at(50000, 0.5, 10))
	bar.done()
	want := " 25% 已读 25000 行，每秒 5000 行，预计还需 15s\n" +
		" 50% 已读 50000 行，每秒 5000 行，预计还需 10s\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

func TestProgressBar_OnATerminalRedrawsOneLineAndEndsIt(t *testing.T) {
	bar, out, c := newTestBar(t, true)
	c.advance(100 * time.Millisecond)
	bar.update(at(100, 0, 0))
	if out.Len() != 0 {
		t.Errorf("a bar within the first interval: %q", out)
	}
	c.advance(200 * time.Millisecond)
	bar.update(at(5000, 0.5, 1))
	c.advance(200 * time.Millisecond)
	bar.update(at(10000, 1, 2))
	bar.done()
	want := "\r[###############---------------]  50% 已读 5000 行，每秒 5000 行，预计还需 1s\033[K" +
		"\r[##############################] 100% 已读 10000 行，每秒 5000 行，预计还需 ?\033[K\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}
