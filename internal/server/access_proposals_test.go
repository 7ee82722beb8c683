package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"time"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/files"
	"shequ/internal/proposals"
	"shequ/internal/registry"
)

// proposalIn makes a waiting proposal about the resident of c's grid — a changed
// phone, its note the fresh name — with a photo of the document when asked, and
// returns it with the photo's id.
func (m *matrix) proposalIn(c cell, withPhoto bool) (proposals.Proposal, string) {
	m.t.Helper()
	ctx := context.Background()
	svc := proposals.NewService(m.db, registry.NewService(m.db, now, time.UTC), now, time.UTC)
	var photo *files.Prepared
	if withPhoto {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
			m.t.Fatal(err)
		}
		p, err := files.Prepare("证件.jpg", &b, files.Photos())
		if err != nil {
			m.t.Fatal(err)
		}
		photo = &p
	}
	change, _ := json.Marshal(proposals.Change{Phone: "13700001111"})
	pr, err := svc.Submit(ctx, auth.System(), proposals.Input{Kind: proposals.Phone, ResidentID: c.resident, Payload: change,
		Note: m.newName("居民来电")}, photo, nil)
	if err != nil {
		m.t.Fatalf("a proposal in %s: %v", c.grid, err)
	}
	if !withPhoto {
		return pr, ""
	}
	fs, err := svc.Files(ctx, auth.System(), pr.ID)
	if err != nil || len(fs) != 1 {
		m.t.Fatalf("the proposal's photo: %v", err)
	}
	return pr, fs[0].ID
}

var (
	// proposed: a proposal with the fresh note was kept.
	proposed = wroteWhere(`SELECT COUNT(*) FROM proposals WHERE note = $1`)
	// approved, rejected: the fresh proposal was decided so.
	approved = wroteWhere(`SELECT COUNT(*) FROM proposals WHERE note = $1 AND state = 'approved'`)
	rejected = wroteWhere(`SELECT COUNT(*) FROM proposals WHERE note = $1 AND state = 'rejected'`)
)

// proposalsRules are the rules of the proposals' pages and API, added to
// accessRules.
func proposalsRules() map[string]rule {
	read, write := can(auth.ReadRegister), can(auth.WriteRegister)
	residentName := func(c cell) string { return c.residentName }
	phoneForm := func(m *matrix, c cell) url.Values {
		return url.Values{"kind": {"phone"}, "household_no": {c.householdNo}, "name": {c.residentName}, "phone": {"13700002222"},
			"note": {m.newName("居民来电")}}
	}
	waiting := func(path string) func(*matrix, cell) request {
		return func(m *matrix, c cell) request {
			pr, _ := m.proposalIn(c, false)
			return get(path + pr.ID)
		}
	}
	decide := func(build func(id string) request) func(*matrix, cell) request {
		return func(m *matrix, c cell) request {
			pr, _ := m.proposalIn(c, false)
			return build(pr.ID)
		}
	}
	listed := func(path string) func(*matrix, cell) request {
		return func(m *matrix, c cell) request {
			m.proposalIn(c, false)
			return get(path + c.unit)
		}
	}
	photo := func(suffix string) func(*matrix, cell) request {
		return func(m *matrix, c cell) request {
			pr, file := m.proposalIn(c, true)
			return get("/proposals/" + pr.ID + "/files/" + file + suffix)
		}
	}
	trust := func(m *matrix) string { return m.principals[string(auth.RoleGrid)].UserID }
	return map[string]rule{
		"GET /proposals":     {kind: "self", may: read, ask: func(*matrix, cell) request { return get("/proposals") }},
		"GET /proposals/new": {kind: "page", may: write, ask: func(*matrix, cell) request { return get("/proposals/new") }},
		"POST /proposals": {kind: "proposal", targeted: true, inBody: true, may: write, wrote: proposed,
			ask: func(m *matrix, c cell) request { return form(http.MethodPost, "/proposals", phoneForm(m, c)) }},
		"GET /proposals/review": {kind: "list", targeted: true, filters: true, may: read, shows: residentName,
			ask: listed("/proposals/review?unit=")},
		"GET /proposals/{id}": {kind: "proposal", targeted: true, may: read, shows: residentName, ask: waiting("/proposals/")},
		"POST /proposals/{id}/approve": {kind: "proposal", targeted: true, may: proposals.CanReview, wrote: approved,
			ask: decide(func(id string) request { return form(http.MethodPost, "/proposals/"+id+"/approve", nil) })},
		"POST /proposals/{id}/reject": {kind: "proposal", targeted: true, may: proposals.CanReview, wrote: rejected,
			ask: decide(func(id string) request {
				return form(http.MethodPost, "/proposals/"+id+"/reject", url.Values{"reason": {"请再核实"}})
			})},
		"POST /proposals/trust": {kind: "settings", may: proposals.CanReview,
			ask: func(m *matrix, _ cell) request {
				return form(http.MethodPost, "/proposals/trust", url.Values{"user_id": {trust(m)}, "kind": {"phone"}, "on": {"0"}})
			}},
		"GET /proposals/{owner}/files/{file}":       {kind: "file", targeted: true, may: read, ask: photo("")},
		"GET /proposals/{owner}/files/{file}/thumb": {kind: "file", targeted: true, may: read, ask: photo("/thumb")},
		"GET /proposals/sw.js":                      {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/proposals/sw.js") }},
		"GET /proposals/outbox.js":                  {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/proposals/outbox.js") }},
		"GET /proposals/form.js":                    {kind: "public", public: true, ask: func(*matrix, cell) request { return get("/proposals/form.js") }},
		"GET /proposals/manifest.webmanifest": {kind: "public", public: true,
			ask: func(*matrix, cell) request { return get("/proposals/manifest.webmanifest") }},

		"GET /api/v1/proposals": {kind: "self", may: read, ask: func(*matrix, cell) request { return get("/api/v1/proposals") }},
		"POST /api/v1/proposals": {kind: "proposal", targeted: true, inBody: true, may: write, wrote: proposed,
			ask: func(m *matrix, c cell) request {
				v := phoneForm(m, c)
				body, _ := json.Marshal(map[string]any{"kind": "phone", "household_no": v.Get("household_no"), "name": v.Get("name"),
					"payload": map[string]string{"phone": v.Get("phone")}, "note": v.Get("note")})
				return jsonBody(http.MethodPost, "/api/v1/proposals", string(body))
			}},
		"GET /api/v1/proposals/review": {kind: "list", targeted: true, filters: true, may: read, shows: residentName,
			ask: listed("/api/v1/proposals/review?unit=")},
		"GET /api/v1/proposals/trust": {kind: "self", may: read,
			ask: func(*matrix, cell) request { return get("/api/v1/proposals/trust") }},
		"POST /api/v1/proposals/trust": {kind: "settings", may: proposals.CanReview,
			ask: func(m *matrix, _ cell) request {
				return jsonBody(http.MethodPost, "/api/v1/proposals/trust", `{"user_id":"`+trust(m)+`","kind":"phone","on":false}`)
			}},
		"GET /api/v1/proposals/{id}": {kind: "proposal", targeted: true, may: read, shows: residentName, ask: waiting("/api/v1/proposals/")},
		"POST /api/v1/proposals/{id}/approve": {kind: "proposal", targeted: true, may: proposals.CanReview, wrote: approved,
			ask: decide(func(id string) request { return jsonBody(http.MethodPost, "/api/v1/proposals/"+id+"/approve", `{}`) })},
		"POST /api/v1/proposals/{id}/reject": {kind: "proposal", targeted: true, may: proposals.CanReview, wrote: rejected,
			ask: decide(func(id string) request {
				return jsonBody(http.MethodPost, "/api/v1/proposals/"+id+"/reject", `{"reason":"请再核实"}`)
			})},
	}
}
