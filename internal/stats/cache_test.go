package stats_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/stats"
)

// sharedDB opens one database twice, as a server and `shequ import` run beside it
// on the command line do: two handles with pools of their own.
func sharedDB(t *testing.T, dialect db.Dialect) (server, other *db.DB) {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "shared.db")
	if dialect == db.Postgres {
		var drop func()
		dsn, drop = dbtest.NewSchema(t, dbtest.PostgresURL())
		t.Cleanup(drop)
	}
	keys := crypttest.New(t)
	open := func() *db.DB {
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		d.SetKeys(keys)
		return d
	}
	server = open()
	if err := server.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return server, open()
}

// eachShared runs fn on every configured database, opened twice.
func eachShared(t *testing.T, fn func(t *testing.T, server, other *db.DB)) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			server, other := sharedDB(t, dialect)
			smallCity(t, server)
			fn(t, server, other)
		})
	}
}

// registerWrites writes each of the tables the figures count, inserting, changing
// and deleting rows, each write changing the city's figures or its children's.
var registerWrites = []struct {
	name string
	sql  string
}{
	{"a street opens", `INSERT INTO org_units (code, name, level, parent_code, created_at) VALUES ('450404001', '乙街道', 'street', '450404', 0)`},
	{"a community's space grows", `UPDATE org_units SET office_area_dm2 = 40000 WHERE code = '450403001002'`},
	{"a household registers", `INSERT INTO households (id, household_no, org_code, address, created_at, updated_at)
		VALUES ('h9', 'h9', '450403001002001', '', 0, 0)`},
	{"a household moves to another district", `UPDATE households SET org_code = '450404001' WHERE id = 'h9'`},
	{"a household leaves", `DELETE FROM households WHERE id = 'h9'`},
	{"a worker is hired", `INSERT INTO workers (id, name, id_number_bidx, sex, birth_date, org_code, position, education, hired_on, created_at, updated_at)
		VALUES ('w9', '社工', 'w9', 'M', '1990-01-01', '450403001002', 'member', '21', '2012-01-01', 0, 0)`},
	{"a resident's period is corrected to floating", `UPDATE resident_periods SET population_type = 'floating' WHERE resident_id = 'r1'`},
	{"a resident left the register before the day", `UPDATE resident_periods SET ends_on = '2013-01-01' WHERE resident_id = 'r3'`},
	{"a resident's record is erased", `DELETE FROM residents WHERE id = 'r2'`},
	{"a worker's education is corrected", `UPDATE workers SET education = '11' WHERE id = 'w1'`},
	{"a worker leaves", `DELETE FROM workers WHERE id = 'w0'`},
	{"the street closes", `DELETE FROM org_units WHERE code = '450404001'`},
}

func TestCache_EveryRegisterWriteShowsInTheNextCall(t *testing.T) {
	for _, writer := range []string{"this process", "another process"} {
		t.Run(writer, func(t *testing.T) {
			eachShared(t, func(t *testing.T, server, other *db.DB) {
				w := server
				if writer == "another process" {
					w = other
				}
				c := stats.NewCache(server, stats.DefaultCacheSize)
				before := get(t, c, "450400")
				for _, write := range registerWrites {
					exec(t, w, write.sql)
					got := get(t, c, "450400")
					if want := compute(t, server, scope.Of("450400"), "450400", reportDay()); !reflect.DeepEqual(got, want) {
						t.Fatalf("after %q the cache gives\n%+v\nnot\n%+v", write.name, got, want)
					}
					if reflect.DeepEqual(got, before) {
						t.Fatalf("%q changed nothing: the test does not test it", write.name)
					}
					before = got
				}
			})
		})
	}
}

func TestCache_AResidentAddedShowsAtOnceThroughTheRegisterPath(t *testing.T) {
	eachShared(t, func(t *testing.T, server, other *db.DB) {
		c := stats.NewCache(server, stats.DefaultCacheSize)
		grid := get(t, c, "450403001002001")
		addHousehold(t, other, other.Write(), "h10", "450403001002001", 300, "registered", "floating")
		got := get(t, c, "450403001002001")
		if got.Households != grid.Households+1 || got.Residents.Registered != grid.Residents.Registered+1 ||
			got.Residents.Floating != grid.Residents.Floating+1 {
			t.Errorf("after a household of two: %+v, before %+v", got, grid)
		}
	})
}

func TestCache_CallersAtOnceShareOneComputationUntilAWriteInTheirScope(t *testing.T) {
	eachShared(t, func(t *testing.T, server, other *db.DB) {
		c := stats.NewCache(server, stats.DefaultCacheSize)
		want := compute(t, server, scope.Of("450400"), "450400", reportDay())
		var wg sync.WaitGroup
		results := make([]stats.Stats, 50)
		for i := range results {
			wg.Go(func() { results[i] = get(t, c, "450400") })
		}
		wg.Wait()
		for _, got := range results {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		}
		get(t, c, "450403")
		get(t, c, "450400")
		if n := c.Computations(); n != 2 {
			t.Fatalf("50 callers at once and one after them, then a district: %d computations, want 2", n)
		}
		// 乙区 is not under 甲区: a write there leaves 甲区's figures cached.
		exec(t, other, `INSERT INTO org_units (code, name, level, parent_code, created_at) VALUES ('450404001', '乙街道', 'street', '450404', 0)`)
		get(t, c, "450403")
		if n := c.Computations(); n != 2 {
			t.Errorf("甲区 computed again after a write in 乙区: %d computations", n)
		}
		if got := get(t, c, "450400"); got.Units.Streets != 2 || c.Computations() != 3 {
			t.Errorf("the city after a street opened: %d streets, %d computations", got.Units.Streets, c.Computations())
		}
	})
}

func TestCache_ManyDaysKeepItWithinItsSize(t *testing.T) {
	eachShared(t, func(t *testing.T, server, _ *db.DB) {
		c := stats.NewCache(server, 8)
		day := reportDay()
		for i := range 300 {
			s, err := c.Get(context.Background(), scope.Of("450400"), "450403001001", day.AddDate(0, 0, i))
			if err != nil {
				t.Fatal(err)
			}
			if s.AsOf != day.AddDate(0, 0, i).Format(time.DateOnly) {
				t.Fatalf("day %d: figures as of %s", i, s.AsOf)
			}
		}
		if c.Len() != 8 || c.Computations() != 300 {
			t.Errorf("300 days through a cache of 8: holds %d, computed %d times", c.Len(), c.Computations())
		}
	})
}

func TestCache_UnknownOrOutOfScopeUnitIsNotFoundAndNotKept(t *testing.T) {
	eachShared(t, func(t *testing.T, server, _ *db.DB) {
		c := stats.NewCache(server, stats.DefaultCacheSize)
		for _, tc := range []struct {
			sc   scope.Scope
			code string
		}{{scope.Of("450404"), "450403"}, {scope.Of("450400"), "450403009"}, {scope.Scope{}, "450400"}} {
			_, err := c.Get(context.Background(), tc.sc, tc.code, reportDay())
			if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Code != apperr.NotFound || e.Key != "org.not_found" {
				t.Errorf("%s in %s: %v, want not found", tc.code, tc.sc, err)
			}
		}
		if c.Len() != 0 {
			t.Errorf("the cache kept %d answers to unknown units", c.Len())
		}
	})
}

// An import is one transaction: a call while it runs sees the register before it,
// one after its commit sees all of it, and none sees a part.
func TestCache_AStatsCallDuringAnImportSeesTheRegisterBeforeOrAfterNeverAHalf(t *testing.T) {
	eachShared(t, func(t *testing.T, server, other *db.DB) {
		ctx := context.Background()
		c := stats.NewCache(server, stats.DefaultCacheSize)
		before := get(t, c, "450400")
		written, proceed := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- other.InTx(ctx, func(tx *sql.Tx) error {
				for i := range 5 {
					addHousehold(t, other, tx, fmt.Sprintf("imp%d", i), "450403001002001", 300+2*i, "registered", "registered")
				}
				close(written)
				<-proceed
				return nil
			})
		}()
		<-written
		if got := get(t, c, "450400"); !reflect.DeepEqual(got, before) {
			t.Errorf("during the import:\n%+v\nbefore it:\n%+v", got, before)
		}
		close(proceed)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := get(t, c, "450400"); got.Households != before.Households+5 || got.Residents.Registered != before.Residents.Registered+10 {
			t.Errorf("after the import: %d households, %d registered; before %d, %d",
				got.Households, got.Residents.Registered, before.Households, before.Residents.Registered)
		}

		// Imports one after another, each a household of two, while callers ask: every
		// answer has two residents more for each household more.
		base := get(t, c, "450400")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					s, err := c.Get(ctx, scope.Of("450400"), "450400", reportDay())
					if err != nil {
						t.Error(err)
						return
					}
					if dh, dr := s.Households-base.Households, s.Residents.Registered-base.Residents.Registered; dr != 2*dh {
						t.Errorf("a half import: %d households and %d residents more", dh, dr)
						return
					}
				}
			})
		}
		for i := range 20 {
			err := other.InTx(ctx, func(tx *sql.Tx) error {
				addHousehold(t, other, tx, fmt.Sprintf("run%d", i), "450403001001002", 400+2*i, "registered", "registered")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		wg.Wait()
	})
}

func get(t *testing.T, c *stats.Cache, code string) stats.Stats {
	t.Helper()
	s, err := c.Get(context.Background(), scope.Of("450400"), code, reportDay())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addHousehold writes a household in grid with a resident of each population type
// given, numbered from seq, through q (a pool or a transaction of d).
func addHousehold(t *testing.T, d *db.DB, q db.Querier, id, grid string, seq int, kinds ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := q.ExecContext(ctx, `INSERT INTO households (id, household_no, org_code, address, created_at, updated_at)
		VALUES ($1, $1, $2, '', 0, 0)`, id, grid); err != nil {
		t.Error(err)
		return
	}
	for i, kind := range kinds {
		p := sealed(t, d, idNumber("450403", "1980-01-01", seq+i))
		if _, err := q.ExecContext(ctx, `INSERT INTO residents (id, name, id_number_sealed, id_number_bidx, id_tail_bidx, sex, birth_date,
			household_id, org_code, relation, population_type, created_at, updated_at)
			VALUES ($1, '居民', $2, $3, $4, 'M', '1980-01-01', $5, $6, '80', $7, 0, 0)`,
			fmt.Sprintf("%s-%d", id, i), p.IDNumber, p.IDIndex, p.TailIndex, id, grid, kind); err != nil {
			t.Error(err)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO resident_periods (resident_id, starts_on, household_id, org_code, population_type)
			VALUES ($1, '2000-01-01', $2, $3, $4)`, fmt.Sprintf("%s-%d", id, i), id, grid, kind); err != nil {
			t.Error(err)
		}
	}
}
