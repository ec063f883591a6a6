package main

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/web"
)

// TestBrowserLanguages drives Chromium through the binary's site, every
// section wired, as a reader whose browser asks for Ukrainian: the pages
// come in Ukrainian; the switch shows them in Russian, and the choice
// holds on the next page and after signing in, over the browser's
// Accept-Language; English comes back the same way. Each page is checked
// by its language attribute and by words of its own in that language.
func TestBrowserLanguages(t *testing.T) {
	testkit.Browser(t)
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	logs := new(testkit.Buffer)
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(logs, nil)), web.Options{Sections: sections()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := &testkit.Tab{T: t, Ctx: testkit.BrowserContext(t, 120*time.Second, chromedp.Flag("accept-lang", "uk-UA,uk")), URL: ts.URL, Demo: d, Logs: logs}

	page := func(doing string) (lang, nav, main string) {
		t.Helper()
		lang, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
		if err != nil {
			t.Fatalf("%s: %v", doing, err)
		}
		nav, err = chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`header nav[aria-label]`)))
		if err != nil {
			t.Fatalf("%s: %v", doing, err)
		}
		return lang, nav, b.Main()
	}
	check := func(doing, wantLang string, words ...string) {
		t.Helper()
		lang, nav, main := page(doing)
		if lang != wantLang {
			t.Errorf("%s: the page is in %q, want %q", doing, lang, wantLang)
		}
		for _, w := range words {
			if !strings.Contains(nav+"\n"+main, w) {
				t.Errorf("%s: the page does not say %q:\n%s\n%s", doing, w, nav, main)
			}
		}
	}
	click := func(doing, selector string) {
		t.Helper()
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
			t.Fatalf("%s: %v\n%s", doing, err, logs)
		}
	}

	b.Open("/")
	check("the timeline, as the browser asks", "uk", "Хронологія", "Моніторинг", "Раунди")
	click("switching to Russian", `nav.langs a[hreflang="ru"]`)
	check("the timeline after the switch", "ru", "Хронология", "Мониторинг")
	b.Open("/monitoring")
	check("the next page", "ru", "Мониторинг")
	b.SignIn("us-monitor")
	b.Open("/monitoring/articles")
	check("the articles' page, signed in", "ru", "Прочитать статью", "Издание")
	b.Open("/ceasefire")
	check("the ceasefire", "ru", "Прекращение огня")
	click("switching to English", `nav.langs a[hreflang="en"]`)
	check("the ceasefire in English", "en", "Ceasefire", "Monitoring")
	b.Open("/reconstruction")
	check("reconstruction, in English still", "en", "Reconstruction")
	click("switching to Ukrainian", `nav.langs a[hreflang="uk"]`)
	check("reconstruction in Ukrainian", "uk", "Відбудова")
}
