package ops

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogBuffer is a log destination that gathers lines in memory and writes them out
// when its buffer fills, at least every interval, and on Close: under load, an access
// line then costs a copy, not a write system call of its own. What is lost if the
// process dies at once is at most one interval's lines.
type LogBuffer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// logBufferSize holds some two hundred access lines.
const logBufferSize = 32 << 10

// NewLogBuffer returns a buffer in front of w, flushed every interval until Close.
func NewLogBuffer(w io.Writer, interval time.Duration) *LogBuffer {
	b := &LogBuffer{w: bufio.NewWriterSize(w, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(interval)
	return b
}

func (b *LogBuffer) flushEvery(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write adds p to the buffer. A log handler writes one whole line per call, so
// lines from different goroutines never interleave.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes out what the buffer holds.
func (b *LogBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close stops the periodic flush and writes out what is left. Lines written after
// Close still reach the buffer, but only a further Flush writes them out.
func (b *LogBuffer) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}
