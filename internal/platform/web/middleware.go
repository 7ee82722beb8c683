package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"shequ/internal/platform/i18n"
)

// The policy allows nothing that does not come from this server: no inline script,
// no inline style, no framing. Charts are inline SVG, which img-src does not govern;
// data: images are allowed for the small icons CSS may carry.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// SecurityHeaders sets the Content-Security-Policy and the headers that keep
// responses from being sniffed, framed or leaking their URL (which may hold a
// search for an ID number) to other sites.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// hstsMaxAge is a year, the value browsers' preload lists ask for: shorter, and a
// user who has not visited for a while may be sent to plain HTTP by a forged link.
const hstsMaxAge = "max-age=31536000"

// StrictTransportSecurity tells browsers that reached the server over TLS to use
// nothing else for a year (HSTS), so that a forged http:// link or a network that
// strips TLS cannot carry a password or a session in the clear. Over plain HTTP
// the header would mean nothing (browsers ignore it there), so it is not sent.
func StrictTransportSecurity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", hstsMaxAge)
		}
		next.ServeHTTP(w, r)
	})
}

// langCookie remembers a language chosen with ?lang=.
const langCookie = "lang"

// Language chooses the request's language, read back with Lang: a supported ?lang=
// (which also sets the lang cookie, so the choice sticks), else the lang cookie,
// else Accept-Language, else zh-CN. Unsupported values are ignored, not errors.
func Language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, ok := i18n.Canonical(r.URL.Query().Get("lang"))
		if ok {
			http.SetCookie(w, &http.Cookie{
				Name:     langCookie,
				Value:    lang,
				Path:     "/",
				MaxAge:   365 * 24 * 60 * 60,
				HttpOnly: true,
				Secure:   r.TLS != nil,
				SameSite: http.SameSiteLaxMode,
			})
		} else if c, err := r.Cookie(langCookie); err == nil {
			lang, ok = i18n.Canonical(c.Value)
		}
		if !ok {
			lang = i18n.Match(r.Header.Get("Accept-Language"))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey, lang)))
	})
}

// AccessLog logs one line per request — method, path, status, bytes and duration —
// and tells Observe (when set) each request's status and duration, for the metrics.
// A request whose client went away before it was answered is 499, whatever the
// handler made of its cancelled context (an error, a redirect to sign in).
// The query string is left out on purpose: searches carry names, phone numbers and
// ID numbers, and logs are kept longer and read by more people than the register.
//
// It also hands Logger to everything downstream through the request's context (read
// back with web.Logger), so that a request's errors go where its access line goes,
// at the level the operator chose.
type AccessLog struct {
	Logger *slog.Logger
	// Level is the level of the access lines; the zero value is INFO.
	Level slog.Level
	// Observe, when set, is told of every request once it has been answered.
	Observe func(r *http.Request, status int, took time.Duration)
}

// Wrap returns next with every request logged.
func (a AccessLog) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), loggerKey{}, a.Logger))
		next.ServeHTTP(rec, r)
		took := time.Since(start)
		status := rec.status
		switch {
		case ClientGone(r):
			// Whatever the handler wrote, the client did not wait for all of it: a
			// small answer is still in net/http's buffer, sent after the handler.
			status = StatusClientClosed
		case status == 0:
			status = http.StatusOK // nothing written: net/http sends an empty 200
		}
		a.Logger.LogAttrs(r.Context(), a.Level, "http",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", took))
		if a.Observe != nil {
			a.Observe(r, status, took)
		}
	})
}

type loggerKey struct{}

// Logger returns the logger AccessLog put into ctx: the server's, at the operator's
// level. Outside a request (a test calling a handler alone) it is slog's default.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// recorder notes what a handler has written: the status for the access log, and
// whether the response has started, which decides if a panic can still be answered
// with an error page.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's Flush and deadlines.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
