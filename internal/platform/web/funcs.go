package web

import (
	"fmt"
	"html/template"
	"reflect"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/i18n"
)

// fmtInt writes an integer of any integer type with thousands separators, as the
// statistical tables of both languages do: 399839 → "399,839".
func fmtInt(n any) (string, error) {
	v := reflect.ValueOf(n)
	var s string
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s = strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s = strconv.FormatUint(v.Uint(), 10)
	default:
		return "", fmt.Errorf("fmtInt: %T is not an integer", n)
	}
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String(), nil
}

// fmtDate writes a date as YYYY-MM-DD in both languages: short enough for a phone,
// and the form officials write and sort by. It takes a time.Time, a *time.Time or
// a string already in that form; the zero time and nil are "". Dates are stored as
// UTC midnights, so no time zone is applied.
func fmtDate(d any) (string, error) {
	switch d := d.(type) {
	case time.Time:
		if d.IsZero() {
			return "", nil
		}
		return d.Format(time.DateOnly), nil
	case *time.Time:
		if d == nil {
			return "", nil
		}
		return fmtDate(*d)
	case string:
		return d, nil
	}
	return "", fmt.Errorf("fmtDate: %T is not a date", d)
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value int
}

// The chart's geometry, in SVG user units. The chart scales to its box's width, and
// 320 units is about a phone's width in CSS pixels, so its text stays readable there.
const (
	chartWidth    = 320
	chartRow      = 44 // label line above, bar below
	chartBar      = 14
	chartValueGap = 6
	chartValueMax = 56 // room right of the longest bar for its value
	chartFontSize = 14
)

// barChart draws bars as an inline SVG horizontal bar chart: each row has its label
// on a line of its own (community names are long, phones narrow) and the bar with
// its value below. It needs no script. Screen readers get the title and every value
// from aria-label, as role="img" hides the drawing's own text. No bars, no chart:
// the page shows its empty state instead.
func barChart(b *i18n.Bundle, lang, title string, bars []Bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	top := 0
	for _, bar := range bars {
		top = max(top, bar.Value)
	}
	items := make([]string, len(bars))
	for i, bar := range bars {
		v, _ := fmtInt(bar.Value)
		items[i] = b.T(lang, "chart.item", "label", bar.Label, "value", v)
	}
	summary := b.T(lang, "chart.summary", "title", title, "items", strings.Join(items, b.T(lang, "chart.separator")))

	esc := template.HTMLEscapeString
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		chartWidth, len(bars)*chartRow, esc(summary))
	fmt.Fprintf(&s, `<title>%s</title>`, esc(title))
	for i, bar := range bars {
		y := i * chartRow
		width := 0.0
		if top > 0 && bar.Value > 0 {
			// A bar too short to see would read as zero.
			width = max(float64(bar.Value)/float64(top)*(chartWidth-chartValueMax), 2)
		}
		v, _ := fmtInt(bar.Value)
		fmt.Fprintf(&s, `<g class="chart-row">`+
			`<text class="chart-label" x="0" y="%d" font-size="%d">%s</text>`+
			`<rect class="chart-bar" x="0" y="%d" width="%.1f" height="%d" rx="2"></rect>`+
			`<text class="chart-value" x="%.1f" y="%d" font-size="%d">%s</text></g>`,
			y+chartFontSize+2, chartFontSize, esc(fitLabel(bar.Label)),
			y+chartFontSize+8, width, chartBar,
			width+chartValueGap, y+chartFontSize+8+chartBar-2, chartFontSize-1, esc(v))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// fitLabel shortens a label that would run off the chart, reckoning a Chinese
// character a full em and anything else about half of one; the full label stays in
// the chart's aria-label.
func fitLabel(label string) string {
	const maxEms = chartWidth / chartFontSize
	if labelEms(label) <= maxEms {
		return label
	}
	ems := 0.0
	for i, r := range label {
		if ems+emWidth(r) > maxEms-1 {
			return label[:i] + "…"
		}
		ems += emWidth(r)
	}
	return label
}
