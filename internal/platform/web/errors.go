package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/i18n"
)

// Status is the HTTP status for a domain error code; codes it does not know, and
// Internal, are 500.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// failure is an error as the client sees it.
type failure struct {
	status  int
	code    apperr.Code
	message string
	field   string
}

// describe turns err into what the client is told, in the request's language. A 500
// tells nothing of its cause: the cause goes to the log, with the method and path
// (never the query, which may hold personal data).
func describe(req *http.Request, b *i18n.Bundle, err error) failure {
	lang := Lang(req)
	code := apperr.CodeOf(err)
	status := Status(code)
	if status == http.StatusInternalServerError {
		slog.ErrorContext(req.Context(), "request failed",
			"method", req.Method, "path", req.URL.Path, "err", err)
		return failure{status: status, code: apperr.Internal, message: b.T(lang, "err.internal")}
	}
	var e *apperr.Error
	errors.As(err, &e) // a status other than 500 means err is a domain error
	return failure{status: status, code: code, message: b.Error(lang, err), field: e.Field}
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    apperr.Code `json:"code"`
	Message string      `json:"message"`
	Field   string      `json:"field"`
}

// WriteAPIError answers an API request that failed with the one error shape of the
// API, {"error":{"code":…,"message":…,"field":…}}, the message translated into the
// request's language and field "" when no input is at fault. Renderer.Error calls it
// for paths under /api/; a handler without a Renderer may call it directly.
func WriteAPIError(w http.ResponseWriter, req *http.Request, b *i18n.Bundle, err error) {
	f := describe(req, b, err)
	WriteJSON(w, f.status, apiError{apiErrorBody{Code: f.code, Message: f.message, Field: f.field}})
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Message string
}

// Error answers a request that failed with err: under /api/ as WriteAPIError does,
// elsewhere with the error page, inside the layout, with the translated message and a
// link home. Handlers end with it whenever a service returns an error:
//
//	if err != nil {
//		h.rend.Error(w, r, err)
//		return
//	}
func (r *Renderer) Error(w http.ResponseWriter, req *http.Request, err error) {
	if isAPI(req) {
		WriteAPIError(w, req, r.bundle, err)
		return
	}
	f := describe(req, r.bundle, err)
	if rerr := r.render(w, req, f.status, "error", errorPage{Status: f.status, Message: f.message}); rerr != nil {
		slog.ErrorContext(req.Context(), "error page failed", "path", req.URL.Path, "err", rerr)
		http.Error(w, f.message, f.status)
	}
}

func isAPI(req *http.Request) bool { return strings.HasPrefix(req.URL.Path, "/api/") }

// Recover turns a panic in next into a logged 500 answered like any other error,
// where net/http alone would drop the connection and leave the user with a browser
// error in the wrong language. If the response had already started, the panic is only logged: the client gets a
// truncated response, which it notices. http.ErrAbortHandler passes through, as
// net/http expects.
func (r *Renderer) Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if rec.status != 0 {
				slog.ErrorContext(req.Context(), "panic after the response started",
					"method", req.Method, "path", req.URL.Path, "err", err)
				return
			}
			r.Error(w, req, err)
		}()
		next.ServeHTTP(rec, req)
	})
}

// Message returns what the user is told about err in the request's language, for a
// page that shows a domain error next to the input at fault instead of on the error
// page.
func (r *Renderer) Message(req *http.Request, err error) string {
	return r.bundle.Error(Lang(req), err)
}
