package staff_test

import (
	"context"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/staff"
)

// TestWorker_ARecordOutsideScopeIsNotFoundAndAuditedAsDenied: another community's
// office asking for a worker by id, to read or to change, is answered as for an id
// that does not exist; only the audit trail tells the two apart.
func TestWorker_ARecordOutsideScopeIsNotFoundAndAuditedAsDenied(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgtest.Build(t, d)
		s := staff.NewService(d, now)
		ctx := context.Background()
		w, err := s.Create(ctx, district, worker("甲", "19900101", "011", orgtest.Grid))
		if err != nil {
			t.Fatal(err)
		}
		other := auth.Principal{UserID: "c2", Role: auth.RoleCommunity, OrgCode: orgtest.Community2}
		denied := func(action string) []audit.Row {
			rows, err := audit.List(ctx, d.Read(), audit.Filter{Action: action, Outcome: audit.Denied}, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		for _, id := range []string{w.ID, w.ID + "0"} {
			if _, err := s.Worker(ctx, other, id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("read %s from another community: %v, want not found", id, err)
			}
			in := worker("甲", "19900101", "011")
			in.CommunityCode = orgtest.Community2
			if _, err := s.Update(ctx, other, id, in); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("update %s from another community: %v, want not found", id, err)
			}
		}
		for _, action := range []string{audit.ActRead, audit.ActWorkerEdit} {
			if rows := denied(action); len(rows) != 1 || rows[0].Object != "worker:"+w.ID || rows[0].UserID != "c2" {
				t.Errorf("denied %s records: %+v, want one, of the existing worker", action, rows)
			}
		}
	})
}
