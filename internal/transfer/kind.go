// Package transfer moves registers in and out of shequ as table files (导入导出): the
// org tree, households, residents and community workers, as CSV (UTF-8 or GB18030)
// or Excel. An import checks every row, reports every problem by row and column,
// and writes all of its rows in one transaction or none of them; rows are matched
// to what is stored by natural key, so importing the same file twice changes
// nothing. An export writes the same columns an import reads, so a register
// exported from one database imports into another unchanged.
package transfer

import (
	"embed"
	"slices"
	"strings"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/codes"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

// Kind names a register that moves as a table.
type Kind string

// The kinds of register, in the order a new city imports them: each refers to rows
// of the ones before it.
const (
	Org        Kind = "org"
	Households Kind = "households"
	Residents  Kind = "residents"
	Staff      Kind = "staff"
)

// Kinds lists every kind, in import order.
var Kinds = []Kind{Org, Households, Residents, Staff}

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Kinds, k) {
		return "", apperr.Invalidf("kind", "transfer.kind").With("kinds", "org, households, residents, staff")
	}
	return k, nil
}

// writeAction is the permission an import of the kind needs.
func (k Kind) writeAction() auth.Action {
	switch k {
	case Org:
		return auth.WriteOrg
	case Staff:
		return auth.WriteStaff
	}
	return auth.WriteRegister
}

// Column is one column of a kind's table. Field is both the English header and the
// name the rest of shequ knows the value by; Header is the Chinese header.
type Column struct {
	Field    string
	Header   string
	Required bool
	// Unless names the column that, present in a file, makes a required column
	// optional: a household's 地址 is rendered from its 小区/街路巷 and the rest, and
	// a relation may come as its code alone.
	Unless string
	// Aliases are other headers the column is found by, as other systems write them.
	Aliases []string
	// Enum, when set, is the locale-key prefix of the column's allowed values
	// ("pop." for pop.registered …) and Values the codes themselves. A cell may
	// hold the code or its label in either language.
	Enum   string
	Values []string
	// Table, when set, is the code table of a coded column (internal/platform/codes):
	// a cell holds a code, a name or a legacy value of the table. Code marks the
	// column beside it that holds the code alone (与户主关系代码 beside 与户主关系), so
	// that an export gives both and an import takes either.
	Table func() codes.Table
	Code  bool
	// Date marks a column of days: 2013-05-20, 2013/5/20, 2013年5月20日 or an Excel date.
	Date bool
	// List marks a column that holds several values, separated by any of ；; 、 , ，.
	List bool
}

// columns returns the columns of a kind in the order templates and exports write them.
func (k Kind) columns() []Column {
	switch k {
	case Org:
		levels := make([]string, len(scope.Levels))
		for i, l := range scope.Levels {
			levels[i] = string(l)
		}
		return []Column{
			{Field: "code", Header: "代码", Required: true},
			{Field: "name", Header: "名称", Required: true},
			{Field: "level", Header: "层级", Required: true, Enum: "level.", Values: levels},
			{Field: "parent_code", Header: "上级代码"},
			{Field: "founded_year", Header: "成立年份"},
			{Field: "office_area_m2", Header: "办公用房面积"},
			{Field: "authorized_posts", Header: "编制数"},
		}
	case Households:
		return []Column{
			{Field: "household_no", Header: "户编号", Required: true},
			{Field: "grid_code", Header: "网格代码", Required: true},
			{Field: "address", Header: "地址", Required: true, Unless: "street"},
			{Field: "street", Header: "小区/街路巷", Aliases: []string{"小区或街路巷", "街路巷", "小区"}},
			{Field: "door_no", Header: "门牌号", Aliases: []string{"门牌"}},
			{Field: "building", Header: "楼栋"},
			{Field: "unit_no", Header: "单元", Aliases: []string{"单元号"}},
			{Field: "floor_no", Header: "楼层"},
			{Field: "room_no", Header: "房号", Aliases: []string{"房间号", "室号"}},
			{Field: "established_on", Header: "建立日期", Date: true},
		}
	case Residents:
		return []Column{
			{Field: "name", Header: "姓名", Required: true},
			{Field: "id_number", Header: "公民身份号码", Required: true},
			{Field: "household_no", Header: "户编号", Required: true},
			{Field: "relation", Header: "与户主关系", Required: true, Unless: "relation_code", Table: codes.Relation},
			{Field: "relation_code", Header: "与户主关系代码", Table: codes.Relation, Code: true},
			{Field: "population_type", Header: "人口类型", Required: true, Enum: "pop.", Values: registry.PopulationTypes},
			{Field: "phone", Header: "联系电话"},
			{Field: "tags", Header: "标签", Enum: "tag.", Values: registry.Tags, List: true},
			{Field: "ethnicity", Header: "民族", Table: codes.Ethnicity},
			{Field: "ethnicity_code", Header: "民族代码", Table: codes.Ethnicity, Code: true},
			{Field: "marital_status", Header: "婚姻状况", Table: codes.Marital},
			{Field: "marital_status_code", Header: "婚姻状况代码", Table: codes.Marital, Code: true},
			{Field: "education", Header: "文化程度", Aliases: []string{"学历"}, Table: codes.Education},
			{Field: "education_code", Header: "文化程度代码", Aliases: []string{"学历代码"}, Table: codes.Education, Code: true},
			{Field: "political_status", Header: "政治面貌", Table: codes.Political},
			{Field: "political_status_code", Header: "政治面貌代码", Table: codes.Political, Code: true},
			{Field: "hukou_region", Header: "户籍地代码", Aliases: []string{"户籍地区划代码"}},
			{Field: "hukou_address", Header: "户籍地详址", Aliases: []string{"户籍地址"}},
			{Field: "lives_in_household_no", Header: "现住址户编号"},
			{Field: "residence_status", Header: "人户状态", Table: codes.ResidenceStatus},
			{Field: "inflow_reason", Header: "流入原因"},
			{Field: "permit_no", Header: "居住证号", Aliases: []string{"居住证编号"}},
			{Field: "permit_registered_on", Header: "居住证登记日期", Date: true},
			{Field: "permit_expires_on", Header: "居住证到期日", Aliases: []string{"居住证有效期至"}, Date: true},
			{Field: "registered_on", Header: "登记日期", Date: true},
			{Field: "registered_reason", Header: "登记原因", Table: codes.Registration},
		}
	case Staff:
		return []Column{
			{Field: "name", Header: "姓名", Required: true},
			{Field: "id_number", Header: "公民身份号码", Required: true},
			{Field: "community_code", Header: "社区代码", Required: true},
			{Field: "position", Header: "职务", Required: true, Enum: "position.", Values: staff.Positions},
			{Field: "education", Header: "学历", Aliases: []string{"文化程度"}, Required: true, Unless: "education_code", Table: codes.Education},
			{Field: "education_code", Header: "学历代码", Aliases: []string{"文化程度代码"}, Table: codes.Education, Code: true},
			{Field: "hired_on", Header: "入职日期", Required: true},
			{Field: "certificates", Header: "证书"},
			{Field: "grid_codes", Header: "网格代码", List: true},
		}
	}
	return nil
}

// Headers returns the header row of a kind in lang: Chinese by default, the field
// names in English.
func (k Kind) Headers(lang string) []string {
	cols := k.columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.header(lang)
	}
	return out
}

func (c Column) header(lang string) string {
	if lang == "en" {
		return c.Field
	}
	return c.Header
}

// matches reports whether a header, folded by normalHeader, names the column: its
// field, its Chinese header or one of its aliases.
func (c Column) matches(key string) bool {
	if key == c.Field || key == normalHeader(c.Header) {
		return true
	}
	return slices.ContainsFunc(c.Aliases, func(a string) bool { return key == normalHeader(a) })
}

// codeOf reads a cell of a coded column: a code, a name or a legacy value of its
// table, or the English label of a code where the table has one, as an export in
// English writes it.
func (c Column) codeOf(cell string) (string, bool) {
	t := c.Table()
	if e, ok := t.Lookup(cell); ok {
		return e.Code, true
	}
	cell = strings.TrimSpace(cell)
	for _, e := range t.Entries() {
		if e.NameEN != "" && strings.EqualFold(e.NameEN, cell) {
			return e.Code, true
		}
	}
	return "", false
}

// codedCell writes a stored code of a coded column for an export in lang: the code
// itself in a code column, its name in the other — in English where the table
// has English labels, in Chinese otherwise.
func (c Column) codedCell(lang, code string) string {
	if c.Code || code == "" {
		return code
	}
	return c.Table().Label(code, lang)
}

// valueOf turns a cell of an enumerated column into its code: the code itself
// (any case) or its label in any language. ok is false when it is none of them.
func (c Column) valueOf(b *i18n.Bundle, cell string) (string, bool) {
	for _, v := range c.Values {
		if strings.EqualFold(cell, v) {
			return v, true
		}
		for _, lang := range b.Langs() {
			if cell == b.T(lang, c.Enum+v) {
				return v, true
			}
		}
	}
	return "", false
}

// cell writes a code of an enumerated column for an export in lang: the Chinese
// label by default, the code in English.
func (c Column) cell(b *i18n.Bundle, lang, code string) string {
	if lang == "en" || code == "" {
		return code
	}
	return b.T(lang, c.Enum+code)
}

// splitList splits a list cell at any of the separators people type: ；; 、 , ，
// and spaces do not separate, so a certificate may contain them.
func splitList(cell string) []string {
	parts := strings.FieldsFunc(cell, func(r rune) bool {
		return strings.ContainsRune("；;、,，", r)
	})
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Locales are the strings of templates and error reports.
//
//go:embed locales/*.json
var Locales embed.FS
