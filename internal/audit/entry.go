// Package audit is the tamper-evident audit trail (安全审计): every write, sign-in,
// sign-out, refusal, reveal and export is appended, in the transaction of the action
// it records, to a log whose rows are chained by SM3 hashes, so that Verify finds a
// row changed, removed or slipped in. It holds the chain, its verification and
// retention, the SM2-signed external witness of its head, and the audit
// administrator's page. It depends on platform only.
package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/web"
)

// Entry is one audited event: when, who (user and role), from where, what was done
// to which object, how it ended, and why.
type Entry struct {
	At       time.Time
	UserID   string
	UserName string
	Role     auth.Role
	SourceIP string
	Action   string
	Object   string
	Outcome  string
	Reason   string
}

// The outcomes of an event.
const (
	OK     = "ok"     // done
	Denied = "denied" // refused: the user may not do it
	Failed = "failed" // attempted and not done: a wrong password, a file with problems
)

// The actions the platform core records. An object names what was acted on as
// kind:key ("resident:<id>", "household:<no>", "org:<code>", "import:residents").
const (
	ActLogin          = "auth.login"
	ActLogout         = "auth.logout"
	ActLoginFailed    = "auth.login_failed"
	ActOrgCreate      = "org.create"
	ActOrgUpdate      = "org.update"
	ActHouseholdNew   = "household.create"
	ActHouseholdEdit  = "household.update"
	ActResidentNew    = "resident.create"
	ActResidentEdit   = "resident.update"
	ActResidentMove   = "resident.move"
	ActDeregister     = "resident.deregister" // 注销: off the register with a dated reason; the record stays
	ActRegister       = "resident.register"   // 登记 again after a deregistration
	ActHouseholdSplit = "household.split"     // 分户
	ActHouseholdMerge = "household.merge"     // 合户
	ActResidentErase  = "resident.erase"      // a person's record deleted on request (个人信息保护法 art. 47)
	ActWorkerNew      = "worker.create"
	ActWorkerEdit     = "worker.update"
	ActWorkerAssign   = "worker.assign"  // a worker assigned to a grid from a day
	ActWorkerRelieve  = "worker.relieve" // a worker's assignment to a grid ended on a day
	ActImport         = "transfer.import"
	ActExport         = "transfer.export"
	ActReveal         = "registry.reveal"
	ActRead           = "registry.read"            // denied only: a record asked for by id exists outside the reader's scope
	ActIDLookup       = "registry.id_lookup"       // an ID number given is registered outside the user's scope
	ActIDLookupLimit  = "registry.id_lookup_limit" // a user refused for too many of those: an alert for the security administrator
	ActPermission     = "user.permission"
	ActView           = "audit.view"
	ActExportTrail    = "audit.export"
	ActRetention      = "audit.retention"
	ActPurge          = "audit.purge"
	// A thing moving through a flow (internal/platform/workflow): started, and each
	// step taken. The object is the domain's ("case:<id>"); the reason names the
	// flow and the step.
	ActWorkflowStart      = "workflow.start"
	ActWorkflowTransition = "workflow.transition"
)

// Actions lists the actions above, in the order the audit page offers them.
var Actions = []string{ActLogin, ActLogout, ActLoginFailed, ActOrgCreate, ActOrgUpdate, ActHouseholdNew, ActHouseholdEdit,
	ActResidentNew, ActResidentEdit, ActResidentMove, ActResidentErase, ActWorkerNew, ActWorkerEdit, ActWorkerAssign, ActWorkerRelieve,
	ActImport, ActExport, ActReveal, ActWorkflowStart, ActWorkflowTransition,
	// The domains' settings, whose packages name them: the case catalogue, handling
	// units and routes (cases), a calendar year (calendar), Open311 client keys, the
	// register's local dictionaries and its buildings (registry).
	"case.category", "case.handler", "case.route", "calendar.import", "open311.key_add", "open311.key_revoke",
	"dictionary.create", "dictionary.update", "dictionary.retire", "building.update",
	// A dated change of the tree (reorg): a grid moved, a community dissolved, a
	// worker posted elsewhere, a consolidation plan's community applied.
	"org.grid_move", "org.dissolve", "worker.transfer", "consolidation.apply",
	ActRead, ActIDLookup, ActIDLookupLimit, ActPermission, ActView, ActExportTrail, ActRetention, ActPurge,
	// The account and policy changes auth reports (see RecordAuth).
	auth.EventPasswordChanged, auth.EventTOTPEnrolled, auth.EventUserAdded, auth.EventPasswordReset, auth.EventChangeWaived,
	auth.EventUserDisabled, auth.EventUserEnabled, auth.EventTOTPReset, auth.EventUserUnlocked, auth.EventUserReassigned, auth.EventTokenIssued,
	auth.EventTokensRevoked, auth.EventPolicyChanged}

// personal reports whether an action processes residents' or workers' personal
// information: its records are kept at least three years (个人信息保护法 art. 56),
// whatever the retention setting.
func personal(action string) bool {
	for _, p := range []string{"household.", "resident.", "worker.", "transfer.", "registry."} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// FromPrincipal returns an entry naming p as the one who acted.
func FromPrincipal(p auth.Principal) Entry {
	return Entry{UserID: p.UserID, UserName: p.Name, Role: p.Role}
}

// Of is the entry of p doing action to object at at, done.
func Of(p auth.Principal, at time.Time, action, object string) Entry {
	e := FromPrincipal(p)
	e.At, e.Action, e.Object, e.Outcome = at, action, object, OK
	return e
}

// Login is the entry of p signing in.
func Login(p auth.Principal) Entry { return Of(p, time.Time{}, ActLogin, "user:"+p.UserID) }

// Logout is the entry of p signing out.
func Logout(p auth.Principal) Entry { return Of(p, time.Time{}, ActLogout, "user:"+p.UserID) }

// LoginFailed is the entry of a refused sign-in as name, which need not be a
// user's; reason says why, as far as the caller may tell ("bad_credentials",
// "locked"). A name that holds an ID number or a phone is stored masked.
func LoginFailed(name, reason string) Entry {
	return Entry{UserName: name, Action: ActLoginFailed, Object: "user:" + name, Outcome: Failed, Reason: reason}
}

type sourceKey struct{}

// WithSource returns ctx carrying the address a request came from, which Record
// writes into entries that do not name one.
func WithSource(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, sourceKey{}, ip)
}

// SourceFrom returns the address in ctx, or "".
func SourceFrom(ctx context.Context) string {
	ip, _ := ctx.Value(sourceKey{}).(string)
	return ip
}

// Middleware puts the request's client address into its context, as web resolved
// it: the connection's peer, or behind a proxy the server was told to trust, the
// client that proxy names. Resolving it in web alone keeps the audit trail and the
// sign-in limit on the same address; a forwarding header from anyone else is
// never believed.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithSource(r.Context(), web.ClientAddr(r))))
	})
}

// Field limits, in characters: an entry is evidence, not a document.
const (
	maxShort  = 64
	maxObject = 200
	maxReason = 500
)

// complete fills what the caller left out from ctx and the clock, cleans the text
// so that both engines store exactly what is hashed, and checks the entry.
func (e Entry) complete(ctx context.Context) (Entry, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.SourceIP == "" {
		e.SourceIP = SourceFrom(ctx)
	}
	if e.UserID == "" && e.UserName == "" {
		if p, ok := auth.PrincipalFrom(ctx); ok {
			e.UserID, e.UserName, e.Role = p.UserID, p.Name, p.Role
		}
	}
	e.UserID = clean(e.UserID, maxShort)
	e.UserName = clean(e.UserName, maxShort)
	e.Role = auth.Role(clean(string(e.Role), maxShort))
	e.SourceIP = clean(e.SourceIP, maxShort)
	e.Action = clean(e.Action, maxShort)
	e.Object = clean(e.Object, maxObject)
	e.Outcome = clean(e.Outcome, maxShort)
	e.Reason = clean(e.Reason, maxReason)
	if e.Action == "" {
		return e, errors.New("audit: an entry needs an action")
	}
	switch e.Outcome {
	case OK, Denied, Failed:
	default:
		return e, fmt.Errorf("audit: unknown outcome %q", e.Outcome)
	}
	return e, nil
}

// clean makes s valid UTF-8 without NUL (which PostgreSQL refuses in text), masks
// any ID number or mobile phone in it, and cuts it to max characters.
func clean(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	s = maskNumbers(s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// maskNumbers masks, as every page does, each run of characters in s that is a
// citizen ID number (18 characters with a right check digit) or a mobile number
// (11 digits from 13 to 19): an audit row must never carry either in full, and a
// file name or a typed user name may.
func maskNumbers(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j-i == 17 && j < len(s) && (s[j] == 'X' || s[j] == 'x') {
			j++
		}
		run := s[i:j]
		switch {
		case len(run) == 18 && pii.CheckDigit(run[:17]) == upper(run[17]):
			run = pii.MaskIDNumber(strings.ToUpper(run))
		case len(run) == 11 && run[0] == '1' && run[1] >= '3':
			run = pii.MaskPhone(run)
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func upper(c byte) byte {
	if c == 'x' {
		return 'X'
	}
	return c
}
