package workflow_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/workflow"
)

// pingPong is a flow of two states with a limit each and a step between them each
// way: every step changes the state, counts new deadlines and writes its action
// and audit record, as a case's steps do.
func pingPong() workflow.Flow {
	roles, owner := []auth.Role{auth.RoleCommunity}, []workflow.Actor{workflow.Owner}
	limit := workflow.Limit{Yellow: 1, Red: 2, Unit: workflow.WorkDays}
	return workflow.Flow{Name: "ping_pong", Initial: "ping", StartRoles: roles,
		States: []workflow.State{{Name: "ping", Limit: limit}, {Name: "pong", Limit: limit}},
		Transitions: []workflow.Transition{
			{Name: "hit", From: []string{"ping"}, To: "pong", Roles: roles, Actors: owner},
			{Name: "return", From: []string{"pong"}, To: "ping", Roles: roles, Actors: owner},
		}}
}

// BenchmarkTake takes one step a transaction — read the instance in scope, check
// the step, count the deadlines, update the instance at its version, append the
// action and the audit record, commit — and, in the same loop on the same
// database, its anchor: a transaction that inserts one row. The two alternate, so
// that whatever else the machine does weighs on both alike. Target (issue 11,
// writes): the steps at least half the anchor's rate. It reports both rates and
// their ratio; ns/op is one of each.
func BenchmarkTake(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, dialect)
			w := newWorld(b, d, pingPong())
			i, err := w.start(community, workflow.StartInput{Flow: "ping_pong", SubjectKind: "bench", SubjectID: "1", OrgCode: communityCode})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := d.Write().ExecContext(ctx, `CREATE TABLE bench_rows (id TEXT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			steps := map[string]string{"ping": "hit", "pong": "return"}
			var take, anchor time.Duration
			for b.Loop() {
				t0 := time.Now()
				err := d.InTx(ctx, func(tx *sql.Tx) error {
					next, err := w.e.Take(ctx, tx, community, i.ID, i.Version, workflow.TakeInput{Transition: steps[i.State], Note: "打卡"})
					i = next
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				err = d.InTx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO bench_rows (id, v) VALUES ($1, $2)`, db.NewID(), "打卡")
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				take, anchor = take+t1.Sub(t0), anchor+time.Since(t1)
			}
			b.ReportMetric(float64(b.N)/take.Seconds(), "takes/s")
			b.ReportMetric(float64(b.N)/anchor.Seconds(), "anchor_tx/s")
			b.ReportMetric(anchor.Seconds()/take.Seconds(), "ratio")
		})
	}
}
