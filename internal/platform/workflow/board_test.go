package workflow_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/workflow"
)

func subjects(is []workflow.Instance) []string {
	var out []string
	for _, i := range is {
		out = append(out, i.SubjectID)
	}
	return out
}

func TestBoard_ListsWhatIsOpenDueSoonYellowAndRedLongestWaitingFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		report := func(subject string, when time.Time) workflow.Instance {
			w.now = when
			return w.report(t, subject, "")
		}
		report("c1", at(2026, 3, 2, 10)) // yellow Tue 10:00, red Wed 10:00
		report("c2", at(2026, 3, 2, 12)) // yellow Tue 12:00, red Wed 12:00
		closed := report("c4", at(2026, 3, 2, 11))
		w.step(t, community, &closed, workflowTake("not_accept", "重复上报"))
		report("c3", at(2026, 3, 3, 9)) // yellow Wed 09:00, red Thu 09:00
		w.now = at(2026, 3, 2, 10)
		if _, err := w.start(streetB, startIn("c5", "450403002001")); err != nil { // the other street's: red too
			t.Fatal(err)
		}
		report("c6", at(2026, 3, 4, 10)) // yellow Thu 10:00: due within a day
		now := at(2026, 3, 4, 10).Add(30 * time.Minute)

		ctx := context.Background()
		board := func(sc scope.Scope, f workflow.BoardFilter) []string {
			t.Helper()
			f.Flow, f.Soon = "case", 24*time.Hour
			if f.Limit == 0 {
				f.Limit = 50
			}
			got, next, err := workflow.Board(ctx, d.Read(), sc, now, f)
			if err != nil || next != "" {
				t.Fatalf("board %+v: next %q, %v", f, next, err)
			}
			return subjects(got)
		}
		for _, tc := range []struct {
			name string
			sc   scope.Scope
			f    workflow.BoardFilter
			want []string
		}{
			{"the street's open cases", street.Scope(), workflow.BoardFilter{}, []string{"c1", "c2", "c3", "c6"}},
			{"its red", street.Scope(), workflow.BoardFilter{Show: workflow.Red}, []string{"c1"}},
			{"its yellow", street.Scope(), workflow.BoardFilter{Show: workflow.Yellow}, []string{"c2", "c3"}},
			{"its due soon", street.Scope(), workflow.BoardFilter{Show: workflow.DueSoon}, []string{"c6"}},
			{"a grid", district.Scope(), workflow.BoardFilter{Unit: gridCode}, []string{"c1", "c2", "c3", "c6"}},
			{"another community", street.Scope(), workflow.BoardFilter{Unit: otherCommunity}, nil},
			{"a unit outside the scope", street.Scope(), workflow.BoardFilter{Unit: otherStreet}, nil},
			{"the other street", streetB.Scope(), workflow.BoardFilter{}, []string{"c5"}},
			{"another flow", district.Scope(), workflow.BoardFilter{Flow: "approval"}, nil},
		} {
			if tc.f.Flow != "" {
				got, _, err := workflow.Board(ctx, d.Read(), tc.sc, now, tc.f)
				if err != nil || len(got) != 0 {
					t.Errorf("%s: %v, %v", tc.name, subjects(got), err)
				}
				continue
			}
			if got := board(tc.sc, tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		// c1 and c5 are red from the same instant; both are listed, in id order.
		red, _, err := workflow.Board(ctx, d.Read(), district.Scope(), now, workflow.BoardFilter{Flow: "case", Show: workflow.Red, Limit: 10})
		if err != nil || len(red) != 2 {
			t.Fatalf("the district's red: %v, %v", subjects(red), err)
		}

		// Page by page, one at a time, over the tie, nothing repeats and nothing is lost.
		var all []string
		after := ""
		for range 10 {
			page, next, err := workflow.Board(ctx, d.Read(), district.Scope(), now, workflow.BoardFilter{Flow: "case", Limit: 1, After: after})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, subjects(page)...)
			if after = next; after == "" {
				break
			}
		}
		slices.Sort(all)
		if !slices.Equal(all, []string{"c1", "c2", "c3", "c5", "c6"}) {
			t.Errorf("paged through: %v", all)
		}
		if _, _, err := workflow.Board(ctx, d.Read(), district.Scope(), now, workflow.BoardFilter{Flow: "case", After: "yesterday"}); err == nil {
			t.Error("a page key that is none was taken")
		}

		c, err := workflow.BoardCounts(ctx, d.Read(), street.Scope(), now, "case", "", 24*time.Hour)
		if err != nil || c != (workflow.Counts{Open: 4, DueSoon: 1, Yellow: 2, Red: 1}) {
			t.Errorf("the street's counts: %+v, %v", c, err)
		}
		c, err = workflow.BoardCounts(ctx, d.Read(), district.Scope(), now, "case", "", 24*time.Hour)
		if err != nil || c != (workflow.Counts{Open: 5, DueSoon: 1, Yellow: 2, Red: 2}) {
			t.Errorf("the district's counts: %+v, %v", c, err)
		}
		c, err = workflow.BoardCounts(ctx, d.Read(), street.Scope(), now, "case", otherStreet, 24*time.Hour)
		if err != nil || c != (workflow.Counts{}) {
			t.Errorf("counts outside the scope: %+v, %v", c, err)
		}
	})
}

func workflowTake(transition, reason string) workflow.TakeInput {
	return workflow.TakeInput{Transition: transition, Reason: reason}
}

func startIn(subject, place string) workflow.StartInput {
	return workflow.StartInput{Flow: "case", SubjectKind: "case", SubjectID: subject, OrgCode: place}
}
