package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowser_KeepTheTree has a street office's user, on a phone, keep one of its
// communities: an office area of three decimals is refused with everything typed
// kept, 149.5 is saved and shown as 149.50 m² below the 150 m² standard, and a grid
// is added with the code the form suggests. The community's own user is not offered
// the forms and is refused them.
//
// With SHEQU_SCREENSHOTS=DIR it leaves org-edit-phone.png, org-unit-phone.png and
// org-grid-new-phone.png in DIR.
func TestBrowser_KeepTheTree(t *testing.T) {
	app, browser := openDemo(t)
	street, community := app.login(t, "demo-street"), app.login(t, "demo-community")
	unit := "/org/" + community.org

	phone := newTab(t, browser, app, 390, 844)
	phone.login(street)
	phone.open(unit, 200)
	phone.click("#unit-edit")
	phone.mustSee("办公服务用房面积", "核定编制数")
	phone.noSidewaysScroll()
	posts := phone.attr("#org-authorized_posts", "value")
	phone.do(
		chromedp.SetValue(chromedp.CSS("#org-office_area_m2"), "149.505"),
		chromedp.SetValue(chromedp.CSS("#org-founded_year"), "2003"),
	)
	phone.load("three decimals", 400, chromedp.Click(chromedp.CSS(`.org-form button[type="submit"]`), chromedp.NodeVisible))
	phone.mustSee("办公服务用房面积：最多保留两位小数", "您填写的内容都还在")
	if got := phone.attr("#org-office_area_m2", "value"); got != "149.505" {
		t.Errorf("the refused area came back as %q", got)
	}
	if got := phone.attr("#org-founded_year", "value"); got != "2003" {
		t.Errorf("the year typed came back as %q", got)
	}
	phone.noSidewaysScroll()
	phone.shot("org-edit-phone.png")

	phone.do(chromedp.SetValue(chromedp.CSS("#org-office_area_m2"), "149.5"))
	phone.click(`.org-form button[type="submit"]`)
	if phone.path() != unit {
		t.Fatalf("after saving the browser is at %s, want %s", phone.path(), unit)
	}
	phone.mustSee("已保存", "149.50 ㎡", "低于规定标准", "每百户办公服务用房", "2003")
	if got := app.query(t, `SELECT CAST(office_area_dm2 AS TEXT) || ' ' || CAST(authorized_posts AS TEXT) FROM org_units WHERE code = $1`, community.org); got != "14950 "+posts {
		t.Errorf("stored %s, want 14950 %s", got, posts)
	}
	phone.noSidewaysScroll()
	phone.shot("org-unit-phone.png")

	phone.click("#unit-add-grid")
	suggested := phone.attr("#org-code", "value")
	if len(suggested) != 3 {
		t.Fatalf("suggested grid code %q", suggested)
	}
	phone.do(chromedp.SendKeys(chromedp.CSS("#org-name"), "新建网格"))
	phone.noSidewaysScroll()
	phone.shot("org-grid-new-phone.png")
	phone.click(`.org-form button[type="submit"]`)
	phone.mustSee("已添加网格“新建网格”")
	if !strings.Contains(phone.html(), `href="`+unit+suggested+`"`) {
		t.Errorf("the community's page does not list the grid %s", community.org+suggested)
	}

	own := newTab(t, browser, app, 0, 0)
	own.login(community)
	own.open(unit, 200)
	if own.count("#unit-edit, #unit-add-grid") != 0 {
		t.Error("the community's own user is offered the forms of org.write")
	}
	own.open(unit+"/edit", 403)
}
