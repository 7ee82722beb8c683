package stats

import (
	"container/list"
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// DefaultCacheSize is how many units' figures a server keeps: every unit of a
// city's tree down to its communities, on one day, with room to spare. A city's
// figures take a few kilobytes.
const DefaultCacheSize = 1024

// Cache serves the figures Compute gives, computing each unit's once for as long as
// the register under it is unchanged (decision 12). The database keeps a generation
// per district that triggers move with every write to what the figures count, in
// the writer's transaction, so a figure is fresh exactly while the generations of
// its unit's districts still add up to what they were when it was computed: after a
// write through this process, another process or the command line alike. Callers
// asking for the same figures at once share one computation. It holds at most size
// entries, the least recently used going first.
type Cache struct {
	db       *db.DB
	size     int
	flights  singleflight.Group
	computed atomic.Int64

	mu      sync.Mutex
	entries map[cacheKey]*list.Element // of *cached
	recent  *list.List                 // most recently used at the front
}

// cacheKey is what the figures depend on besides the register: the unit and the
// day (issue #10 will date the register, so the day stays in the key).
type cacheKey struct{ code, day string }

type cached struct {
	key        cacheKey
	generation int64
	stats      Stats
}

// NewCache returns a cache of at most size units' figures over d.
func NewCache(d *db.DB, size int) *Cache {
	return &Cache{db: d, size: max(size, 1), entries: map[cacheKey]*list.Element{}, recent: list.New()}
}

// Get returns what Compute(ctx, q, sc, code, asOf) returns on the register as it
// stands, with the same errors; the result is the caller's to change. Its figures
// are those of one moment, never of a writer's transaction half applied.
func (c *Cache) Get(ctx context.Context, sc scope.Scope, code string, asOf time.Time) (Stats, error) {
	if !sc.Contains(code) {
		return Stats{}, apperr.New(apperr.NotFound, "org.not_found", "scope")
	}
	key := cacheKey{code, asOf.Format(time.DateOnly)}
	gen, err := Generation(ctx, c.db.Read(), code)
	if err != nil {
		return Stats{}, err
	}
	if s, ok := c.lookup(key, gen); ok {
		return s.clone(), nil
	}
	// The generation is part of the flight's name: a caller who has just written
	// must not be handed a computation begun before the write.
	flight := key.code + " " + key.day + " " + strconv.FormatInt(gen, 10)
	// The computation outlives a caller who goes away, for the others waiting and
	// for the next caller.
	ch := c.flights.DoChan(flight, func() (any, error) { return c.compute(context.WithoutCancel(ctx), key, asOf) })
	select {
	case <-ctx.Done():
		return Stats{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return Stats{}, r.Err
		}
		return r.Val.(Stats).clone(), nil
	}
}

// compute reads the generation and the figures in one read transaction, so the
// generation stored is the one the figures are of.
func (c *Cache) compute(ctx context.Context, key cacheKey, asOf time.Time) (Stats, error) {
	var (
		s   Stats
		gen int64
	)
	err := c.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		if gen, err = Generation(ctx, q, key.code); err != nil {
			return err
		}
		// The caller's scope was checked in Get.
		s, err = Compute(ctx, q, scope.Of(key.code), key.code, asOf)
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	c.computed.Add(1)
	c.store(key, gen, s)
	return s, nil
}

func (c *Cache) lookup(key cacheKey, gen int64) (Stats, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.Value.(*cached).generation != gen {
		return Stats{}, false
	}
	c.recent.MoveToFront(e)
	return e.Value.(*cached).stats, true
}

// store keeps s unless what is kept for key is of a later generation (computed by a
// caller who came after), and lets the least recently used entries go beyond size.
func (c *Cache) store(key cacheKey, gen int64, s Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		if v := e.Value.(*cached); v.generation <= gen {
			v.generation, v.stats = gen, s
		}
		c.recent.MoveToFront(e)
		return
	}
	c.entries[key] = c.recent.PushFront(&cached{key: key, generation: gen, stats: s})
	for c.recent.Len() > c.size {
		old := c.recent.Remove(c.recent.Back()).(*cached)
		delete(c.entries, old.key)
	}
}

// Computations returns how many times the cache has computed figures: what a cache
// hit saves, for tests and operators.
func (c *Cache) Computations() int64 { return c.computed.Load() }

// Len returns how many units' figures the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recent.Len()
}

// Generation adds up the generations of the districts code's figures count: the
// districts under a city (and the city's own row), or the one district a unit lies
// in. Each only grows, so the sum is unchanged exactly when every one is: a
// consolidation plan keeps it to tell whether the register moved under it.
func Generation(ctx context.Context, q db.Querier, code string) (int64, error) {
	lo := scope.Prefix(code)
	if len(lo) > 6 {
		lo = lo[:6]
	}
	var n int64
	err := q.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM register_generations
		WHERE district >= $1 AND district < $2`, lo, lo+":").Scan(&n)
	return n, err
}

// clone copies the maps and lists a cached Stats shares with other callers.
func (s Stats) clone() Stats {
	s.CommunitiesByFoundedYear = maps.Clone(s.CommunitiesByFoundedYear)
	s.Children = slices.Clone(s.Children) // nil stays nil, for omitzero
	for i := range s.Children {
		s.Children[i] = s.Children[i].clone()
	}
	return s
}

// TouchAll moves the generation of every district of the register by one, in q, the
// writer's transaction: what the triggers of migration 012 do row by row, done once
// by a bulk load that wrote with them set aside (db.DeferTriggers).
func TouchAll(ctx context.Context, q db.Querier) error {
	_, err := q.ExecContext(ctx, `INSERT INTO register_generations (district, n)
		SELECT DISTINCT substr(code, 1, 6), 1 FROM org_units WHERE true
		ON CONFLICT (district) DO UPDATE SET n = register_generations.n + 1`)
	return err
}
