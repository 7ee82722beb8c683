package web

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFmtInt(t *testing.T) {
	type fen int64
	for _, tc := range []struct {
		in   any
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {399839, "399,839"}, {-142176, "-142,176"},
		{int64(1234567890), "1,234,567,890"}, {uint8(255), "255"}, {fen(107480), "107,480"},
	} {
		if got, err := fmtInt(tc.in); err != nil || got != tc.want {
			t.Errorf("fmtInt(%v) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := fmtInt("12"); err == nil {
		t.Error("fmtInt took a string")
	}
}

func TestFmtDate(t *testing.T) {
	d := time.Date(2013, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   any
		want string
	}{
		{d, "2013-06-01"}, {&d, "2013-06-01"}, {time.Time{}, ""}, {(*time.Time)(nil), ""}, {"2013-06-01", "2013-06-01"},
	} {
		if got, err := fmtDate(tc.in); err != nil || got != tc.want {
			t.Errorf("fmtDate(%v) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := fmtDate(20130601); err == nil {
		t.Error("fmtDate took an int")
	}
}

func TestBarChart_IsWellFormedAccessibleSVG(t *testing.T) {
	b := bundle(t)
	bars := []Bar{{"万秀区", 20}, {"蝶山区", 30}, {"长洲区", 14}, {`<script>&"x"`, 0}}
	svg := string(barChart(b, "zh-CN", "社区居委会数", bars))

	dec := xml.NewDecoder(strings.NewReader(svg))
	var texts []string
	rects := 0
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
				rects++
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	if rects != len(bars) {
		t.Errorf("%d bars drawn, want %d", rects, len(bars))
	}
	joined := strings.Join(texts, "|")
	for _, want := range []string{"社区居委会数", "万秀区", "30", `<script>&"x"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("chart text lacks %q: %s", want, joined)
		}
	}
	mustContain(t, svg, `role="img"`, `aria-label="社区居委会数：万秀区 20；蝶山区 30；长洲区 14；`, `width="264.0"`)
	mustNotContain(t, svg, "<script>", " style=")

	if got := barChart(b, "en", "Communities", nil); got != "" {
		t.Errorf("no bars drew %q", got)
	}
}

func TestBarChart_ShortensLabelsThatWouldRunOff(t *testing.T) {
	long := strings.Repeat("长", 30)
	if got := fitLabel(long); got != strings.Repeat("长", 21)+"…" {
		t.Errorf("fitLabel = %q", got)
	}
	for _, fits := range []string{"大学路社区居民委员会", "Wanxiu District", strings.Repeat("长", 22)} {
		if got := fitLabel(fits); got != fits {
			t.Errorf("fitLabel(%q) = %q", fits, got)
		}
	}
}

func TestBarChart_InAPage(t *testing.T) {
	pages := map[string]string{"home.html": `{{define "content"}}{{barChart (t "nav.home") .Data}}{{end}}`}
	r, err := NewRenderer(bundle(t), mapFS(pages))
	if err != nil {
		t.Fatal(err)
	}
	body := get(pageHandler(r, "home", []Bar{{"万秀区", 152}}, nil), "/").Body.String()
	mustContain(t, body, `<svg class="chart"`, `aria-label="首页：万秀区 152"`, `>万秀区</text>`)
}

func TestPager(t *testing.T) {
	p := Pager{Page: 2, HasNext: true, BaseURL: "/staff?org=450403&page=2"}
	if !p.HasPrev() {
		t.Error("page 2 has no previous")
	}
	if got, _ := p.PrevURL(); got != "/staff?org=450403" {
		t.Errorf("PrevURL = %q", got)
	}
	if got, _ := p.NextURL(); got != "/staff?org=450403&page=3" {
		t.Errorf("NextURL = %q", got)
	}
	if (Pager{Page: 1}).HasPrev() {
		t.Error("page 1 has a previous")
	}

	pages := map[string]string{"list.html": `{{define "content"}}{{template "pager" .Data}}{{end}}`}
	r, err := NewRenderer(bundle(t), mapFS(pages))
	if err != nil {
		t.Fatal(err)
	}
	body := get(pageHandler(r, "list", p, nil), "/staff?lang=en").Body.String()
	mustContain(t, body, `rel="prev" href="/staff?org=450403"`, `rel="next" href="/staff?org=450403&amp;page=3"`, "Page 2")
	body = get(pageHandler(r, "list", Pager{Page: 1, BaseURL: "/staff"}, nil), "/staff").Body.String()
	mustNotContain(t, body, `class="pager"`)
}

func TestPageNumber(t *testing.T) {
	for query, want := range map[string]int{"": 1, "?page=3": 3, "?page=0": 1, "?page=-2": 1, "?page=x": 1} {
		if got := PageNumber(httptest.NewRequest(http.MethodGet, "/staff"+query, nil)); got != want {
			t.Errorf("PageNumber(%q) = %d, want %d", query, got, want)
		}
	}
}
