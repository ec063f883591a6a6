package testkit

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser returns the Chromium a browser test drives, or skips the test
// saying why: PARLEY_REQUIRE_BROWSER=1 makes a missing browser a failure,
// as CI wants, and -short skips it unless required.
func Browser(t testing.TB) string {
	t.Helper()
	required := BrowserRequired()
	exe := chromium()
	switch {
	case exe == "" && required:
		t.Fatal("PARLEY_REQUIRE_BROWSER=1, but chromium was not found (looked for /usr/bin/chromium and chromium, chromium-browser, google-chrome on PATH); install it with: apt-get install chromium")
	case exe == "":
		t.Skip("chromium was not found (looked for /usr/bin/chromium and chromium, chromium-browser, google-chrome on PATH); install it with `apt-get install chromium` to run the browser test")
	case testing.Short() && !required:
		t.Skip("skipping the browser test in -short mode")
	}
	return exe
}

// BrowserRequired reports whether the browser tests must run
// (PARLEY_REQUIRE_BROWSER=1, as CI sets), so that what they need beside
// the browser is a failure when missing, not a skip.
func BrowserRequired() bool { return os.Getenv("PARLEY_REQUIRE_BROWSER") == "1" }

// chromium returns the path of a Chromium or Chrome binary, or "".
func chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium" // Debian's package
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// BrowserContext starts a headless Chromium for a test (Browser says which,
// or skips) and returns the context that drives it. timeout bounds the
// whole test, the browser's start included: a hung browser fails the test,
// not the CI job's global timeout. The browser stops at the end of the
// test. more adds to the options every test shares.
func BrowserContext(t testing.TB, timeout time.Duration, more ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := Browser(t)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // tests often run as root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}, more...)...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	return bctx
}
