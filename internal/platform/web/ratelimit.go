package web

import (
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"
)

// LoginRateLimit slows down password guessing from one place: each client address
// has a bucket of Burst sign-in attempts that refills by one every Every, and a
// POST to a sign-in form with the bucket empty is answered 429 without reaching
// the form. It complements the per-account lock of auth, which stops guessing at
// one account but not one guess at each of many accounts.
//
// An address is the client's as ClientAddr tells it (the connection's peer, or
// behind a trusted proxy the client the proxy names), an IPv6 address its /64
// (what one subscriber usually holds).
type LoginRateLimit struct {
	// Paths are the sign-in forms whose POSTs count.
	Paths []string
	// Every is how often a client earns one more attempt; Burst is how many it may
	// save up.
	Every time.Duration
	Burst int
	// MaxClients bounds the addresses remembered. Buckets that have refilled are
	// forgotten first; past that, an arbitrary one.
	MaxClients int

	render *Renderer
	now    func() time.Time

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

// bucket is one client's attempts left as of last.
type bucket struct {
	tokens float64
	last   time.Time
}

// NewLoginRateLimit limits POST /login and POST /login/totp to 10 a minute per
// address, 10 at once, for up to 100,000 addresses, answering with render's error
// page. now is the clock (time.Now in production).
func NewLoginRateLimit(render *Renderer, now func() time.Time) *LoginRateLimit {
	return &LoginRateLimit{
		Paths:      []string{"/login", "/login/totp"},
		Every:      6 * time.Second,
		Burst:      10,
		MaxClients: 100_000,
		render:     render,
		now:        now,
		clients:    map[string]*bucket{},
	}
}

// Wrap returns next behind the limit.
func (l *LoginRateLimit) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !slices.Contains(l.Paths, r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if wait, ok := l.take(clientKey(ClientAddr(r))); !ok {
			l.refuse(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// take spends one attempt of client's, or says how long until one is earned.
func (l *LoginRateLimit) take(client string) (wait time.Duration, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{tokens: float64(l.Burst), last: now}
		l.clients[client] = b
	}
	b.tokens = l.refilled(b, now)
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.Every)), false
	}
	b.tokens--
	return 0, true
}

// refilled is b's attempts at now. A clock that went back earns nothing.
func (l *LoginRateLimit) refilled(b *bucket, now time.Time) float64 {
	earned := float64(max(now.Sub(b.last), 0)) / float64(l.Every)
	return math.Min(float64(l.Burst), b.tokens+earned)
}

// makeRoom keeps the map under MaxClients before a new client is added: it drops
// the buckets that have refilled, which are as good as absent, at most once per
// Every; if that is not enough (a crowd of addresses all guessing), an arbitrary
// client is forgotten, which costs that client's limit, not everyone's sign-in.
func (l *LoginRateLimit) makeRoom(now time.Time) {
	if len(l.clients) < l.MaxClients {
		return
	}
	if now.Sub(l.lastSweep) >= l.Every {
		l.lastSweep = now
		for k, b := range l.clients {
			if l.refilled(b, now) >= float64(l.Burst) {
				delete(l.clients, k)
			}
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.MaxClients {
			break
		}
		delete(l.clients, k)
	}
}

// refuse answers 429 on the error page, saying when to try again.
func (l *LoginRateLimit) refuse(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	seconds := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	msg := l.render.bundle.T(Lang(r), "err.auth.rate_limited", "seconds", seconds)
	if err := l.render.render(w, r, http.StatusTooManyRequests, "error", errorPage{Status: http.StatusTooManyRequests, Message: msg}); err != nil {
		Logger(r.Context()).ErrorContext(r.Context(), "error page failed", "path", r.URL.Path, "err", err)
		http.Error(w, msg, http.StatusTooManyRequests)
	}
}

// clientKey is the bucket of a client address: the IP, or an IPv6 address's /64.
// An address that does not parse (a test's, a Unix socket's) is its own key.
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}
