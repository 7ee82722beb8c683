package server

import (
	"net/http"
	"shequ/internal/demo"
	"shequ/internal/platform/auth"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
	"shequ/internal/stats"
)

// share is one line of a breakdown: a message key, a count, and its percentage of
// the whole, rounded.
type share struct {
	Key     string
	N       int
	Percent int
}

func shares(keys []string, counts ...int) []share {
	total := 0
	for _, n := range counts {
		total += n
	}
	out := make([]share, len(counts))
	for i, n := range counts {
		out[i] = share{Key: keys[i], N: n}
		if total > 0 {
			out[i].Percent = (n*100 + total/2) / total
		}
	}
	return out
}

// homePage is the dashboard of the user's unit: the report's figures for it and for
// each unit below.
type homePage struct {
	Stats     stats.Stats
	AsOf      string // the date the figures are counted at, YYYY-MM-DD
	AsOfError string // why ?as_of= was not used, translated
	// ReportDate is the day the demo city's figures are true (the report's date);
	// the page offers it when the database holds the demo city.
	ReportDate string
	Bars       []web.Bar
	Children   []childRow
	// ChildLevel is the level of the units below, "" for a grid.
	ChildLevel string
	// ShowWorkers is whether the children have workers of their own: workers
	// belong to communities, so grids show none.
	ShowWorkers bool
	Ages        []share
	Sexes       []share
	Education   []share
	Empty       bool
}

// childRow is one unit below, with its headline figures.
type childRow struct {
	Code, Name              string
	Households, Residents   int
	Registered, Floating    int
	Filled, AuthorizedPosts int
}

func childRows(st stats.Stats) []childRow {
	out := make([]childRow, len(st.Children))
	for i, c := range st.Children {
		out[i] = childRow{Code: c.Scope.Code, Name: c.Scope.Name, Households: c.Households,
			Registered: c.Residents.Registered, Floating: c.Residents.Floating,
			Residents: c.Residents.Registered + c.Residents.Floating,
			Filled:    c.Staff.Filled, AuthorizedPosts: c.Staff.AuthorizedPosts}
	}
	return out
}

// asOf reads ?as_of=; a date that does not parse is reported and today used instead.
func (s *Server) asOf(r *http.Request) (time.Time, string) {
	today := web.Today(r.Context(), s.cfg.Now())
	v := strings.TrimSpace(r.URL.Query().Get("as_of"))
	if v == "" {
		return today, ""
	}
	day, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return today, s.render.Message(r, apperr.Invalidf("as_of", "date"))
	}
	return day, ""
}

// home shows the signed-in user's unit as the report counts it.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r)
	if !p.Can(auth.ReadRegister) {
		// The administrators of 三员分立 do not see the register, not even its
		// figures: their home is their account page.
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	day, asOfErr := s.asOf(r)
	st, err := s.stats.Get(r.Context(), p.Scope(), p.OrgCode, day)
	if err != nil {
		s.render.Error(w, r, err)
		return
	}
	page := homePage{Stats: st, AsOf: day.Format(time.DateOnly), ReportDate: demo.ReportDate, AsOfError: asOfErr, Children: childRows(st),
		ChildLevel: string(scope.LevelOf(p.OrgCode).Child())}
	page.ShowWorkers = page.ChildLevel != string(scope.Grid)
	for _, c := range page.Children {
		page.Bars = append(page.Bars, web.Bar{Label: c.Name, Value: c.Households})
	}
	sf := st.Staff
	page.Ages = shares([]string{"home.age_under_35", "home.age_35_50", "home.age_over_50"}, sf.Age.Under35, sf.Age.From35To50, sf.Age.Over50)
	page.Sexes = shares([]string{"sex.F", "sex.M"}, sf.Sex.Female, sf.Sex.Male)
	page.Education = shares([]string{"home.edu_junior_middle", "home.edu_senior_high", "home.edu_college"},
		sf.Education.JuniorMiddleOrBelow, sf.Education.SeniorHighOrTechnical, sf.Education.CollegeOrAbove)
	page.Empty = st.Households == 0 && st.Units.Grids == 0 && sf.Filled == 0 && sf.AuthorizedPosts == 0
	s.render.Page(w, r, http.StatusOK, "home", page)
}
