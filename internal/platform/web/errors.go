package web

import (
	"context"
	"errors"
	"fmt"
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
	case apperr.PreconditionFailed:
		return http.StatusPreconditionFailed
	case apperr.PreconditionRequired:
		return http.StatusPreconditionRequired
	case apperr.Unprocessable:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// StatusClientClosed is what the log and the metrics record for a request whose
// client went away before it was answered: nginx's 499 (client closed request),
// which no client ever receives.
const StatusClientClosed = 499

// ClientGone reports whether the client of req went away (closed the connection,
// reset the stream) while it was being served: net/http then cancels the request's
// context, and whatever the database returns on it — context.Canceled from pgx, an
// interrupted statement from SQLite — is the client's doing, not a fault of the
// server. The context is the witness, not the error, because the drivers do not
// all wrap context.Canceled.
func ClientGone(req *http.Request) bool { return errors.Is(req.Context().Err(), context.Canceled) }

// failure is an error as the client sees it.
type failure struct {
	status  int
	code    apperr.Code
	message string
	field   string
}

// describe turns err into what the client is told, in the request's language. A 500
// tells nothing of its cause: the cause goes to the log at ERROR, with the method
// and path (never the query, which may hold personal data). An error met after the
// client went away is 499 and only a DEBUG line: it is no fault of the server, and
// a burst of them would bury the faults that are.
func describe(req *http.Request, b *i18n.Bundle, err error) failure {
	if ClientGone(req) {
		Logger(req.Context()).DebugContext(req.Context(), "client went away",
			"method", req.Method, "path", req.URL.Path, "err", err)
		return failure{status: StatusClientClosed, code: apperr.Internal}
	}
	lang := Lang(req)
	code := apperr.CodeOf(err)
	status := Status(code)
	if status == http.StatusInternalServerError {
		Logger(req.Context()).ErrorContext(req.Context(), "request failed",
			"method", req.Method, "path", req.URL.Path, "err", err)
		return internalFailure(req, b)
	}
	var e *apperr.Error
	errors.As(err, &e) // a status other than 500 means err is a domain error
	return failure{status: status, code: code, message: b.Error(lang, err), field: e.Field}
}

// internalFailure is what the client is told of a fault of the server: that it
// happened, and nothing of what it was.
func internalFailure(req *http.Request, b *i18n.Bundle) failure {
	return failure{status: http.StatusInternalServerError, code: apperr.Internal, message: b.T(Lang(req), "err.internal")}
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
	writeAPIFailure(w, describe(req, b, err))
}

func writeAPIFailure(w http.ResponseWriter, f failure) {
	if f.status == StatusClientClosed {
		w.WriteHeader(f.status) // for the log: nobody reads the answer
		return
	}
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
	r.answer(w, req, describe(req, r.bundle, err))
}

// answer sends f: in the API's error shape under /api/, else as the error page.
func (r *Renderer) answer(w http.ResponseWriter, req *http.Request, f failure) {
	if isAPI(req) || f.status == StatusClientClosed {
		writeAPIFailure(w, f)
		return
	}
	if rerr := r.render(w, req, f.status, "error", errorPage{Status: f.status, Message: f.message}); rerr != nil {
		Logger(req.Context()).ErrorContext(req.Context(), "error page failed", "path", req.URL.Path, "err", rerr)
		http.Error(w, f.message, f.status)
	}
}

func isAPI(req *http.Request) bool { return strings.HasPrefix(req.URL.Path, "/api/") }

// Recover turns a panic in next into a logged 500 answered like any other error,
// where net/http alone would drop the connection and leave the user with a browser
// error in the wrong language. A panic is a fault of the server even when the client
// has gone, so it is always logged at ERROR. If the response had already started,
// it is only logged: the client gets a truncated response, which it notices.
// http.ErrAbortHandler passes through, as net/http expects.
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
			msg := "panic"
			if rec.status != 0 {
				msg = "panic after the response started"
			}
			Logger(req.Context()).ErrorContext(req.Context(), msg,
				"method", req.Method, "path", req.URL.Path, "err", fmt.Sprintf("%v\n%s", v, debug.Stack()))
			if rec.status == 0 {
				r.answer(w, req, internalFailure(req, r.bundle))
			}
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
