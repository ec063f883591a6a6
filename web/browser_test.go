package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/web"
)

// TestBrowserRound drives a real browser through the UI as a Ukrainian
// negotiator: sign in with the form, open the first Abu Dhabi round from the
// list of rounds, and check what the page shows; then follow the round's
// record link to its record page, and open the transparency page, with a
// real log and witness behind them. It catches what the HTTP
// tests cannot: a form a browser will not submit, a cookie a browser will
// not keep or send, a same-origin POST that the cross-origin protection
// refuses because of what a browser really sends.
//
// Set PARLEY_REQUIRE_BROWSER=1 to fail instead of skipping when no browser
// is installed, PARLEY_SCREENSHOT=file.png to keep the screenshot of the
// round, and PARLEY_SCREENSHOT_DIR=dir to keep all three (round.png,
// record.png, transparency.png).
func TestBrowserRound(t *testing.T) {
	testkit.Browser(t) // skips here, before the site is built

	f, _ := newFixtureWithLog(t, web.Options{}, "ua-witness")
	ua := f.login(t, "ua", access.RoleNegotiator)

	bctx := testkit.BrowserContext(t, 90*time.Second)

	err := chromedp.Do(bctx,
		chromedp.Navigate(f.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), ua.Login),
		chromedp.SendKeys(chromedp.ID("password"), ua.Password),
		chromedp.Click(chromedp.CSS(`form.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who .name`)),
	)
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}
	who, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`header .who`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(who, ua.Name) || !strings.Contains(who, "Ukraine") {
		t.Errorf("after signing in the header says %q; want %s of Ukraine", who, ua.Name)
	}

	err = chromedp.Do(bctx,
		chromedp.Navigate(f.ts.URL+"/rounds"),
		chromedp.Click(chromedp.Search(`//a[text()="Abu Dhabi, first trilateral round"]`)),
		chromedp.WaitVisible(chromedp.CSS(`article.session`)),
	)
	if err != nil {
		t.Fatalf("opening the round: %v", err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/rounds/") {
		t.Errorf("the link led to %s", loc)
	}
	text, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Abu Dhabi, first trilateral round",
		"Plenary session", "Plenary",
		"Direct Russian-Ukrainian meeting", "Direct, without mediator", "no mediator",
		"Joint session with the US mediators", "mediator present",
		"Kyrylo Budanov",
		// Confidential to Ukraine: its negotiator sees it...
		"Prepare the delegation's internal assessment of the territory discussion for Kyiv", "ua only",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the round page lacks %q", want)
		}
	}
	// ...and never Russia's.
	for _, never := range []string{"internal assessment of the round for Moscow", "ru only", "ru + mediator"} {
		if strings.Contains(text, never) {
			t.Errorf("the round page shows %q to a Ukrainian negotiator", never)
		}
	}

	screenshot(t, bctx, "round.png", os.Getenv("PARLEY_SCREENSHOT"))

	// The round's own record, from the small link beside its title.
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`main h1 a.reclink`)),
		chromedp.WaitVisible(chromedp.CSS(`pre.canonical`)),
	)
	if err != nil {
		t.Fatalf("opening the round's record: %v", err)
	}
	text, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(text)
	if !strings.Contains(lower, "log position") && !strings.Contains(lower, "awaiting") {
		t.Errorf("the record page says nothing of the log:\n%s", text)
	}
	for _, want := range []string{"Record of a round", "Abu Dhabi, first trilateral round", "Download proof (JSON)", `"kind": "talks.round"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the record page lacks %q", want)
		}
	}
	screenshot(t, bctx, "record.png", "")

	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.Search(`//nav//a[text()="Transparency"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.witnesses`)),
	)
	if err != nil {
		t.Fatalf("opening the transparency page: %v", err)
	}
	if text, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main`))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"parley.test/log", "ua-witness", "parley verify"} {
		if !strings.Contains(text, want) {
			t.Errorf("the transparency page lacks %q", want)
		}
	}
	screenshot(t, bctx, "transparency.png", "")
}

// screenshot takes a screenshot of the whole page, and keeps it as keep, if
// set, and in $PARLEY_SCREENSHOT_DIR, if set.
func screenshot(t *testing.T, bctx context.Context, name, keep string) {
	t.Helper()
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	if keep != "" {
		files = append(files, keep)
	}
	if dir := os.Getenv("PARLEY_SCREENSHOT_DIR"); dir != "" {
		files = append(files, filepath.Join(dir, name))
	}
	for _, file := range files {
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot of %s: %d bytes", loc, len(png))
}
