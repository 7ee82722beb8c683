package web

import (
	"context"
	"net/http"

	"shequ/internal/platform/i18n"
)

type ctxKey int

const (
	viewerKey ctxKey = iota
	langKey
	clientAddrKey
	zoneKey
)

// Viewer is the signed-in user as the layout shows them. Role is an auth role value
// ("community"), shown through the message "role.<Role>"; OrgCode and OrgName are the
// unit the user is bound to. Register is whether the user reads the register, and
// so gets the navigation's entries into it (home, tree, search, staff); Links are
// the entries only some users get, after those: the server decides who, as web
// knows nothing of permissions.
type Viewer struct {
	UserName, Role, OrgCode, OrgName string
	Register                         bool
	Links                            []NavLink
}

// NavLink is an entry of the main navigation: a message key, where it leads, and
// the number of things waiting there for the user (shown when above zero).
type NavLink struct {
	Key, URL string
	Count    int
}

// WithViewer returns ctx carrying v; the auth middleware calls it for signed-in users.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, v)
}

// ViewerFrom returns the viewer in ctx and whether there is one.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey).(Viewer)
	return v, ok
}

// Lang returns the request's language as the Language middleware chose it, the
// default language when the middleware did not run.
func Lang(r *http.Request) string {
	if lang, ok := r.Context().Value(langKey).(string); ok {
		return lang
	}
	return i18n.Default
}
