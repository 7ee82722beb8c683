package cases

import (
	"context"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/workflow"

	"shequ/internal/open311"
)

// Open311 is the cases domain as the Open311 endpoint sees it: the catalogue's
// subclasses are its services, a request posted with a key is a case reported in
// the key's unit through the client-app channel, and a case's number is its
// service_request_id.
type Open311 struct{ svc *Service }

// ForOpen311 returns the cases the Open311 endpoint serves.
func ForOpen311(s *Service) Open311 { return Open311{svc: s} }

var _ open311.Cases = Open311{}

// Services lists the reportable subclasses, grouped by their class.
func (o Open311) Services(_ context.Context, lang string) ([]open311.Service, error) {
	cat := o.svc.Catalogue()
	var out []open311.Service
	for _, c := range cat.All() {
		if !cat.Reportable(c.Code) {
			continue
		}
		class := cat.Name(c.Parent, lang)
		out = append(out, open311.Service{Code: c.Code, Name: c.Name(lang), Description: class + " · " + c.Name(lang),
			Keywords: []string{class, c.Name(lang)}, Group: class})
	}
	return out, nil
}

// client is the principal a key reports as: a user of the key's unit, named after
// the app, of the role of that unit's level. Keys of units above a community have
// no intake of their own: a case belongs to a grid or a community.
func client(k open311.Key) (auth.Principal, error) {
	p := auth.Principal{UserID: "open311:" + k.ID, Name: "Open311 " + k.Name, OrgCode: k.OrgCode}
	switch scope.LevelOf(k.OrgCode) {
	case scope.Grid:
		p.Role = auth.RoleGrid
	case scope.Community:
		p.Role = auth.RoleCommunity
	default:
		return auth.Principal{}, apperr.Invalidf("api_key", "case.key_unit")
	}
	return p, nil
}

// Submit reports the request as a case in the key's unit.
func (o Open311) Submit(ctx context.Context, k open311.Key, r open311.NewRequest) (open311.Receipt, error) {
	p, err := client(k)
	if err != nil {
		return open311.Receipt{}, err
	}
	in := ReportInput{OrgCode: k.OrgCode, Category: r.ServiceCode, Description: r.Description, Address: r.AddressString,
		Channel: ChannelApp, ReporterName: strings.TrimSpace(r.LastName + r.FirstName), ReporterPhone: r.Phone}
	if in.Description == "" {
		in.Description = o.svc.Catalogue().Name(r.ServiceCode, r.Lang)
	}
	if r.Point != nil {
		in.Lat, in.Lng = &r.Point.Lat, &r.Point.Long
	}
	c, err := o.svc.Report(ctx, p, in, nil, nil)
	if err != nil {
		return open311.Receipt{}, err
	}
	return open311.Receipt{ID: c.No}, nil
}

// Requests lists the cases in the key's subtree that f selects, newest first.
func (o Open311) Requests(ctx context.Context, k open311.Key, f open311.Filter) ([]open311.Request, error) {
	filter := Filter{Nos: f.IDs, Categories: f.ServiceCodes, From: f.Start, To: f.End, Limit: max(f.Limit, 1)}
	if len(f.Statuses) == 1 {
		filter.State = string(f.Statuses[0])
	}
	cs, _, err := listCases(ctx, o.svc.db.Read(), k.Scope(), filter, f.Lang)
	if err != nil {
		return nil, err
	}
	return o.requests(ctx, k, cs, f.Lang)
}

// Request returns the case numbered id in the key's subtree.
func (o Open311) Request(ctx context.Context, k open311.Key, id, lang string) (open311.Request, error) {
	c, err := getCase(ctx, o.svc.db.Read(), k.Scope(), id, lang)
	if err != nil {
		return open311.Request{}, err
	}
	rs, err := o.requests(ctx, k, []Case{c}, lang)
	if err != nil {
		return open311.Request{}, err
	}
	return rs[0], nil
}

// Token: every request gets its number at once, so no token is ever given.
func (Open311) Token(context.Context, open311.Key, string) (string, error) {
	return "", errNotFound()
}

// requests are the cases as Open311 shows them: open until its workflow closes;
// the latest result or reason a worker wrote as its notes, read for all the cases
// in one statement; the handling unit as the agency; the current step's first
// deadline as the time expected.
func (o Open311) requests(ctx context.Context, k open311.Key, cs []Case, lang string) ([]open311.Request, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.Instance.ID
	}
	notes, err := workflow.LatestNotes(ctx, o.svc.db.Read(), k.Scope(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]open311.Request, 0, len(cs))
	for _, c := range cs {
		r := open311.Request{ID: c.No, Status: open311.Open, ServiceCode: c.Category, ServiceName: o.svc.Catalogue().Name(c.Category, lang),
			Description: c.Description, AgencyResponsible: c.HandlerName, Requested: c.ReportedAt, Updated: c.UpdatedAt, Address: c.Address,
			StatusNotes: notes[c.Instance.ID]}
		if c.Instance.Closed() {
			r.Status = open311.Closed
		} else {
			r.Expected = c.Instance.YellowAt
		}
		if c.Lat != nil && c.Lng != nil {
			r.Point = &open311.Point{Lat: *c.Lat, Long: *c.Lng}
		}
		out = append(out, r)
	}
	return out, nil
}
