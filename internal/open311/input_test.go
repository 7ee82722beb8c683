package open311

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
)

var (
	now      = time.Date(2026, 5, 20, 2, 30, 0, 0, time.UTC)
	shanghai = time.FixedZone("CST", 8*60*60)
)

func TestReadFilter_AppliesTheSpecsDefaults(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name, query string
		start, end  time.Time
	}{
		{"no dates: the last 90 days", "", now.Add(-90 * day), now},
		{"a start: the 90 days from it", "start_date=2026-03-01T00:00:00Z",
			time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 30, 0, 0, 0, 0, time.UTC)},
		{"an end: the 90 days to it", "end_date=2026-03-01T08:00:00%2B08:00",
			time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"a date alone is its midnight in the city", "start_date=2026-03-01&end_date=2026-03-02",
			time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)},
		{"minutes without seconds, and fractions", "start_date=2026-03-01T10:00Z&end_date=2026-03-02T10:00:00.250Z",
			time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 10, 0, 0, 250e6, time.UTC)},
		{"exactly 90 days", "start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z",
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
	} {
		q, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		f, err := readFilter(q, now, shanghai, "en")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !f.Start.Equal(tc.start) || !f.End.Equal(tc.end) || f.Limit != MaxRequests || f.Lang != "en" {
			t.Errorf("%s: %v to %v (limit %d), want %v to %v", tc.name, f.Start, f.End, f.Limit, tc.start, tc.end)
		}
	}
}

func TestReadFilter_IDsOverrideTheRestAndAreBounded(t *testing.T) {
	q := url.Values{"service_request_id": {" a, b,,a ", "c"}, "status": {"bogus"}, "start_date": {"bogus"}}
	f, err := readFilter(q, now, shanghai, "zh-CN")
	if err != nil || !slices.Equal(f.IDs, []string{"a", "b", "c"}) || !f.Start.IsZero() || f.Statuses != nil {
		t.Errorf("ids: %+v, %v", f, err)
	}
	ids := make([]string, MaxRequests+1)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	_, err = readFilter(url.Values{"service_request_id": {strings.Join(ids, ",")}}, now, shanghai, "en")
	if e := (*apperr.Error)(nil); !errors.As(err, &e) || e.Key != "open311.too_many_ids" {
		t.Errorf("1,001 ids: %v", err)
	}
}

// FuzzReadInput holds the endpoint's readers to what hostile input may not do to
// them: panic, refuse without a message, or let through text that is not UTF-8 or
// a description past its length.
func FuzzReadInput(f *testing.F) {
	f.Add("service_request_id=1,2&status=open,closed&start_date=2026-01-01&end_date=2026-02-01T00:00:00Z")
	f.Add("service_code=0101&lat=23.4&long=111.2&description=%E8%B7%AF%E7%81%AF&email=a%40b")
	f.Add("service_code=x&lat=NaN&long=1e309&start_date=2026-01-01T00:00:00 08:00")
	f.Add("service_code=x&address_id=%C0%C1&attribute[a][]=1")
	b, err := i18n.Load(Locales)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		refused := func(err error) {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || !b.Has("err."+e.Key) || e.Field == "" {
				t.Fatalf("%q refused with %v", query, err)
			}
		}
		if fl, err := readFilter(q, now, shanghai, "en"); err != nil {
			refused(err)
		} else if len(fl.IDs) == 0 && (fl.End.Before(fl.Start) || fl.End.Sub(fl.Start) > MaxSpan) {
			t.Fatalf("%q: a range from %v to %v", query, fl.Start, fl.End)
		}
		r, err := readNewRequest(q, "en")
		if err != nil {
			refused(err)
			return
		}
		if r.ServiceCode == "" || (r.Point == nil && r.AddressString == "" && r.AddressID == "") ||
			len([]rune(r.Description)) > maxDescription || strings.ToValidUTF8(r.Description+r.Email+r.AddressID, "") != r.Description+r.Email+r.AddressID {
			t.Fatalf("%q let through %+v", query, r)
		}
	})
}
