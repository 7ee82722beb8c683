// Package app is how a domain plugs into the server. Each domain package offers one
// Domain value (its messages, page templates, routes and navigation entries) and
// the server takes them in a list: adding a domain touches the domain's own folder
// and one line of the server, and the access-matrix test covers its routes because
// it reads the route table the domains mounted.
package app

import (
	"context"
	"io/fs"
	"strings"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/web"
)

// Domain is what a domain package gives the server.
type Domain struct {
	// Name is the domain's package name, for errors at start-up.
	Name string
	// Locales holds the domain's message files (locales/*.json); nil when it has
	// none. Every domain's messages are loaded into the one bundle, so that a page
	// may use another domain's keys.
	Locales fs.FS
	// Templates holds the domain's page templates (templates/*.html); nil when it
	// has no pages.
	Templates fs.FS
	// Mount registers the domain's API routes and pages. It runs once, after every
	// domain's messages and templates are loaded.
	Mount func(Host)
	// Public lists the paths of the domain that answer without sign-in: exact
	// paths, or prefixes ending in "/". Only what carries no one's data belongs
	// here (a service worker's script, an endpoint with keys of its own).
	Public []string
	// Nav lists the domain's entries in the main navigation, in order.
	Nav []Nav
	// Close releases what the domain holds beyond its requests (temporary files,
	// background work) when the server stops; nil when it holds nothing.
	Close func() error
}

// Host is what the server lends a domain when it mounts.
type Host struct {
	Mux    web.Router
	Render *web.Renderer
	// Bundle holds every domain's messages, for the services that write in the
	// user's language outside a page (export headers, reports).
	Bundle *i18n.Bundle
}

// Nav is an entry in the main navigation.
type Nav struct {
	Key string // the message key of its label
	URL string
	// Show reports whether p sees the entry; nil shows it to everyone signed in.
	Show func(p auth.Principal) bool
	// Count, when set, gives the number shown beside the label (what waits for p);
	// an error hides the number and not the page.
	Count func(ctx context.Context, p auth.Principal) (int, error)
}

// Links returns the navigation entries of domains that p sees, in order, with
// their counts.
func Links(ctx context.Context, p auth.Principal, domains []Domain) []web.NavLink {
	var out []web.NavLink
	for _, d := range domains {
		for _, n := range d.Nav {
			if n.Show != nil && !n.Show(p) {
				continue
			}
			l := web.NavLink{Key: n.Key, URL: n.URL}
			if n.Count != nil {
				if c, err := n.Count(ctx, p); err == nil {
					l.Count = c
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// LocaleFiles returns the message files of the domains that have them.
func LocaleFiles(domains []Domain) []fs.FS {
	var out []fs.FS
	for _, d := range domains {
		if d.Locales != nil {
			out = append(out, d.Locales)
		}
	}
	return out
}

// TemplateFiles returns the page templates of the domains that have them.
func TemplateFiles(domains []Domain) []fs.FS {
	var out []fs.FS
	for _, d := range domains {
		if d.Templates != nil {
			out = append(out, d.Templates)
		}
	}
	return out
}

// IsPublic reports whether path answers without sign-in in one of the domains.
func IsPublic(path string, domains []Domain) bool {
	for _, d := range domains {
		for _, p := range d.Public {
			if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
				return true
			}
		}
	}
	return false
}
