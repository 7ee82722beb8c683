package open311_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"shequ/internal/open311"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
)

// cases is a small cases domain for the endpoint's tests: two services in two
// languages, and requests in two communities. The real one is tested end to end
// with the server.
type cases struct {
	mu       sync.Mutex
	stored   []stored
	tokens   map[string]string // token → request id, "" while it has none
	taken    []taken
	realtime bool  // Submit knows the id at once
	broken   error // when set, Services fails with it
}

type stored struct {
	open311.Request
	org string
}

type taken struct {
	key open311.Key
	in  open311.NewRequest
}

func newCases() *cases {
	point := &open311.Point{Lat: 23.4776, Long: 111.2790}
	return &cases{realtime: true, tokens: map[string]string{}, stored: []stored{
		{open311.Request{ID: "R-1", Status: open311.Open, ServiceCode: "0101", ServiceName: "市容环境卫生",
			Description: "路灯不亮", AgencyResponsible: "东兴社区", Requested: clock.Add(-48 * time.Hour),
			Updated: clock.Add(-24 * time.Hour), Expected: clock.Add(72 * time.Hour), Address: "东兴路 12 号",
			Point: point}, orgtest.Grid},
		{open311.Request{ID: "R-2", Status: open311.Closed, StatusNotes: "已调解", ServiceCode: "0302", ServiceName: "邻里纠纷",
			Requested: clock.Add(-10 * 24 * time.Hour), Updated: clock.Add(-5 * 24 * time.Hour)}, orgtest.Community},
		{open311.Request{ID: "R-3", Status: open311.Open, ServiceCode: "0101", ServiceName: "市容环境卫生",
			Requested: clock.Add(-24 * time.Hour), Updated: clock.Add(-24 * time.Hour)}, orgtest.Community2},
		{open311.Request{ID: "R-4", Status: open311.Closed, ServiceCode: "0101", ServiceName: "市容环境卫生",
			Requested: clock.Add(-120 * 24 * time.Hour), Updated: clock.Add(-100 * 24 * time.Hour)}, orgtest.Community},
	}}
}

func (c *cases) Services(_ context.Context, lang string) ([]open311.Service, error) {
	if c.broken != nil {
		return nil, c.broken
	}
	if lang == "en" {
		return []open311.Service{
			{Code: "0101", Name: "Street cleanliness", Description: "Litter, broken lamps, blocked drains", Keywords: []string{"litter", "lamp"}, Group: "City management"},
			{Code: "0302", Name: "Neighbours' dispute", Group: "Disputes"},
		}, nil
	}
	return []open311.Service{
		{Code: "0101", Name: "市容环境卫生", Description: "垃圾、路灯、下水道", Keywords: []string{"垃圾", "路灯"}, Group: "城市管理"},
		{Code: "0302", Name: "邻里纠纷", Group: "矛盾纠纷"},
	}, nil
}

// Submit refuses an unknown service as the cases domain does, and a phone that is
// not digits, to show that its refusals reach the client.
func (c *cases) Submit(_ context.Context, k open311.Key, in open311.NewRequest) (open311.Receipt, error) {
	if in.ServiceCode != "0101" && in.ServiceCode != "0302" {
		return open311.Receipt{}, apperr.Invalidf("service_code", "open311.service_unknown").With("code", in.ServiceCode)
	}
	if strings.Trim(in.Phone, "0123456789") != "" {
		return open311.Receipt{}, apperr.Invalidf("phone", "phone.format")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.taken = append(c.taken, taken{k, in})
	n := len(c.taken)
	id, token := fmt.Sprintf("N-%d", n), fmt.Sprintf("T-%d", n)
	c.stored = append(c.stored, stored{open311.Request{ID: id, Status: open311.Open, ServiceCode: in.ServiceCode,
		Description: in.Description, Requested: clock, Updated: clock, Point: in.Point}, k.OrgCode})
	notice := "社区将在 1 个工作日内受理"
	if in.Lang == "en" {
		notice = "The community takes it up within one working day."
	}
	if !c.realtime {
		c.tokens[token] = ""
		return open311.Receipt{Token: token, ServiceNotice: notice}, nil
	}
	c.tokens[token] = id
	return open311.Receipt{ID: id, Token: token, ServiceNotice: notice}, nil
}

// assign gives every token without a request id its request's, as a batch would.
func (c *cases) assign() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for token, id := range c.tokens {
		if id == "" {
			c.tokens[token] = "N-" + strings.TrimPrefix(token, "T-")
		}
	}
}

func (c *cases) Requests(_ context.Context, k open311.Key, f open311.Filter) ([]open311.Request, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []open311.Request
	for _, s := range c.stored {
		switch {
		case !k.Scope().Contains(s.org):
		case len(f.IDs) > 0:
			if slices.Contains(f.IDs, s.ID) {
				out = append(out, s.Request)
			}
		case len(f.ServiceCodes) > 0 && !slices.Contains(f.ServiceCodes, s.ServiceCode):
		case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, s.Status):
		case s.Requested.Before(f.Start) || s.Requested.After(f.End):
		default:
			out = append(out, s.Request)
		}
	}
	slices.SortFunc(out, func(a, b open311.Request) int { return b.Requested.Compare(a.Requested) })
	return out[:min(len(out), f.Limit)], nil
}

func (c *cases) Request(_ context.Context, k open311.Key, id, _ string) (open311.Request, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stored {
		if s.ID == id && k.Scope().Contains(s.org) {
			return s.Request, nil
		}
	}
	return open311.Request{}, apperr.New(apperr.NotFound, "open311.not_found", "")
}

func (c *cases) Token(_ context.Context, _ open311.Key, token string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.tokens[token]
	if !ok {
		return "", apperr.New(apperr.NotFound, "open311.not_found", "")
	}
	return id, nil
}
