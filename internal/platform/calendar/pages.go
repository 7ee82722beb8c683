package calendar

import (
	"embed"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/web"
)

// Templates are the calendar's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the strings of the calendar's pages and command.
//
//go:embed locales/*.json
var Locales embed.FS

// Pages serves the calendar's pages.
type Pages struct {
	svc    *Service
	render *web.Renderer
}

// RegisterPages adds the calendar's pages to mux: the years and their holidays
// for everyone signed in, and the import of a year for those who may add one.
func RegisterPages(mux web.Router, s *Service, r *web.Renderer) {
	p := &Pages{svc: s, render: r}
	mux.HandleFunc("GET /calendar", p.years)
	mux.HandleFunc("GET /calendar/import", p.importForm)
	mux.HandleFunc("POST /calendar/import", p.importYear)
}

// dayView is a day as the pages show it: the date and its weekday (0 Sunday).
type dayView struct {
	Date    string
	Weekday int
}

func dayOf(t time.Time) dayView {
	return dayView{Date: t.Format(time.DateOnly), Weekday: int(t.Weekday())}
}

// spanView is consecutive days off.
type spanView struct {
	From, To dayView
	Days     int
}

// festivalView is one holiday of a year: its days off and make-up days.
type festivalView struct {
	Name string
	Off  []spanView
	Days int // days off in all
	Work []dayView
}

// yearView is a year as the pages show it.
type yearView struct {
	Year               int
	Source             string
	Added              *Added
	Holidays, Workdays int
	Festivals          []festivalView
	Pending            bool // checked and not saved
}

func viewOf(y Year) yearView {
	v := yearView{Year: y.Year, Source: y.Source, Added: y.Added, Holidays: y.Count(Holiday), Workdays: y.Count(Workday)}
	for _, f := range y.Festivals() {
		fv := festivalView{Name: f.Name}
		for _, s := range f.Off {
			fv.Off = append(fv.Off, spanView{From: dayOf(s.From), To: dayOf(s.To), Days: s.Days})
			fv.Days += s.Days
		}
		for _, d := range f.Work {
			fv.Work = append(fv.Work, dayOf(d))
		}
		v.Festivals = append(v.Festivals, fv)
	}
	return v
}

// yearsPage is the calendar: the years it has, one of them in full, and what an
// administrator should add.
type yearsPage struct {
	Warnings  []Warning
	Years     []int // newest first
	Year      *yearView
	Missing   int // the year asked for, which the calendar does not have
	MayImport bool
	Done      bool // a year was just imported
	Hours     string
}

// years shows the calendar, the year ?year= or else this year (the latest the
// calendar has, when it lacks this one).
func (p *Pages) years(w http.ResponseWriter, r *http.Request) {
	o, err := p.svc.Overview(r.Context(), auth.From(r))
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page := yearsPage{Warnings: o.Warnings, MayImport: o.MayImport, Hours: hoursText(o.Calendar.Hours())}
	for _, y := range o.Years {
		page.Years = append(page.Years, y.Year)
	}
	want := o.Today.Year()
	if q := r.URL.Query().Get("year"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			p.render.Error(w, r, apperr.Invalidf("year", "calendar.year").With("min", minYear).With("max", maxYear))
			return
		}
		want = n
	} else if !slices.Contains(page.Years, want) && len(page.Years) > 0 {
		want = page.Years[0]
	}
	status := http.StatusOK
	if y, ok := o.Calendar.Year(want); ok {
		v := viewOf(y)
		page.Year = &v
		page.Done = r.URL.Query().Get("done") == "1"
	} else {
		page.Missing, status = want, http.StatusNotFound
	}
	p.render.Page(w, r, status, "calendar_years", page)
}

// hoursText writes the working hours as people read them, in either language:
// 08:30–12:00 / 14:30–17:30.
func hoursText(h Hours) string {
	parts := make([]string, len(h))
	for i, s := range h {
		parts[i] = clock(s.Start) + "–" + clock(s.End)
	}
	return strings.Join(parts, " / ")
}

// importPage is the form to add a year, what was wrong with the last attempt,
// and the preview of a file that checked out.
type importPage struct {
	Year     string
	Text     string
	Error    string // a problem with the form itself, translated
	Field    string
	Problems []string // the file's problems, translated, each naming its line
	Preview  *previewView
	Example  []string
}

// previewView is a year checked and not yet saved.
type previewView struct {
	yearView
	// Replaces is "shipped" or "added" when the year is in the calendar already.
	Replaces string
}

// importForm shows the form, for the year after this one unless ?year= says.
func (p *Pages) importForm(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	if !MayImport(pr) {
		p.render.Error(w, r, apperr.New(apperr.Forbidden, "auth.forbidden", ""))
		return
	}
	year := r.URL.Query().Get("year")
	if year == "" {
		year = strconv.Itoa(web.DayIn(p.svc.now(), p.svc.zone).Year() + 1)
	}
	p.render.Page(w, r, http.StatusOK, "calendar_import", p.newImportPage(year, ""))
}

func (p *Pages) newImportPage(year, text string) importPage {
	return importPage{Year: year, Text: text, Example: example(year)}
}

// example is the lines of a file for year in the format the import reads.
func example(year string) []string {
	return []string{"# source: 国务院办公厅关于" + year + "年部分节假日安排的通知（国办发明电〔…〕…号，…）",
		"date,kind,name", year + "-01-01,holiday,元旦", year + "-02-06,holiday,春节", year + "-02-13,workday,春节"}
}

// maxUploadBytes bounds the form: the file and the pasted text with room for
// the other fields.
const maxUploadBytes = 2*maxFileBytes + 16<<10

// importYear checks the year's file and shows what it would add, or, confirmed,
// saves it and goes to the year's page. What is wrong is shown on the form, the
// file's text in the box to be put right.
func (p *Pages) importYear(w http.ResponseWriter, r *http.Request) {
	pr := auth.From(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	text, err := uploaded(r)
	page := p.newImportPage(strings.TrimSpace(r.PostFormValue("year")), text)
	var year int
	if err == nil {
		year, err = yearOf(page.Year)
	}
	if err == nil {
		if r.PostFormValue("confirm") == "1" {
			if err = p.svc.ImportYear(r.Context(), pr, year, strings.NewReader(text)); err == nil {
				http.Redirect(w, r, "/calendar?year="+strconv.Itoa(year)+"&done=1", http.StatusSeeOther)
				return
			}
		} else {
			var pv Preview
			if pv, err = p.svc.Check(r.Context(), pr, year, strings.NewReader(text)); err == nil {
				page.Preview = &previewView{yearView: viewOf(pv.Year)}
				page.Preview.Pending = true
				if pv.Replaces != nil {
					page.Preview.Replaces = replaced(pv.Replaces)
				}
				p.render.Page(w, r, http.StatusOK, "calendar_import", page)
				return
			}
		}
	}
	var ps Problems
	var ae *apperr.Error
	switch {
	case errors.As(err, &ps):
		for _, e := range ps {
			page.Problems = append(page.Problems, p.render.Message(r, e))
		}
	case errors.As(err, &ae) && ae.Code == apperr.Invalid:
		page.Error, page.Field = p.render.Message(r, ae), ae.Field
	default:
		p.render.Error(w, r, err)
		return
	}
	p.render.Page(w, r, http.StatusBadRequest, "calendar_import", page)
}

// uploaded is the year's file as UTF-8 text: the file chosen, or else the text
// typed or pasted into the box.
func uploaded(r *http.Request) (string, error) {
	err := r.ParseMultipartForm(maxUploadBytes)
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", apperr.Invalidf("file", "calendar.too_large").With("max", maxFileBytes>>10)
		}
		return "", apperr.Invalidf("file", "required")
	}
	var src io.Reader = strings.NewReader(r.PostFormValue("text"))
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if h.Size > 0 {
			src = f
		}
	}
	return readText(src)
}

// yearOf reads the year a form gives.
func yearOf(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < minYear || n > maxYear {
		return 0, apperr.Invalidf("year", "calendar.year").With("min", minYear).With("max", maxYear)
	}
	return n, nil
}
