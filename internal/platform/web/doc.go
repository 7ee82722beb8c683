// Package web is what every page and API handler stands on: the layout and its
// partials, the Renderer that puts a domain's page inside it in the reader's
// language, JSON in and out, the mapping of domain errors to HTTP statuses and
// messages, the middleware every request passes, and the embedded static files.
// It depends on the platform's apperr, i18n and pii, and on nothing domain-specific.
//
// A server wires it as
//
//	rend, err := web.NewRenderer(bundle, org.Templates, staff.Templates)
//	rend.SetDemo(isDemo)
//	mux.Handle("GET /static/", web.StaticHandler())
//	handler := web.AccessLog(logger)(web.SecurityHeaders(web.Language(rend.Recover(auth(mux)))))
//
// Language runs outside Recover so that the page a panic produces is in the reader's
// language, and auth inside it so that a panic in auth is caught too.
package web
