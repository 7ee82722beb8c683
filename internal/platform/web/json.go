package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"shequ/internal/platform/apperr"
)

// MaxBodyBytes is the largest request body DecodeJSON reads. Register imports go
// through files, not JSON, so 1 MiB is far more than any form needs.
const MaxBodyBytes = 1 << 20

// WriteJSON writes v as JSON with status. Responses carry personal data, so no cache
// may keep them.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		// Only a value that cannot be JSON (a func, a channel) gets here: a programming
		// error, not a user's.
		slog.Error("web: encode JSON response", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// DecodeJSON reads the request body, one JSON value of at most MaxBodyBytes, into v.
// Its errors are domain errors ready for WriteAPIError:
//   - json.too_large (Invalid, field "body") past MaxBodyBytes;
//   - json.malformed (Invalid, field "body") for bad syntax, an empty body or
//     anything after the value;
//   - json.unknown_field (Invalid) for a member v has no field for, with Field and
//     the argument "name" set to the member's name (Field "body" if that is "");
//   - json.type (Invalid) for a value of the wrong type, Field naming its path, or
//     "body" when the body is not the object v is.
//
// Other errors (a broken connection, a v that is not a pointer) come back as they are.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		return nil
	case err == nil:
		return apperr.New(apperr.Invalid, "json.malformed", "body")
	default:
		return decodeError(err)
	}
}

func decodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return apperr.New(apperr.Invalid, "json.too_large", "body")
	case errors.As(err, &syntax), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "json.malformed", "body")
	case errors.As(err, &wrongType):
		if wrongType.Field == "" {
			return apperr.Invalidf("body", "json.type")
		}
		return apperr.Invalidf(wrongType.Field, "json.type")
	}
	// encoding/json has no error type for an unknown member, only this text.
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(rest)
		if uerr != nil {
			name = rest
		}
		field := name
		if field == "" {
			field = "body" // a member named "" would read as no field at fault
		}
		return apperr.Invalidf(field, "json.unknown_field").With("name", name)
	}
	return err
}
