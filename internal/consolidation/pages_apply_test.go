package consolidation_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

func TestPages_ApplyingAPlanNeedsTheConfirmationThenShowsWhatWasDone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, tok, ids := cityWithPlans(t, d)
		path := "/plans/" + ids[0] + "/apply"
		for _, c := range []struct{ lang, title string }{{"zh-CN", "实施调整方案"}, {"en", "Apply the plan"}} {
			w := ask(srv, tok, c.lang, http.MethodGet, path, nil)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), c.title) {
				t.Fatalf("%s form: %d %.400s", c.lang, w.Code, w.Body.String())
			}
		}
		form := ask(srv, tok, "zh-CN", http.MethodGet, path, nil).Body.String()
		all := url.Values{"on": {"2026-03-01"}}
		for _, m := range regexp.MustCompile(`name="(c\d+)"`).FindAllStringSubmatch(form, -1) {
			all.Set(m[1], "1")
		}
		for _, m := range regexp.MustCompile(`name="(name\d+)"`).FindAllStringSubmatch(form, -1) {
			all.Set(m[1], "新社区"+m[1][4:])
		}
		if len(all) < 2 {
			t.Fatalf("no proposal to tick: %.600s", form)
		}
		w := ask(srv, tok, "zh-CN", http.MethodPost, path, all)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "请勾选确认后再实施") {
			t.Fatalf("without the confirmation: %d %.400s", w.Code, w.Body.String())
		}
		all.Set("confirm", "1")
		w = ask(srv, tok, "zh-CN", http.MethodPost, path, all)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "已实施，自 2026-03-01 起生效") {
			t.Fatalf("applied: %d %.2000s", w.Code, w.Body.String())
		}
		w = ask(srv, tok, "zh-CN", http.MethodPost, path, all)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "不能重复实施") {
			t.Errorf("applied twice: %d %.400s", w.Code, w.Body.String())
		}
	})
}
