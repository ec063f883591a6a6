package negotiationweb_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/talks"
)

// tab is one browser tab on the site, driven as a person would: by
// following the forms, one signed-in person at a time.
type tab struct {
	t    *testing.T
	ctx  context.Context
	s    *site
	who  string
	temp string
}

// run runs the actions, and fails the test, saying what it was doing, on
// an error.
func (b *tab) run(doing string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s (as %s): %v", doing, b.who, err)
	}
}

// signIn signs in with the login form as the demo login named login,
// after signing out whoever was signed in.
func (b *tab) signIn(login string) {
	b.t.Helper()
	if b.who != "" {
		if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(`header .who form button[type=submit]`))); err != nil {
			b.t.Fatalf("signing out as %s: %v", b.who, err)
		}
		b.who = ""
	}
	l := b.s.demo.Login(b.t, login)
	b.run("signing in as "+login,
		chromedp.Navigate(b.s.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), l.Login),
		chromedp.SendKeys(chromedp.ID("password"), l.Password),
		chromedp.Click(chromedp.CSS(`form.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who .name`)),
	)
	name, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`header .who .name`)))
	if err != nil || name != l.Name {
		b.t.Fatalf("after signing in as %s the header names %q (%v); want %q", login, name, err, l.Name)
	}
	b.who = login
}

// open opens path and returns its status and the text of its main
// element.
func (b *tab) open(path string) (int64, string) {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.s.ts.URL+path))
	if err != nil {
		b.t.Fatalf("opening %s (as %s): %v", path, b.who, err)
	}
	return res.Status, b.main()
}

// main returns the text of the page's main element as the browser
// renders it.
func (b *tab) main() string {
	b.t.Helper()
	text, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		b.t.Fatalf("reading the page (as %s): %v", b.who, err)
	}
	return text
}

// submit opens the form at path, fills it in with fill, submits it, and
// returns the status of the page the browser lands on, after redirects,
// and its path.
func (b *tab) submit(path string, fill ...chromedp.Action[chromedp.Void]) (int64, string) {
	b.t.Helper()
	b.run("opening the form "+path, chromedp.Navigate(b.s.ts.URL+path), chromedp.WaitVisible(chromedp.CSS(`form.kform`)))
	b.run("filling in the form "+path, fill...)
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(`form.kform button[type=submit]`)))
	if err != nil {
		b.t.Fatalf("submitting the form %s (as %s): %v", path, b.who, err)
	}
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.Status, u.Path
}

// create submits the form at path and returns the id of what it made,
// from the page the browser was sent to, /k/<collection>/<id>.
func (b *tab) create(path, collection string, fill ...chromedp.Action[chromedp.Void]) string {
	b.t.Helper()
	status, at := b.submit(path, fill...)
	id, ok := strings.CutPrefix(at, "/k/"+collection+"/")
	if status != 200 || !ok || id == "" || id == "new" || strings.Contains(id, "/") {
		b.t.Fatalf("submitting %s (as %s) led to %s, status %d; want the new record's page:\n%s\n%s", path, b.who, at, status, b.main(), b.s.logs)
	}
	return id
}

// upload signs body as the signed-in person with key, as `parley sign`
// does, and uploads the signed file with the generic form of the kind's
// collection for parent, as a person does with the file parley sign
// wrote. It returns the id of the record made.
func (b *tab) upload(kind, collection, parent, key string, body any) string {
	b.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := b.s.demo.Principal(b.t, b.who)
	signed := testkit.Signed(b.t, b.s.demo.Service, p, key, kind, raw)
	file := filepath.Join(b.temp, b.who+"-"+collection+".json")
	if err := os.WriteFile(file, signed, 0o600); err != nil {
		b.t.Fatal(err)
	}
	return b.create("/k/"+collection+"/new?parent="+url.QueryEscape(parent), collection,
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{file}))
}

// stage opens the clause's page and returns the stage its heading shows
// and the text of the page.
func (b *tab) stage(clause string) (string, string) {
	b.t.Helper()
	status, text := b.open("/clauses/" + clause)
	if status != 200 {
		b.t.Fatalf("/clauses/%s (as %s): status %d\n%s", clause, b.who, status, text)
	}
	st, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`main h1 .status`)))
	if err != nil {
		b.t.Fatal(err)
	}
	return st, text
}

// wantStage checks that the clause's page shows it at stage, and that the
// page says each of also.
func (b *tab) wantStage(clause, when, stage string, also ...string) {
	b.t.Helper()
	got, text := b.stage(clause)
	if got != stage {
		b.t.Fatalf("%s, the clause's page shows it %q to %s; want %q\n%s", when, got, b.who, stage, text)
	}
	for _, want := range also {
		if !strings.Contains(text, want) {
			b.t.Errorf("%s, the clause's page lacks %q:\n%s", when, want, text)
		}
	}
}

// TestBrowserClauseToFinal walks one clause from draft to final in a real
// browser, each step by the person whose step it is, through the UI's own
// forms: the mediator makes a negotiating text and a clause in it with a
// bracketed alternative, then edits the alternative out (and a stale edit
// is refused); the head of each party's delegation confirms it ad
// referendum in the plenary of the first Abu Dhabi round, each negotiator
// uploading the confirmation signed with its own key; the mediator records
// the report to the capitals; and each approving capital uploads its
// signed approval. The clause's page shows each stage in turn, and the
// last approval makes it final.
//
// Then Russia's negotiator reads every page that shows positions, the
// text or the briefs, a brief made for Moscow there and then among them:
// Ukraine's positions appear on none of them except the words Ukraine
// consented to relay to Russia, which /positions shows among what Russia
// received, and Ukraine's position pages and records are not found.
// Ukraine's negotiator, signed in last, reads on /positions the very words
// Russia's never saw, so that their absence is not a typo's.
//
// The clause is in a text of its own, so that the demo's text, its
// all-or-nothing package and its sequencing rules, do not hold it back;
// its aspect (air defence) is one that no sequencing rule names.
func TestBrowserClauseToFinal(t *testing.T) {
	testkit.Browser(t) // skips here, before the site is built
	s := newSite(t)

	// What the forms refer to, read as the people who refer to it.
	us := s.as(t, "us-mediator")
	round := find(t, "rounds named Abu Dhabi, first trilateral round", load[talks.Round](t, s, us, talks.KindRound),
		func(r *talks.Round) bool { return r.Name == "Abu Dhabi, first trilateral round" })
	plenary := find(t, "plenary sessions of the first Abu Dhabi round", load[talks.Session](t, s, us, talks.KindSession),
		func(x *talks.Session) bool { return x.RoundID == round.ID && x.Title == "Plenary session" })
	people := load[talks.Person](t, s, us, talks.KindPerson)
	umerov := find(t, "people named Rustem Umerov", people, func(p *talks.Person) bool { return p.Name == "Rustem Umerov" })
	kostyukov := find(t, "people named Adm. Igor Kostyukov", people, func(p *talks.Person) bool { return p.Name == "Adm. Igor Kostyukov" })
	airDefence := find(t, "aspects titled Air defence", load[talks.Aspect](t, s, us, talks.KindAspect),
		func(a *talks.Aspect) bool { return a.Title == "Air defence" })
	uaTerritory := find(t, "positions of Ukraine on territory", load[negotiation.Position](t, s, s.as(t, "ua-negotiator"), negotiation.KindPosition),
		func(p *negotiation.Position) bool {
			return p.PartyID == "ua" && strings.HasPrefix(p.Text, "Ukraine rejects any withdrawal")
		})

	bctx := testkit.BrowserContext(t, 90*time.Second)
	b := &tab{t: t, ctx: bctx, s: s, temp: t.TempDir()}
	start := time.Now()

	// The mediator: a negotiating text whose clauses every party and the
	// mediator approve (the approvers left empty), and a clause in it
	// with Russia's alternative in brackets.
	b.signIn("us-mediator")
	textID := b.create("/k/texts/new", "texts",
		chromedp.SendKeys(chromedp.ID("f-title"), "Air defence annex (browser walk)"),
	)
	const wording = "The parties implement in full the air defence arrangements agreed in Davos."
	const bracket = "The arrangements agreed in Davos are implemented once the ceasefire holds."
	clause := b.create("/k/clauses/new?parent="+url.QueryEscape(textID), "clauses",
		chromedp.SetValue(chromedp.ID("f-aspect_id"), airDefence.ID),
		chromedp.SendKeys(chromedp.ID("f-article"), "Article 6"),
		chromedp.SendKeys(chromedp.ID("f-number"), "6.1"),
		chromedp.SendKeys(chromedp.ID("f-title"), "Air defence"),
		chromedp.SendKeys(chromedp.ID("f-text"), wording),
		chromedp.SetValue(chromedp.ID("f-alternatives-0-party_id"), "ru"),
		chromedp.SendKeys(chromedp.ID("f-alternatives-0-text"), bracket),
	)
	b.wantStage(clause, "with Russia's alternative", "bracketed", wording, "[Russia: "+bracket+"]", "open brackets proposed by ru")
	if _, text := b.open("/text"); !strings.Contains(text, "Air defence annex (browser walk)") || !strings.Contains(text, "6.1 Air defence") {
		t.Errorf("the negotiating text page lacks the new text or its clause:\n%s", text)
	}

	// The alternative is dropped: the clause is a draft, in a second
	// version. The edit form carries the version it was read at.
	b.run("opening the clause's edit form", chromedp.Navigate(s.ts.URL+"/k/clauses/"+clause+"/edit"), chromedp.WaitVisible(chromedp.CSS(`form.kform`)))
	basedOn, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS(`input[name=based_on]`)))
	if err != nil || basedOn == "" {
		t.Fatalf("the clause's edit form has no based_on (%v)", err)
	}
	status, at := b.submit("/k/clauses/"+clause+"/edit",
		chromedp.SetValue(chromedp.ID("f-alternatives-0-party_id"), ""),
		chromedp.Clear(chromedp.ID("f-alternatives-0-text")),
	)
	if status != 200 || at != "/k/clauses/"+clause {
		t.Fatalf("editing the clause led to %s, status %d:\n%s", at, status, b.main())
	}
	b.wantStage(clause, "with the alternative dropped", "draft", wording, "Version 2.",
		"confirmation ad referendum by the head of delegation of ru, ua")
	if _, text := b.stage(clause); strings.Contains(text, "[Russia: ") {
		t.Errorf("the clause's page still shows Russia's alternative in brackets:\n%s", text)
	}
	// An edit of the version before, as from a form opened before that
	// change, is refused, and changes nothing.
	status, _ = b.submit("/k/clauses/"+clause+"/edit",
		chromedp.SetValue(chromedp.CSS(`input[name=based_on]`), basedOn),
		chromedp.Clear(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "A stale title"),
	)
	if status != 409 {
		t.Errorf("an edit based on version 1 of the clause got status %d; want 409 (refused as stale)\n%s", status, b.main())
	}
	if _, text := b.stage(clause); strings.Contains(text, "A stale title") || !strings.Contains(text, "Version 2.") {
		t.Errorf("after a stale edit the clause's page shows a change:\n%s", text)
	}

	// Each head of delegation confirms it ad referendum in the plenary of
	// the first Abu Dhabi round, signed by the party's negotiator.
	b.signIn("ua-negotiator")
	b.upload(negotiation.KindConfirmation, "confirmations", clause, s.demo.Login(t, "ua-negotiator").SigningKey, negotiation.Confirmation{
		ClauseID: clause, PartyID: "ua", SessionID: plenary.ID, PersonID: umerov.ID, Note: "Confirmed in the plenary."})
	b.wantStage(clause, "confirmed by Ukraine's head only", "draft",
		"confirmation ad referendum by the head of delegation of ru", "Rustem Umerov confirmed version 2")
	b.signIn("ru-negotiator")
	b.upload(negotiation.KindConfirmation, "confirmations", clause, s.demo.Login(t, "ru-negotiator").SigningKey, negotiation.Confirmation{
		ClauseID: clause, PartyID: "ru", SessionID: plenary.ID, PersonID: kostyukov.ID})
	b.wantStage(clause, "confirmed by both heads", "agreed ad referendum",
		"Adm. Igor Kostyukov confirmed version 2", "It awaits: the report to the capitals.")

	// The mediator reports it to the capitals.
	b.signIn("us-mediator")
	b.create("/k/reports/new?parent="+url.QueryEscape(clause), "reports",
		chromedp.SetValue(chromedp.ID("f-round_id"), round.ID),
		chromedp.SendKeys(chromedp.ID("f-note"), "Reported after the plenary."),
	)
	b.wantStage(clause, "reported", "reported to capitals", "Version 2 reported", "It awaits: approval by ru, ua, us.")

	// Each approving capital decides, signed with its approver's key: the
	// clause is final once the last approves.
	for i, c := range []struct{ login, party, waits string }{
		{"ua-capital", "ua", "It awaits: approval by ru, us."},
		{"ru-capital", "ru", "It awaits: approval by us."},
		{"us-capital", "us", ""},
	} {
		b.signIn(c.login)
		b.upload(negotiation.KindApproval, "clause-approvals", clause, s.demo.Login(t, c.login).SigningKey, negotiation.Approval{
			ClauseID: clause, PartyID: c.party, Decision: negotiation.DecisionApproved, RoundID: round.ID})
		if i < 2 {
			b.wantStage(clause, "approved by "+c.party, "reported to capitals", c.waits)
		}
	}
	b.wantStage(clause, "approved by every capital", "final",
		"Ukraine's capital: approved on version 2", "Russia's capital: approved on version 2", "United States's capital: approved on version 2")

	// Russia's negotiator sees the clause final, and of Ukraine's
	// positions only what Ukraine consented to relay to Russia.
	b.signIn("ru-negotiator")
	b.wantStage(clause, "as Russia reads it", "final")
	if _, text := b.open("/readiness"); !strings.Contains(text, "Air defence annex (browser walk): 1 of 1 clauses final") {
		t.Errorf("the readiness page does not show the new text final:\n%s", text)
	}
	b.run("making Moscow's brief", chromedp.Navigate(s.ts.URL+"/briefs"))
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`form[action="/briefs"] button[type=submit]`))); err != nil {
		t.Fatalf("making Moscow's brief: %v", err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if text := b.main(); !strings.Contains(loc, "/briefs/") || !strings.Contains(text, "Brief for Russia") || !strings.Contains(text, "Clause 6.1 Air defence: final") {
		t.Errorf("making the brief led to %s, which does not show Moscow's brief with the clause final:\n%s", loc, text)
	}

	// Words of Ukraine's positions (text, values, red lines) that Ukraine
	// never consented to relay to Russia.
	unrelayed := []string{
		"Ukraine rejects any withdrawal from the parts of Donetsk region it holds",
		"A line can only be drawn where the forces stand",
		"No withdrawal from the parts of Donetsk region Ukraine holds",
		"Oversight and operation of the Zaporizhzhia plant must be agreed with Ukraine",
		"A ceasefire comes first, in phased steps",
		"Ukraine does not abandon NATO membership",
		"No renunciation of NATO membership",
	}
	pages := []string{"/positions", "/text", "/readiness", "/briefs", "/clauses/" + clause, "/k/positions", "/k/relays", "/k/consents"}
	briefs := load[negotiation.Brief](t, s, s.as(t, "ru-negotiator"), negotiation.KindBrief)
	if len(briefs) < 2 {
		t.Errorf("Russia's negotiator reads %d briefs; want the demo's and the one just made", len(briefs))
	}
	for _, br := range briefs {
		pages = append(pages, "/briefs/"+br.ID)
	}
	for _, path := range pages {
		status, text := b.open(path)
		if status != 200 {
			t.Errorf("%s as Russia's negotiator: status %d\n%s", path, status, text)
		}
		for _, never := range unrelayed {
			if strings.Contains(text, never) {
				t.Errorf("%s shows Russia's negotiator %q, of a position of Ukraine that was never relayed to Russia", path, never)
			}
		}
	}
	// What Ukraine relayed to Russia is there, among what Russia received.
	b.open("/positions")
	received, err := chromedp.Run(bctx, chromedp.Evaluate[string](
		`(() => { const h = Array.from(document.querySelectorAll("main h2")).find(h => h.textContent === "Relayed to your party");
		  let out = []; for (let e = h && h.nextElementSibling; e && e.tagName !== "H2"; e = e.nextElementSibling) out.push(e.innerText);
		  return out.join("\n"); })()`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"“The electricity it produces would be shared on an equitable basis.”",
		"From Ukraine's position on Zaporizhzhia Nuclear Power Plant and its electricity, relayed with its consent.",
		"“American monitoring and control of the process of ending the war and ensuring real security.”",
	} {
		if !strings.Contains(received, want) {
			t.Errorf("/positions, under \"Relayed to your party\", lacks %q; it reads:\n%s", want, received)
		}
	}
	// Ukraine's position itself, and its record, are not found.
	for _, path := range []string{"/positions/" + uaTerritory.ID, "/k/positions/" + uaTerritory.ID, "/records/" + uaTerritory.RecordID} {
		status, text := b.open(path)
		if status != 404 {
			t.Errorf("%s, Ukraine's position on territory, as Russia's negotiator: status %d; want 404", path, status)
		}
		for _, never := range unrelayed {
			if strings.Contains(text, never) {
				t.Errorf("%s shows Russia's negotiator %q", path, never)
			}
		}
	}
	// The control: Ukraine's negotiator reads those very words on the
	// same page, so their absence above is no typo's.
	b.signIn("ua-negotiator")
	_, text := b.open("/positions")
	for _, own := range unrelayed {
		if !strings.Contains(text, own) {
			t.Errorf("/positions does not show Ukraine's negotiator %q, of Ukraine's own positions", own)
		}
	}
	t.Logf("the walk took %v in the browser", time.Since(start).Round(time.Millisecond))
}
