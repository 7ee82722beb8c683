// Package reorg changes the city's tree on a day (区划调整): a community created under
// a street with a code of its own, grids moved into another community under new
// codes with everything the register keeps in them, a community left without grids
// dissolved, and its workers posted by a reviewed list — in one transaction, so
// that the register as of any day, before the change or after it, stays right
// (decision 34). It stands on org, registry and staff, whose stores hold the
// primitives; consolidation plans are applied through it.
package reorg

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// Change is one dated change of the tree.
type Change struct {
	// On is the day the change takes effect (YYYY-MM-DD, the city's calendar): not
	// in the future, and not before the last dated change of anything it touches.
	On          string
	Communities []Community
	Staff       []Posting
	// Check, when not nil, runs first in the change's transaction: a plan applied
	// through it refuses there if the register changed under the plan.
	Check func(ctx context.Context, q db.Querier) error
}

// Community is a community as the change leaves it: an existing one (Code) or a
// new one (Street and Name), and the grids it holds from On. Grids named that are
// already under it stay; the others move into it.
type Community struct {
	// Key names it in the staff list: its code, or for a new one any word the list
	// uses (a plan's community number).
	Key    string
	Code   string
	Street string
	Name   string
	Grids  []string
	// Plan and PlanNo, when Plan is not "", mark the community as the plan's
	// proposal number PlanNo, which is then applied once only.
	Plan   string
	PlanNo int
}

// New reports whether the change creates the community.
func (c Community) New() bool { return c.Code == "" }

// Posting sends a worker to a community (a code, or the Key of one of the change's
// communities) from On, to serve the grids listed: codes as they stand before the
// change, or after it. A worker who served a moved grid and is posted to the
// community it moves into, with no grids listed, serves it on under its new code.
type Posting struct {
	Worker    string
	Community string
	Grids     []string
}

// Result says what the change did.
type Result struct {
	On          string          `json:"on"`
	Communities []CommunityDone `json:"communities"`
	Dissolved   []string        `json:"dissolved"`
	Transferred int             `json:"transferred_workers"`
	Plan        []PlanCommunity `json:"plan,omitempty"`
}

// CommunityDone is one community of the change as done.
type CommunityDone struct {
	Key   string  `json:"key"`
	Code  string  `json:"code"`
	New   bool    `json:"new"`
	Moves []Moved `json:"moves"`
}

// Moved is one grid moved: its old code, its new one, and what followed it.
type Moved struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Households int    `json:"households"`
	Residents  int    `json:"residents"`
	Contacts   int    `json:"contacts"`
	Workers    int    `json:"workers_relieved"`
}

// PlanCommunity is a plan's proposal marked applied.
type PlanCommunity struct {
	Plan string `json:"plan"`
	No   int    `json:"no"`
	Code string `json:"code"`
}

// check validates the change on its own, before the database is read: the day, and
// each community's fields, naming the field ("communities[2].grids").
func (ch *Change) check(today string) error {
	ch.On = strings.TrimSpace(ch.On)
	if _, err := time.Parse(time.DateOnly, ch.On); err != nil {
		return apperr.Invalidf("on", "reorg.date")
	}
	if ch.On > today {
		return apperr.Invalidf("on", "reorg.date_future").With("today", today)
	}
	if len(ch.Communities) == 0 {
		return apperr.Invalidf("communities", "required")
	}
	keys := map[string]bool{}
	grids := map[string]bool{}
	for i := range ch.Communities {
		c := &ch.Communities[i]
		field := "communities[" + strconv.Itoa(i) + "]"
		c.Name = strings.TrimSpace(c.Name)
		if c.Key == "" {
			c.Key = c.Code
		}
		if c.Key == "" || keys[c.Key] {
			return apperr.Invalidf(field+".key", "reorg.key")
		}
		keys[c.Key] = true
		switch {
		case c.New() && scope.LevelOf(c.Street) != scope.Street:
			return apperr.Invalidf(field+".street", "org.parent_level").With("want", string(scope.Street))
		case c.New() && c.Name == "":
			return apperr.Invalidf(field+".name", "required")
		case c.New() && utf8.RuneCountInString(c.Name) > 60:
			return apperr.Invalidf(field+".name", "too_long").With("max", 60)
		case !c.New() && scope.LevelOf(c.Code) != scope.Community:
			return apperr.Invalidf(field+".code", "reorg.not_community").With("code", c.Code)
		case len(c.Grids) == 0:
			return apperr.Invalidf(field+".grids", "required")
		}
		for _, g := range c.Grids {
			if scope.LevelOf(g) != scope.Grid {
				return apperr.Invalidf(field+".grids", "reorg.not_grid").With("code", g)
			}
			if grids[g] {
				return apperr.Invalidf(field+".grids", "reorg.grid_twice").With("code", g)
			}
			grids[g] = true
		}
	}
	for i, s := range ch.Staff {
		if s.Worker == "" {
			return apperr.Invalidf("staff["+strconv.Itoa(i)+"].worker", "required")
		}
		if s.Community == "" {
			return apperr.Invalidf("staff["+strconv.Itoa(i)+"].community", "required")
		}
	}
	return nil
}
