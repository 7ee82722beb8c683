package sheet

import "strings"

// A CSV file has no cell types: Excel, WPS and LibreOffice read a cell that starts
// with "=", "+", "-" or "@" as a formula, and a tab or carriage return before one
// of them is skipped on the way. A value a resident, a worker or a stranger at the
// sign-in form typed — a name "=HYPERLINK(…)" — would run when a worker opens the
// export. So every CSV this package writes neutralises such a value the way OWASP's
// CSV-injection guidance says, with a leading single quote that the spreadsheet
// shows as text, and every CSV it reads takes that quote off again, so an export
// imports back as the values it was made from.
//
// A true number ("-12.5", "+86") is no formula and stays as it is, so that a
// negative amount still opens as a number. A value that itself starts with a quote
// is quoted too, so that reading back never takes off a quote the value had.

// formulaStarts are the characters that make a spreadsheet read a cell as a
// formula, and the quote that escapes them.
const formulaStarts = "=+-@\t\r'"

// needsQuote reports whether v, written to a CSV cell as it is, could be read as
// a formula — or is the quote that escapes one — once leading spaces are skipped.
func needsQuote(v string) bool {
	s := strings.TrimLeft(v, " ")
	return s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 && !isNumber(s)
}

// NeutralizeFormula returns v as a CSV cell that no spreadsheet runs as a formula.
func NeutralizeFormula(v string) string {
	if needsQuote(v) {
		return "'" + v
	}
	return v
}

// restoreFormula undoes NeutralizeFormula on a cell read from a CSV file.
func restoreFormula(c string) string {
	if rest, ok := strings.CutPrefix(c, "'"); ok && needsQuote(rest) {
		return rest
	}
	return c
}

// isNumber reports whether s is a plain decimal number, with an optional sign,
// fraction and exponent: what a spreadsheet reads as a number and nothing more.
func isNumber(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		return exp != "" && digits(exp)
	}
	return true
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
