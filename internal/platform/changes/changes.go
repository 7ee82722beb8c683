// Package changes tells a process when to let go of what it holds in memory of the
// database (sessions, tokens, the org tree): each kind of data has a version row,
// bumped in the transaction of every change to it, which each process reads at
// most once per interval and after every commit of its own (decision 11). It
// depends only on platform/db.
package changes

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"shequ/internal/platform/db"
)

// Topic names a kind of data held in memory: a row of change_versions.
type Topic string

// The topics.
const (
	// Auth covers users, sessions, API tokens and the password policy.
	Auth Topic = "auth"
	// Org covers the org tree.
	Org Topic = "org"
)

// Bump records a change to topic in q, which must be the transaction of the
// change, so that no process can see the change without the new version.
func Bump(ctx context.Context, q db.Querier, t Topic) error {
	_, err := q.ExecContext(ctx, `UPDATE change_versions SET version = version + 1 WHERE topic = $1`, string(t))
	return err
}

// DefaultInterval is how often a Watch reads its version row when this process
// writes nothing: how long another process's change can go unseen.
const DefaultInterval = time.Second

// Watch follows one topic's version for a process. Generation is what holders of
// copies compare: a copy made under one generation is good while Generation
// returns the same number.
type Watch struct {
	db    *db.DB
	topic Topic
	every time.Duration
	start time.Time // the monotonic clock's origin for checked

	gen     atomic.Uint64
	checked atomic.Int64  // time since start of the last read of the row
	commits atomic.Uint64 // db.Commits() at the last read

	read atomic.Bool // the row has been read once

	mu      sync.Mutex // held while reading the row
	version int64
}

// NewWatch returns a watch of topic in d that reads the row at most once per
// every, and after each commit through d.
func NewWatch(d *db.DB, t Topic, every time.Duration) *Watch {
	return &Watch{db: d, topic: t, every: every, start: time.Now()}
}

// Generation returns a number that is the same as long as the topic has not
// changed, and moves past every earlier one once it has: at once after a change
// committed through this process's db.DB, and within the interval after one
// committed by another process. It reads the version row only when one of those
// is due; an error reading it is returned, and the caller trusts no copy.
func (w *Watch) Generation(ctx context.Context) (uint64, error) {
	if w.fresh() {
		return w.gen.Load(), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fresh() {
		return w.gen.Load(), nil
	}
	commits, at := w.db.Commits(), time.Since(w.start)
	var v int64
	if err := w.db.Read().QueryRowContext(ctx, `SELECT version FROM change_versions WHERE topic = $1`, string(w.topic)).Scan(&v); err != nil {
		w.gen.Add(1)
		return 0, err
	}
	if !w.read.Load() || v != w.version {
		w.version = v
		w.gen.Add(1)
	}
	w.commits.Store(commits)
	w.checked.Store(int64(at))
	w.read.Store(true)
	return w.gen.Load(), nil
}

// fresh reports whether the last reading still holds: nothing committed through
// this process since, and read within the interval.
func (w *Watch) fresh() bool {
	return w.read.Load() && w.db.Commits() == w.commits.Load() && time.Since(w.start)-time.Duration(w.checked.Load()) < w.every
}
