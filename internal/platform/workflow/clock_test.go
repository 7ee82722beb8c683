package workflow_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/workflow"
)

// deadlines checks an instance's step start and deadlines.
func deadlines(t *testing.T, what string, i workflow.Instance, started, yellow, red time.Time) {
	t.Helper()
	if !i.StepStartedAt.Equal(started) || !i.YellowAt.Equal(yellow) || !i.RedAt.Equal(red) || i.DeadlineWarning {
		t.Errorf("%s: step from %v, yellow %v, red %v, warning %v; want %v, %v, %v",
			what, i.StepStartedAt.In(cst), i.YellowAt.In(cst), i.RedAt.In(cst), i.DeadlineWarning, started, yellow, red)
	}
}

func TestClock_EachStepCountsItsLimitInWorkingTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		deadlines(t, "立案 1/2 working days from Monday", i, monday, at(2026, 3, 3, 10), at(2026, 3, 4, 10))

		w.now = at(2026, 3, 6, 10) // a Friday
		fri := w.report(t, "c2", "")
		deadlines(t, "立案 from Friday, over the weekend", fri, w.now, at(2026, 3, 9, 10), at(2026, 3, 10, 10))

		w.now = at(2026, 3, 2, 11)
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		deadlines(t, "派遣 4/8 working hours", i, w.now, at(2026, 3, 2, 15), at(2026, 3, 3, 11))

		w.now = at(2026, 3, 2, 14)
		w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: streetCode})
		handling := w.now
		deadlines(t, "处置 5/10 working days", i, handling, at(2026, 3, 9, 14), at(2026, 3, 16, 14))

		w.now = at(2026, 3, 10, 9) // yellow already
		if f := i.Flag(w.now, 0); f != workflow.Yellow {
			t.Errorf("flag on the Tuesday after: %q", f)
		}
		w.step(t, district, &i, workflow.TakeInput{Transition: "supervise", Note: "请加快"})
		deadlines(t, "督办 leaves the clock running", i, handling, at(2026, 3, 9, 14), at(2026, 3, 16, 14))
		w.step(t, street, &i, workflow.TakeInput{Transition: "request_extension", Reason: "需协调产权单位"})
		deadlines(t, "a request for 延期 leaves it running", i, handling, at(2026, 3, 9, 14), at(2026, 3, 16, 14))
		w.step(t, community, &i, workflow.TakeInput{Transition: "grant_extension", Days: 3})
		deadlines(t, "延期 of 3 working days", i, handling, at(2026, 3, 12, 14), at(2026, 3, 19, 14))
		if i.State != "handling" || i.Flag(w.now, 0) != workflow.OnTime {
			t.Errorf("after 延期: %s, %q", i.State, i.Flag(w.now, 0))
		}
		w.step(t, street, &i, workflow.TakeInput{Transition: "request_extension", Reason: "还需要时间"})
		w.step(t, community, &i, workflow.TakeInput{Transition: "refuse_extension", Reason: "不同意"})
		deadlines(t, "延期 refused", i, handling, at(2026, 3, 12, 14), at(2026, 3, 19, 14))

		w.step(t, community, &i, workflow.TakeInput{Transition: "recategorise", Category: "greenery.upkeep", Reason: "实为绿地养护"})
		deadlines(t, "a new category's limit, 5/7, from the step's start", i, handling, at(2026, 3, 9, 14), at(2026, 3, 11, 14))
		w.step(t, community, &i, workflow.TakeInput{Transition: "recategorise", Category: "sanitation.exposed_garbage", Reason: "实为暴露垃圾"})
		deadlines(t, "暴露垃圾 4/8 working hours", i, handling, at(2026, 3, 3, 10), at(2026, 3, 3, 14))

		w.step(t, community, &i, workflow.TakeInput{Transition: "reassign", HandlerOrg: communityCode, Reason: "街道不再负责"})
		deadlines(t, "改派 gives the new handler its own limit", i, w.now, at(2026, 3, 10, 13), at(2026, 3, 10, 17))
		if i.HandlerOrg != communityCode || i.Category != "sanitation.exposed_garbage" {
			t.Errorf("after 改派: %+v", i)
		}

		tl, err := workflow.Timeline(context.Background(), d.Read(), community.Scope(), i.ID)
		if err != nil {
			t.Fatal(err)
		}
		var categories, handlers []string
		for _, a := range tl {
			categories = append(categories, a.Category)
			handlers = append(handlers, a.HandlerOrg)
		}
		if categories[2] != "" || categories[8] != "greenery.upkeep" || categories[9] != "sanitation.exposed_garbage" || tl[5].Days != 3 {
			t.Errorf("the timeline keeps the categories: %q, days %d", categories, tl[5].Days)
		}
		if handlers[2] != streetCode || handlers[10] != communityCode {
			t.Errorf("the timeline keeps the handlers: %q", handlers)
		}
	})
}

func TestClock_AYearTheCalendarLacksGivesAWarningNotADate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		w.now = at(2026, 12, 30, 10) // red would fall in 2027, a year the calendar does not have
		i := w.report(t, "c1", "")
		if !i.DeadlineWarning || !i.YellowAt.IsZero() || !i.RedAt.IsZero() || i.Flag(w.now.AddDate(1, 0, 0), 0) != workflow.OnTime {
			t.Errorf("no deadline and a warning: %+v", i)
		}
		got, err := workflow.Get(context.Background(), d.Read(), community.Scope(), i.ID)
		if err != nil || !got.DeadlineWarning || !got.YellowAt.IsZero() {
			t.Errorf("as stored: %+v, %v", got, err)
		}
		w.now = at(2026, 12, 30, 11)
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		deadlines(t, "the next step, counted within 2026", i, w.now, at(2026, 12, 30, 15), at(2026, 12, 31, 11))
	})
}

func TestEscalate_TheUnitAboveBecomesTheOwnerAndThePlaceStillSeesIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		w.step(t, community, &i, workflow.TakeInput{Transition: "escalate", Reason: "涉及多个社区，社区无法处理"})
		if i.OwnerOrg != streetCode || i.State != "accepted" || i.OrgCode != gridCode {
			t.Fatalf("越级上报: %+v", i)
		}
		if _, err := w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "dispatch", HandlerOrg: communityCode}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the community dispatches what it escalated: %v", err)
		}
		if _, err := w.take(street, i.ID, i.Version, workflow.TakeInput{Transition: "supervise", Note: "x"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the owning street supervises itself: %v", err)
		}
		if _, err := workflow.Get(context.Background(), d.Read(), community.Scope(), i.ID); err != nil {
			t.Errorf("the community no longer sees its case: %v", err)
		}
		w.step(t, district, &i, workflow.TakeInput{Transition: "supervise", Note: "街道请尽快派遣"})
		w.step(t, street, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: otherStreet})
		w.step(t, streetB, &i, workflow.TakeInput{Transition: "feedback", Result: "已处理", Photos: 3})
		w.step(t, street, &i, workflow.TakeInput{Transition: "verify_pass"})
		w.step(t, gridWorker, &i, workflow.TakeInput{Transition: "rate", Result: "basically_satisfied"})

		// A district escalates to its city, and the city to nobody.
		up, err := w.start(district, workflow.StartInput{Flow: "case", SubjectKind: "case", SubjectID: "c2", OrgCode: communityCode, OwnerOrg: districtCode})
		if err != nil {
			t.Fatal(err)
		}
		w.step(t, district, &up, workflow.TakeInput{Transition: "escalate", Reason: "跨区"})
		if up.OwnerOrg != cityCode {
			t.Errorf("a district escalated to %s", up.OwnerOrg)
		}
		w.step(t, city, &up, workflow.TakeInput{Transition: "dispatch", HandlerOrg: districtCode})
	})
}

func TestEscalate_FromTheCityThereIsNoLevelAbove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ladder := workflow.Flow{Name: "ladder", Initial: "open", StartRoles: []auth.Role{auth.RoleCity},
			States: []workflow.State{{Name: "open"}, {Name: "done", Final: true}},
			Transitions: []workflow.Transition{
				{Name: "up", From: []string{"open"}, Roles: []auth.Role{auth.RoleCity}, Actors: []workflow.Actor{workflow.Owner}, Effect: workflow.Escalate},
				{Name: "finish", From: []string{"open"}, To: "done", Roles: []auth.Role{auth.RoleCity}, Actors: []workflow.Actor{workflow.Owner}},
			}}
		w := newWorld(t, d, ladder)
		i, err := w.start(city, workflow.StartInput{Flow: "ladder", SubjectKind: "x", SubjectID: "1", OrgCode: cityCode})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.take(city, i.ID, i.Version, workflow.TakeInput{Transition: "up"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("escalating from the city: %v", err)
		}
		w.step(t, city, &i, workflow.TakeInput{Transition: "finish"})
	})
}

func TestReopen_OnlyWithinItsWindowOfDaysAfterClosing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		closeCase := func(subject string) workflow.Instance {
			i := w.report(t, subject, "")
			w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
			w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: communityCode})
			w.step(t, community, &i, workflow.TakeInput{Transition: "feedback", Result: "已修复", Photos: 1})
			w.step(t, community, &i, workflow.TakeInput{Transition: "verify_pass"})
			return i
		}
		i := closeCase("c1")
		closedAt := i.ClosedAt
		w.now = w.now.AddDate(0, 0, 1)
		w.step(t, gridWorker, &i, workflow.TakeInput{Transition: "rate", Result: "dissatisfied"})
		w.now = closedAt.AddDate(0, 0, 14)
		w.step(t, community, &i, workflow.TakeInput{Transition: "reopen", Reason: "路灯又坏了"})
		if i.State != "accepted" || i.Closed() || i.YellowAt.IsZero() {
			t.Errorf("reopened: %+v", i)
		}

		late := closeCase("c2")
		w.now = late.ClosedAt.AddDate(0, 0, 15)
		_, err := w.take(community, late.ID, late.Version, workflow.TakeInput{Transition: "reopen", Reason: "又坏了"})
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("reopen after 15 days: %v", err)
		}
		for _, tr := range w.e.Allowed(community, late) {
			if tr.Name == "reopen" {
				t.Error("reopen offered after its window")
			}
		}
	})
}
