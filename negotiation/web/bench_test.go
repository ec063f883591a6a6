package negotiationweb_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

// benchClauses and benchVersions size the text of the benchmarks: 500
// clauses of 20 versions each, 10,000 clause records.
const (
	benchClauses  = 500
	benchVersions = 20
)

// BenchmarkLargeText measures, on the demo with a text of 500 clauses of
// 20 versions each (spread over the agenda's aspects, a third with
// bracketed alternatives), what a negotiator waits for:
//
//   - readiness: GET /readiness, served over HTTP to a signed-in browser
//     session of the mediator;
//   - brief: a capital's brief made from the records as its party sees
//     them and committed (negotiationweb.MakeBrief);
//   - brief-pdf: GET /briefs/{id}/pdf of such a brief.
//
// Run it with
//
//	go test ./negotiation/web/ -run '^$' -bench LargeText -benchtime 10x
func BenchmarkLargeText(b *testing.B) {
	d := testkit.NewDemo(b, testkit.DemoOptions{})
	svc := d.Service
	med := d.Principal(b, "us-mediator")
	ctx := b.Context()
	es, err := svc.All(ctx, &med, talks.KindAspect, "")
	if err != nil {
		b.Fatal(err)
	}
	var aspects []string
	for _, e := range es {
		aspects = append(aspects, e.ID)
	}
	w, err := svc.Create(ctx, med, negotiation.KindText, benchJSON(negotiation.Text{Title: "Large text"}))
	if err != nil {
		b.Fatal(err)
	}
	text := w.Entity.ID
	// The clauses are written by 4 writers at once, each its own clauses'
	// versions in turn, each edit based on the version before.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := worker; i < benchClauses; i += 4 {
				c := negotiation.Clause{TextID: text, AspectID: aspects[i%len(aspects)], Number: fmt.Sprint(i + 1), Order: i,
					Title: fmt.Sprintf("Clause %d", i+1)}
				var id, based string
				for v := range benchVersions {
					c.Text = fmt.Sprintf("Version %d of clause %d: the parties agree that the measures of this article apply from the date of signature, in phased steps that the mediator verifies.", v+1, i+1)
					c.Alternatives = nil
					if i%3 == 0 {
						c.Alternatives = []negotiation.Alternative{{PartyID: "ua", Text: "As it stands."}, {PartyID: "ru", Text: fmt.Sprintf("Alternative %d.", v)}}
					}
					body := benchJSON(c)
					var w app.Written
					var err error
					if id == "" {
						w, err = svc.Create(ctx, med, negotiation.KindClause, body)
					} else {
						var m map[string]any
						json.Unmarshal(body, &m)
						m["based_on"] = based
						w, err = svc.Update(ctx, med, negotiation.KindClause, id, benchJSON(m))
					}
					if err != nil {
						errs <- err
						return
					}
					id, based = w.Entity.ID, w.Entity.RecordID
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}

	h, err := web.New(svc, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&talksweb.Section{}, &negotiationweb.Section{}}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(h)
	b.Cleanup(ts.Close)
	c := benchSignIn(b, ts.URL, d.Login(b, "us-mediator").Login, d.Login(b, "us-mediator").Password)

	b.Run("readiness", func(b *testing.B) {
		for b.Loop() {
			benchGet(b, c, ts.URL+"/readiness", fmt.Sprintf("0 of %d clauses final", benchClauses))
		}
	})
	ua := d.Principal(b, "ua-negotiator")
	var brief string
	b.Run("brief", func(b *testing.B) {
		for b.Loop() {
			w, err := negotiationweb.MakeBrief(ctx, svc, ua, "")
			if err != nil {
				b.Fatal(err)
			}
			brief = w.Entity.ID
		}
	})
	uc := benchSignIn(b, ts.URL, d.Login(b, "ua-negotiator").Login, d.Login(b, "ua-negotiator").Password)
	b.Run("brief-pdf", func(b *testing.B) {
		for b.Loop() {
			benchGet(b, uc, ts.URL+"/briefs/"+brief+"/pdf", "%PDF")
		}
	})
}

func benchJSON(v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return out
}

// benchSignIn signs in through the form and returns a client that keeps
// the session cookie.
func benchSignIn(b *testing.B, base, login, password string) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"login": {login}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign-in as %s: %d", login, res.StatusCode)
	}
	return c
}

// benchGet fetches a page and checks that it holds want.
func benchGet(b *testing.B, c *http.Client, u, want string) {
	res, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		b.Fatalf("GET %s: %d, %v; want %q in\n%.500s", u, res.StatusCode, err, want, body)
	}
}
