package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"shequ/internal/platform/i18n"
	"shequ/internal/platform/pii"
)

// templates/layout holds the layout and the partials every page may call;
// templates/pages holds web's own pages (the error page).
//
//go:embed templates
var templateFS embed.FS

// Renderer renders pages inside the layout. Build it once at start-up with
// NewRenderer; it is safe for concurrent use.
type Renderer struct {
	bundle *i18n.Bundle
	pages  map[string]*template.Template // lang + "/" + page name
	langs  []LangOption
	// demo is atomic so that SetDemo may follow a demo load while requests run.
	demo atomic.Bool
	// zone is the city's time zone, in which fmtTime and fmtDay show instants.
	zone atomic.Pointer[time.Location]
}

// LangOption is one entry of the layout's language switch: a language code and its
// name in that language.
type LangOption struct {
	Code, Name string
}

// View is what a page template gets as dot. The page's own data is .Data.
type View struct {
	Data   any
	Lang   string  // the request's language: "zh-CN" or "en"
	Viewer *Viewer // nil when nobody is signed in
	Demo   bool    // the database holds the demo city
	Path   string  // the request's path, without its query
	Langs  []LangOption
	query  url.Values
}

// LangURL is this page in another language: the same path and query, with lang set,
// so switching language on page 3 of a search keeps the search and the page.
func (v View) LangURL(code string) string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	q.Set("lang", code)
	return v.Path + "?" + q.Encode()
}

// Current reports whether the page lies under the section at prefix, for marking
// the navigation: "/" only matches the home page itself.
func (v View) Current(prefix string) bool {
	if prefix == "/" {
		return v.Path == "/"
	}
	return v.Path == prefix || strings.HasPrefix(v.Path, strings.TrimSuffix(prefix, "/")+"/")
}

// NewRenderer parses the layout and every page under each FS in pages, once per
// language, so that no template is parsed or escaped at request time and a broken
// page stops start-up instead of a request.
//
// A page is a *.html file anywhere in its FS whose base name, without .html, is the
// name Page takes; names must be unique across all FSs. It defines "content" and
// may define "title" (the browser tab; the product name when absent). A file whose
// name starts with "_" is not a page but partials shared by the pages of its own FS.
func NewRenderer(b *i18n.Bundle, pages ...fs.FS) (*Renderer, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	r := &Renderer{bundle: b, pages: make(map[string]*template.Template)}
	r.zone.Store(defaultZone())
	for _, lang := range b.Langs() {
		r.langs = append(r.langs, LangOption{Code: lang, Name: b.T(lang, "lang.name")})
	}
	layout, err := fs.Sub(templateFS, "templates/layout")
	if err != nil {
		return nil, err
	}
	own, err := fs.Sub(templateFS, "templates/pages")
	if err != nil {
		return nil, err
	}
	for _, lang := range b.Langs() {
		base, err := template.New("").Funcs(r.funcs(lang, assets)).ParseFS(layout, "*.html")
		if err != nil {
			return nil, fmt.Errorf("web: layout: %w", err)
		}
		if err := r.addPages(lang, base, own); err != nil {
			return nil, fmt.Errorf("web: own pages: %w", err)
		}
		for i, fsys := range pages {
			if err := r.addPages(lang, base, fsys); err != nil {
				return nil, fmt.Errorf("web: pages FS %d: %w", i+1, err)
			}
		}
	}
	return r, nil
}

// addPages parses the partials and pages of one FS for one language.
func (r *Renderer) addPages(lang string, base *template.Template, fsys fs.FS) error {
	var partials, pages []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".html" {
			return err
		}
		if strings.HasPrefix(path.Base(name), "_") {
			partials = append(partials, name)
		} else {
			pages = append(pages, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	set, err := base.Clone()
	if err != nil {
		return err
	}
	for _, name := range partials {
		if err := parseFile(set, fsys, name); err != nil {
			return err
		}
	}
	for _, file := range pages {
		name := strings.TrimSuffix(path.Base(file), ".html")
		key := lang + "/" + name
		if _, dup := r.pages[key]; dup {
			return fmt.Errorf("%s: a page named %q exists already", file, name)
		}
		page, err := set.Clone()
		if err != nil {
			return err
		}
		if err := parseFile(page, fsys, file); err != nil {
			return err
		}
		if page.Lookup("content") == nil {
			return fmt.Errorf("%s: no {{define \"content\"}}", file)
		}
		// html/template escapes on first execution. Executing now with an empty view
		// brings escaping errors (an attribute left open, a URL in a script) to start-up;
		// errors of execution itself are expected with no data and mean nothing here.
		var escErr *template.Error
		if err := page.ExecuteTemplate(io.Discard, "layout", View{Lang: lang}); errors.As(err, &escErr) {
			return fmt.Errorf("%s: %w", file, err)
		}
		r.pages[key] = page
	}
	return nil
}

func parseFile(set *template.Template, fsys fs.FS, name string) error {
	text, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	_, err = set.New(name).Parse(string(text))
	return err
}

// SetDemo tells the layout whether the database holds the demo city, which shows a
// banner on every page. Call it at start-up after asking the database, and again if
// the demo is loaded while the server runs.
func (r *Renderer) SetDemo(demo bool) { r.demo.Store(demo) }

// SetZone sets the city's time zone, in which pages show instants (fmtTime,
// fmtDay); DefaultZone until it is called. Call it at start-up with the zone the
// server loaded.
func (r *Renderer) SetZone(loc *time.Location) { r.zone.Store(loc) }

// Page renders the page name inside the layout with data as .Data and status. The
// page is rendered to memory first, so a template that fails midway becomes a clean
// error page rather than half a page.
func (r *Renderer) Page(w http.ResponseWriter, req *http.Request, status int, name string, data any) {
	if err := r.render(w, req, status, name, data); err != nil {
		r.Error(w, req, err)
	}
}

func (r *Renderer) render(w http.ResponseWriter, req *http.Request, status int, name string, data any) error {
	lang := Lang(req)
	page, ok := r.pages[lang+"/"+name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	v := View{Data: data, Lang: lang, Demo: r.demo.Load(), Path: req.URL.Path, Langs: r.langs, query: req.URL.Query()}
	if viewer, ok := ViewerFrom(req.Context()); ok {
		v.Viewer = &viewer
	}
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	// Pages show personal data; a shared office computer must not offer them again
	// from its cache after the user has signed out.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // an error here means the client has gone: nobody is left to tell
	return nil
}

// funcs are the template functions, bound to one language.
func (r *Renderer) funcs(lang string, assets map[string]asset) template.FuncMap {
	b := r.bundle
	return template.FuncMap{
		"t":         func(key string, args ...any) string { return b.T(lang, key, args...) },
		"maskID":    pii.MaskIDNumber,
		"maskPhone": pii.MaskPhone,
		"fmtInt":    fmtInt,
		"fmtDate":   fmtDate,
		"fmtTime":   func(t any) (string, error) { return fmtTime(r.zone.Load(), t) },
		"fmtDay":    func(t any) (string, error) { return fmtDay(r.zone.Load(), t) },
		"barChart": func(title string, bars []Bar) template.HTML {
			return barChart(b, lang, title, bars)
		},
		"columnChart": func(title string, labels []string, series ...Series) template.HTML {
			return columnChart(b, lang, title, labels, series)
		},
		"series": func(label string, values []int) Series { return Series{Label: label, Values: values} },
		"static": func(name string) (string, error) {
			a, ok := assets[name]
			if !ok {
				return "", fmt.Errorf("web: no static file %q", name)
			}
			return "/static/" + name + "?v=" + a.version, nil
		},
	}
}
