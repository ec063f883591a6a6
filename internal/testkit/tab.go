package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Tab is one browser tab on a site serving the demo, driven as a person
// would: by following the forms, one signed-in person at a time.
type Tab struct {
	T   testing.TB
	Ctx context.Context
	// URL is the site's base URL; Demo the demo it serves; Logs what the
	// site logged, for failure messages.
	URL  string
	Demo *Demo
	Logs fmt.Stringer
	// Who is the login signed in, "" for none.
	Who  string
	temp string
}

// Run runs the actions, and fails the test, saying what it was doing, on
// an error.
func (b *Tab) Run(doing string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	if err := chromedp.Do(b.Ctx, actions...); err != nil {
		b.T.Fatalf("%s (as %s): %v", doing, b.Who, err)
	}
}

// SignIn signs in with the login form as the demo login named login,
// after signing out whoever was signed in.
func (b *Tab) SignIn(login string) {
	b.T.Helper()
	if b.Who != "" {
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`header .who form button[type=submit]`))); err != nil {
			b.T.Fatalf("signing out as %s: %v", b.Who, err)
		}
		b.Who = ""
	}
	l := b.Demo.Login(b.T, login)
	b.Run("signing in as "+login,
		chromedp.Navigate(b.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), l.Login),
		chromedp.SendKeys(chromedp.ID("password"), l.Password),
		chromedp.Click(chromedp.CSS(`form.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who .name`)),
	)
	name, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`header .who .name`)))
	if err != nil || name != l.Name {
		b.T.Fatalf("after signing in as %s the header names %q (%v); want %q", login, name, err, l.Name)
	}
	b.Who = login
}

// Open opens path and returns its status and the text of its main
// element.
func (b *Tab) Open(path string) (int64, string) {
	b.T.Helper()
	res, err := chromedp.Run(b.Ctx, chromedp.NavigateResponse(b.URL+path))
	if err != nil {
		b.T.Fatalf("opening %s (as %s): %v", path, b.Who, err)
	}
	return res.Status, b.Main()
}

// Main returns the text of the page's main element as the browser
// renders it.
func (b *Tab) Main() string {
	b.T.Helper()
	text, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		b.T.Fatalf("reading the page (as %s): %v", b.Who, err)
	}
	return text
}

// Submit opens the form at path, fills it in with fill, submits it, and
// returns the status of the page the browser lands on, after redirects,
// and its path.
func (b *Tab) Submit(path string, fill ...chromedp.Action[chromedp.Void]) (int64, string) {
	b.T.Helper()
	b.Run("opening the form "+path, chromedp.Navigate(b.URL+path), chromedp.WaitVisible(chromedp.CSS(`form.kform`)))
	b.Run("filling in the form "+path, fill...)
	res, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form.kform button[type=submit]`)))
	if err != nil {
		b.T.Fatalf("submitting the form %s (as %s): %v", path, b.Who, err)
	}
	loc, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil {
		b.T.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.T.Fatal(err)
	}
	return res.Status, u.Path
}

// Create submits the form at path and returns the id of what it made,
// from the page the browser was sent to, /k/<collection>/<id>.
func (b *Tab) Create(path, collection string, fill ...chromedp.Action[chromedp.Void]) string {
	b.T.Helper()
	status, at := b.Submit(path, fill...)
	id, ok := strings.CutPrefix(at, "/k/"+collection+"/")
	if status != 200 || !ok || id == "" || id == "new" || strings.Contains(id, "/") {
		b.T.Fatalf("submitting %s (as %s) led to %s, status %d; want the new record's page:\n%s\n%s", path, b.Who, at, status, b.Main(), b.Logs)
	}
	return id
}

// Upload signs body as the signed-in person with key, as `parley sign`
// does, and uploads the signed file with the generic form of the kind's
// collection for parent, as a person does with the file parley sign
// wrote. It returns the id of the record made.
func (b *Tab) Upload(kind, collection, parent, key string, body any) string {
	b.T.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		b.T.Fatal(err)
	}
	p := b.Demo.Principal(b.T, b.Who)
	signed := Signed(b.T, b.Demo.Service, p, key, kind, raw)
	if b.temp == "" {
		b.temp = b.T.TempDir()
	}
	file := filepath.Join(b.temp, b.Who+"-"+collection+".json")
	if err := os.WriteFile(file, signed, 0o600); err != nil {
		b.T.Fatal(err)
	}
	return b.Create("/k/"+collection+"/new?parent="+url.QueryEscape(parent), collection,
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{file}))
}
