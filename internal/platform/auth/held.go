package auth

import (
	"context"
	"sync"

	"shequ/internal/platform/changes"
)

// DefaultHeldCredentials bounds how many sessions and API tokens a process holds
// in memory: a city's staff signed in at once fit many times over, and a flood of
// distinct tokens costs at most this many entries of a few hundred bytes.
const DefaultHeldCredentials = 10000

// credential is what a process holds of one live session or API token: the facts
// of its user that every request looks at, and for a session its clock.
type credential struct {
	facts    userFacts // without the password hash
	lastSeen int64     // sessions: the last use written to the database
	expires  int64
}

// held is the process's copy of credentials it has checked, keyed by kind and
// token hash, good while the auth topic's generation stays the same (see
// changes.Watch). Only what the database confirmed is held: an unknown token is
// asked for again each time, so a credential made by another process works at
// once. When full, an arbitrary entry makes room.
type held struct {
	watch *changes.Watch
	max   int

	mu      sync.Mutex
	gen     uint64
	entries map[string]credential
}

func newHeld(w *changes.Watch, max int) *held {
	return &held{watch: w, max: max, entries: map[string]credential{}}
}

// get returns the credential held under key, if any, and the generation that a
// credential read from the database now must be put under.
func (h *held) get(ctx context.Context, key string) (credential, uint64, bool, error) {
	gen, err := h.watch.Generation(ctx)
	if err != nil {
		return credential{}, 0, false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.turn(gen)
	c, ok := h.entries[key]
	return c, gen, ok, nil
}

// put holds c under key, unless the topic changed since gen: then c may have been
// read before the change, and is dropped.
func (h *held) put(gen uint64, key string, c credential) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen < h.gen {
		return
	}
	h.turn(gen)
	if _, ok := h.entries[key]; !ok && len(h.entries) >= h.max {
		for k := range h.entries {
			delete(h.entries, k)
			break
		}
	}
	c.facts.hash = ""
	h.entries[key] = c
}

// drop forgets key.
func (h *held) drop(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.entries, key)
}

// turn lets go of everything held when gen is newer than what it was held under.
func (h *held) turn(gen uint64) {
	if gen > h.gen {
		h.entries = map[string]credential{}
		h.gen = gen
	}
}
