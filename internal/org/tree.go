package org

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// tree is the process's copy of the whole tree, which every page and API call
// reads (the user's unit, breadcrumbs, children): a city has a few thousand units,
// well under a megabyte. It is read again, whole, when the org topic's generation
// moves (see changes.Watch): at once after a change committed in this process,
// within a second after one in another. Writes never read it: they check units in
// their own transaction.
type tree struct {
	db    *db.DB
	watch *changes.Watch

	now  atomic.Pointer[snapshot]
	load sync.Mutex // one reading of the table at a time
}

// snapshot is the tree as read under one generation; it is never changed.
type snapshot struct {
	gen      uint64
	units    map[string]Unit
	codes    []string            // every code, in order
	children map[string][]string // parent code → child codes, in code order
}

func newTree(d *db.DB) *tree {
	return &tree{db: d, watch: changes.NewWatch(d, changes.Org, changes.DefaultInterval)}
}

// current returns the tree as it stands, reading it again if it changed.
func (t *tree) current(ctx context.Context) (*snapshot, error) {
	gen, err := t.watch.Generation(ctx)
	if err != nil {
		return nil, err
	}
	if s := t.now.Load(); s != nil && s.gen == gen {
		return s, nil
	}
	t.load.Lock()
	defer t.load.Unlock()
	if s := t.now.Load(); s != nil && s.gen >= gen {
		return s, nil
	}
	units, err := collect(t.db.Read().QueryContext(ctx, `SELECT `+unitColumns+` FROM org_units ORDER BY code`))
	if err != nil {
		return nil, err
	}
	s := &snapshot{gen: gen, units: make(map[string]Unit, len(units)), codes: make([]string, 0, len(units)), children: map[string][]string{}}
	for _, u := range units {
		s.units[u.Code] = u
		s.codes = append(s.codes, u.Code)
		if u.ParentCode != "" {
			s.children[u.ParentCode] = append(s.children[u.ParentCode], u.Code)
		}
	}
	t.now.Store(s)
	return s, nil
}

// unit returns the unit with code, if there is one.
func (s *snapshot) unit(code string) (Unit, bool) {
	u, ok := s.units[code]
	return u, ok
}

// childrenOf returns the units directly under code within sc that still stand, in
// code order.
func (s *snapshot) childrenOf(sc scope.Scope, code string) []Unit {
	out := []Unit{}
	for _, c := range s.children[code] {
		if sc.Contains(c) && s.units[c].DissolvedOn == "" {
			out = append(out, s.units[c])
		}
	}
	return out
}

// level returns every unit of a level within sc that still stands, in code order.
func (s *snapshot) level(sc scope.Scope, l scope.Level) []Unit {
	lo, hi := sc.Range()
	i, _ := slices.BinarySearch(s.codes, lo)
	out := []Unit{}
	for _, c := range s.codes[i:] {
		if c >= hi {
			break
		}
		if u := s.units[c]; u.Level == l && u.DissolvedOn == "" {
			out = append(out, u)
		}
	}
	return out
}

// path returns the ancestors of code, top down, ending with the unit itself.
func (s *snapshot) path(code string) ([]Unit, bool) {
	var path []Unit
	for code != "" {
		u, ok := s.units[code]
		if !ok {
			return nil, false
		}
		path = append([]Unit{u}, path...)
		code = u.ParentCode
	}
	return path, true
}
