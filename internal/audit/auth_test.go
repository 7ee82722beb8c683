package audit_test

import (
	"context"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// Sign-ins, refused sign-ins, sign-outs and account changes are in the trail, each
// written with the change it describes, and the chain stays whole.
func TestAuthEvents_AreRecordedWithTheirChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		s := auth.NewService(d, now)
		s.Audit = audit.RecordAuth
		password, err := s.AddUser(ctx, "wangfang", auth.RoleCommunity, orgtest.Community)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Login(ctx, "wangfang", "wrong-Password-1"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := s.Login(ctx, "nobody", "whatever"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("unknown user: %v", err)
		}
		in, err := s.Login(ctx, "wangfang", password)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Logout(ctx, in.Session); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDisabled(ctx, "wangfang", true); err != nil {
			t.Fatal(err)
		}
		rows, err := audit.List(ctx, d.Read(), audit.Filter{}, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(rows) - 1; i >= 0; i-- { // oldest first
			got = append(got, rows[i].Action+"/"+rows[i].Outcome+"/"+rows[i].Reason)
		}
		want := []string{
			"user.add/ok/community@" + orgtest.Community,
			"auth.login_failed/failed/bad_password",
			"auth.login_failed/failed/unknown_user",
			"auth.login/ok/password",
			"auth.logout/ok/",
			"user.disable/ok/",
		}
		if len(got) != len(want) {
			t.Fatalf("trail %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("record %d: %s, want %s", i+1, got[i], want[i])
			}
		}
		rep, err := audit.Verify(ctx, d.Read())
		if err != nil || rep.Broken != nil || rep.Count != len(want) {
			t.Fatalf("chain: %+v, %v", rep, err)
		}
	})
}
