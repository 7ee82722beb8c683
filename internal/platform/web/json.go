package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
//
// It decodes with the JSON v2 rules (github.com/go-json-experiment/json, the
// prototype of encoding/json/v2), which are stricter than encoding/json where
// strictness protects a register: a member named twice is refused rather than the
// last one winning unseen, a member matches a field only in its exact case (so
// "ID_Number" cannot slip past a check written for "id_number"), and text that is
// not valid UTF-8 is refused rather than silently replaced.
//
// Its errors are domain errors ready for WriteAPIError:
//   - json.too_large (Invalid, field "body") past MaxBodyBytes;
//   - json.malformed (Invalid, field "body") for bad syntax, an empty body or
//     anything after the value;
//   - json.duplicate_field (Invalid) for a member named twice in one object, with
//     Field and the argument "name" set to its name;
//   - json.unknown_field (Invalid) for a member v has no field for, also one that
//     differs from a field only in case, with Field and the argument "name" set to
//     the member's name (Field "body" if that is "");
//   - json.type (Invalid) for a value of the wrong type, Field naming its path, or
//     "body" when the body is not the object v is;
//   - the domain error a type's own UnmarshalJSON refused a value with (an area
//     with three decimals), its Field set to the value's path.
//
// Other errors (a broken connection, a v that is not a pointer) come back as they are.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	err := jsonv2.UnmarshalRead(http.MaxBytesReader(w, r.Body, MaxBodyBytes), v, jsonv2.RejectUnknownMembers(true))
	if err != nil {
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
		domain   *apperr.Error
	)
	switch {
	case errors.As(err, &tooLarge):
		return apperr.New(apperr.Invalid, "json.too_large", "body")
	case errors.As(err, &syntax) && errors.Is(syntax.Err, jsontext.ErrDuplicateName):
		return memberError("json.duplicate_field", syntax.JSONPointer)
	case errors.As(err, &syntax), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "json.malformed", "body")
	case errors.As(err, &semantic) && errors.Is(semantic.Err, jsonv2.ErrUnknownName):
		return memberError("json.unknown_field", semantic.JSONPointer)
	case errors.As(err, &semantic) && errors.As(semantic.Err, &domain):
		return domain.InField(fieldPath(semantic.JSONPointer))
	case errors.As(err, &semantic) && semantic.GoType != nil && semantic.JSONKind != 0:
		return apperr.Invalidf(fieldPath(semantic.JSONPointer), "json.type")
	}
	return err
}

// memberError is an error on the object member that p points to, naming it.
func memberError(key string, p jsontext.Pointer) *apperr.Error {
	name := p.LastToken()
	field := fieldPath(p)
	if name == "" {
		field = "body" // a member named "" would read as no field at fault
	}
	return apperr.Invalidf(field, key).With("name", name)
}

// fieldPath turns a JSON pointer into the dotted path a form field is named by,
// "/address/street" into "address.street". Array indexes are left out, as a form has
// one field for a list: "/tags/3" is "tags". The root is "body".
func fieldPath(p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			continue
		}
		parts = append(parts, tok)
	}
	if len(parts) == 0 {
		return "body"
	}
	return strings.Join(parts, ".")
}
