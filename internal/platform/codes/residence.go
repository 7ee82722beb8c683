package codes

// ResidenceStatusOf derives 人户状态 from where a person is registered (户籍地) and where
// they live (现住地), each in this register's area or not, as real systems do: both
// here 1 人户一致, living here only 2 人在户不在, registered here only 3 户在人不在.
// Neither here is no one the register keeps, so there is no status.
func ResidenceStatusOf(registeredHere, livingHere bool) (string, bool) {
	switch {
	case registeredHere && livingHere:
		return "1", true
	case livingHere:
		return "2", true
	case registeredHere:
		return "3", true
	}
	return "", false
}

// ResidenceFlagOf returns GB/T 31000-2015's 人户一致标识 for a 人户状态 code, for data
// exchange: 01 一致 for 1, 02 不一致 for 2 and 3.
func ResidenceFlagOf(code string) (string, bool) {
	switch code {
	case "1":
		return "01", true
	case "2", "3":
		return "02", true
	}
	return "", false
}

// ValidRegionCode reports whether s has the shape of a GB/T 2260 行政区划代码 (户籍地,
// 现住地): six digits, province, city and county, not 000000. That is all it checks:
// the project's reference names the standard but not its codes (cn-standards.md
// §2.10), and a table is shipped only from there, never from memory; so no list of
// regions is shipped and any well-formed code is accepted.
func ValidRegionCode(s string) bool {
	if len(s) != 6 || s == "000000" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
