package open311

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/web"
)

// format is how a response is written, named by the extension of the path.
type format string

const (
	formatXML  format = "xml"
	formatJSON format = "json"
)

// splitFile parses the last segment of a path, "name.json" or "name.xml", into the
// name and the format. The name may hold dots: the extension is after the last one.
func splitFile(file string) (string, format, bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", formatXML, false
	}
	switch f := format(file[i+1:]); f {
	case formatXML, formatJSON:
		return file[:i], f, true
	}
	return "", formatXML, false
}

// text is a string that JSON writes as null when empty, as the spec's examples (and
// the Spark convention it derives JSON from) write an empty element; XML writes an
// empty element.
type text string

// MarshalJSON writes null for "", else the string.
func (t text) MarshalJSON() ([]byte, error) {
	if t == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(t))
}

// number is a decimal number kept as its text: JSON writes it bare, or null when
// empty; XML writes the text.
type number string

// MarshalJSON writes null for "", else the number.
func (n number) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return []byte(n), nil
}

// w3 writes an instant in the spec's W3C format, in the city's zone with its
// offset; the zero time is "".
func w3(t time.Time, zone *time.Location) text {
	if t.IsZero() {
		return ""
	}
	return text(t.In(zone).Format(time.RFC3339))
}

func coordinates(p *Point) (lat, long number) {
	if p == nil {
		return "", ""
	}
	return number(strconv.FormatFloat(p.Lat, 'f', -1, 64)), number(strconv.FormatFloat(p.Long, 'f', -1, 64))
}

// The documents of the spec. Each list is a bare array in JSON and an element of
// repeated elements in XML; the field names are the spec's element names.

type discoveryDoc struct {
	XMLName    xml.Name   `json:"-" xml:"discovery"`
	Changeset  string     `json:"changeset" xml:"changeset"`
	Contact    string     `json:"contact" xml:"contact"`
	KeyService string     `json:"key_service" xml:"key_service"`
	Endpoints  []endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type servicesDoc struct {
	XMLName  xml.Name      `xml:"services"`
	Services []serviceWire `xml:"service"`
}

type serviceWire struct {
	Code        text   `json:"service_code" xml:"service_code"`
	Name        text   `json:"service_name" xml:"service_name"`
	Description text   `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    text   `json:"keywords" xml:"keywords"`
	Group       text   `json:"group" xml:"group"`
}

func serviceOf(s Service) serviceWire {
	return serviceWire{Code: text(s.Code), Name: text(s.Name), Description: text(s.Description), Type: "realtime",
		Keywords: text(strings.Join(s.Keywords, ",")), Group: text(s.Group)}
}

// definitionDoc is the definition of a service without attributes: an empty array
// in JSON, an empty element in XML.
type definitionDoc struct {
	XMLName        xml.Name   `json:"-" xml:"service_definition"`
	Code           text       `json:"service_code" xml:"service_code"`
	AttributesJSON []struct{} `json:"attributes" xml:"-"`
	AttributesXML  struct{}   `json:"-" xml:"attributes"`
}

// requestsDoc is a list of service_requests, of whichever kind of request element.
type requestsDoc[T any] struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []T      `xml:"request"`
}

type requestWire struct {
	ID                text   `json:"service_request_id" xml:"service_request_id"`
	Status            text   `json:"status" xml:"status"`
	StatusNotes       text   `json:"status_notes" xml:"status_notes"`
	ServiceName       text   `json:"service_name" xml:"service_name"`
	ServiceCode       text   `json:"service_code" xml:"service_code"`
	Description       text   `json:"description" xml:"description"`
	AgencyResponsible text   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     text   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime text   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   text   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  text   `json:"expected_datetime" xml:"expected_datetime"`
	Address           text   `json:"address" xml:"address"`
	AddressID         text   `json:"address_id" xml:"address_id"`
	Zipcode           text   `json:"zipcode" xml:"zipcode"`
	Lat               number `json:"lat" xml:"lat"`
	Long              number `json:"long" xml:"long"`
	MediaURL          text   `json:"media_url" xml:"media_url"`
}

func requestOf(r Request, zone *time.Location) requestWire {
	lat, long := coordinates(r.Point)
	return requestWire{ID: text(r.ID), Status: text(r.Status), StatusNotes: text(r.StatusNotes), ServiceName: text(r.ServiceName),
		ServiceCode: text(r.ServiceCode), Description: text(r.Description), AgencyResponsible: text(r.AgencyResponsible),
		ServiceNotice: text(r.ServiceNotice), RequestedDatetime: w3(r.Requested, zone), UpdatedDatetime: w3(r.Updated, zone),
		ExpectedDatetime: w3(r.Expected, zone), Address: text(r.Address), AddressID: text(r.AddressID), Zipcode: text(r.Zipcode),
		Lat: lat, Long: long, MediaURL: text(r.MediaURL)}
}

// receiptWire answers a POST: the id, or when it is not known yet the token, never
// both, as the spec says.
type receiptWire struct {
	ID            text `json:"service_request_id,omitempty" xml:"service_request_id,omitempty"`
	Token         text `json:"token,omitempty" xml:"token,omitempty"`
	ServiceNotice text `json:"service_notice" xml:"service_notice"`
	AccountID     text `json:"account_id" xml:"account_id"`
}

type tokenWire struct {
	ID    text `json:"service_request_id" xml:"service_request_id"`
	Token text `json:"token" xml:"token"`
}

type errorsDoc struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []errorWire `xml:"error"`
}

type errorWire struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// write answers with a document: in JSON, json (a list is its bare array); in XML,
// the document with its declaration, as the spec requires. Neither may be cached:
// requests are a city's records.
func write(w http.ResponseWriter, f format, status int, xmlDoc, jsonDoc any) {
	if f == formatJSON {
		web.WriteJSON(w, status, jsonDoc)
		return
	}
	data, err := xml.Marshal(xmlDoc)
	if err != nil {
		// Only a type that cannot be XML gets here: a programming error.
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(append(data, '\n'))
}
