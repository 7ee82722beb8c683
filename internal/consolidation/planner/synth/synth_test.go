package synth_test

import (
	"context"
	"testing"

	"shequ/internal/consolidation/planner"
	"shequ/internal/consolidation/planner/synth"
)

func TestWuzhou_PlansWithinToleranceWhereFeasible(t *testing.T) {
	g := synth.Wuzhou(1)
	if err := planner.Validate(g); err != nil {
		t.Fatal(err)
	}
	res, err := planner.Plan(context.Background(), g, planner.Params{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := make([]int, len(g.Units))
	codes := map[string]int{}
	for i, u := range g.Units {
		if _, ok := codes[u.Community]; !ok {
			codes[u.Community] = len(codes)
		}
		before[i] = codes[u.Community]
	}
	t.Logf("today: %d communities %+v", len(codes), planner.Evaluate(g, before))
	t.Logf("plan: %d communities %+v", len(res.Communities), res.Objective)
	for _, inf := range res.Infeasible {
		t.Logf("infeasible %s: %d units", inf.Reason, len(inf.Units))
	}
}
