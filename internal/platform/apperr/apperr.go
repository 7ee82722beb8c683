// Package apperr holds the error shape every domain returns: a code that the web layer
// maps to an HTTP status, a message key for the locale files, and the field at fault.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code classifies an error for callers; it decides the HTTP status.
type Code string

// The codes a service may return.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Forbidden    Code = "forbidden"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Internal     Code = "internal"
	// PreconditionFailed refuses a change made on a version the caller read before
	// someone else changed it (If-Match with an old ETag): reload and decide again.
	PreconditionFailed Code = "precondition_failed"
	// PreconditionRequired refuses a change that names no version at all (no
	// If-Match), where acting on whatever is current could undo another's step.
	PreconditionRequired Code = "precondition_required"
	// Unprocessable refuses a request that is well formed but cannot be what the
	// client meant: an Idempotency-Key sent again with another body.
	Unprocessable Code = "unprocessable"
)

// Error is a domain error. Key names a message in the locale files ("err.<key>");
// Args fill its placeholders; Field names the input at fault, if any.
type Error struct {
	Code  Code
	Key   string
	Field string
	Args  map[string]any
}

// Error renders the error without a locale: the key, the field and the arguments.
// Users see the translated message; this form is for logs and tests.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	b.WriteString(": ")
	b.WriteString(e.Key)
	if e.Field != "" {
		b.WriteString(" (field ")
		b.WriteString(e.Field)
		b.WriteString(")")
	}
	keys := make([]string, 0, len(e.Args))
	for k := range e.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, e.Args[k])
	}
	return b.String()
}

// New returns an error with code, message key and field.
func New(code Code, key, field string) *Error {
	return &Error{Code: code, Key: key, Field: field}
}

// With returns a copy of e carrying one more message argument.
func (e *Error) With(name string, value any) *Error {
	c := *e
	c.Args = make(map[string]any, len(e.Args)+1)
	for k, v := range e.Args {
		c.Args[k] = v
	}
	c.Args[name] = value
	return &c
}

// InField returns a copy of e that names field as the input at fault.
func (e *Error) InField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// Invalidf is shorthand for an Invalid error on a field.
func Invalidf(field, key string) *Error { return New(Invalid, key, field) }

// CodeOf returns the code of err, Internal for errors that are not domain errors.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err is a domain error with the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
