package cases

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/changes"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// The audit actions of the catalogue, the handling units and the routing table.
const (
	ActCategory = "case.category"
	ActHandler  = "case.handler"
	ActRoute    = "case.route"
)

// MayKeepCatalogue reports whether p may change the catalogue (its categories and
// their limits): a city-level user who may change the org tree, as the catalogue
// and its time limits are the whole city's.
func MayKeepCatalogue(p auth.Principal) bool {
	return p.Role == auth.RoleCity && p.Can(auth.WriteOrg)
}

// MayRoute reports whether p may keep handling units and routing tables: a
// district or the city, who may change the org tree, for the districts in scope.
func MayRoute(p auth.Principal) bool {
	return (p.Role == auth.RoleCity || p.Role == auth.RoleDistrict) && p.Can(auth.WriteOrg)
}

// CategoryInput is a category as an administrator adds or changes it.
type CategoryInput struct {
	Code        string `json:"code"`
	NameZh      string `json:"name_zh"`
	NameEn      string `json:"name_en"`
	AcceptLimit string `json:"accept_limit"`
	HandleLimit string `json:"handle_limit"`
	Retired     bool   `json:"retired"`
}

// check returns what is wrong with the input, naming the field: a code of two
// digits (a class) or four (a subclass of an existing class), names up to 50
// characters (the Chinese one required), limits as the catalogue writes them.
func (in *CategoryInput) check(cat *Catalogue) error {
	in.Code, in.NameZh, in.NameEn = strings.TrimSpace(in.Code), strings.TrimSpace(in.NameZh), strings.TrimSpace(in.NameEn)
	in.AcceptLimit, in.HandleLimit = strings.TrimSpace(in.AcceptLimit), strings.TrimSpace(in.HandleLimit)
	if l := len(in.Code); (l != 2 && l != 4) || strings.Trim(in.Code, "0123456789") != "" {
		return apperr.Invalidf("code", "case.category_code")
	}
	if len(in.Code) == 4 {
		if parent, ok := cat.Get(in.Code[:2]); !ok || parent.Parent != "" {
			return apperr.Invalidf("code", "case.category_parent")
		}
	}
	if in.NameZh == "" {
		return apperr.Invalidf("name_zh", "required")
	}
	for field, v := range map[string]string{"name_zh": in.NameZh, "name_en": in.NameEn} {
		if utf8.RuneCountInString(v) > 50 {
			return apperr.Invalidf(field, "too_long").With("max", 50)
		}
	}
	for field, v := range map[string]string{"accept_limit": in.AcceptLimit, "handle_limit": in.HandleLimit} {
		if _, err := parseLimit(v); err != nil {
			return apperr.Invalidf(field, "case.limit")
		}
	}
	return nil
}

// SaveCategory adds a category or changes one (names, limits, retired), with its
// audit record, and every process takes the new catalogue and its limits for the
// steps that start from then on.
//
// Errors: forbidden unless MayKeepCatalogue; invalid naming the field.
func (s *Service) SaveCategory(ctx context.Context, p auth.Principal, in CategoryInput) error {
	now := s.now()
	if !MayKeepCatalogue(p) {
		return audit.Refused(ctx, s.db, audit.Of(p, now, ActCategory, "case_category:"+in.Code), apperr.New(apperr.Forbidden, "auth.forbidden", ""))
	}
	if err := in.check(s.Catalogue()); err != nil {
		return err
	}
	retired := 0
	if in.Retired {
		retired = 1
	}
	var parent any
	if len(in.Code) == 4 {
		parent = in.Code[:2]
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO case_categories (code, parent_code, name_zh, name_en, source, position, accept_limit, handle_limit, retired)
			VALUES ($1, $2, $3, $4, 'local', (SELECT COALESCE(MAX(position), 0) + 1 FROM case_categories), $5, $6, $7)
			ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
				accept_limit = excluded.accept_limit, handle_limit = excluded.handle_limit, retired = excluded.retired`,
			in.Code, parent, in.NameZh, in.NameEn, in.AcceptLimit, in.HandleLimit, retired)
		if err != nil {
			return err
		}
		if err := changes.Bump(ctx, tx, catalogueTopic); err != nil {
			return err
		}
		e := audit.Of(p, now, ActCategory, "case_category:"+in.Code)
		e.Reason = "accept:" + in.AcceptLimit + " handle:" + in.HandleLimit
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	return s.Reload(ctx)
}

// HandlerInput is a handling unit as an administrator adds it.
type HandlerInput struct {
	OrgCode string `json:"org_code"`
	NameZh  string `json:"name_zh"`
	NameEn  string `json:"name_en"`
	Kind    string `json:"kind"`
}

// AddHandler adds a handling unit in a unit of p's scope, with its audit record.
//
// Errors: forbidden unless MayRoute; invalid naming the field (a unit outside the
// scope or unknown, a name missing or over 50 characters, a kind other than
// window, street or department).
func (s *Service) AddHandler(ctx context.Context, p auth.Principal, in HandlerInput) (Handler, error) {
	now := s.now()
	if !MayRoute(p) {
		return Handler{}, audit.Refused(ctx, s.db, audit.Of(p, now, ActHandler, "case_handler:new"), apperr.New(apperr.Forbidden, "auth.forbidden", ""))
	}
	in.OrgCode, in.NameZh, in.NameEn = strings.TrimSpace(in.OrgCode), strings.TrimSpace(in.NameZh), strings.TrimSpace(in.NameEn)
	switch {
	case scope.LevelOf(in.OrgCode) == "" || !p.Scope().Contains(in.OrgCode):
		return Handler{}, apperr.Invalidf("org_code", "case.place")
	case in.NameZh == "":
		return Handler{}, apperr.Invalidf("name_zh", "required")
	case utf8.RuneCountInString(in.NameZh) > 50 || utf8.RuneCountInString(in.NameEn) > 50:
		return Handler{}, apperr.Invalidf("name_zh", "too_long").With("max", 50)
	case in.Kind != "window" && in.Kind != "street" && in.Kind != "department":
		return Handler{}, apperr.Invalidf("kind", "case.handler_kind")
	}
	h := Handler{ID: db.NewID(), OrgCode: in.OrgCode, Name: in.NameZh, Kind: in.Kind}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_units WHERE code = $1`, in.OrgCode).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Invalidf("org_code", "case.place")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_handlers (id, org_code, name_zh, name_en, kind) VALUES ($1, $2, $3, $4, $5)`,
			h.ID, h.OrgCode, in.NameZh, in.NameEn, in.Kind); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Of(p, now, ActHandler, "case_handler:"+h.ID))
	})
	return h, err
}

// SetRoute says which handling unit a district's cases of a category go to (the
// dispatcher's suggestion); handlerID "" takes the route away.
//
// Errors: forbidden unless MayRoute; invalid naming the field (a district outside
// the scope, a category not in the catalogue, a handler that does not serve the
// district: one in the district, or in the city above it).
func (s *Service) SetRoute(ctx context.Context, p auth.Principal, district, category, handlerID string) error {
	now := s.now()
	object := "case_route:" + district + ":" + category
	if !MayRoute(p) {
		return audit.Refused(ctx, s.db, audit.Of(p, now, ActRoute, object), apperr.New(apperr.Forbidden, "auth.forbidden", ""))
	}
	if scope.LevelOf(district) != scope.District || !p.Scope().Contains(district) {
		return apperr.Invalidf("district", "case.place")
	}
	if _, ok := s.Catalogue().Get(category); !ok {
		return apperr.Invalidf("category", "case.category")
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if handlerID == "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM case_routes WHERE district_code = $1 AND category_code = $2`, district, category); err != nil {
				return err
			}
		} else {
			var org string
			err := tx.QueryRowContext(ctx, `SELECT org_code FROM case_handlers WHERE id = $1 AND retired = 0`, handlerID).Scan(&org)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(district, scope.Prefix(org)) && !strings.HasPrefix(org, district)) {
				return apperr.Invalidf("handler_id", "case.handler")
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_routes (district_code, category_code, handler_id) VALUES ($1, $2, $3)
				ON CONFLICT (district_code, category_code) DO UPDATE SET handler_id = excluded.handler_id`, district, category, handlerID); err != nil {
				return err
			}
		}
		e := audit.Of(p, now, ActRoute, object)
		e.Reason = "handler:" + handlerID
		return audit.Record(ctx, tx, e)
	})
}

// Route is a row of a district's routing table.
type Route struct {
	Category string `json:"category"`
	Handler  string `json:"handler_id"`
}

// Routing returns a district's routing table and the handling units that may serve
// its cases (those in the district and in the city above it), to those who read the
// register in the district or under it: the streets and communities that dispatch
// there see where their cases go.
func (s *Service) Routing(ctx context.Context, p auth.Principal, district, lang string) ([]Route, []Handler, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return nil, nil, err
	}
	if scope.LevelOf(district) != scope.District || !(p.Scope().Contains(district) || strings.HasPrefix(p.OrgCode, district)) {
		return nil, nil, errNotFound()
	}
	var routes []Route
	var hs []Handler
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		rows, err := q.QueryContext(ctx, `SELECT category_code, handler_id FROM case_routes WHERE district_code = $1 ORDER BY category_code`, district)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Route
			if err := rows.Scan(&r.Category, &r.Handler); err != nil {
				return err
			}
			routes = append(routes, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		lo, hi := scope.Of(district).Range()
		hrows, err := q.QueryContext(ctx, `SELECT id, org_code, name_zh, name_en, kind FROM case_handlers
			WHERE retired = 0 AND ((org_code >= $1 AND org_code < $2) OR org_code = $3) ORDER BY org_code, name_zh`, lo, hi, scope.ParentCode(district))
		if err != nil {
			return err
		}
		defer hrows.Close()
		for hrows.Next() {
			var h Handler
			var zh, en string
			if err := hrows.Scan(&h.ID, &h.OrgCode, &zh, &en, &h.Kind); err != nil {
				return err
			}
			h.Name = zh
			if strings.HasPrefix(lang, "en") && en != "" {
				h.Name = en
			}
			hs = append(hs, h)
		}
		return hrows.Err()
	})
	return routes, hs, err
}
