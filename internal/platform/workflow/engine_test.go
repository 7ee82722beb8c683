package workflow_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/platform/workflow"
)

func TestCase_WalksFromReportThroughAReturnAndAFailedCheckToRating(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		if i.State != "reported" || i.Version != 1 || i.OwnerOrg != communityCode || i.StarterID != gridWorker.UserID {
			t.Fatalf("reported: %+v", i)
		}
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: streetCode})
		w.step(t, street, &i, workflow.TakeInput{Transition: "return", Reason: "属社区物业管理范围"})
		if i.State != "returned" {
			t.Fatalf("after 退单: %s", i.State)
		}
		w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: communityCode})
		w.step(t, community, &i, workflow.TakeInput{Transition: "feedback", Result: "已清理", Photos: 2})
		w.step(t, community, &i, workflow.TakeInput{Transition: "verify_fail", Reason: "仍有杂物"})
		w.step(t, community, &i, workflow.TakeInput{Transition: "feedback", Result: "已全部清理", Photos: 1})
		w.now = w.now.Add(time.Hour)
		w.step(t, community, &i, workflow.TakeInput{Transition: "verify_pass"})
		if i.State != "closed" || !i.Closed() || !i.ClosedAt.Equal(w.now) || !i.YellowAt.IsZero() {
			t.Fatalf("closed: %+v", i)
		}
		w.now = w.now.Add(24 * time.Hour)
		w.step(t, gridWorker, &i, workflow.TakeInput{Transition: "rate", Result: "satisfied"})
		if i.State != "rated" || i.Version != 10 || !i.ClosedAt.Equal(w.now.Add(-24*time.Hour)) {
			t.Fatalf("rated: %+v", i)
		}

		tl, err := workflow.Timeline(context.Background(), d.Read(), community.Scope(), i.ID)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for k, a := range tl {
			if a.Seq != k+1 || a.InstanceID != i.ID {
				t.Errorf("action %d has seq %d", k, a.Seq)
			}
			steps = append(steps, a.Transition+":"+a.From+">"+a.To)
		}
		want := []string{"start:>reported", "accept:reported>accepted", "dispatch:accepted>handling", "return:handling>returned",
			"dispatch:returned>handling", "feedback:handling>feedback", "verify_fail:feedback>handling", "feedback:handling>feedback",
			"verify_pass:feedback>closed", "rate:closed>rated"}
		if !slices.Equal(steps, want) {
			t.Errorf("timeline\n got %v\nwant %v", steps, want)
		}
		if r := tl[3]; r.ActorID != street.UserID || r.ActorOrg != streetCode || r.ActorRole != "street" || r.Reason != "属社区物业管理范围" || r.HandlerOrg != streetCode {
			t.Errorf("the return: %+v", r)
		}
		if f := tl[5]; f.Result != "已清理" || f.Photos != 2 || f.HandlerOrg != communityCode {
			t.Errorf("the feedback: %+v", f)
		}
		if tl[0].Note != "楼道堆放杂物" || tl[9].Result != "satisfied" || tl[9].ActorName != gridWorker.Name {
			t.Errorf("the start and the rating: %+v %+v", tl[0], tl[9])
		}

		rows, err := audit.List(context.Background(), d.Read(), audit.Filter{}, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 10 || rows[9].Action != workflow.ActStart || rows[0].Action != workflow.ActTransition || rows[0].Object != "case:c1" ||
			!strings.Contains(rows[0].Reason, "step:rate from:closed to:rated") || !strings.Contains(rows[6].Reason, "reason:属社区物业管理范围") {
			t.Errorf("audit trail: %+v", rows)
		}
	})
}

// bundle is the platform's messages with the labels a domain gives its flow's
// states and steps.
func bundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load(fstest.MapFS{
		"locales/zh-CN.json": {Data: []byte(`{"workflow.state.case.reported": "待立案", "workflow.step.case.accept": "立案",
			"workflow.step.case.not_accept": "不予立案", "workflow.step.case.merge": "并单", "workflow.step.case.escalate": "越级上报",
			"workflow.step.case.recategorise": "重新分类", "workflow.step.case.answer_supervision": "回复督办", "workflow.result.case.satisfied": "满意",
			"workflow.result.case.basically_satisfied": "基本满意", "workflow.result.case.dissatisfied": "不满意"}`)},
		"locales/en.json": {Data: []byte(`{"workflow.state.case.reported": "Reported", "workflow.step.case.accept": "Accept",
			"workflow.step.case.not_accept": "Do not accept", "workflow.step.case.merge": "Merge", "workflow.step.case.escalate": "Escalate",
			"workflow.step.case.recategorise": "Recategorise", "workflow.step.case.answer_supervision": "Answer supervision", "workflow.result.case.satisfied": "Satisfied",
			"workflow.result.case.basically_satisfied": "Basically satisfied", "workflow.result.case.dissatisfied": "Dissatisfied"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTake_AStepNotFromTheCurrentStateIs409NamingTheStepsTheUserMayTake(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		_, err := w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "dispatch", HandlerOrg: streetCode})
		if web.Status(apperr.CodeOf(err)) != 409 {
			t.Fatalf("dispatch before 立案: %v", err)
		}
		b := bundle(t)
		if got, want := b.Error("zh-CN", err), "“待立案”环节不能办理这一步；您现在可以：立案、不予立案、并单、越级上报、回复督办、重新分类"; got != want {
			t.Errorf("zh-CN:\n got %s\nwant %s", got, want)
		}
		if got, want := b.Error("en", err), "this step cannot be taken at “Reported”; what you can do now: Accept, Do not accept, Merge, Escalate, Answer supervision, Recategorise"; got != want {
			t.Errorf("en:\n got %s\nwant %s", got, want)
		}
		// The grid worker may take nothing at that step, and is told so.
		_, err = w.take(gridWorker, i.ID, i.Version, workflow.TakeInput{Transition: "feedback", Result: "x", Photos: 1})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "workflow.not_allowed_none" {
			t.Errorf("the grid worker's step: %v", err)
		}
		_, err = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "teleport"})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a step the flow does not have: %v", err)
		}
	})
}

func TestTake_ARoleOrAUnitThatMayNotTakeTheStepIsForbidden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"the grid worker accepts (role)", errOf(w.take(gridWorker, i.ID, 1, workflow.TakeInput{Transition: "accept"}))},
			{"the street accepts the community's case (unit)", errOf(w.take(street, i.ID, 1, workflow.TakeInput{Transition: "accept"}))},
			{"the district accepts it (unit)", errOf(w.take(district, i.ID, 1, workflow.TakeInput{Transition: "accept"}))},
			{"the community supervises itself (role and unit)", errOf(w.take(community, i.ID, 1, workflow.TakeInput{Transition: "supervise", Note: "快办"}))},
			{"a read-only user accepts", errOf(w.take(readOnly, i.ID, 1, workflow.TakeInput{Transition: "accept"}))},
		} {
			if !apperr.Is(tc.err, apperr.Forbidden) {
				t.Errorf("%s: %v", tc.name, tc.err)
			}
		}
		for _, p := range []struct {
			name string
			err  error
		}{
			{"another community", errOf(w.take(neighbour, i.ID, 1, workflow.TakeInput{Transition: "accept"}))},
			{"another street", errOf(w.take(streetB, i.ID, 1, workflow.TakeInput{Transition: "supervise", Note: "快办"}))},
		} {
			var o *audit.OutOfScope
			if !apperr.Is(p.err, apperr.NotFound) || !errors.As(p.err, &o) || o.Object != "workflow:"+i.ID {
				t.Errorf("%s: %v", p.name, p.err)
			}
		}
		w.step(t, street, &i, workflow.TakeInput{Transition: "supervise", Note: "请今天立案"})
		w.step(t, district, &i, workflow.TakeInput{Transition: "supervise", Note: "区里也在看"})
		w.step(t, community, &i, workflow.TakeInput{Transition: "answer_supervision", Note: "已安排"})
		if i.State != "reported" || i.Version != 4 {
			t.Errorf("督办 moved the case: %+v", i)
		}
	})
}

func errOf(_ workflow.Instance, err error) error { return err }

func TestTake_AStaleOrMissingVersionIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		_, err := w.take(community, i.ID, 0, workflow.TakeInput{Transition: "accept"})
		if web.Status(apperr.CodeOf(err)) != 428 {
			t.Errorf("no If-Match: %v", err)
		}
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		for _, ifMatch := range []int{1, workflow.IfMatch(`W/"2"`), 3} {
			_, err = w.take(community, i.ID, ifMatch, workflow.TakeInput{Transition: "dispatch", HandlerOrg: streetCode})
			if web.Status(apperr.CodeOf(err)) != 412 {
				t.Errorf("If-Match %d on version 2: %v", ifMatch, err)
			}
		}
		got, err := workflow.Get(context.Background(), d.Read(), community.Scope(), i.ID)
		if err != nil || got.Version != 2 || got.State != "accepted" || got.HandlerOrg != "" {
			t.Errorf("after the refusals: %+v, %v", got, err)
		}
	})
}

func TestTake_OfTwoStepsOnTheSameVersionOneWinsAndTheOtherIsStale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for k, handler := range []string{streetCode, communityCode} {
			wg.Go(func() {
				_, errs[k] = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "dispatch", HandlerOrg: handler})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !apperr.Is(err, apperr.PreconditionFailed):
				t.Errorf("the loser: %v", err)
			}
		}
		tl, err := workflow.Timeline(context.Background(), d.Read(), community.Scope(), i.ID)
		if won != 1 || err != nil || len(tl) != 3 {
			t.Errorf("%d won; timeline of %d, %v", won, len(tl), err)
		}
	})
}

func TestTake_RequiresWhatTheStepNeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		rejected := w.report(t, "c0", "")
		i := w.report(t, "c1", "")
		check := func(name string, err error, field string) {
			t.Helper()
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != field {
				t.Errorf("%s: %v, want invalid %s", name, err, field)
			}
		}
		_, err := w.take(community, rejected.ID, 1, workflow.TakeInput{Transition: "not_accept", Reason: "  "})
		check("不予立案 without a reason", err, "reason")
		_, err = w.take(community, rejected.ID, 1, workflow.TakeInput{Transition: "not_accept", Reason: strings.Repeat("长", 501)})
		check("a reason too long", err, "reason")
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		_, err = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "dispatch"})
		check("派遣 to nobody", err, "handler_org")
		_, err = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "dispatch", HandlerOrg: "the street"})
		check("派遣 to no unit", err, "handler_org")
		w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: communityCode})
		_, err = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "feedback", Result: "已清理"})
		check("反馈 without photos", err, "photos")
		_, err = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "feedback", Photos: 1})
		check("反馈 without a result", err, "result")
		w.step(t, community, &i, workflow.TakeInput{Transition: "request_extension", Reason: "需协调产权单位"})
		_, err = w.take(community, i.ID, i.Version, workflow.TakeInput{Transition: "grant_extension"})
		check("延期 of no days", err, "days")
		w.step(t, community, &i, workflow.TakeInput{Transition: "feedback", Result: "已清理", Photos: 1})
		w.step(t, community, &i, workflow.TakeInput{Transition: "verify_pass"})
		_, err = w.take(gridWorker, i.ID, i.Version, workflow.TakeInput{Transition: "rate", Result: "great"})
		check("评价 off the list", err, "result")
		if got, want := bundle(t).Error("zh-CN", err), "办理结果：请从以下选项中选择：满意、基本满意、不满意"; got != want {
			t.Errorf("the message: %s, want %s", got, want)
		}
	})
}

func TestStart_RefusesWhatTheStarterMayNotStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		in := workflow.StartInput{Flow: "case", SubjectKind: "case", SubjectID: "c1", OrgCode: gridCode, OwnerOrg: communityCode}
		_, err := w.start(readOnly, in)
		if !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a read-only user reports: %v", err)
		}
		outside := in
		outside.OrgCode = "450403001002001"
		_, err = w.start(gridWorker, outside)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != "org_code" {
			t.Errorf("a place outside the worker's grid: %v", err)
		}
		below := in
		below.OrgCode, below.OwnerOrg = communityCode, gridCode
		_, err = w.start(community, below)
		if !errors.As(err, &ae) || ae.Field != "owner_org" {
			t.Errorf("an owner below the place: %v", err)
		}
		if _, err := w.start(gridWorker, in); err != nil {
			t.Fatal(err)
		}
		_, err = w.start(community, in)
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("the same case started twice: %v", err)
		}
		byOwner := in
		byOwner.SubjectID, byOwner.OwnerOrg = "c2", ""
		i, err := w.start(community, byOwner)
		if err != nil || i.OwnerOrg != gridCode {
			t.Errorf("no owner given: the place owns it: %+v, %v", i, err)
		}
	})
}

func TestGet_AnInstanceOutsideTheScopeIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		ctx := context.Background()
		for _, sc := range []scope.Scope{gridWorker.Scope(), community.Scope(), street.Scope(), district.Scope()} {
			if _, err := workflow.Get(ctx, d.Read(), sc, i.ID); err != nil {
				t.Errorf("%s: %v", sc, err)
			}
		}
		for _, sc := range []scope.Scope{neighbour.Scope(), streetB.Scope(), {}} {
			_, err := workflow.Get(ctx, d.Read(), sc, i.ID)
			var o *audit.OutOfScope
			if !apperr.Is(err, apperr.NotFound) || !errors.As(err, &o) {
				t.Errorf("Get in %s: %v", sc, err)
			}
			if _, err := workflow.Timeline(ctx, d.Read(), sc, i.ID); !errors.As(err, &o) {
				t.Errorf("Timeline in %s: %v", sc, err)
			}
			if _, err := workflow.GetBySubject(ctx, d.Read(), sc, "case", "case", "c1"); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("GetBySubject in %s: %v", sc, err)
			}
		}
		if _, err := workflow.Get(ctx, d.Read(), community.Scope(), "no-such-id"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("no such instance: %v", err)
		}
		got, err := workflow.GetBySubject(ctx, d.Read(), community.Scope(), "case", "case", "c1")
		if err != nil || got.ID != i.ID {
			t.Errorf("GetBySubject: %+v, %v", got, err)
		}
		// A handler outside the place sees what it was sent, and only that.
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: otherCommunity})
		if _, err := workflow.Get(ctx, d.Read(), neighbour.Scope(), i.ID); err != nil {
			t.Errorf("the neighbouring community it was dispatched to: %v", err)
		}
		w.step(t, neighbour, &i, workflow.TakeInput{Transition: "return", Reason: "不在本社区"})
	})
}

func TestTake_AStepAndItsAuditRecordCommitTogether(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		ctx := context.Background()
		domainFailed := errors.New("the domain's own row could not be written")
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := w.e.Take(ctx, tx, community, i.ID, 1, workflow.TakeInput{Transition: "accept"}); err != nil {
				return err
			}
			return domainFailed
		})
		if !errors.Is(err, domainFailed) {
			t.Fatal(err)
		}
		got, _ := workflow.Get(ctx, d.Read(), community.Scope(), i.ID)
		tl, _ := workflow.Timeline(ctx, d.Read(), community.Scope(), i.ID)
		rows, _ := audit.List(ctx, d.Read(), audit.Filter{Action: workflow.ActTransition}, 10, 0)
		if got.Version != 1 || got.State != "reported" || len(tl) != 1 || len(rows) != 0 {
			t.Errorf("after the rollback: version %d at %s, %d actions, %d audit records", got.Version, got.State, len(tl), len(rows))
		}
	})
}

func TestAllowed_OffersEachUserTheStepsTheirUnitAndRoleMayTake(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, caseFlow(t))
		i := w.report(t, "c1", "")
		w.step(t, community, &i, workflow.TakeInput{Transition: "accept"})
		w.step(t, community, &i, workflow.TakeInput{Transition: "dispatch", HandlerOrg: streetCode})
		names := func(ts []workflow.Transition) string {
			var out []string
			for _, t := range ts {
				out = append(out, t.Name)
			}
			return strings.Join(out, " ")
		}
		for _, tc := range []struct {
			p    auth.Principal
			want string
		}{
			{community, "reassign answer_supervision recategorise"},
			// The street handles it, and is above the community that owns it.
			{street, "return request_extension feedback supervise answer_supervision"},
			{district, "supervise"},
			{gridWorker, ""},
			{neighbour, ""},
		} {
			if got := names(w.e.Allowed(tc.p, i)); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.p.Name, got, tc.want)
			}
		}
	})
}
