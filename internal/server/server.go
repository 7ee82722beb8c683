// Package server assembles shequ's HTTP handler: the middleware every request passes
// (security headers, language, sign-in, cross-origin protection), the domains' pages
// and API routes, and the few pages that belong to no single domain (sign-in, home).
package server

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"strings"
	"time"

	"shequ/internal/cases"
	"shequ/internal/consolidation"
	"shequ/internal/fieldwork"
	"shequ/internal/open311"
	"shequ/internal/org"
	"shequ/internal/platform/app"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/calendar"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/ops"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
	"shequ/internal/proposals"
	"shequ/internal/registry"
	"shequ/internal/staff"
	"shequ/internal/stats"
	"shequ/internal/transfer"
)

//go:embed templates/*.html
var templates embed.FS

// Config is what the server needs from the program.
type Config struct {
	DB     *db.DB
	Now    func() time.Time
	Logger *slog.Logger
	// Demo shows the demo-data banner on every page.
	Demo bool
	// SecureCookies marks the session cookie Secure; set when serving TLS.
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client, for the sign-in limit and the audit trail; none by default.
	TrustedProxies web.Proxies
	// ImportLimits bound what reading an uploaded register may cost; zero fields
	// take sheet.DefaultLimits.
	ImportLimits sheet.Limits
	// AccessLogLevel is the level of the access log's lines (INFO by default).
	AccessLogLevel slog.Level
	// MetricsFrom are the client addresses /metrics answers; loopback by default.
	MetricsFrom ops.Networks
	// Zone is the city's time zone (serve --tz), in which pages show instants and
	// "today" begins; nil is web.DefaultZone, Asia/Shanghai.
	Zone *time.Location
	// WorkHours are the sessions of a working day that deadlines in working hours
	// count (serve --work-hours); nil is calendar.DefaultHours.
	WorkHours calendar.Hours
}

// Server is the assembled application.
type Server struct {
	cfg      Config
	mux      *web.Mux
	handler  http.Handler
	auth     *auth.Service
	org      *org.Service
	registry *registry.Service
	staff    *staff.Service
	stats    *stats.Cache
	calendar *calendar.Service
	cases    *cases.Service
	render   *web.Renderer
	bundle   *i18n.Bundle
	metrics  *ops.Metrics
	// domains are the domains plugged in, in navigation order; the server's own
	// pages (sign-in aside) are the last.
	domains []app.Domain
	// fieldworkHooks are what other domains add to grid work's pages: the
	// sections of a worker's day, the community view's waiting column.
	fieldworkHooks fieldwork.Hooks
	// now is Config.Now in the city's zone: the domains get it, so that the day of
	// an instant they take from it (the "today" an ID number's birth date must not
	// pass, an age) is the city's.
	now func() time.Time

	// proposals is kept for the pages of others that count what waits for a
	// worker or a community (ReturnedTo, Waiting).
	proposals *proposals.Service
}

// plug lists the domains the server serves: one line a domain. Their values only
// capture what they are given, so a bare server lists their messages (Locales).
func (s *Server) plug() []app.Domain {
	var timer transfer.Timer
	if s.metrics != nil {
		timer = s.metrics.Transfer
	}
	return []app.Domain{
		org.Domain(s.org),
		registry.Domain(s.registry, s.org),
		staff.Domain(s.staff, s.org),
		cases.Domain(s.cases, s.org),
		proposals.Domain(s.proposals),
		fieldwork.Domain(fieldwork.NewService(s.cfg.DB, s.now, s.cfg.Zone, fieldwork.Deps{Org: s.org, Registry: s.registry, Staff: s.staff, Cases: s.cases}, s.fieldworkHooks)),
		consolidation.Domain(consolidation.NewService(s.cfg.DB, s.now, s.cfg.Zone)),
		open311.Domain(s.cfg.DB, cases.ForOpen311(s.cases), s.now),
		transfer.Domain(s.cfg.DB, s.now, s.cfg.ImportLimits, timer),
		calendar.Domain(s.calendar),
		audit.Domain(s.cfg.DB, s.now),
		s.own(),
	}
}

// LoadBundle loads the messages of every domain.
func LoadBundle() (*i18n.Bundle, error) { return i18n.Load(Locales()...) }

// Locales returns the message files of every domain with pages.
func Locales() []fs.FS { return app.LocaleFiles(new(Server).plug()) }

//go:embed locales/*.json
var localeFS embed.FS

// New assembles the application.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Zone == nil {
		zone, err := web.LoadZone("")
		if err != nil {
			return nil, err
		}
		cfg.Zone = zone
	}
	now := func() time.Time { return cfg.Now().In(cfg.Zone) }
	s := &Server{
		cfg:      cfg,
		now:      now,
		auth:     auth.NewService(cfg.DB, now),
		org:      org.NewService(cfg.DB, now),
		registry: registry.NewService(cfg.DB, now, cfg.Zone),
		staff:    staff.NewService(cfg.DB, now).WithZone(cfg.Zone),
		stats:    stats.NewCache(cfg.DB, stats.DefaultCacheSize),
		metrics:  newMetrics(cfg.DB),
	}
	s.auth.Audit = audit.RecordAuth
	var err error
	if s.calendar, err = calendar.NewService(cfg.DB, now, calendar.Settings{Zone: cfg.Zone, Hours: cfg.WorkHours}); err != nil {
		return nil, err
	}
	if s.cases, err = cases.NewService(context.Background(), cfg.DB, now, cfg.Zone, s.calendar); err != nil {
		return nil, err
	}
	s.proposals = proposals.NewService(cfg.DB, s.registry, now, cfg.Zone)
	s.fieldworkHooks = fieldworkHooks(s.proposals)
	s.domains = s.plug()
	b, err := i18n.Load(app.LocaleFiles(s.domains)...)
	if err != nil {
		return nil, err
	}
	r, err := web.NewRenderer(b, app.TemplateFiles(s.domains)...)
	if err != nil {
		return nil, err
	}
	r.SetDemo(cfg.Demo)
	r.SetZone(cfg.Zone)
	s.render, s.bundle = r, b
	mux := web.NewMux()
	mux.Handle("GET /static/", web.StaticHandler())
	mux.Handle("GET /favicon.ico", web.Favicon())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /login/totp", s.loginTOTPPage)
	mux.HandleFunc("POST /login/totp", s.loginTOTP)
	mux.HandleFunc("POST /logout", s.logout)
	s.mux = mux
	for _, d := range s.domains {
		d.Mount(app.Host{Mux: mux, Render: r, Bundle: b})
	}

	var h http.Handler = mux
	h = s.authenticate(h)
	h = audit.Middleware(h)
	h = r.Recover(h)
	h = web.NewLoginRateLimit(r, cfg.Now).Wrap(h)
	h = crossOriginProtection(r).Handler(h)
	h = web.Language(h)
	h = web.InZone(cfg.Zone, h)
	h = web.SecurityHeaders(h)
	h = web.AccessLog{Logger: cfg.Logger, Level: cfg.AccessLogLevel, Observe: s.observe}.Wrap(h)
	h = cfg.TrustedProxies.Wrap(h)
	s.handler = h
	return s, nil
}

// crossOriginProtection refuses a state-changing request that a browser sends from
// another site's page (CSRF), answered like every other refusal: under /api/ in the
// API's JSON error shape, elsewhere with the error page, in the user's language.
func crossOriginProtection(r *web.Renderer) *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Error(w, req, apperr.New(apperr.Forbidden, "auth.cross_origin", ""))
	}))
	return c
}

// ServeHTTP serves a request through the middleware chain.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close releases what the domains hold beyond their requests, such as the uploaded
// import files nobody confirmed.
func (s *Server) Close() error {
	var errs []error
	for _, d := range s.domains {
		if d.Close != nil {
			errs = append(errs, d.Close())
		}
	}
	return errors.Join(errs...)
}

// Routes returns every registered route pattern, for tests of the route table.
func (s *Server) Routes() []string { return s.mux.Patterns() }

const sessionCookie = "shequ_session"

// public paths need no sign-in. The Open311 endpoint checks its clients' own keys.
func public(path string) bool {
	return path == "/login" || path == "/login/totp" || path == "/healthz" || path == "/metrics" || path == "/favicon.ico" ||
		strings.HasPrefix(path, "/static/") || path == "/api/v1/openapi.json"
}

// authenticate puts the principal of the session cookie or bearer token into the
// request context; without one, API calls get 401 and pages go to the sign-in form.
// A session that owes a password change or a second factor reaches only the page
// that settles it: other pages go there, API calls get 403.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public(r.URL.Path) || app.IsPublic(r.URL.Path, s.domains) {
			next.ServeHTTP(w, r)
			return
		}
		var p auth.Principal
		var must auth.Obligation
		var err error
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			p, err = s.auth.Token(r.Context(), strings.TrimPrefix(h, "Bearer "))
		} else if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			p, must, err = s.auth.Session(r.Context(), c.Value)
		} else {
			err = errUnauthorized
		}
		if err == nil && must != auth.Free && !mayWhileOwing(must, r.URL.Path) {
			if !strings.HasPrefix(r.URL.Path, "/api/") {
				http.Redirect(w, r, obligationPage(must), http.StatusSeeOther)
				return
			}
			err = obligationError(must)
		}
		if err != nil {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				s.render.Error(w, r, err)
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		ctx := withObligation(auth.WithPrincipal(r.Context(), p), must)
		v := web.Viewer{UserName: p.Name, Role: string(p.Role), OrgCode: p.OrgCode, Register: p.Can(auth.ReadRegister)}
		// The navigation, with its counts of what waits for the user, is for pages:
		// an API call would pay for a count nobody shows.
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			v.Links = app.Links(ctx, p, s.domains)
		}
		if u, err := s.org.Lookup(ctx, p.OrgCode); err == nil && u != nil {
			v.OrgName = u.Name
		}
		next.ServeHTTP(w, r.WithContext(web.WithViewer(ctx, v)))
	})
}
