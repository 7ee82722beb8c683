package workflow_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/workflow"
)

// A second flow is data handed to the engine beside the first: the two-step
// approval of flow_test.go, defined in Go, runs with the case flow on one engine,
// with its own rules of who may act, its own clock and its own board.
func TestSecondFlow_RunsBesideTheFirstWithoutTouchingTheEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t), approval())
		w.report(t, "c1", "")
		submit := func(subject string) workflow.Instance {
			i, err := w.start(community, workflow.StartInput{Flow: "approval", SubjectKind: "application", SubjectID: subject, OrgCode: communityCode})
			if err != nil {
				t.Fatal(err)
			}
			return i
		}
		a := submit("a1")
		deadlines(t, "the approval's own limit, 2/3 working days", a, monday, at(2026, 3, 4, 10), at(2026, 3, 5, 10))
		if _, err := w.take(community, a.ID, a.Version, workflow.TakeInput{Transition: "approve"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the community approves its own application: %v", err)
		}
		if _, err := w.take(street, a.ID, a.Version, workflow.TakeInput{Transition: "accept"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a step of the case flow on an application: %v", err)
		}
		if _, err := w.start(gridWorker, workflow.StartInput{Flow: "approval", SubjectKind: "application", SubjectID: "a0", OrgCode: gridCode}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a grid worker submits: %v", err)
		}
		w.step(t, street, &a, workflow.TakeInput{Transition: "approve"})
		if a.State != "approved" || !a.Closed() {
			t.Errorf("approved: %+v", a)
		}

		r := submit("a2")
		if _, err := w.take(district, r.ID, r.Version, workflow.TakeInput{Transition: "refuse"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the district, not a street, refuses: %v", err)
		}
		w.step(t, street, &r, workflow.TakeInput{Transition: "refuse", Reason: "材料不全"})
		if _, err := w.take(street, r.ID, r.Version, workflow.TakeInput{Transition: "approve"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("approving what was refused: %v", err)
		}

		open := submit("a3")
		ctx := context.Background()
		got, _, err := workflow.Board(ctx, d.Read(), street.Scope(), monday.Add(time.Hour), workflow.BoardFilter{Flow: "approval", Limit: 10})
		if err != nil || len(got) != 1 || got[0].ID != open.ID {
			t.Errorf("the approvals' board: %v, %v", subjects(got), err)
		}
		tl, err := workflow.Timeline(ctx, d.Read(), street.Scope(), r.ID)
		if err != nil || len(tl) != 2 || tl[1].Transition != "refuse" || tl[1].Reason != "材料不全" {
			t.Errorf("the refusal's timeline: %+v, %v", tl, err)
		}
	})
}
