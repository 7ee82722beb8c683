package codes

// IsHead reports whether a relation code names the head of a 户: 02 户主 as 户籍 records
// it, 01 本人 as personnel files and some grid platforms write the head, and the legacy
// 03 小集体户户主, the head of a collective 户.
func IsHead(code string) bool {
	return code == "01" || code == "02" || code == "03"
}

// RelationGroupOf returns the one-digit group of a two-digit relation code: the code's
// first digit, except that 90–99 are in 8 其他, where the one-digit table ends while
// the two-digit 其他 runs on from 80 to 99.
func RelationGroupOf(code string) (Entry, bool) {
	if _, ok := Relation().ByCode(code); !ok {
		return Entry{}, false
	}
	digit := code[:1]
	if digit == "9" {
		digit = "8"
	}
	return RelationGroup().ByCode(digit)
}

// The coarse relations to the head (Kin): the seven values shequ stored before it
// kept GB/T 4761 codes, which API clients still read and write as relation, and the
// two the codes let it tell apart, grandparent (6x) and non_relative (99), which
// before fell into other.
const (
	KinHead        = "head"
	KinSpouse      = "spouse"
	KinChild       = "child"
	KinGrandchild  = "grandchild"
	KinParent      = "parent"
	KinGrandparent = "grandparent"
	KinSibling     = "sibling"
	KinOther       = "other"
	KinNonRelative = "non_relative"
)

// Kins returns the coarse relations, nearest first.
func Kins() []string {
	return []string{KinHead, KinSpouse, KinChild, KinGrandchild, KinParent, KinGrandparent, KinSibling, KinOther, KinNonRelative}
}

// KinOf returns the coarse relation of a relation code. It follows the first digit,
// so in-laws go with their group as the standard puts them (28 女婿 is a child, 53 公公
// a parent, 72 嫂 a sibling); 80–97 are other relatives and 99 a non-relative.
func KinOf(code string) (string, bool) {
	if _, ok := Relation().ByCode(code); !ok {
		return "", false
	}
	if IsHead(code) {
		return KinHead, true
	}
	if code == "99" {
		return KinNonRelative, true
	}
	switch code[0] {
	case '1':
		return KinSpouse, true
	case '2', '3':
		return KinChild, true
	case '4':
		return KinGrandchild, true
	case '5':
		return KinParent, true
	case '6':
		return KinGrandparent, true
	case '7':
		return KinSibling, true
	}
	return KinOther, true
}

// RelationOfKin returns the relation code a coarse relation becomes, for migrating
// the register and for clients that still write relation: the group's own code (02
// 户主, 10 配偶, 40, 50, 60, 70, 80 其他, 99 非亲属). A child becomes 20 子, or 30 女
// when female is true: the coarse value does not say which, but the ID number does.
// KinOf gives the kin back.
func RelationOfKin(kin string, female bool) (string, bool) {
	switch kin {
	case KinHead:
		return "02", true
	case KinSpouse:
		return "10", true
	case KinChild:
		if female {
			return "30", true
		}
		return "20", true
	case KinGrandchild:
		return "40", true
	case KinParent:
		return "50", true
	case KinGrandparent:
		return "60", true
	case KinSibling:
		return "70", true
	case KinOther:
		return "80", true
	case KinNonRelative:
		return "99", true
	}
	return "", false
}
