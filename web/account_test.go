package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/web"
)

// TestBrowserChangePassword drives a real browser through a password
// change: sign in, follow Password in the header, fill in the form and
// submit it. The browser stays signed in with the cookie signed anew, and
// the old password no longer signs in. It catches what the HTTP test
// cannot: a form a browser will not submit, a same-origin POST the
// cross-origin protection refuses, a re-issued cookie the browser drops.
func TestBrowserChangePassword(t *testing.T) {
	testkit.Browser(t) // skips here, before the fixture is built
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)

	bctx := testkit.BrowserContext(t, 90*time.Second)

	const fresh = "a new password for ua"
	err := chromedp.Do(bctx,
		chromedp.Navigate(f.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), ua.Login),
		chromedp.SendKeys(chromedp.ID("password"), ua.Password),
		chromedp.Click(chromedp.CSS(`form.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who .name`)),
		chromedp.Click(chromedp.CSS(`header .who a[href="/account/password"]`)),
		chromedp.WaitVisible(chromedp.ID("current_password")),
		chromedp.SendKeys(chromedp.ID("current_password"), ua.Password),
		chromedp.SendKeys(chromedp.ID("password"), fresh),
		chromedp.SendKeys(chromedp.ID("confirm"), fresh),
		chromedp.Click(chromedp.CSS(`form.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`main p[role=status]`)),
	)
	if err != nil {
		t.Fatalf("changing the password in the browser: %v", err)
	}
	done, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main p[role=status]`)))
	if err != nil || !strings.Contains(done, "Your password has been changed") {
		t.Errorf("after the change the page says %q (%v)", done, err)
	}
	err = chromedp.Do(bctx,
		chromedp.Navigate(f.ts.URL+"/rounds"),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if who, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`header .who`))); err != nil || !strings.Contains(who, "Sign out") {
		t.Errorf("the browser that changed the password is no longer signed in: the header says %q (%v)", who, err)
	}
	if res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil); res.status != http.StatusUnauthorized {
		t.Errorf("the old password: status %d, want 401", res.status)
	}
	f.signIn(t, scenario.Login{Login: ua.Login, Password: fresh})
}
