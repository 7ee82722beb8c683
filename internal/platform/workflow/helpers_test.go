package workflow_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/workflow"
)

// The units of the tests: a district, two of its streets, two communities of the
// first street and a grid of the first community.
const (
	cityCode       = "450400"
	districtCode   = "450403"
	streetCode     = "450403001"
	otherStreet    = "450403002"
	communityCode  = "450403001001"
	otherCommunity = "450403001002"
	gridCode       = "450403001001001"
)

// The users of the tests, one per unit.
var (
	gridWorker = auth.Principal{UserID: "u-grid", Name: "网格员甲", Role: auth.RoleGrid, OrgCode: gridCode}
	community  = auth.Principal{UserID: "u-community", Name: "社区乙", Role: auth.RoleCommunity, OrgCode: communityCode}
	neighbour  = auth.Principal{UserID: "u-neighbour", Name: "邻社区丙", Role: auth.RoleCommunity, OrgCode: otherCommunity}
	street     = auth.Principal{UserID: "u-street", Name: "街道丁", Role: auth.RoleStreet, OrgCode: streetCode}
	streetB    = auth.Principal{UserID: "u-street-b", Name: "另一街道戊", Role: auth.RoleStreet, OrgCode: otherStreet}
	district   = auth.Principal{UserID: "u-district", Name: "区己", Role: auth.RoleDistrict, OrgCode: districtCode}
	city       = auth.Principal{UserID: "u-city", Name: "市庚", Role: auth.RoleCity, OrgCode: cityCode}
	readOnly   = auth.Principal{UserID: "u-ro", Name: "只读辛", Role: auth.RoleReadOnly, OrgCode: communityCode}
)

// monday is 10:00 China time on Monday 2 March 2026.
var monday = time.Date(2026, 3, 2, 10, 0, 0, 0, cst)

// world is an engine on a database with a clock the test moves.
type world struct {
	d   *db.DB
	e   *workflow.Engine
	now time.Time
}

func newWorld(t testing.TB, d *db.DB, flows ...workflow.Flow) *world {
	t.Helper()
	w := &world{d: d, now: monday}
	e, err := workflow.NewEngine(weekdays{years: []int{2026}}, func() time.Time { return w.now }, flows...)
	if err != nil {
		t.Fatal(err)
	}
	w.e = e
	return w
}

// start starts an instance in a transaction of its own.
func (w *world) start(p auth.Principal, in workflow.StartInput) (workflow.Instance, error) {
	var out workflow.Instance
	err := w.d.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		out, err = w.e.Start(context.Background(), tx, p, in)
		return err
	})
	return out, err
}

// report starts a case reported by the grid worker in the grid, owned by its community.
func (w *world) report(t testing.TB, subject, category string) workflow.Instance {
	t.Helper()
	i, err := w.start(gridWorker, workflow.StartInput{Flow: "case", SubjectKind: "case", SubjectID: subject,
		OrgCode: gridCode, OwnerOrg: communityCode, Category: category, Note: "楼道堆放杂物"})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// take takes a step in a transaction of its own.
func (w *world) take(p auth.Principal, id string, version int, in workflow.TakeInput) (workflow.Instance, error) {
	var out workflow.Instance
	err := w.d.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		out, err = w.e.Take(context.Background(), tx, p, id, version, in)
		return err
	})
	return out, err
}

// step takes a step on i at its version, which must succeed, and moves i on.
func (w *world) step(t testing.TB, p auth.Principal, i *workflow.Instance, in workflow.TakeInput) {
	t.Helper()
	next, err := w.take(p, i.ID, i.Version, in)
	if err != nil {
		t.Fatalf("%s by %s at %s: %v", in.Transition, p.Name, i.State, err)
	}
	*i = next
}

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, cst) }
