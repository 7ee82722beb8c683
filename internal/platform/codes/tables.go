package codes

import (
	"embed"
	"fmt"
	"slices"
	"sync"
)

//go:embed tables/*.csv
var files embed.FS

// spec is how a table reads input beyond its codes, names and listed variants.
type spec struct {
	id         string
	dropZero   bool   // "1" reads as 01: safe only where no edition has one-digit codes
	dropSuffix string // a name reads without this suffix: 汉 for 汉族
}

// loaded parses the files once, on first use, and keeps them read-only after. A file
// that does not parse is a broken build, not a condition to handle: the tests parse
// every file, so it panics.
var loaded = sync.OnceValue(func() []Table {
	specs := []spec{
		{id: "relation"},
		{id: "relation_group"},
		{id: "ethnicity", dropZero: true, dropSuffix: "族"},
		{id: "marital"},
		{id: "education"},
		{id: "political", dropZero: true},
		{id: "deregistration"},
		{id: "registration"},
		{id: "residence_status"},
		{id: "residence_flag"},
	}
	tables := make([]Table, 0, len(specs))
	for _, sp := range specs {
		name := "tables/" + sp.id + ".csv"
		data, err := files.ReadFile(name)
		if err == nil {
			var t Table
			t, err = parse(sp, data)
			tables = append(tables, t)
		}
		if err != nil {
			panic(fmt.Sprintf("codes: %s: %v", name, err))
		}
	}
	return tables
})

func table(id string) Table {
	i := slices.IndexFunc(loaded(), func(t Table) bool { return t.ID == id })
	return loaded()[i]
}

// All returns every table: Relation, RelationGroup, Ethnicity, Marital, Education,
// Political, Deregistration, Registration, ResidenceStatus, ResidenceFlag.
func All() []Table { return slices.Clone(loaded()) }

// Relation is 与户主关系 by the two-digit codes of GB/T 4761-2008 家庭关系代码, with the
// legacy 03 小集体户户主 as a code of its own and 98 保姆 read as 99 非亲属.
func Relation() Table { return table("relation") }

// RelationGroup is GB/T 4761-2008's one-digit codes, the groups of the two-digit ones
// (see RelationGroupOf).
func RelationGroup() Table { return table("relation_group") }

// Ethnicity is 民族 by GB/T 3304-1991, with its letter codes and the legacy names
// 崩龙族 and 毛难族.
func Ethnicity() Table { return table("ethnicity") }

// Marital is 婚姻状况 by GB/T 2261.2-2003.
func Marital() Table { return table("marital") }

// Education is 学历 by GB/T 4658-2006 (see EducationGroupOf for a worker's six groups).
func Education() Table { return table("education") }

// Political is 政治面貌 by GB/T 4762-1984; 党员 is 01, and 02 预备党员 is distinct.
func Political() Table { return table("political") }

// Deregistration is why a person leaves the register (注销类别) by GA/T 2000.25-2014:
// 1 死亡, 2 失踪, 3 迁出(离开)本地, and shequ's 9 其他, marked Local because the
// standard's code for 其他 was not retrieved.
func Deregistration() Table { return table("deregistration") }

// Registration is why a person joins the register (登记原因): 1 出生, 2 迁入, 9 其他, a
// local table.
func Registration() Table { return table("registration") }

// ResidenceStatus is 人户状态, whether a person lives where they are registered:
// 1 人户一致, 2 人在户不在, 3 户在人不在. No national list was found; these are the
// values real systems use (see ResidenceStatusOf).
func ResidenceStatus() Table { return table("residence_status") }

// ResidenceFlag is GB/T 31000-2015's 人户一致标识, the two-value form of ResidenceStatus
// that data exchange uses: 01 一致, 02 不一致 (see ResidenceFlagOf).
func ResidenceFlag() Table { return table("residence_flag") }
