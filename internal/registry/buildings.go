package registry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/area"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
)

// ActBuildingEdit is the audit action of changing a building's attributes; the
// object is "building:<id>".
const ActBuildingEdit = "building.update"

// MaxFloors is the most floors (层数) a building may have: the tallest Chinese
// buildings have about 130 above ground, so 200 leaves room and refuses a slip of
// the keyboard. MaxUnits bounds its 单元数 likewise.
const (
	MaxFloors = 200
	MaxUnits  = 99
)

// Building is a 楼栋 of a grid, which households' dwellings name: its 层数 and
// 单元数 (nil when not recorded; a 平房 without 单元 has 0) and its 建筑面积 (the zero
// Area when not recorded). Households counts those on the register now.
type Building struct {
	ID         string    `json:"id"`
	GridCode   string    `json:"grid_code"`
	Name       string    `json:"name"`
	Floors     *int      `json:"floors,omitempty"`
	Units      *int      `json:"units,omitempty"`
	FloorArea  area.Area `json:"floor_area_m2,omitempty"`
	Households int       `json:"households"`
}

// BuildingInput is a building's attributes as typed in its form; an empty field
// is "not recorded".
type BuildingInput struct {
	Floors    string
	Units     string
	FloorArea string
}

// Check reads the attributes and returns every problem with them, naming the
// field: floors a whole number from 1 to MaxFloors, units from 0 to MaxUnits, the
// floor area in m² with at most two decimals and not negative (area.Parse).
// Full-width digits are read as digits.
func (in BuildingInput) Check() (floors, units *int, floorArea area.Area, errs []*apperr.Error) {
	count := func(field, s string, lo, hi int) *int {
		s = strings.TrimSpace(width.Narrow.String(s))
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			errs = append(errs, apperr.Invalidf(field, "building.count").With("min", lo).With("max", hi))
			return nil
		}
		return &n
	}
	floors = count("floors", in.Floors, 1, MaxFloors)
	units = count("units", in.Units, 0, MaxUnits)
	floorArea, err := area.Parse("floor_area", in.FloorArea)
	var invalid *apperr.Error
	if errors.As(err, &invalid) {
		errs = append(errs, invalid)
	}
	return floors, units, floorArea, errs
}

// GetBuilding returns a building by id with the number of its households on the
// register; one outside the scope is not found, as an audit.OutOfScope.
func GetBuilding(ctx context.Context, q db.Querier, sc scope.Scope, id string) (Building, error) {
	w, args := sc.Where("b.org_code", 2)
	var b Building
	var floors, units, floorArea sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT b.id, b.org_code, b.name, b.floors, b.units, b.floor_area_dm2,
		(SELECT COUNT(*) FROM households h WHERE h.building_id = b.id AND h.dissolved_on IS NULL)
		FROM buildings b WHERE b.id = $1 AND `+w, append([]any{id}, args...)...).Scan(&b.ID, &b.GridCode, &b.Name, &floors, &units,
		&floorArea, &b.Households)
	if errors.Is(err, sql.ErrNoRows) {
		return Building{}, audit.NotFound(ctx, q, "buildings", "building", id, apperr.New(apperr.NotFound, "building.not_found", "id"))
	}
	b.Floors, b.Units, b.FloorArea = intOrNil(floors), intOrNil(units), area.Area(floorArea.Int64)
	return b, err
}

func intOrNil(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// SetBuildingAttributes writes a building's 层数, 单元数 and 建筑面积, NULL for those not
// recorded.
func SetBuildingAttributes(ctx context.Context, q db.Querier, id string, floors, units *int, floorArea area.Area) error {
	var fa any
	if floorArea != 0 {
		fa = int64(floorArea)
	}
	_, err := q.ExecContext(ctx, `UPDATE buildings SET floors = $2, units = $3, floor_area_dm2 = $4 WHERE id = $1`,
		id, floors, units, fa)
	return err
}

// Building returns a building in scope. Asked for one outside p's scope, it
// answers not found and records the attempt as denied (decision 8).
func (s *Service) Building(ctx context.Context, p auth.Principal, id string) (Building, error) {
	if err := p.Require(auth.ReadRegister); err != nil {
		return Building{}, err
	}
	b, err := GetBuilding(ctx, s.db.Read(), p.Scope(), id)
	return b, audit.RecordOutOfScope(ctx, s.db, p, s.now(), audit.ActRead, err)
}

// UpdateBuilding changes a building's 层数, 单元数 and 建筑面积.
//
// Errors: forbidden without auth.WriteRegister; not found outside p's scope;
// invalid, naming the field (BuildingInput.Check).
func (s *Service) UpdateBuilding(ctx context.Context, p auth.Principal, id string, in BuildingInput) (Building, error) {
	object := "building:" + id
	if err := p.Require(auth.WriteRegister); err != nil {
		return Building{}, audit.Refused(ctx, s.db, audit.Of(p, s.now(), ActBuildingEdit, object), err)
	}
	floors, units, floorArea, errs := in.Check()
	var b Building
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if b, err = GetBuilding(ctx, tx, p.Scope(), id); err != nil {
			return err
		}
		if len(errs) > 0 {
			return errs[0]
		}
		if err := SetBuildingAttributes(ctx, tx, id, floors, units, floorArea); err != nil {
			return err
		}
		b.Floors, b.Units, b.FloorArea = floors, units, floorArea
		e := audit.Of(p, s.now(), ActBuildingEdit, object)
		e.Reason = "floors:" + countText(floors) + " units:" + countText(units) + " floor_area_m2:" + floorArea.String()
		return audit.Record(ctx, tx, e)
	})
	return b, audit.RecordOutOfScope(ctx, s.db, p, s.now(), ActBuildingEdit, err)
}

// countText writes a count for the audit trail, "-" when not recorded.
func countText(n *int) string {
	if n == nil {
		return "-"
	}
	return strconv.Itoa(*n)
}
