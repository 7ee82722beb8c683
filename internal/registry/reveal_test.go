package registry_test

import (
	"context"
	"strings"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/registry"
)

// A full number is shown only to a role that may reveal, only with a reason, and
// never without the audit record that says who asked and why.
func TestReveal_NeedsThePermissionAndAReasonAndIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		id := f.head.ID

		if _, err := f.s.Reveal(ctx, gridA, id, registry.RevealInput{Field: "id_number", Reason: " "}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("no reason: %v, want invalid", err)
		}
		if _, err := f.s.Reveal(ctx, gridA, id, registry.RevealInput{Field: "name", Reason: "核对"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a field that is not a number: %v, want invalid", err)
		}
		if _, err := f.s.Reveal(ctx, auditor, id, registry.RevealInput{Field: "id_number", Reason: "核对身份"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("auditor: %v, want forbidden", err)
		}
		if _, err := f.s.Reveal(ctx, gridB, id, registry.RevealInput{Field: "id_number", Reason: "核对身份"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another grid's resident: %v, want not found", err)
		}

		got, err := f.s.Reveal(ctx, gridA, id, registry.RevealInput{Field: "id_number", Reason: "办理低保核对身份"})
		if err != nil || got != idNumber("450403", "19650312", "001") {
			t.Fatalf("reveal = %q, %v", got, err)
		}
		phone, err := f.s.Reveal(ctx, gridA, id, registry.RevealInput{Field: "phone", Reason: "电话回访"})
		if err != nil || phone != "13812345678" {
			t.Fatalf("phone = %q, %v", phone, err)
		}

		rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: audit.ActReveal}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, r := range rows {
			if r.Outcome == audit.OK {
				reasons = append(reasons, r.UserID+" "+r.Object+" "+r.Reason)
			}
		}
		want := []string{gridA.UserID + " resident:" + id + " phone: 电话回访", gridA.UserID + " resident:" + id + " id_number: 办理低保核对身份"}
		if strings.Join(reasons, "|") != strings.Join(want, "|") {
			t.Errorf("audited reveals %q, want %q", reasons, want)
		}
		for _, r := range rows {
			if strings.Contains(r.Reason+r.Object, got) {
				t.Errorf("the audit record holds the full number: %+v", r)
			}
		}
	})
}
