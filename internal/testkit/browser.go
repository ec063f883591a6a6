package testkit

import (
	"os"
	"os/exec"
	"testing"
)

// Browser returns the Chromium a browser test drives, or skips the test
// saying why: PARLEY_REQUIRE_BROWSER=1 makes a missing browser a failure,
// as CI wants, and -short skips it unless required.
func Browser(t *testing.T) string {
	t.Helper()
	required := os.Getenv("PARLEY_REQUIRE_BROWSER") == "1"
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
