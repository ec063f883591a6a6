package negotiationweb_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/talks"
)

// tab is a browser tab that reads clauses' stages.
type tab struct{ *testkit.Tab }

// stage opens the clause's page and returns the stage its heading shows
// and the text of the page.
func (b *tab) stage(clause string) (string, string) {
	b.T.Helper()
	status, text := b.Open("/clauses/" + clause)
	if status != 200 {
		b.T.Fatalf("/clauses/%s (as %s): status %d\n%s", clause, b.Who, status, text)
	}
	st, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`main h1 .status`)))
	if err != nil {
		b.T.Fatal(err)
	}
	return st, text
}

// wantStage checks that the clause's page shows it at stage, and that the
// page says each of also.
func (b *tab) wantStage(clause, when, stage string, also ...string) {
	b.T.Helper()
	got, text := b.stage(clause)
	if got != stage {
		b.T.Fatalf("%s, the clause's page shows it %q to %s; want %q\n%s", when, got, b.Who, stage, text)
	}
	for _, want := range also {
		if !strings.Contains(text, want) {
			b.T.Errorf("%s, the clause's page lacks %q:\n%s", when, want, text)
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
	b := &tab{&testkit.Tab{T: t, Ctx: bctx, URL: s.ts.URL, Demo: s.demo, Logs: s.logs}}
	start := time.Now()

	// The mediator: a negotiating text whose clauses every party and the
	// mediator approve (the approvers left empty), and a clause in it
	// with Russia's alternative in brackets.
	b.SignIn("us-mediator")
	textID := b.Create("/k/texts/new", "texts",
		chromedp.SendKeys(chromedp.ID("f-title"), "Air defence annex (browser walk)"),
	)
	const wording = "The parties implement in full the air defence arrangements agreed in Davos."
	const bracket = "The arrangements agreed in Davos are implemented once the ceasefire holds."
	clause := b.Create("/k/clauses/new?parent="+url.QueryEscape(textID), "clauses",
		chromedp.SetValue(chromedp.ID("f-aspect_id"), airDefence.ID),
		chromedp.SendKeys(chromedp.ID("f-article"), "Article 6"),
		chromedp.SendKeys(chromedp.ID("f-number"), "6.1"),
		chromedp.SendKeys(chromedp.ID("f-title"), "Air defence"),
		chromedp.SendKeys(chromedp.ID("f-text"), wording),
		chromedp.SetValue(chromedp.ID("f-alternatives-0-party_id"), "ru"),
		chromedp.SendKeys(chromedp.ID("f-alternatives-0-text"), bracket),
	)
	b.wantStage(clause, "with Russia's alternative", "bracketed", wording, "[Russia: "+bracket+"]", "open brackets proposed by ru")
	if _, text := b.Open("/text"); !strings.Contains(text, "Air defence annex (browser walk)") || !strings.Contains(text, "6.1 Air defence") {
		t.Errorf("the negotiating text page lacks the new text or its clause:\n%s", text)
	}

	// The alternative is dropped: the clause is a draft, in a second
	// version. The edit form carries the version it was read at.
	b.Run("opening the clause's edit form", chromedp.Navigate(s.ts.URL+"/k/clauses/"+clause+"/edit"), chromedp.WaitVisible(chromedp.CSS(`form.kform`)))
	basedOn, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS(`input[name=based_on]`)))
	if err != nil || basedOn == "" {
		t.Fatalf("the clause's edit form has no based_on (%v)", err)
	}
	status, at := b.Submit("/k/clauses/"+clause+"/edit",
		chromedp.SetValue(chromedp.ID("f-alternatives-0-party_id"), ""),
		chromedp.Clear(chromedp.ID("f-alternatives-0-text")),
	)
	if status != 200 || at != "/k/clauses/"+clause {
		t.Fatalf("editing the clause led to %s, status %d:\n%s", at, status, b.Main())
	}
	b.wantStage(clause, "with the alternative dropped", "draft", wording, "Version 2.",
		"confirmation ad referendum by the head of delegation of ru, ua")
	if _, text := b.stage(clause); strings.Contains(text, "[Russia: ") {
		t.Errorf("the clause's page still shows Russia's alternative in brackets:\n%s", text)
	}
	// An edit of the version before, as from a form opened before that
	// change, is refused, and changes nothing.
	status, _ = b.Submit("/k/clauses/"+clause+"/edit",
		chromedp.SetValue(chromedp.CSS(`input[name=based_on]`), basedOn),
		chromedp.Clear(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "A stale title"),
	)
	if status != 409 {
		t.Errorf("an edit based on version 1 of the clause got status %d; want 409 (refused as stale)\n%s", status, b.Main())
	}
	if _, text := b.stage(clause); strings.Contains(text, "A stale title") || !strings.Contains(text, "Version 2.") {
		t.Errorf("after a stale edit the clause's page shows a change:\n%s", text)
	}

	// Each head of delegation confirms it ad referendum in the plenary of
	// the first Abu Dhabi round, signed by the party's negotiator.
	b.SignIn("ua-negotiator")
	b.Upload(negotiation.KindConfirmation, "confirmations", clause, s.demo.Login(t, "ua-negotiator").SigningKey, negotiation.Confirmation{
		ClauseID: clause, PartyID: "ua", SessionID: plenary.ID, PersonID: umerov.ID, Note: "Confirmed in the plenary."})
	b.wantStage(clause, "confirmed by Ukraine's head only", "draft",
		"confirmation ad referendum by the head of delegation of ru", "Rustem Umerov confirmed version 2")
	b.SignIn("ru-negotiator")
	b.Upload(negotiation.KindConfirmation, "confirmations", clause, s.demo.Login(t, "ru-negotiator").SigningKey, negotiation.Confirmation{
		ClauseID: clause, PartyID: "ru", SessionID: plenary.ID, PersonID: kostyukov.ID})
	b.wantStage(clause, "confirmed by both heads", "agreed ad referendum",
		"Adm. Igor Kostyukov confirmed version 2", "It awaits: the report to the capitals.")

	// The mediator reports it to the capitals.
	b.SignIn("us-mediator")
	b.Create("/k/reports/new?parent="+url.QueryEscape(clause), "reports",
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
		b.SignIn(c.login)
		b.Upload(negotiation.KindApproval, "clause-approvals", clause, s.demo.Login(t, c.login).SigningKey, negotiation.Approval{
			ClauseID: clause, PartyID: c.party, Decision: negotiation.DecisionApproved, RoundID: round.ID})
		if i < 2 {
			b.wantStage(clause, "approved by "+c.party, "reported to capitals", c.waits)
		}
	}
	b.wantStage(clause, "approved by every capital", "final",
		"Ukraine's capital: approved on version 2", "Russia's capital: approved on version 2", "United States's capital: approved on version 2")

	// Russia's negotiator sees the clause final, and of Ukraine's
	// positions only what Ukraine consented to relay to Russia.
	b.SignIn("ru-negotiator")
	b.wantStage(clause, "as Russia reads it", "final")
	if _, text := b.Open("/readiness"); !strings.Contains(text, "Air defence annex (browser walk): 1 of 1 clauses final") {
		t.Errorf("the readiness page does not show the new text final:\n%s", text)
	}
	b.Run("making Moscow's brief", chromedp.Navigate(s.ts.URL+"/briefs"))
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`form[action="/briefs"] button[type=submit]`))); err != nil {
		t.Fatalf("making Moscow's brief: %v", err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if text := b.Main(); !strings.Contains(loc, "/briefs/") || !strings.Contains(text, "Brief for Russia") || !strings.Contains(text, "Clause 6.1 Air defence: final") {
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
		status, text := b.Open(path)
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
	b.Open("/positions")
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
		status, text := b.Open(path)
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
	b.SignIn("ua-negotiator")
	_, text := b.Open("/positions")
	for _, own := range unrelayed {
		if !strings.Contains(text, own) {
			t.Errorf("/positions does not show Ukraine's negotiator %q, of Ukraine's own positions", own)
		}
	}
	t.Logf("the walk took %v in the browser", time.Since(start).Round(time.Millisecond))
}
