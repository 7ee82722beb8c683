package transfer

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
)

// Templates are the import pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Pages serves the import pages and the export downloads. An upload becomes a job
// that is checked in the background while the page shows its progress; nothing is
// written until the user has seen the check's result and confirmed it.
type Pages struct {
	svc    *Service
	render *web.Renderer
	jobs   *jobs
}

// RegisterPages adds the import pages and export downloads to mux. The caller
// closes the returned Pages when the server stops, which deletes the uploaded
// files nobody confirmed.
func RegisterPages(mux web.Router, svc *Service, render *web.Renderer) *Pages {
	pg := &Pages{svc: svc, render: render, jobs: newJobs(svc)}
	mux.HandleFunc("GET /imports", pg.form)
	mux.HandleFunc("POST /imports", pg.upload)
	mux.HandleFunc("GET /imports/{id}", pg.show)
	mux.HandleFunc("POST /imports/{id}/confirm", pg.confirm)
	mux.HandleFunc("POST /imports/{id}/map", pg.remap)
	mux.HandleFunc("GET /imports/{id}/report.xlsx", pg.report)
	mux.HandleFunc("GET /exports/{file}", pg.export)
	return pg
}

// Close forgets every import job and deletes the uploaded files: registers full of
// ID numbers must not outlive the server on its disk.
func (pg *Pages) Close() error { return pg.jobs.close() }

// Importable returns the kinds p may import, in import order.
func Importable(p auth.Principal) []Kind {
	var out []Kind
	for _, k := range Kinds {
		if p.Can(k.writeAction()) {
			out = append(out, k)
		}
	}
	return out
}

// previewRows is how many rows of a checked file its page shows.
const previewRows = 10

// problemsShown is how many problems the page lists; the error report has them all.
const problemsShown = 200

// formPage is the upload form. Error is translated; Field names the input at fault.
type formPage struct {
	Kinds    []Kind
	Kind     Kind
	Encoding string
	Sheet    string
	Error    string
	Field    string
	MaxMB    int
}

func (pg *Pages) form(w http.ResponseWriter, r *http.Request) {
	kinds := Importable(auth.From(r))
	if len(kinds) == 0 {
		pg.render.Error(w, r, apperr.New(apperr.Forbidden, "auth.forbidden", ""))
		return
	}
	pg.render.Page(w, r, http.StatusOK, "transfer_form", newForm(kinds, r.URL.Query().Get("kind")))
}

// newForm is the upload form with kind chosen, or the kind imported most.
func newForm(kinds []Kind, kind string) formPage {
	f := formPage{Kinds: kinds, Kind: Kind(kind), Encoding: string(sheet.Auto), MaxMB: MaxUploadMB}
	if !slices.Contains(kinds, f.Kind) {
		f.Kind = kinds[0]
		if slices.Contains(kinds, Residents) {
			f.Kind = Residents
		}
	}
	return f
}

// upload saves the file and starts checking it. A form that cannot be used comes
// back with the problem next to the input at fault.
func (pg *Pages) upload(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	kinds := Importable(p)
	if len(kinds) == 0 {
		pg.render.Error(w, r, apperr.New(apperr.Forbidden, "auth.forbidden", ""))
		return
	}
	dir, err := pg.jobs.uploadDir()
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	up, err := receive(w, r, dir)
	if err == nil {
		var id string
		if id, err = pg.start(r, p, kinds, up); err == nil {
			http.Redirect(w, r, "/imports/"+id, http.StatusSeeOther)
			return
		}
		up.remove()
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict) {
		pg.render.Error(w, r, err)
		return
	}
	page := newForm(kinds, up.fields["kind"])
	page.Encoding = cmp.Or(up.fields["encoding"], page.Encoding)
	page.Sheet = up.fields["sheet"]
	page.Error, page.Field = pg.render.Message(r, err), ae.Field
	pg.render.Page(w, r, web.Status(ae.Code), "transfer_form", page)
}

// start checks the form that came with an upload and starts its job.
func (pg *Pages) start(r *http.Request, p auth.Principal, kinds []Kind, up upload) (string, error) {
	kind, err := ParseKind(up.fields["kind"])
	if err != nil {
		return "", err
	}
	if !slices.Contains(kinds, kind) {
		return "", apperr.Invalidf("kind", "transfer.kind_forbidden")
	}
	opt, err := pg.svc.readOptions(up.fields["encoding"], up.fields["sheet"])
	if err != nil {
		return "", err
	}
	return pg.jobs.add(r.Context(), p, kind, up, opt)
}

// jobPage is an import job as its page shows it.
type jobPage struct {
	jobView
	Error    string // why the job failed, translated
	Progress progressView
	Preview  *preview
	Problems []problemRow
	Hidden   int // problems found but not listed
	Unmapped []unmappedColumn
	Warnings []Problem // those the mapping form does not show
	Columns  []Column  // the kind's columns, for the mapping form
	UnitURL  string
	Seconds  string
}

// progressView is a running job's progress in figures ready to show.
type progressView struct {
	Rows, Rate, Percent int
	Left                string // mm:ss, "" when unknown
}

// preview is the first rows of a checked file under its header, each column with
// the header of the kind's column it was read as, in the reader's language ("" when
// ignored). ID numbers and phones are masked, as on every page.
type preview struct {
	Headers []string
	ReadAs  []string
	Rows    []sheet.Row
}

// problemRow is a problem as the page lists it: its value comes masked when it is
// a valid ID number or phone (maskValid).
type problemRow struct {
	Row                    int
	Column, Value, Message string
}

// unmappedColumn is a column of the file that was read as nothing: the mapping
// form offers the kind's fields for it.
type unmappedColumn struct {
	Index  int
	Header string
}

// show is a job's page: its progress while it runs, then what the check found or
// what the import wrote. Problems and the preview are masked like every page.
func (pg *Pages) show(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	v, ok := pg.jobs.get(p, r.PathValue("id"))
	if !ok {
		pg.render.Error(w, r, errNoJob())
		return
	}
	page := jobPage{jobView: v, Columns: v.Kind.columns(), UnitURL: "/org/" + p.OrgCode}
	switch {
	case v.running():
		page.Progress = progressOf(v.Progress)
		// The page polls itself while the job runs: no script needed.
		w.Header().Set("Refresh", "1")
	case v.State == jobFailed:
		page.Error = pg.render.Message(r, v.Err)
	}
	if res := v.Result; res != nil {
		pg.svc.Describe(res, web.Lang(r))
		page.Seconds = strconv.FormatFloat(res.Elapsed.Seconds(), 'f', 1, 64)
		for _, pr := range res.Problems[:min(len(res.Problems), problemsShown)] {
			page.Problems = append(page.Problems, problemRow{Row: pr.Row, Column: pr.Column, Message: pr.Message, Value: pr.Value})
		}
		page.Hidden = res.ProblemCount - len(page.Problems)
		if v.State == jobChecked {
			for i, c := range res.Columns {
				if c.Field == "" && strings.TrimSpace(c.Header) != "" {
					page.Unmapped = append(page.Unmapped, unmappedColumn{Index: i, Header: c.Header})
				}
			}
			for _, w := range res.Warnings {
				if w.Key != "transfer.unknown_columns" {
					page.Warnings = append(page.Warnings, w)
				}
			}
			if res.OK() {
				// Without a preview the page still works: the summary is what counts.
				page.Preview, _ = readPreview(v, web.Lang(r), pg.svc.today(r.Context(), pg.svc.now()))
			}
		}
	}
	pg.render.Page(w, r, http.StatusOK, "transfer_job", page)
}

func (v jobView) running() bool { return v.State == jobChecking || v.State == jobImporting }

func progressOf(p Progress) progressView {
	v := progressView{Rows: p.Rows, Rate: int(p.RowsPerSecond()), Percent: int(p.Done * 100)}
	if s := int(p.Remaining().Seconds() + 0.5); s > 0 {
		v.Left = fmt.Sprintf("%02d:%02d", s/60, s%60)
	}
	return v
}

// readPreview reads the first rows of a checked job's file, its ID numbers and
// phones masked as on every page.
func readPreview(v jobView, lang string, today time.Time) (*preview, error) {
	r, err := sheet.Open(v.path, v.format, v.open)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	pv := &preview{Headers: r.Header(), ReadAs: make([]string, len(r.Header()))}
	fields := make([]string, len(r.Header()))
	cols := v.Kind.columns()
	for i, c := range v.Result.Columns {
		if k := slices.IndexFunc(cols, func(k Column) bool { return k.Field == c.Field }); i < len(fields) && k >= 0 {
			fields[i], pv.ReadAs[i] = c.Field, cols[k].header(lang)
		}
	}
	for len(pv.Rows) < previewRows {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		cells := make([]string, len(pv.Headers))
		for i := range cells {
			if i < len(row.Cells) {
				cells[i] = maskValid(fields[i], row.Cells[i], today)
			}
		}
		pv.Rows = append(pv.Rows, sheet.Row{Line: row.Line, Cells: cells})
	}
	return pv, nil
}

// confirm imports a checked file for real, then shows its progress.
func (pg *Pages) confirm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !pg.jobs.confirm(r.Context(), auth.From(r), id) {
		pg.render.Error(w, r, errNoJob())
		return
	}
	http.Redirect(w, r, "/imports/"+id, http.StatusSeeOther)
}

// remap checks a file again with the fields the user chose for the columns that
// were not recognised: the form's col<i> names the field of the file's column i.
func (pg *Pages) remap(w http.ResponseWriter, r *http.Request) {
	p, id := auth.From(r), r.PathValue("id")
	v, ok := pg.jobs.get(p, id)
	if !ok {
		pg.render.Error(w, r, errNoJob())
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.render.Error(w, r, apperr.New(apperr.Invalid, "json.malformed", "body"))
		return
	}
	mapping := map[string]string{}
	if v.Result != nil {
		for i, c := range v.Result.Columns {
			f := r.PostForm.Get("col" + strconv.Itoa(i))
			if f != "" && c.Field == "" && slices.ContainsFunc(v.Kind.columns(), func(c Column) bool { return c.Field == f }) {
				mapping[c.Header] = f
			}
		}
	}
	if len(mapping) > 0 && !pg.jobs.remap(r.Context(), p, id, mapping) {
		pg.render.Error(w, r, errNoJob())
		return
	}
	http.Redirect(w, r, "/imports/"+id, http.StatusSeeOther)
}

// report sends the error report of a file with problems: its rows as they were,
// with what is wrong with each.
func (pg *Pages) report(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.jobs.get(auth.From(r), r.PathValue("id"))
	if !ok || v.Result == nil || v.Result.OK() {
		pg.render.Error(w, r, errNoJob())
		return
	}
	rd, err := sheet.Open(v.path, v.format, v.open)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	defer rd.Close()
	lang := web.Lang(r)
	pg.svc.Describe(v.Result, lang)
	name := strings.TrimSuffix(v.Name, "."+string(v.format))
	d := web.NewDownload(w, name+"-"+pg.svc.bundle.T(lang, "transfer.report.sheet")+".xlsx")
	if err := pg.svc.Report(v.Result, rd, lang, d); err != nil {
		d.Fail(r, pg.render, err)
	}
}

// export sends a register as a file: /exports/residents.xlsx?scope=450403001001,
// or /exports/residents?format=csv. It is a page route, so that a link on a page
// fails, if it fails, with an error page rather than JSON.
func (pg *Pages) export(w http.ResponseWriter, r *http.Request) {
	name, ext, _ := strings.Cut(r.PathValue("file"), ".")
	kind, err := ParseKind(name)
	if err != nil {
		pg.render.Error(w, r, apperr.New(apperr.NotFound, "not_found", ""))
		return
	}
	f, err := parseFormat(cmp.Or(ext, r.URL.Query().Get("format")), sheet.XLSX)
	if err != nil {
		pg.render.Error(w, r, err)
		return
	}
	sendExport(w, r, pg.svc, pg.render, kind, f)
}

func errNoJob() error { return apperr.New(apperr.NotFound, "transfer.job_not_found", "") }
