package web

import (
	"fmt"
	"html/template"
	"strings"

	"shequ/internal/platform/i18n"
)

// Series is one set of values of a column chart, in the order of its labels.
type Series struct {
	Label  string
	Values []int
}

// The column chart's geometry, in SVG user units, as the bar chart's: 320 wide.
const (
	columnLegend = 24  // the legend's row
	columnPlot   = 120 // the columns' height at the largest value
	columnLabels = 18  // the labels' row under the columns
	columnMax    = 14  // the widest a column gets
	columnFont   = 11
	// columnLabelsShown is how many labels fit under the columns; with more
	// groups, every second (or third…) is written.
	columnLabelsShown = 8
)

// columnChart draws a series over time as an inline SVG column chart: a group of
// columns per label (a month), one column per series side by side (reported and
// closed), a legend above and the labels below. It needs no script. Screen
// readers get the title and every value from aria-label; the page shows the
// figures in a table beside it too. No labels or series, no chart.
func columnChart(b *i18n.Bundle, lang, title string, labels []string, series []Series) template.HTML {
	if len(labels) == 0 || len(series) == 0 {
		return ""
	}
	top := 0
	var items []string
	for i, l := range labels {
		for _, s := range series {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			top = max(top, v)
			n, _ := fmtInt(v)
			items = append(items, b.T(lang, "chart.item", "label", l+" "+s.Label, "value", n))
		}
	}
	summary := b.T(lang, "chart.summary", "title", title, "items", strings.Join(items, b.T(lang, "chart.separator")))

	esc := template.HTMLEscapeString
	var s strings.Builder
	base := columnLegend + columnPlot
	fmt.Fprintf(&s, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		chartWidth, base+columnLabels, esc(summary))
	fmt.Fprintf(&s, `<title>%s</title>`, esc(title))
	x := 0.0
	for k, se := range series {
		fmt.Fprintf(&s, `<rect class="chart-bar chart-series-%d" x="%.1f" y="4" width="10" height="10"></rect>`+
			`<text class="chart-label" x="%.1f" y="13" font-size="%d">%s</text>`, k, x, x+14, columnFont+1, esc(se.Label))
		x += 14 + labelEms(se.Label)*float64(columnFont+1) + 12
	}
	fmt.Fprintf(&s, `<line class="chart-axis" x1="0" y1="%d" x2="%d" y2="%d"></line>`, base, chartWidth, base)
	if top > 0 {
		n, _ := fmtInt(top)
		fmt.Fprintf(&s, `<line class="chart-grid" x1="0" y1="%d" x2="%d" y2="%d"></line>`+
			`<text class="chart-value" x="%d" y="%d" font-size="%d" text-anchor="end">%s</text>`,
			columnLegend, chartWidth, columnLegend, chartWidth, columnLegend-3, columnFont, esc(n))
	}
	group := float64(chartWidth) / float64(len(labels))
	width := min(group*0.8/float64(len(series)), columnMax)
	every := (len(labels) + columnLabelsShown - 1) / columnLabelsShown
	for i, l := range labels {
		left := float64(i)*group + (group-width*float64(len(series)))/2
		for k, se := range series {
			v := 0
			if i < len(se.Values) {
				v = se.Values[i]
			}
			h := 0.0
			if top > 0 && v > 0 {
				// A column too short to see would read as zero.
				h = max(float64(v)/float64(top)*columnPlot, 2)
			}
			fmt.Fprintf(&s, `<rect class="chart-bar chart-series-%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f"></rect>`,
				k, left+float64(k)*width, float64(base)-h, width, h)
		}
		if i%every == 0 {
			fmt.Fprintf(&s, `<text class="chart-label" x="%.1f" y="%d" font-size="%d" text-anchor="middle">%s</text>`,
				float64(i)*group+group/2, base+columnLabels-4, columnFont, esc(l))
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// labelEms is how many ems label takes, reckoning a Chinese character a full em
// and anything else about half of one.
func labelEms(label string) float64 {
	total := 0.0
	for _, r := range label {
		total += emWidth(r)
	}
	return total
}

func emWidth(r rune) float64 {
	if r >= 0x2E80 { // CJK and full-width punctuation
		return 1
	}
	return 0.55
}
