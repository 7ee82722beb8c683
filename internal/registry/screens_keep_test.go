package registry_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// TestDictionaryAndBuildingPages_OnAPhone keeps the 流入原因 dictionary as a
// district's civil-affairs officer on a 390 px phone — adds an entry, is told what
// is wrong with a bad one, retires one after confirming on its own page — and a
// building's 层数, 单元数 and 建筑面积 as a community's worker: the form refuses an
// area of three decimals beside its field, then saves. No page scrolls sideways.
// With SHEQU_SCREENSHOTS=DIR it leaves a screenshot of each in DIR. It runs on both
// databases, and is skipped without Chromium.
func TestDictionaryAndBuildingPages_OnAPhone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newPagesWorld(t, d)
		type css = chromedp.CSS
		submit := chromedp.Click(css(`form.panel button[type="submit"]`), chromedp.NodeVisible)

		ph := newPhoneAs(t, w, district)
		ph.open("dictionary", "/dictionaries/inflow_reason")
		ph.mustSee("流入原因字典", "01 务工", "99 其他", "在用", "添加字典项")
		ph.do(chromedp.SendKeys(css("#f-code"), "0 6"), chromedp.SendKeys(css("#f-entry_name"), "投资兴业"), submit,
			chromedp.WaitVisible(css("#form-error")))
		ph.mustSee("代码：应为 1 到 10 位字母或数字")
		ph.shot("dictionary-errors")
		ph.do(chromedp.SetValue(css("#f-code"), "06"), chromedp.SendKeys(css("#f-entry_name_en"), "Investment"), submit,
			chromedp.WaitVisible(css("#done")))
		ph.mustSee("已添加字典项", "06 投资兴业", "Investment", "共 7 项")
		ph.shot("dictionary-added")
		ph.do(chromedp.Click(css(`a[href="/dictionaries/inflow_reason/05/retire"]`), chromedp.NodeVisible),
			chromedp.WaitVisible(css("#retire-note")))
		ph.mustSee("停用字典项 · 随迁家属", "保留该流入原因", "确认停用")
		ph.shot("dictionary-retire")
		ph.do(chromedp.Click(css("#retire-confirm"), chromedp.NodeVisible), chromedp.WaitVisible(css("#done")))
		ph.mustSee("已停用该字典项", "2026-11-27 停用")
		ph.shot("dictionary-retired")

		ph = newPhone(t, w)
		ph.open("building", "/households/"+w.hA.ID)
		ph.do(chromedp.Click(css("#household-building"), chromedp.NodeVisible), chromedp.WaitVisible(css("#building-edit")))
		ph.mustSee("3栋", "现有 1 户", "未登记")
		ph.shot("building")
		ph.do(chromedp.Click(css("#building-edit"), chromedp.NodeVisible), chromedp.WaitVisible(css("#f-floors")))
		ph.do(chromedp.SendKeys(css("#f-floors"), "6"), chromedp.SendKeys(css("#f-units"), "2"),
			chromedp.SendKeys(css("#f-floor_area"), "1234.505"), submit, chromedp.WaitVisible(css("#form-error")))
		ph.mustSee("建筑面积（平方米）：最多保留两位小数")
		ph.shot("building-form-errors")
		ph.do(chromedp.SetValue(css("#f-floor_area"), "1234.5"), submit, chromedp.WaitVisible(css("#done")))
		ph.mustSee("楼栋信息已保存", "6 层", "2 个单元", "1234.50 平方米")
		ph.shot("building-saved")
	})
}
