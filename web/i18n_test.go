package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

// TestPagesInEveryLanguage renders the kernel's pages (sign-in, password,
// the index of kinds, a list, an entity, the forms, a form refused, a
// record, the transparency log, the 404 page) in Ukrainian and Russian
// with a strict bundle: each page must be in the language, and every
// message they ask for must be in the catalogues. What the talks domain
// says of its own kinds (titles, labels, help, options, navigation) is its
// catalogue's, and is left to its tests.
func TestPagesInEveryLanguage(t *testing.T) {
	msgs, err := web.Messages([]web.Section{&talksweb.Section{}})
	if err != nil {
		t.Fatal(err)
	}
	msgs.Strict()
	f, _ := newFixtureWithLog(t, web.Options{Messages: msgs}, "ua-witness")
	med, medP := f.kfUser(t, "us", access.RoleMediator)
	ua, _ := f.kfUser(t, "ua", access.RoleNegotiator)
	approver, _ := f.kfUser(t, "ua", access.RoleApprover)
	anon := client(t)
	round := f.kfFind(t, &medP, talks.KindRound, "Abu Dhabi, second trilateral round").ID
	item := partyOnly(t, f.st, talks.KindAction, "ua")
	// The record page, once the log has published the record.
	f.poll(t, ua, "/records/"+item.RecordID, 15*time.Second, func(r response) bool { return contains(r, "covered by the checkpoint") })

	with := func(path, lang string) string {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return path + sep + "lang=" + lang
	}
	pages := []struct {
		c    *http.Client
		path string
		// want is a message the page says, in the page's language.
		want string
	}{
		{anon, "/login", "Sign in"},
		{anon, "/transparency", "Latest published checkpoint"},
		{anon, "/no/such/page", "There is nothing to show at this address."},
		{med, "/account/password", "Current password"},
		{med, "/k", "Every kind of record parley keeps, each with the entries you may see."},
		{med, "/k/rounds", "Filter the list"},
		{med, "/k/sessions?parent=" + url.QueryEscape(round), "Show all %s"},
		{med, "/k/rounds/" + url.PathEscape(round), "Latest record"},
		{med, "/k/rounds/" + url.PathEscape(round) + "/edit", "Save changes"},
		{med, "/k/sessions/new", "Who may read it"},
		{ua, "/k/delegations/new", "Empty rows are left out. To add more rows than are shown, save and change it again."},
		{approver, "/k/approvals/new", "Signed file"},
		{ua, "/records/" + item.RecordID, "In the transparency log"},
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		p := msgs.Printer(lang)
		for _, pg := range pages {
			res := f.get(t, pg.c, with(pg.path, lang))
			want := p.T(pg.want, "")
			if i := strings.Index(want, "%!"); i >= 0 {
				want = want[:i] // the message's words before its argument
			}
			if !strings.Contains(res.body, `<html lang="`+lang+`">`) || !contains(res, strings.TrimSpace(want)) {
				t.Errorf("GET %s: status %d, lacks %q:\n%s", with(pg.path, lang), res.status, want, kfText(res.body))
			}
		}

		// A form refused: a value the form cannot read, and a refusal of
		// the service (a reference to nothing).
		res := f.post(t, med, with("/k/sessions", lang), url.Values{
			"round_id": {"no-such-round"}, "title": {"Session"}, "format": {"plenary"}, "starts_at": {"soon"},
			"mediator_present": {"true"}, "parties": {"ua", "us"}, "audience.scope": {"parties"},
		}, nil)
		if want := p.T("%q is not a time with its offset, of the form 2026-01-23T10:00:00+04:00", "soon"); res.status != http.StatusUnprocessableEntity || !contains(res, want) {
			t.Errorf("%s: a time the form cannot read: status %d, lacks %q:\n%s", lang, res.status, want, kfErrors(res.body))
		}
		res = f.post(t, med, with("/k/sessions", lang), url.Values{
			"round_id": {"no-such-round"}, "title": {"Session"}, "format": {"plenary"}, "starts_at": {"2026-02-01T10:00:00+04:00"},
			"mediator_present": {"true"}, "parties": {"ua", "us"}, "audience.scope": {"parties"},
		}, nil)
		if want := p.T("Please correct this and submit again:"); res.status != http.StatusUnprocessableEntity || !contains(res, want) {
			t.Errorf("%s: a session of no round: status %d, lacks %q:\n%s", lang, res.status, want, kfErrors(res.body))
		}

		// A sign-in refused, and a new password the rules refuse (an
		// error passed on whole, translated by its text).
		l := f.login(t, "ua", access.RoleNegotiator)
		res = f.post(t, client(t), with("/login", lang), url.Values{"login": {l.Login}, "password": {"wrong password"}}, nil)
		if want := p.T("Wrong login or password."); res.status != http.StatusUnauthorized || !contains(res, want) {
			t.Errorf("%s: a wrong password: status %d, lacks %q", lang, res.status, want)
		}
		res = f.post(t, med, with("/account/password", lang), url.Values{"current_password": {"whatever"}, "password": {"short"}, "confirm": {"short"}}, nil)
		if want := p.T("password must be at least 8 characters"); res.status != http.StatusUnprocessableEntity || !strings.Contains(strings.ToLower(kfText(res.body)), want) {
			t.Errorf("%s: a short new password: status %d, lacks %q:\n%s", lang, res.status, want, kfText(res.body))
		}
	}

	// What is missing, but for the talks domain's own words.
	domain := map[string]bool{}
	for _, k := range f.svc.Registry().Kinds() {
		domain[k.Title] = true
		domain[strings.ReplaceAll(k.Collection, "-", " ")] = true
		var fields func([]parley.Field)
		fields = func(fs []parley.Field) {
			for _, fd := range fs {
				domain[fd.LabelText()], domain[fd.Help] = true, true
				for _, o := range fd.Enum {
					domain[o.Label] = true
				}
				fields(fd.Fields)
				if fd.Elem != nil {
					fields([]parley.Field{*fd.Elem})
				}
			}
		}
		fields(k.Fields)
	}
	for _, n := range (&talksweb.Section{}).Nav() {
		domain[n.Label] = true
	}
	for lang, keys := range msgs.Missed() {
		var mine, theirs []string
		for _, k := range keys {
			if domain[k] {
				theirs = append(theirs, k)
			} else {
				mine = append(mine, k)
			}
		}
		if len(theirs) > 0 {
			t.Logf("%s: the domains' catalogues lack their words %q", lang, theirs)
		}
		if len(mine) > 0 {
			slices.Sort(mine)
			t.Errorf("%s: the catalogues lack %d messages of the kernel's pages:\n%s", lang, len(mine), strings.Join(mine, "\n"))
		}
	}
}
