package cases

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"shequ/internal/platform/db"
	"shequ/internal/platform/workflow"
)

// flowJSON is the case flow: reported → 立案 → 派遣 → 处置 (退单, 延期) → 反馈 → 核查 →
// 结案 → 评价, with 改派, 并单, 重新分类, reopening, 越级上报 and 督办 (cn-standards.md
// §5.3–5.6). Its limits are the defaults; the catalogue's override them per category.
//
//go:embed flow.json
var flowJSON []byte

// Category is an entry of the catalogue: a class ("01" 市容环境) or one of its
// subclasses ("0102" 暴露垃圾). Cases are reported under a subclass.
type Category struct {
	Code   string `json:"code"`
	Parent string `json:"parent,omitempty"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	Source string `json:"source"`
	// AcceptLimit and HandleLimit are the 立案 and 处置 limits as the catalogue
	// writes them ("1/2d", "4/8h"), "" to take the class's or the flow's.
	AcceptLimit string `json:"accept_limit,omitempty"`
	HandleLimit string `json:"handle_limit,omitempty"`
	Retired     bool   `json:"retired,omitempty"`
}

// Name is the category's name in lang.
func (c Category) Name(lang string) string {
	if strings.HasPrefix(lang, "en") && c.NameEn != "" {
		return c.NameEn
	}
	return c.NameZh
}

// Catalogue is the categories in order, classes each followed by their subclasses.
type Catalogue struct {
	list   []Category
	byCode map[string]int
}

// Get returns the category with code.
func (c *Catalogue) Get(code string) (Category, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Category{}, false
	}
	return c.list[i], true
}

// All returns the categories in order.
func (c *Catalogue) All() []Category { return c.list }

// Reportable reports whether a case may be reported under code: a subclass that is
// not retired, of a class that is not.
func (c *Catalogue) Reportable(code string) bool {
	cat, ok := c.Get(code)
	if !ok || cat.Parent == "" || cat.Retired {
		return false
	}
	parent, ok := c.Get(cat.Parent)
	return ok && !parent.Retired
}

// Name returns the name of the category with code in lang, or the code.
func (c *Catalogue) Name(code, lang string) string {
	if cat, ok := c.Get(code); ok {
		return cat.Name(lang)
	}
	return code
}

// loadCatalogue reads the categories.
func loadCatalogue(ctx context.Context, q db.Querier) (*Catalogue, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, COALESCE(parent_code, ''), name_zh, name_en, source, accept_limit, handle_limit, retired
		FROM case_categories ORDER BY position, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := &Catalogue{byCode: map[string]int{}}
	for rows.Next() {
		var cat Category
		var retired int
		if err := rows.Scan(&cat.Code, &cat.Parent, &cat.NameZh, &cat.NameEn, &cat.Source, &cat.AcceptLimit, &cat.HandleLimit, &retired); err != nil {
			return nil, err
		}
		cat.Retired = retired != 0
		c.byCode[cat.Code] = len(c.list)
		c.list = append(c.list, cat)
	}
	return c, rows.Err()
}

// parseLimit reads a limit as the catalogue writes it: "1/2d" is a yellow card
// after one working day and a red one after two, "4/8h" the same in working hours.
func parseLimit(s string) (workflow.Limit, error) {
	if s == "" {
		return workflow.Limit{}, nil
	}
	unit := workflow.WorkDays
	switch {
	case strings.HasSuffix(s, "d"):
	case strings.HasSuffix(s, "h"):
		unit = workflow.WorkHours
	default:
		return workflow.Limit{}, fmt.Errorf("limit %q: want Y/Rd or Y/Rh", s)
	}
	y, r, ok := strings.Cut(s[:len(s)-1], "/")
	yellow, err1 := strconv.Atoi(y)
	red, err2 := strconv.Atoi(r)
	if !ok || err1 != nil || err2 != nil || yellow <= 0 || red < yellow {
		return workflow.Limit{}, fmt.Errorf("limit %q: want Y/Rd or Y/Rh with 0 < Y <= R", s)
	}
	return workflow.Limit{Yellow: yellow, Red: red, Unit: unit}, nil
}

// flow returns the case flow with the catalogue's limits: a subclass's 立案 limit
// (or its class's) for the reported step, its 处置 limit for the handling step.
func (c *Catalogue) flow() (workflow.Flow, error) {
	f, err := workflow.ParseFlow(flowJSON)
	if err != nil {
		return workflow.Flow{}, err
	}
	f.Limits = map[string]map[string]workflow.Limit{}
	for _, cat := range c.list {
		if cat.Parent == "" {
			continue
		}
		parent, _ := c.Get(cat.Parent)
		steps := map[string]workflow.Limit{}
		for state, texts := range map[string][2]string{
			"reported": {cat.AcceptLimit, parent.AcceptLimit},
			"handling": {cat.HandleLimit, parent.HandleLimit},
		} {
			text := texts[0]
			if text == "" {
				text = texts[1]
			}
			l, err := parseLimit(text)
			if err != nil {
				return workflow.Flow{}, fmt.Errorf("case category %s: %w", cat.Code, err)
			}
			if l != (workflow.Limit{}) {
				steps[state] = l
			}
		}
		if len(steps) > 0 {
			f.Limits[cat.Code] = steps
		}
	}
	return f, f.Validate()
}
