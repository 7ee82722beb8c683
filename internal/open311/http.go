package open311

import (
	"embed"
	"mime"
	"net/http"
	"slices"
	"time"

	"shequ/internal/platform/app"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

// Locales holds the endpoint's own messages: the discovery document's texts. Its
// errors' messages are the platform's, as every domain error's are.
//
//go:embed locales/*.json
var Locales embed.FS

// Base is where the endpoint lives; the server lets every path under it through
// without a session, as the endpoint checks its own keys.
const Base = "/open311/v2"

// changeset is the discovery document's date: when what it describes last changed.
const changeset = "2026-12-03T00:00:00Z"

// maxForm is the largest POST body read: a description of 4,000 characters and the
// rest, with room to spare.
const maxForm = 64 << 10

// Domain plugs the endpoint into the server: its routes, and its messages.
func Domain(d *db.DB, cases Cases, now func() time.Time) app.Domain {
	return app.Domain{
		Name:    "open311",
		Locales: Locales,
		// Clients sign each request with their api_key, not with a session.
		Public: []string{Base + "/"},
		Mount: func(h app.Host) {
			Register(h.Mux, &Handler{Cases: cases, Keys: NewKeyStore(d, now), Bundle: h.Bundle, Now: now})
		},
	}
}

// Handler serves the endpoint.
type Handler struct {
	Cases  Cases
	Keys   *KeyStore
	Bundle *i18n.Bundle
	Now    func() time.Time
}

// Register adds the endpoint's routes to mux. A route whose last segment is a
// wildcard takes the extension off it itself: a ServeMux pattern cannot say
// "{id}.json".
func Register(mux web.Router, h *Handler) {
	for _, f := range []format{formatJSON, formatXML} {
		mux.HandleFunc("GET "+Base+"/discovery."+string(f), h.discovery(f))
		mux.HandleFunc("GET "+Base+"/services."+string(f), h.services(f))
		mux.HandleFunc("GET "+Base+"/requests."+string(f), h.requests(f))
		mux.HandleFunc("POST "+Base+"/requests."+string(f), h.submit(f))
	}
	mux.HandleFunc("GET "+Base+"/services/{file}", h.definition)
	mux.HandleFunc("GET "+Base+"/requests/{file}", h.request)
	mux.HandleFunc("GET "+Base+"/tokens/{file}", h.token)
}

// discovery answers the Service Discovery document: where the endpoint is, in which
// formats, and how to get a key.
func (h *Handler) discovery(f format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := web.Lang(r)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		doc := discoveryDoc{Changeset: changeset, Contact: h.Bundle.T(lang, "open311.discovery.contact"),
			KeyService: h.Bundle.T(lang, "open311.discovery.key_service"),
			Endpoints: []endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: scheme + "://" + r.Host + Base,
				Changeset: changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}}
		write(w, f, http.StatusOK, doc, doc)
	}
}

// services answers the list of services: public, as the spec has it.
func (h *Handler) services(f format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := h.Cases.Services(r.Context(), web.Lang(r))
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		out := make([]serviceWire, 0, len(list))
		for _, s := range list {
			out = append(out, serviceOf(s))
		}
		write(w, f, http.StatusOK, servicesDoc{Services: out}, out)
	}
}

// definition answers a service's definition: public, and without attributes, as no
// service has any (metadata false).
func (h *Handler) definition(w http.ResponseWriter, r *http.Request) {
	code, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		h.fail(w, r, f, notFound())
		return
	}
	if _, err := h.service(r, code); err != nil {
		h.fail(w, r, f, err)
		return
	}
	doc := definitionDoc{Code: text(code), AttributesJSON: []struct{}{}}
	write(w, f, http.StatusOK, doc, doc)
}

// service returns the service code names, or not found.
func (h *Handler) service(r *http.Request, code string) (Service, error) {
	list, err := h.Cases.Services(r.Context(), web.Lang(r))
	if err != nil {
		return Service{}, err
	}
	i := slices.IndexFunc(list, func(s Service) bool { return s.Code == code })
	if i < 0 {
		return Service{}, apperr.New(apperr.NotFound, "open311.service_unknown", "service_code").With("code", code)
	}
	return list[i], nil
}

// submit takes a posted request (POST requests): with a key, form-encoded, of a
// known service, with a location.
func (h *Handler) submit(f format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			h.fail(w, r, f, apperr.Invalidf("Content-Type", "open311.form"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, f, apperr.Invalidf("body", "open311.form_malformed"))
			return
		}
		k, err := h.Keys.Resolve(r.Context(), r.Form.Get("api_key"))
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		in, err := readNewRequest(r.PostForm, web.Lang(r))
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		if _, err := h.service(r, in.ServiceCode); err != nil {
			h.fail(w, r, f, err)
			return
		}
		rc, err := h.Cases.Submit(r.Context(), k, in)
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		out := receiptWire{ID: text(rc.ID), ServiceNotice: text(rc.ServiceNotice), AccountID: text(in.AccountID)}
		if rc.ID == "" {
			out.Token = text(rc.Token)
		}
		list := []receiptWire{out}
		write(w, f, http.StatusOK, requestsDoc[receiptWire]{Requests: list}, list)
	}
}

// requests answers the requests of the key's subtree that the query selects.
func (h *Handler) requests(f format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k, err := h.Keys.Resolve(r.Context(), r.URL.Query().Get("api_key"))
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		zone := web.Zone(r.Context())
		filter, err := readFilter(r.URL.Query(), h.Now(), zone, web.Lang(r))
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		list, err := h.Cases.Requests(r.Context(), k, filter)
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		out := make([]requestWire, 0, len(list))
		for _, q := range list[:min(len(list), filter.Limit)] {
			out = append(out, requestOf(q, zone))
		}
		write(w, f, http.StatusOK, requestsDoc[requestWire]{Requests: out}, out)
	}
}

// request answers one request of the key's subtree.
func (h *Handler) request(w http.ResponseWriter, r *http.Request) {
	id, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		h.fail(w, r, f, notFound())
		return
	}
	k, err := h.Keys.Resolve(r.Context(), r.URL.Query().Get("api_key"))
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	q, err := h.Cases.Request(r.Context(), k, id, web.Lang(r))
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	out := []requestWire{requestOf(q, web.Zone(r.Context()))}
	write(w, f, http.StatusOK, requestsDoc[requestWire]{Requests: out}, out)
}

// token answers the id of the request a token stands for, empty while it has none.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	token, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		h.fail(w, r, f, notFound())
		return
	}
	k, err := h.Keys.Resolve(r.Context(), r.URL.Query().Get("api_key"))
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	id, err := h.Cases.Token(r.Context(), k, token)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	out := []tokenWire{{ID: text(id), Token: text(token)}}
	write(w, f, http.StatusOK, requestsDoc[tokenWire]{Requests: out}, out)
}

func notFound() error { return apperr.New(apperr.NotFound, "open311.not_found", "") }

// status is the HTTP status of an error, as the spec wants it: 404 for what does not
// exist, 403 for a missing or wrong key, 400 for any other refusal. A fault of the
// server is 500, not the spec's 400, so that it is counted and logged as one.
func status(err error) int {
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Forbidden, apperr.Unauthorized:
		return http.StatusForbidden
	case apperr.Invalid, apperr.Conflict:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// fail answers err in the spec's error document, in the client's language, the code
// in it the HTTP status. A 500 tells nothing of its cause, which goes to the log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, f format, err error) {
	if web.ClientGone(r) {
		w.WriteHeader(web.StatusClientClosed)
		return
	}
	st, desc := status(err), h.Bundle.Error(web.Lang(r), err)
	if st == http.StatusInternalServerError {
		web.Logger(r.Context()).ErrorContext(r.Context(), "open311 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		desc = h.Bundle.T(web.Lang(r), "err.internal")
	}
	list := []errorWire{{Code: st, Description: desc}}
	write(w, f, st, errorsDoc{Errors: list}, list)
}
