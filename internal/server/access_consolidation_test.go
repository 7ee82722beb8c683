package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"shequ/internal/consolidation"
	"shequ/internal/platform/auth"
)

// planOf returns a stored plan of the unit that covers c's unit at street level or
// above, made by the system on first use.
func (m *matrix) planOf(c cell) string {
	m.t.Helper()
	code := c.unit
	if len(code) > 9 {
		code = code[:9]
	}
	var id string
	err := m.db.Read().QueryRowContext(context.Background(), `SELECT MIN(id) FROM consolidation_plans WHERE scope_code = $1`, code).Scan(&id)
	if err == nil && id != "" {
		return id
	}
	p, err := consolidation.NewService(m.db, now, time.UTC).Make(context.Background(), auth.System(),
		consolidation.Params{Scope: code, Within: consolidation.WithinDistrict, Seed: 1, AsOf: "2026-01-01"})
	if err != nil {
		m.t.Fatalf("a plan of %s: %v", code, err)
	}
	return p.ID
}

// planMade reports whether the plan with the fresh seed was stored.
var planMade = wroteWhere(`SELECT COUNT(*) FROM consolidation_plans WHERE seed = CAST($1 AS BIGINT)`)

// consolidationRules are the rules of the plans' pages, added to accessRules: the
// city's and the districts' offices plan; they and the read-only users of the city
// and the districts read plans.
func consolidationRules() map[string]rule {
	return map[string]rule{
		"GET /plans": {kind: "page", may: consolidation.CanRead, ask: func(*matrix, cell) request { return get("/plans") }},
		"POST /plans": {kind: "plan", targeted: true, inBody: true, may: consolidation.CanPlan, wrote: planMade,
			ask: func(m *matrix, c cell) request {
				m.newName("")
				return form(http.MethodPost, "/plans", url.Values{"scope": {c.unit}, "seed": {m.fresh}, "as_of": {"2026-01-01"}})
			}},
		"GET /plans/{id}": {kind: "plan", targeted: true, may: consolidation.CanRead,
			ask: func(m *matrix, c cell) request { return get("/plans/" + m.planOf(c)) }},
		"GET /plans/{id}/apply": {kind: "plan", targeted: true, may: consolidation.CanPlan,
			ask: func(m *matrix, c cell) request { return get("/plans/" + m.planOf(c) + "/apply") }},
		// Applying without the confirmation ticked shows an allowed user the form
		// again with the problem (422), and changes nothing; others are refused
		// before the form.
		"POST /plans/{id}/apply": {kind: "plan", targeted: true, may: consolidation.CanPlan,
			ask: func(m *matrix, c cell) request {
				return form(http.MethodPost, "/plans/"+m.planOf(c)+"/apply", url.Values{"c1": {"1"}, "on": {"2026-01-01"}})
			},
			follow: func(_ *testing.T, _ *matrix, _ cell, rec *httptest.ResponseRecorder) int {
				if rec.Code == http.StatusUnprocessableEntity && strings.Contains(rec.Body.String(), "/apply\" class=\"plan-form\"") {
					return http.StatusOK
				}
				return rec.Code
			}},
	}
}
