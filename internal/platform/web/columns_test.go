package web

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestColumnChart_IsWellFormedAccessibleSVG(t *testing.T) {
	b := bundle(t)
	labels := []string{"7月", "8月", `<script>&"x"`}
	series := []Series{{"新增", []int{3, 8, 0}}, {"结案", []int{1, 6, 2}}}
	svg := string(columnChart(b, "zh-CN", "各月案件", labels, series))

	dec := xml.NewDecoder(strings.NewReader(svg))
	var texts []string
	var heights []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "rect" {
				for _, a := range tok.Attr {
					if a.Name.Local == "height" {
						heights = append(heights, a.Value)
					}
				}
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	// A legend key per series, then a column per series and label: the largest
	// value (8) is the full height, a zero is no column at all.
	want := []string{"10", "10", "45.0", "15.0", "120.0", "90.0", "0.0", "30.0"}
	if strings.Join(heights, " ") != strings.Join(want, " ") {
		t.Errorf("rect heights %v, want %v", heights, want)
	}
	joined := strings.Join(texts, "|")
	for _, want := range []string{"各月案件", "新增", "结案", "7月", `<script>&"x"`, "8"} {
		if !strings.Contains(joined, want) {
			t.Errorf("chart text lacks %q: %s", want, joined)
		}
	}
	mustContain(t, svg, `role="img"`, `aria-label="各月案件：7月 新增 3；7月 结案 1；8月 新增 8；8月 结案 6；`)
	mustNotContain(t, svg, "<script>", " style=")

	if got := columnChart(b, "en", "Cases", nil, series); got != "" {
		t.Errorf("no labels drew %q", got)
	}
}

func TestColumnChart_WritesEveryLabelThatFits(t *testing.T) {
	labels := make([]string, 24)
	for i := range labels {
		labels[i] = "L" + string(rune('A'+i))
	}
	svg := string(columnChart(bundle(t), "en", "Two years", labels, []Series{{"Reported", make([]int, 24)}}))
	// 24 months, 8 labels fit: every third is written.
	for i, l := range labels {
		if shown := strings.Contains(svg, ">"+l+"</text>"); shown != (i%3 == 0) {
			t.Errorf("label %d shown: %v", i, shown)
		}
	}
	if strings.Contains(svg, "chart-grid") {
		t.Error("all zero, yet a line marks the largest value")
	}
}

func TestColumnChart_InAPage(t *testing.T) {
	pages := map[string]string{"months.html": `{{define "content"}}{{columnChart (t "nav.home") .Data.Labels (series "A" .Data.A) (series "B" .Data.B)}}{{end}}`}
	r, err := NewRenderer(bundle(t), mapFS(pages))
	if err != nil {
		t.Fatal(err)
	}
	data := struct {
		Labels []string
		A, B   []int
	}{[]string{"9月"}, []int{7}, []int{2}}
	body := get(pageHandler(r, "months", data, nil), "/").Body.String()
	mustContain(t, body, `<svg class="chart"`, `aria-label="首页：9月 A 7；9月 B 2"`, `class="chart-bar chart-series-1"`)
}
