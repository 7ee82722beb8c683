// Package codes holds the national code tables a population register speaks — 与户主关系
// (GB/T 4761), 民族 (GB/T 3304), 婚姻状况 (GB/T 2261.2), 学历 (GB/T 4658), 政治面貌
// (GB/T 4762), 注销类别 (GA/T 2000.25) — and shequ's own 登记原因 and 人户状态, as CSV
// files in tables/ embedded in the binary. Each file names its standard and its source
// in its first lines; the contents come from the project's reference on national
// standards (cn-standards.md) and from nothing else. It depends only on the standard
// library.
//
// A table is read two ways. What a person or a file typed goes through Table.Lookup,
// which forgives spaces, full-width characters and the legacy values old data carries;
// what the register stored is a canonical Entry.Code, read back exactly with ByCode,
// Name and Label, and taken exactly by the helpers (IsHead, KinOf, EducationGroupOf…).
package codes
