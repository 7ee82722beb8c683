package staff

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"shequ/internal/org"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/scope"
	"shequ/internal/platform/web"
)

// rosterPerPage is the length of a page of the roster: a few screens of cards on a
// phone, a screen of rows on a desk.
const rosterPerPage = 20

// summary counts the roster the way the report does.
type summary struct {
	Total, Female, Male         int
	Under35, From35To50, Over50 int
	CollegeOrAbove              int
	// Posts is the authorised posts of the communities in view and Vacant those not
	// filled; HasPosts is false for a grid, which has no posts of its own.
	Posts, Vacant int
	HasPosts      bool
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

type rosterPage struct {
	Unit     org.Unit
	Crumbs   []web.Crumb
	Children []link
	Summary  summary
	// Filter is what the query asked for (AsOf "" for today); Error, translated,
	// says why it could not be used, and Field which parameter.
	Filter   Filter
	Error    string
	Field    string
	Narrowed bool // a filter besides the name and the unit is set
	// Communities is set when the roster spans communities, and each row says its
	// own; within a community or a grid every row would say the same.
	Communities bool
	Units       []option
	Positions   []string
	Educations  []string
	Workers     []workerRow
	Total       int
	Pager       web.Pager
}

// roster is the roster of the workers under ?scope= (default the user's unit),
// narrowed by name, position, education and sex, read as of ?as_of=, in the order
// of ?sort= and ?dir= (RosterSorting), a page of rosterPerPage at a time; its
// summary counts the whole roster the way the report does. A page past the end
// sends the user to the last.
func (p *Pages) roster(w http.ResponseWriter, r *http.Request) {
	ctx, pr := r.Context(), auth.From(r)
	code := r.URL.Query().Get("scope")
	if code == "" {
		code = pr.OrgCode
	}
	unit, err := p.org.Unit(ctx, pr, code)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	asked := filterOf(r)
	page := rosterPage{Unit: unit, Filter: asked, Positions: Positions, Educations: codes.EducationGroups(),
		Narrowed:    asked.Position != "" || asked.Education != "" || asked.Sex != "" || asked.AsOf != "",
		Communities: unit.Level != scope.Community && unit.Level != scope.Grid}
	status, f := http.StatusOK, asked
	if err := p.svc.CheckFilter(&f); err != nil {
		var invalid *apperr.Error
		if !errors.As(err, &invalid) {
			p.render.Error(w, r, err)
			return
		}
		page.Error, page.Field, status = p.render.Message(r, invalid), invalid.Field, http.StatusBadRequest
		f = Filter{AsOf: Current, Sort: asked.Sort}
	}
	n := web.PageNumber(r)
	rp, err := p.svc.Roster(ctx, pr, unit.Code, f, n, rosterPerPage)
	if err != nil {
		p.render.Error(w, r, err)
		return
	}
	page.Total, page.Pager = rp.Total, web.TotalPager(r, rp.Total, rosterPerPage)
	if sent, err := page.Pager.SentToLast(w, r); sent || err != nil {
		if err != nil {
			p.render.Error(w, r, err)
		}
		return
	}
	if err := p.fill(ctx, pr, &page, rp, f); err != nil {
		p.render.Error(w, r, err)
		return
	}
	p.render.Page(w, r, status, "staff_list", page)
}

// fill adds to page what it shows besides the query: the path and the units to
// choose, the rows with names for their codes, and the summary.
func (p *Pages) fill(ctx context.Context, pr auth.Principal, page *rosterPage, rp RosterPage, f Filter) error {
	unit := page.Unit
	var err error
	if page.Crumbs, err = p.crumbs(ctx, pr, unit.Code, false); err != nil {
		return err
	}
	if unit.Level != scope.Grid {
		children, err := p.org.Children(ctx, pr, unit.Code)
		if err != nil {
			return err
		}
		for _, c := range children {
			page.Children = append(page.Children, link{Name: c.Name, URL: staffURL(c.Code)})
		}
	}
	if page.Units, err = p.unitOptions(ctx, pr, unit); err != nil {
		return err
	}
	var communities []string
	for _, wk := range rp.Workers {
		communities = append(communities, wk.CommunityCode)
	}
	names, err := p.names(ctx, pr, unit.Code, communities...)
	if err != nil {
		return err
	}
	day := p.svc.Today()
	if f.AsOf != Current {
		day = f.AsOf
	}
	for _, wk := range rp.Workers {
		page.Workers = append(page.Workers, row(pr, wk, names, day))
	}
	posts := -1
	if unit.Level != scope.Grid {
		all, err := p.org.Communities(ctx, pr)
		if err != nil {
			return err
		}
		posts = 0
		for _, c := range all {
			if scope.Of(unit.Code).Contains(c.Code) {
				posts += c.AuthorizedPosts
			}
		}
	}
	page.Summary = summarize(rp.Profiles, posts, day)
	return nil
}

// unitOptions are the units whose roster the user may choose: their own unit and
// those under it down to the communities, and the grids of the community in view.
func (p *Pages) unitOptions(ctx context.Context, pr auth.Principal, in org.Unit) ([]option, error) {
	own, err := p.org.Unit(ctx, pr, pr.OrgCode)
	if err != nil {
		return nil, err
	}
	var out []option
	var walk func(u org.Unit, depth int) error
	walk = func(u org.Unit, depth int) error {
		out = append(out, option{Value: u.Code, Label: strings.Repeat("\u3000", depth) + u.Name, Selected: u.Code == in.Code})
		if u.Level == scope.Grid || (u.Level == scope.Community && !scope.Of(u.Code).Contains(in.Code)) {
			return nil
		}
		children, err := p.org.Children(ctx, pr, u.Code)
		if err != nil {
			return err
		}
		for _, c := range children {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(own, 0)
}

// summarize counts profiles the way the report does, ages on day.
func summarize(profiles []Profile, posts int, day string) summary {
	s := summary{Total: len(profiles), Posts: posts, HasPosts: posts >= 0}
	for _, p := range profiles {
		switch p.Sex {
		case "F":
			s.Female++
		case "M":
			s.Male++
		}
		switch age := ageOn(p.BirthDate, day); {
		case age < 35:
			s.Under35++
		case age <= 50:
			s.From35To50++
		default:
			s.Over50++
		}
		switch g, _ := codes.EducationGroupOf(p.Education); g {
		case codes.EduJuniorCollege, codes.EduBachelor, codes.EduPostgraduate:
			s.CollegeOrAbove++
		}
	}
	if s.HasPosts && posts > s.Total {
		s.Vacant = posts - s.Total
	}
	return s
}
