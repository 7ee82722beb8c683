package idem

import (
	"bytes"
	"io"
	"net/http"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/web"
)

// DecodeJSON reads a creating request's JSON body into v, and its Idempotency-Key
// (nil without one) over the body as sent, for the user userID.
func DecodeJSON(w http.ResponseWriter, r *http.Request, userID string, v any) (*Request, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBodyBytes))
	if err != nil {
		return nil, apperr.Invalidf("body", "json.too_large")
	}
	key, err := New(userID, r.Header.Get("Idempotency-Key"), body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return key, web.DecodeJSON(w, r, v)
}
