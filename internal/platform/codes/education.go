package codes

// The six education groups of a community worker, which the city's report counts
// and internal/staff keeps: 研究生, 本科, 大专, 中专, 高中, 初中及以下.
const (
	EduPostgraduate        = "postgraduate"
	EduBachelor            = "bachelor"
	EduJuniorCollege       = "junior_college"
	EduTechnicalSecondary  = "technical_secondary"
	EduSeniorHigh          = "senior_high"
	EduJuniorMiddleOrBelow = "junior_middle_or_below"
)

// EducationGroups returns the six groups, lowest first, as internal/staff lists them.
func EducationGroups() []string {
	return []string{EduJuniorMiddleOrBelow, EduSeniorHigh, EduTechnicalSecondary, EduJuniorCollege, EduBachelor, EduPostgraduate}
}

// EducationGroupOf returns the group of a GB/T 4658-2006 code, from its first digit:
// 1x 研究生, 2x 本科, 3x 大专, 4x 中专 (中等专科, 职业高中 and 技工学校 alike), 6x 高中,
// and 7x, 8x and 90 初中及以下.
func EducationGroupOf(code string) (string, bool) {
	if _, ok := Education().ByCode(code); !ok {
		return "", false
	}
	switch code[0] {
	case '1':
		return EduPostgraduate, true
	case '2':
		return EduBachelor, true
	case '3':
		return EduJuniorCollege, true
	case '4':
		return EduTechnicalSecondary, true
	case '6':
		return EduSeniorHigh, true
	}
	return EduJuniorMiddleOrBelow, true
}

// EducationOfGroup returns the code a worker's group becomes when workers migrate: the
// level's own code, which says the level and not whether it was completed (10 研究生教育,
// 20, 30, 40, 60, 70 初级中学教育). EducationGroupOf gives the group back.
func EducationOfGroup(group string) (string, bool) {
	code, ok := map[string]string{
		EduPostgraduate: "10", EduBachelor: "20", EduJuniorCollege: "30",
		EduTechnicalSecondary: "40", EduSeniorHigh: "60", EduJuniorMiddleOrBelow: "70",
	}[group]
	return code, ok
}
