package workflow

import (
	"strconv"
	"strings"
)

// ETag is the entity tag of an instance at a version, for the ETag header of the
// page or API answer that shows it: the version in quotes, "3".
func ETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// IfMatch reads the version an If-Match header names, for Take's ifMatch: 0 when
// there is no header, or "*", which names no version and so cannot tell a step
// decided on what the user saw from one that undoes another's (Take answers 428);
// -1 when it names something that is no version of ours, a weak tag or a list,
// which never matches (Take answers 412, as RFC 9110 has it).
func IfMatch(header string) int {
	h := strings.TrimSpace(header)
	if h == "" || h == "*" {
		return 0
	}
	inner, ok := strings.CutPrefix(h, `"`)
	if !ok {
		return -1
	}
	inner, ok = strings.CutSuffix(inner, `"`)
	if !ok {
		return -1
	}
	v, err := strconv.Atoi(inner)
	if err != nil || v < 1 || inner != strconv.Itoa(v) {
		return -1
	}
	return v
}
