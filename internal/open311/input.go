package open311

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/apperr"
)

// What GET requests answers at most, as the spec's "Response Volume" has it: a span
// of 90 days, or the first 1,000 requests, whichever is smaller.
const (
	MaxSpan     = 90 * 24 * time.Hour
	MaxRequests = 1000
)

// Lengths of what a client posts, in characters: the spec's for the description, and
// room for any name, address or id for the rest.
const (
	maxDescription = 4000
	maxText        = 200
)

// readFilter reads the query of GET requests (service_request_id, service_code,
// start_date, end_date, status) as the spec defines it, at now: ids override
// everything else; codes and statuses may repeat and be comma-separated; the dates
// default to the last MaxSpan, one date alone to the MaxSpan after or before it,
// and may not be further apart. A date without a time is its midnight in zone.
func readFilter(q url.Values, now time.Time, zone *time.Location, lang string) (Filter, error) {
	f := Filter{Limit: MaxRequests, Lang: lang}
	if err := checkUTF8(q); err != nil {
		return Filter{}, err
	}
	if ids := list(q, "service_request_id"); len(ids) > 0 {
		if len(ids) > MaxRequests {
			return Filter{}, apperr.Invalidf("service_request_id", "open311.too_many_ids").With("max", MaxRequests)
		}
		f.IDs = ids
		return f, nil
	}
	f.ServiceCodes = list(q, "service_code")
	for _, s := range list(q, "status") {
		st := Status(s)
		if st != Open && st != Closed {
			return Filter{}, apperr.Invalidf("status", "open311.status")
		}
		if !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
		}
	}
	start, err := w3Time(q.Get("start_date"), zone, "start_date")
	if err != nil {
		return Filter{}, err
	}
	end, err := w3Time(q.Get("end_date"), zone, "end_date")
	if err != nil {
		return Filter{}, err
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = now
		start = end.Add(-MaxSpan)
	case end.IsZero():
		end = start.Add(MaxSpan)
	case start.IsZero():
		start = end.Add(-MaxSpan)
	case end.Before(start):
		return Filter{}, apperr.Invalidf("end_date", "open311.date_order")
	case end.Sub(start) > MaxSpan:
		return Filter{}, apperr.Invalidf("end_date", "open311.date_span").With("days", int(MaxSpan.Hours()/24))
	}
	f.Start, f.End = start.UTC(), end.UTC()
	return f, nil
}

// list returns the values of a parameter that may be declared several times and
// comma-separated, trimmed, without empty ones or repeats.
func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// w3Time reads a date-time in the W3C profile of ISO 8601 the spec asks for
// (2010-01-01T00:00:00Z, with or without seconds, with a zone), or a date alone,
// taken as its midnight in zone; "" is the zero time. A "+" that a client forgot to
// escape arrives as a space, and is read as the "+" it was.
func w3Time(s string, zone *time.Location, field string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	s = strings.Replace(s, " ", "+", 1)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.Invalidf(field, "open311.datetime").With("name", field)
}

// readNewRequest reads the form of POST requests. The location is one of lat and
// long, address_string or address_id. jurisdiction_id (shequ serves one), media_url
// and attribute[…] are not read.
func readNewRequest(form url.Values, lang string) (NewRequest, error) {
	if err := checkUTF8(form); err != nil {
		return NewRequest{}, err
	}
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	r := NewRequest{ServiceCode: get("service_code"), AddressString: get("address_string"), AddressID: get("address_id"),
		Description: get("description"), FirstName: get("first_name"), LastName: get("last_name"), Email: get("email"),
		Phone: get("phone"), DeviceID: get("device_id"), AccountID: get("account_id"), Lang: lang}
	if r.ServiceCode == "" {
		return NewRequest{}, apperr.Invalidf("service_code", "open311.service_code_missing")
	}
	p, err := readPoint(get("lat"), get("long"))
	if err != nil {
		return NewRequest{}, err
	}
	r.Point = p
	if r.Point == nil && r.AddressString == "" && r.AddressID == "" {
		return NewRequest{}, apperr.Invalidf("location", "open311.location_missing")
	}
	if utf8.RuneCountInString(r.Description) > maxDescription {
		return NewRequest{}, apperr.Invalidf("description", "open311.too_long").With("name", "description").With("max", maxDescription)
	}
	for _, f := range [][2]string{{"service_code", r.ServiceCode}, {"address_string", r.AddressString}, {"address_id", r.AddressID},
		{"first_name", r.FirstName}, {"last_name", r.LastName}, {"email", r.Email}, {"phone", r.Phone},
		{"device_id", r.DeviceID}, {"account_id", r.AccountID}} {
		if utf8.RuneCountInString(f[1]) > maxText {
			return NewRequest{}, apperr.Invalidf(f[0], "open311.too_long").With("name", f[0]).With("max", maxText)
		}
	}
	return r, nil
}

// readPoint reads lat and long: both or neither, decimal degrees in range.
func readPoint(lat, long string) (*Point, error) {
	if lat == "" && long == "" {
		return nil, nil
	}
	if lat == "" {
		return nil, apperr.Invalidf("lat", "open311.lat_long_pair")
	}
	if long == "" {
		return nil, apperr.Invalidf("long", "open311.lat_long_pair")
	}
	// Written so that NaN, which ParseFloat accepts, is out of range too.
	la, err := strconv.ParseFloat(lat, 64)
	if err != nil || !(la >= -90 && la <= 90) {
		return nil, apperr.Invalidf("lat", "open311.lat")
	}
	lo, err := strconv.ParseFloat(long, 64)
	if err != nil || !(lo >= -180 && lo <= 180) {
		return nil, apperr.Invalidf("long", "open311.long")
	}
	return &Point{Lat: la, Long: lo}, nil
}

// checkUTF8 refuses a parameter that is not UTF-8, which the spec requires
// everywhere: a GB18030 client would otherwise leave mojibake in a case.
func checkUTF8(v url.Values) error {
	text := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	for _, name := range slices.Sorted(maps.Keys(v)) {
		if !text(name) {
			return apperr.Invalidf("body", "open311.not_utf8").With("name", "body")
		}
		for _, s := range v[name] {
			if !text(s) {
				field := cmp.Or(name, "body")
				return apperr.Invalidf(field, "open311.not_utf8").With("name", field)
			}
		}
	}
	return nil
}
