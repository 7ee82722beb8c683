package server_test

import (
	"context"
	"testing"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/proposals"
	"shequ/internal/registry"
)

// proposeAbout makes a waiting proposal about resident — a tag to add — and
// returns its id.
func proposeAbout(t *testing.T, d *db.DB, resident string) string {
	t.Helper()
	svc := proposals.NewService(d, registry.NewService(d, now, time.UTC), now, time.UTC)
	pr, err := svc.Submit(context.Background(), auth.System(), proposals.Input{Kind: proposals.TagAdd, ResidentID: resident,
		Payload: []byte(`{"tag":"dibao"}`), Note: "低保证已看"}, nil, nil)
	if err != nil {
		t.Fatalf("a proposal about %s: %v", resident, err)
	}
	return pr.ID
}
