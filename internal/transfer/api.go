package transfer

import (
	"cmp"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
)

// MaxUploadMB is the largest file an import takes, in MiB. A register of half a
// million residents is some tens of MiB of CSV, so this leaves room for a bigger
// city or a wordy spreadsheet, and still refuses the wrong file (a backup, a
// video) before it fills the disk.
const MaxUploadMB = 200

// uploadTimeout is how long reading an upload and answering an import may take.
// The server's own timeouts suit pages and JSON, not a city's register arriving
// over a district's line.
const uploadTimeout = 30 * time.Minute

// API serves imports, exports and templates under /api/v1.
type API struct {
	svc    *Service
	render *web.Renderer
}

// RegisterAPI adds the import, export and template routes to mux.
func RegisterAPI(mux web.Router, svc *Service, render *web.Renderer) {
	a := &API{svc: svc, render: render}
	mux.HandleFunc("POST /api/v1/imports", a.importFile)
	mux.HandleFunc("GET /api/v1/exports/{kind}", a.export)
	mux.HandleFunc("GET /api/v1/templates/{kind}", a.template)
}

// importFile imports the uploaded file at once and answers its Result: 200 when
// the file is clean (imported, or checked in a dry run), 422 when it has problems
// and nothing was written. A file that cannot be read at all is 400, as bad input.
func (a *API) importFile(w http.ResponseWriter, r *http.Request) {
	p, q := auth.From(r), r.URL.Query()
	kind, err := ParseKind(q.Get("kind"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	// Before reading the body: a user who may not import is not made to upload.
	if err := p.Require(kind.writeAction()); err != nil {
		a.render.Error(w, r, err)
		return
	}
	opt, err := a.svc.readOptions(q.Get("encoding"), q.Get("sheet"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	m, err := ParseMap(q.Get("map"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	dryRun, err := parseBool("dry_run", q.Get("dry_run"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	up, err := receive(w, r, "")
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	defer os.Remove(up.path)
	rd, err := sheet.Open(up.path, up.format, opt)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	defer rd.Close()
	res, err := a.svc.Import(r.Context(), p, kind, rd, Options{DryRun: dryRun, Map: m, Source: up.name})
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	a.svc.Describe(res, web.Lang(r))
	status := http.StatusOK
	if !res.OK() {
		status = http.StatusUnprocessableEntity
	}
	web.WriteJSON(w, status, res)
}

// export sends the register of a kind under ?scope= (default the caller's unit) as
// CSV (the default) or XLSX, its headers and values in the request's language.
func (a *API) export(w http.ResponseWriter, r *http.Request) {
	kind, err := ParseKind(r.PathValue("kind"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	f, err := parseFormat(r.URL.Query().Get("format"), sheet.CSV)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	sendExport(w, r, a.svc, a.render, kind, f)
}

// template sends the empty table of a kind, XLSX (the default) or CSV.
func (a *API) template(w http.ResponseWriter, r *http.Request) {
	kind, err := ParseKind(r.PathValue("kind"))
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	f, err := parseFormat(r.URL.Query().Get("format"), sheet.XLSX)
	if err != nil {
		a.render.Error(w, r, err)
		return
	}
	d := web.NewDownload(w, string(kind)+"-template."+string(f))
	if err := a.svc.Template(kind, f, d); err != nil {
		d.Fail(r, a.render, err)
	}
}

// sendExport writes an export of kind under ?scope= as a download named after the
// kind and the unit: residents-450403.xlsx.
func sendExport(w http.ResponseWriter, r *http.Request, svc *Service, render *web.Renderer, kind Kind, f sheet.Format) {
	p := auth.From(r)
	code := r.URL.Query().Get("scope")
	name := string(kind)
	if c := cmp.Or(code, p.OrgCode); c != "" {
		name += "-" + c
	}
	// A city's register takes longer to write than a page.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(uploadTimeout))
	d := web.NewDownload(w, name+"."+string(f))
	if _, err := WriteExport(r.Context(), svc, p, kind, code, web.Lang(r), f, d); err != nil {
		d.Fail(r, render, err)
	}
}

// readOptions reads how to open an uploaded file, within the service's limits.
func (s *Service) readOptions(encoding, sheetName string) (sheet.Options, error) {
	enc, err := sheet.ParseEncoding(encoding)
	if err != nil {
		return sheet.Options{}, err
	}
	return sheet.Options{Encoding: enc, Sheet: strings.TrimSpace(sheetName), Limits: s.limits}, nil
}

// parseFormat reads ?format=; "" is def.
func parseFormat(s string, def sheet.Format) (sheet.Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "csv":
		return sheet.CSV, nil
	case "xlsx":
		return sheet.XLSX, nil
	}
	return "", apperr.Invalidf("format", "transfer.format").With("value", s)
}

// parseBool reads a flag of the query: "" is false.
func parseBool(field, s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, apperr.Invalidf(field, "transfer.bool")
	}
	return b, nil
}

// upload is a file received with a request and saved to disk.
type upload struct {
	path   string
	name   string // as the client named it
	format sheet.Format
	fields map[string]string // the form's other fields, multipart only
}

// maxFieldBytes bounds a form field that comes with an upload (kind, encoding…).
const maxFieldBytes = 1 << 10

// receive saves the file of a request into dir (the system's temporary directory
// when ""): the part named "file" of a multipart/form-data body, or else the whole
// body, named by ?filename=. The name's extension gives the format. The caller
// removes the file. Its errors are Invalid on field "file": no file, a name that is
// neither .csv nor .xlsx, more than MaxUploadMB. With an error, the form's fields
// read so far still come back, for the form to show again.
func receive(w http.ResponseWriter, r *http.Request, dir string) (upload, error) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTimeout))
	const limit = MaxUploadMB << 20
	// The multipart envelope and the small fields come on top of the file.
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		up := upload{name: r.URL.Query().Get("filename")}
		err := up.save(dir, r.Body, limit)
		return up, err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return upload{}, apperr.Invalidf("file", "required")
	}
	up := upload{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			up.remove()
			return up, uploadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file" && up.path == "" && part.FileName() != "":
			up.name = part.FileName()
			err = up.save(dir, part, limit)
		case name != "file":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, maxFieldBytes))
			up.fields[name] = string(b)
		}
		part.Close()
		if err != nil {
			up.remove()
			return up, err
		}
	}
	if up.path == "" {
		return up, apperr.Invalidf("file", "required")
	}
	return up, nil
}

// save copies body, of at most limit bytes, into a new file in dir.
func (up *upload) save(dir string, body io.Reader, limit int64) error {
	if strings.TrimSpace(up.name) == "" {
		return apperr.Invalidf("file", "required")
	}
	f, err := sheet.FormatOf(up.name)
	if err != nil {
		return err
	}
	out, err := os.CreateTemp(dir, "upload-*."+string(f))
	if err != nil {
		return err
	}
	up.path, up.format = out.Name(), f
	n, err := io.Copy(out, io.LimitReader(body, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = tooLarge()
	}
	if err != nil {
		up.remove()
		return uploadError(err)
	}
	return nil
}

func (up *upload) remove() {
	if up.path != "" {
		os.Remove(up.path)
		up.path = ""
	}
}

func tooLarge() error {
	return apperr.Invalidf("file", "transfer.too_large").With("max", MaxUploadMB)
}

// uploadError turns the body's limit into the domain error; other errors (the
// client went away, the disk is full) stay what they are.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	return err
}
