// Package open311 is shequ's Open311 GeoReport v2 endpoint under /open311/v2/: the
// standard through which a client app (a city's app, a hotline's system) lists what
// may be reported, reports it, and follows it. It holds the wire formats (XML and
// JSON), the client apps' keys and the command line's use of them; the requests
// themselves are the cases domain's, reached only through the Cases interface below,
// so that this package depends on org, audit and platform, and cases on nothing here
// but these types.
package open311

import (
	"context"
	"time"
)

// Cases is what the endpoint needs of the cases domain. Its errors are apperr errors:
// Invalid is answered 400, NotFound 404, Forbidden and Unauthorized 403, Conflict
// 400 (the spec's "any other error"), anything else 500.
type Cases interface {
	// Services lists the case categories a client may report, in the language lang
	// ("zh-CN" or "en"). The endpoint answers an unknown service_code (in a service
	// definition, in a POST) with 404 from this list, before Submit.
	Services(ctx context.Context, lang string) ([]Service, error)
	// Submit takes a request into the intake of the unit k belongs to (k.OrgCode),
	// reported by the client app k through the channel of client apps. It returns
	// the request's id when it is known at once, and a token always. What the
	// endpoint checked already: the key, the service_code among Services, a
	// location (a point, an address_string or an address_id), the lengths, UTF-8.
	Submit(ctx context.Context, k Key, r NewRequest) (Receipt, error)
	// Requests lists the requests in k's unit's subtree (k.Scope()) that f selects,
	// newest requested first, at most f.Limit.
	Requests(ctx context.Context, k Key, f Filter) ([]Request, error)
	// Request returns one request in k's unit's subtree, with its names in lang;
	// NotFound when there is none, inside the subtree or outside it alike.
	Request(ctx context.Context, k Key, id, lang string) (Request, error)
	// Token resolves a token Submit returned to the id of its request, "" while it
	// has none yet; NotFound for a token of no request in k's unit's subtree.
	Token(ctx context.Context, k Key, token string) (string, error)
}

// Service is a kind of request a client may report (service): a case category of
// the catalogue (事件类别). Every service is "realtime" (the id comes back from the
// POST) and has no extra attributes ("metadata" false).
type Service struct {
	Code        string   // service_code
	Name        string   // service_name
	Description string   // description
	Keywords    []string // keywords, sent comma-separated
	Group       string   // group: the category's first level (大类)
}

// Point is a location in degrees, WGS84 as the spec says. Clients in China often
// hold GCJ-02 coordinates from a domestic map; the endpoint passes on what it is sent.
type Point struct {
	Lat, Long float64
}

// NewRequest is a request as a client posts it (POST requests). media_url and the
// attribute[] fields are not taken: shequ keeps no file it has not checked itself,
// and no service has attributes.
type NewRequest struct {
	ServiceCode   string
	Point         *Point // lat and long, both or neither
	AddressString string
	AddressID     string
	Description   string // at most 4,000 characters
	// The person who reports: as the client sent them, each at most 200 characters.
	FirstName, LastName, Email, Phone string
	DeviceID, AccountID               string
	// Lang is the client's language, for the service notice of the receipt.
	Lang string
}

// Receipt is what Submit returns of a request it took.
type Receipt struct {
	ID            string // service_request_id; "" when not known at once
	Token         string // always
	ServiceNotice string // what will happen next, in the client's language; may be ""
}

// Status is a request's status as the spec has it: the cases domain maps its states
// onto these two.
type Status string

// The statuses of a request.
const (
	Open   Status = "open"
	Closed Status = "closed"
)

// Request is a request as a client reads it (GET requests). It carries nothing of the
// person who reported it: the spec's response has no such field, and shequ's clients
// read requests of a whole subtree, not only their own.
type Request struct {
	ID                string // service_request_id
	Status            Status
	StatusNotes       string
	ServiceName       string
	ServiceCode       string
	Description       string
	AgencyResponsible string // the handling unit's name
	ServiceNotice     string
	Requested         time.Time // requested_datetime
	Updated           time.Time // updated_datetime: when closed, the closing
	Expected          time.Time // expected_datetime from the working-day deadline; zero when none
	Address           string
	AddressID         string
	Zipcode           string
	Point             *Point // nil when the request has no coordinates
	MediaURL          string
}

// Filter is what GET requests selects, its defaults applied (see readFilter).
type Filter struct {
	// IDs are the service_request_id asked for. When set, they override the others,
	// as the spec says: ServiceCodes and Statuses are empty and Start, End zero.
	IDs []string
	// ServiceCodes and Statuses narrow the list; empty means all.
	ServiceCodes []string
	Statuses     []Status
	// Start and End bound requested_datetime, both inclusive: never more than
	// MaxSpan apart, the last MaxSpan by default.
	Start, End time.Time
	// Limit is the most requests to answer, the newest requested first.
	Limit int
	// Lang is the client's language, for the names of services.
	Lang string
}
