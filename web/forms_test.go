package web_test

import (
	"bytes"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// The tests of the generic pages and forms of every kind (forms.go). Their
// helpers start with kf.

// kfUser signs in as the demo's principal of party with role, and returns
// its client and principal.
func (f *fixture) kfUser(t *testing.T, party string, role access.Role) (*http.Client, access.Principal) {
	t.Helper()
	l := f.login(t, party, role)
	p, err := f.svc.Login(t.Context(), l.Login, l.Password)
	if err != nil {
		t.Fatal(err)
	}
	return f.signIn(t, l), p
}

// kfFind returns the entity of kind that p sees with the given headline
// (name, title or text).
func (f *fixture) kfFind(t *testing.T, p *access.Principal, kind, h string) store.Entity {
	t.Helper()
	es, err := f.svc.All(t.Context(), p, kind, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if headline(e) == h {
			return e
		}
	}
	t.Fatalf("no %s %q", kind, h)
	return store.Entity{}
}

func (f *fixture) kfGet(t *testing.T, p *access.Principal, kind, id string) store.Entity {
	t.Helper()
	e, err := f.svc.Get(t.Context(), p, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func kfJSON(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// kfSaved checks that a form's post committed and sent the browser to the
// page of what it committed, and returns that entity's id.
func kfSaved(t *testing.T, res response, collection string) string {
	t.Helper()
	loc := res.header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/k/"+collection+"/")
	if res.status != http.StatusSeeOther || !ok || id == "" {
		t.Fatalf("status %d, Location %q; want 303 to /k/%s/ID\n%s", res.status, loc, collection, kfErrors(res.body))
	}
	return id
}

// kfErrors extracts a form's summary of errors, for failure messages.
func kfErrors(body string) string {
	if i := strings.Index(body, `<div class="error ksummary"`); i >= 0 {
		j := strings.Index(body[i:], "</div>")
		return html.UnescapeString(body[i : i+j])
	}
	return "(no errors shown)"
}

var (
	kfTagRE    = regexp.MustCompile(`(?s)<(input|textarea|select)\b([^>]*)>`)
	kfAttrRE   = regexp.MustCompile(`([a-zA-Z-]+)(?:="([^"]*)")?`)
	kfOptionRE = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
)

func kfAttrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range kfAttrRE.FindAllStringSubmatch(s, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

// kfFormValues returns what a browser would post of the form on a page:
// each input's value, checked boxes, selected options and textareas.
func kfFormValues(t *testing.T, body string) url.Values {
	t.Helper()
	i := strings.Index(body, `<form method="post" action="/k/`)
	if i < 0 {
		t.Fatalf("no form on the page:\n%s", body)
	}
	form := body[i : i+strings.Index(body[i:], "</form>")]
	vals := url.Values{}
	for _, m := range kfTagRE.FindAllStringSubmatchIndex(form, -1) {
		tag, a := form[m[2]:m[3]], kfAttrs(form[m[4]:m[5]])
		name := a["name"]
		if name == "" {
			continue
		}
		rest := form[m[1]:]
		switch tag {
		case "input":
			switch a["type"] {
			case "checkbox":
				if _, ok := a["checked"]; ok {
					vals.Add(name, a["value"])
				}
			case "file":
			default:
				vals.Add(name, a["value"])
			}
		case "textarea":
			// The newline after the opening tag is not part of the value.
			text := rest[:strings.Index(rest, "</textarea>")]
			vals.Add(name, html.UnescapeString(strings.TrimPrefix(text, "\n")))
		case "select":
			opts := kfOptionRE.FindAllStringSubmatch(rest[:strings.Index(rest, "</select>")], -1)
			_, multiple := a["multiple"]
			picked := false
			for _, o := range opts {
				if o[2] != "" {
					vals.Add(name, html.UnescapeString(o[1]))
					picked = true
				}
			}
			if !picked && !multiple && len(opts) > 0 {
				vals.Add(name, html.UnescapeString(opts[0][1])) // a browser's default
			}
		}
	}
	return vals
}

// kfTag returns the attributes of the element with the given id.
func kfTag(t *testing.T, body, id string) map[string]string {
	t.Helper()
	m := regexp.MustCompile(`<[a-z]+\b([^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*)>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no element #%s on the page", id)
	}
	return kfAttrs(m[1])
}

// kfFieldError checks that the field with element id is marked in error
// next to it, and returns the message shown there.
func kfFieldError(t *testing.T, body, id string) string {
	t.Helper()
	errID := id + "-err"
	m := regexp.MustCompile(`(?s)<p class="kerr" id="` + regexp.QuoteMeta(errID) + `">(.*?)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Errorf("no error is shown next to #%s; the form's errors: %s", id, kfErrors(body))
		return ""
	}
	a := kfTag(t, body, id)
	if !slices.Contains(strings.Fields(a["aria-describedby"]), errID) {
		t.Errorf("#%s is not described by its error: aria-describedby=%q", id, a["aria-describedby"])
	}
	if a["aria-invalid"] != "true" && !strings.Contains(a["class"], "kinvalid") {
		t.Errorf("#%s is not marked invalid: %v", id, a)
	}
	if !strings.Contains(body, `href="#`+id+`"`) {
		t.Errorf("the summary of errors does not link to #%s", id)
	}
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
}

var kfUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// kfText is the text of a page's main part, without its markup.
func kfText(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i : i+strings.Index(body[i:], "</main>")]
	}
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body, " "))
}

// kfHas reports whether the text of a page (without markup, spaces
// collapsed) has every one of want.
func kfHas(res response, want ...string) bool {
	text := strings.Join(strings.Fields(kfText(res.body)), " ")
	for _, w := range want {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// TestKindFormsCreateAndChange creates and changes entities of several
// kinds through the generic forms, each as a role that writes it.
func TestKindFormsCreateAndChange(t *testing.T) {
	f := newFixture(t, web.Options{})
	med, medP := f.kfUser(t, "us", access.RoleMediator)
	ua, uaP := f.kfUser(t, "ua", access.RoleNegotiator)
	witkoff := f.kfFind(t, &medP, talks.KindPerson, "Steve Witkoff").ID
	umerov := f.kfFind(t, &medP, talks.KindPerson, "Rustem Umerov").ID
	budanov := f.kfFind(t, &medP, talks.KindPerson, "Kyrylo Budanov").ID

	// A round, by the mediator.
	res := f.get(t, med, "/k/rounds/new")
	if res.status != http.StatusOK || !strings.Contains(res.body, `name="starts_on"`) || !strings.Contains(res.body, `type="date"`) {
		t.Fatalf("GET /k/rounds/new: status %d\n%s", res.status, res.body)
	}
	if a := kfTag(t, res.body, "f-audience-scope"); a["name"] != "audience.scope" {
		t.Errorf("the audience selector is %v", a)
	}
	if v := kfFormValues(t, res.body); v.Get("audience.scope") != "parties" {
		t.Errorf("a new round's audience is %q by default; want the kind's default, parties", v.Get("audience.scope"))
	}
	// A link may open the form filled in, with the fields it names (the
	// query's other names are not fields, and fill nothing).
	res = f.get(t, med, "/k/rounds/new?name=Geneva+round&place=Geneva&audience.scope=public&starts_on=2026-04-01")
	if v := kfFormValues(t, res.body); v.Get("name") != "Geneva round" || v.Get("place") != "Geneva" || v.Get("starts_on") != "2026-04-01" ||
		v.Get("audience.scope") != "parties" {
		t.Errorf("a new round's form opened filled in holds %v", v)
	}
	if res := f.get(t, med, "/k/sessions/new?mediator_present=true&title=Plenary"); strings.Contains(res.body, "checked") || kfFormValues(t, res.body).Get("title") != "Plenary" {
		t.Error("a link ticks a checkbox of a new session's form, or fills nothing")
	}
	round := kfSaved(t, f.post(t, med, "/k/rounds", url.Values{
		"name": {"Istanbul round"}, "place": {"Istanbul, Türkiye"}, "starts_on": {"2026-03-02"}, "ends_on": {"2026-03-03"},
		"precision": {""}, "status": {"planned"}, "summary": {"Line one.\r\nLine two."}, "outcome": {""},
		"audience.scope": {"parties"}, "audience.party": {"us"},
	}, nil), "rounds")
	got := kfJSON(t, f.kfGet(t, &medP, talks.KindRound, round).Body)
	if want := map[string]any{"name": "Istanbul round", "place": "Istanbul, Türkiye", "starts_on": "2026-03-02", "ends_on": "2026-03-03",
		"status": "planned", "summary": "Line one.\nLine two."}; !reflect.DeepEqual(got, want) {
		t.Errorf("the round committed %v; want %v", got, want)
	}
	page := f.get(t, med, "/k/rounds/"+round)
	if !contains(page, "Istanbul round", "2 March 2026", "3 March 2026", "planned", "all parties", "Version 1", "/records/", "/k/sessions?parent="+round) {
		t.Errorf("the round's page:\n%s", kfText(page.body))
	}

	// A session with three parties, two attendees and a time with its
	// offset, by the mediator.
	session := kfSaved(t, f.post(t, med, "/k/sessions", url.Values{
		"round_id": {round}, "title": {"Opening plenary"}, "format": {"plenary"},
		"starts_at": {"2026-03-02T10:00:00+03:00"}, "ends_at": {""}, "mediator_present": {"true"},
		"parties": {"us", "ru", "ua"}, "attendees": {witkoff, umerov},
		"audience.scope": {"parties"},
	}, nil), "sessions")
	got = kfJSON(t, f.kfGet(t, &medP, talks.KindSession, session).Body)
	if got["starts_at"] != "2026-03-02T10:00:00+03:00" || got["mediator_present"] != true ||
		!reflect.DeepEqual(got["parties"], []any{"us", "ru", "ua"}) || !reflect.DeepEqual(got["attendees"], []any{witkoff, umerov}) {
		t.Errorf("the session committed %v", got)
	}
	page = f.get(t, ua, "/k/sessions/"+session)
	if !contains(page, "Opening plenary", "Mon 2 March 2026, 10:00 (UTC+03:00)", "Istanbul round", "Russia", "Ukraine", "United States", "Rustem Umerov", "Steve Witkoff") {
		t.Errorf("the session's page:\n%s", kfText(page.body))
	}
	if !strings.Contains(page.body, `href="/rounds/`+round) {
		t.Error("the session's page does not link to its place on the talks' pages")
	}

	// Its form shows the time as committed, and the parties in their order.
	res = f.get(t, med, "/k/sessions/"+session+"/edit")
	vals := kfFormValues(t, res.body)
	if vals.Get("starts_at") != "2026-03-02T10:00:00+03:00" || !slices.Equal(vals["parties"], []string{"us", "ru", "ua"}) || vals.Get("round_id") != round {
		t.Errorf("the session's form has %v", vals)
	}
	vals.Set("title", "Opening plenary session")
	vals.Set("starts_at", "2026-03-02T09:30:00+03:00")
	vals.Set("ends_at", "2026-03-02T12:00:00+03:00")
	if id := kfSaved(t, f.post(t, med, "/k/sessions/"+session, vals, nil), "sessions"); id != session {
		t.Errorf("the change went to %s, not %s", id, session)
	}
	e := f.kfGet(t, &medP, talks.KindSession, session)
	got = kfJSON(t, e.Body)
	if e.Version != 2 || got["title"] != "Opening plenary session" || got["starts_at"] != "2026-03-02T09:30:00+03:00" ||
		got["ends_at"] != "2026-03-02T12:00:00+03:00" || !reflect.DeepEqual(got["parties"], []any{"us", "ru", "ua"}) {
		t.Errorf("the changed session is version %d: %v", e.Version, got)
	}

	// Ukraine's delegation, with members in repeated rows, one left empty
	// between them, by its negotiator.
	res = f.get(t, ua, "/k/delegations/new?parent="+round)
	vals = kfFormValues(t, res.body)
	if vals.Get("round_id") != round || !strings.Contains(res.body, `name="members[2].role"`) || strings.Contains(res.body, `name="members[3].role"`) {
		t.Errorf("a new delegation's form: round %q; want three empty rows of members", vals.Get("round_id"))
	}
	delegation := kfSaved(t, f.post(t, ua, "/k/delegations", url.Values{
		"round_id": {round}, "party_id": {"ua"},
		"members[0].person_id": {umerov}, "members[0].role": {"head"}, "members[0].title": {"Chief negotiator"},
		"members[1].person_id": {""}, "members[1].role": {""}, "members[1].title": {""},
		"members[2].person_id": {budanov}, "members[2].role": {"negotiator"}, "members[2].title": {""},
		"note": {""}, "audience.scope": {"parties"},
	}, nil), "delegations")
	got = kfJSON(t, f.kfGet(t, &uaP, talks.KindDelegation, delegation).Body)
	if want := []any{
		map[string]any{"person_id": umerov, "role": "head", "title": "Chief negotiator"},
		map[string]any{"person_id": budanov, "role": "negotiator"},
	}; !reflect.DeepEqual(got["members"], want) {
		t.Errorf("the delegation's members are %v; want %v", got["members"], want)
	}
	res = f.get(t, ua, "/k/delegations/"+delegation+"/edit")
	for i, want := range []bool{true, true, true, true, true, false} {
		if has := strings.Contains(res.body, `id="f-members-`+string(rune('0'+i))+`"`); has != want {
			t.Errorf("the delegation's form has row %d: %v; want the two members and three empty rows", i, has)
		}
	}
	page = f.get(t, ua, "/k/delegations/"+delegation)
	if !contains(page, "Ukraine", "Istanbul round", "Rustem Umerov", "head", "Chief negotiator", "Kyrylo Budanov") {
		t.Errorf("the delegation's page:\n%s", kfText(page.body))
	}

	// An action item for Ukraine and the mediator, by Ukraine's
	// negotiator; then it is done.
	action := kfSaved(t, f.post(t, ua, "/k/action-items", url.Values{
		"title": {"Share the list of prisoners"}, "owner_party": {"ua"}, "owner_person": {umerov}, "due": {"2026-03-10"},
		"status": {"open"}, "round_id": {round}, "aspect_id": {""}, "note": {""},
		"audience.scope": {"party+mediator"}, "audience.party": {"ua"},
	}, nil), "action-items")
	e = f.kfGet(t, &uaP, talks.KindAction, action)
	got = kfJSON(t, e.Body)
	if got["due"] != "2026-03-10" || got["owner_person"] != umerov || got["round_id"] != round || !reflect.DeepEqual(e.Audience, record.Audience{Scope: record.PartyMediator, Party: "ua"}) {
		t.Errorf("the action item committed %v for %v", got, e.Audience)
	}
	vals = kfFormValues(t, f.get(t, ua, "/k/action-items/"+action+"/edit").body)
	if vals.Get("audience.scope") != "party+mediator" || vals.Get("audience.party") != "ua" || vals.Get("due") != "2026-03-10" {
		t.Errorf("the action item's form has %v", vals)
	}
	vals.Set("status", "done")
	kfSaved(t, f.post(t, ua, "/k/action-items/"+action, vals, nil), "action-items")
	if e := f.kfGet(t, &medP, talks.KindAction, action); e.Version != 2 || kfJSON(t, e.Body)["status"] != "done" || !reflect.DeepEqual(e.Audience, record.Audience{Scope: record.PartyMediator, Party: "ua"}) {
		t.Errorf("the changed action item: version %d, %s, %v", e.Version, e.Body, e.Audience)
	}
	list := f.get(t, med, "/k/action-items?parent="+round)
	if !kfHas(list, "Action items of round Istanbul round", "Share the list of prisoners", "Ukraine", "10 March 2026", "done", "ua + mediator") {
		t.Errorf("the round's action items:\n%s", kfText(list.body))
	}
}

// TestKindFormErrors: what the service refuses is shown next to the field
// it names, with what was entered; what cannot be read is refused without
// calling it; nothing is written either way.
func TestKindFormErrors(t *testing.T) {
	f := newFixture(t, web.Options{})
	med, medP := f.kfUser(t, "us", access.RoleMediator)
	ua, uaP := f.kfUser(t, "ua", access.RoleNegotiator)
	ru, ruP := f.kfUser(t, "ru", access.RoleNegotiator)
	second := f.kfFind(t, &medP, talks.KindRound, "Abu Dhabi, second trilateral round").ID
	before := len(testkit.Records(t, f.st))

	// A session outside its round's dates (1 February 2026).
	sent := url.Values{
		"round_id": {second}, "title": {"Late session"}, "format": {"plenary"}, "starts_at": {"2026-02-05T10:00:00+04:00"},
		"mediator_present": {"true"}, "parties": {"ua", "us"}, "place": {"Abu Dhabi"}, "audience.scope": {"parties"},
	}
	res := f.post(t, med, "/k/sessions", sent, nil)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a session outside its round: status %d, want 422", res.status)
	}
	if msg := kfFieldError(t, res.body, "f-starts_at"); !strings.Contains(msg, "outside the round's dates") {
		t.Errorf("the error next to starts_at says %q", msg)
	}
	if !strings.Contains(kfErrors(res.body), ">Starts at</a>: 2026-02-05T10:00:00+04:00 is outside") || !strings.Contains(res.body, `role="alert"`) {
		t.Errorf("the summary of errors: %s", kfErrors(res.body))
	}
	vals := kfFormValues(t, res.body)
	for _, k := range []string{"round_id", "title", "format", "starts_at", "mediator_present", "place", "audience.scope"} {
		if vals.Get(k) != sent.Get(k) {
			t.Errorf("the form shows %s %q again; %q was entered", k, vals.Get(k), sent.Get(k))
		}
	}
	if !slices.Equal(vals["parties"], []string{"ua", "us"}) {
		t.Errorf("the form shows parties %v again; [ua us] was entered", vals["parties"])
	}

	// A delegation with two heads: the error is on the members.
	kostyukov := f.kfFind(t, &ruP, talks.KindPerson, "Adm. Igor Kostyukov").ID
	ushakov := f.kfFind(t, &ruP, talks.KindPerson, "Yuri Ushakov").ID
	res = f.post(t, ru, "/k/delegations", url.Values{
		"round_id": {second}, "party_id": {"ru"}, "note": {"Two heads"},
		"members[0].person_id": {kostyukov}, "members[0].role": {"head"},
		"members[1].person_id": {ushakov}, "members[1].role": {"head"}, "members[1].title": {"Kremlin aide"},
		"members[2].person_id": {""}, "members[2].role": {""},
		"audience.scope": {"parties"},
	}, nil)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("two heads: status %d, want 422", res.status)
	}
	if msg := kfFieldError(t, res.body, "f-members"); !strings.Contains(msg, "2 heads") {
		t.Errorf("the error next to the members says %q", msg)
	}
	vals = kfFormValues(t, res.body)
	if vals.Get("members[1].person_id") != ushakov || vals.Get("members[1].title") != "Kremlin aide" || vals.Get("note") != "Two heads" {
		t.Errorf("the form lost what was entered: %v", vals)
	}

	// An error in a row is shown in the row of the form, whatever rows
	// before it were left empty: the body's members[1] is the form's
	// members[2].
	umerov := f.kfFind(t, &uaP, talks.KindPerson, "Rustem Umerov").ID
	res = f.post(t, ua, "/k/delegations", url.Values{
		"round_id": {second}, "party_id": {"ua"},
		"members[0].person_id": {""}, "members[0].role": {""},
		"members[1].person_id": {umerov}, "members[1].role": {"head"},
		"members[2].person_id": {umerov}, "members[2].role": {"negotiator"},
		"audience.scope": {"parties"},
	}, nil)
	if msg := kfFieldError(t, res.body, "f-members-2-person_id"); !strings.Contains(msg, "twice") {
		t.Errorf("status %d; the error next to the third row's person says %q", res.status, msg)
	}
	if strings.Contains(res.body, `id="f-members-1-person_id-err"`) {
		t.Error("the error is shown in the second row too")
	}

	// A word in a number field is refused without calling the service.
	res = f.post(t, med, "/k/aspects", url.Values{"title": {"Prisoner exchange"}, "status": {"open"}, "order": {"third"}, "audience.scope": {"public"}}, nil)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a word for a number: status %d, want 422", res.status)
	}
	if msg := kfFieldError(t, res.body, "f-order"); !strings.Contains(msg, `"third" is not a whole number`) {
		t.Errorf("the error next to order says %q", msg)
	}
	if v := kfFormValues(t, res.body); v.Get("order") != "third" || v.Get("title") != "Prisoner exchange" || v.Get("audience.scope") != "public" {
		t.Errorf("the form lost what was entered: %v", v)
	}
	// So is a date that is none, and a time without its offset; the date
	// is shown as it was written, not as an empty date picker.
	res = f.post(t, ua, "/k/action-items", url.Values{"title": {"Call"}, "owner_party": {"ua"}, "status": {"open"}, "due": {"20266-02-01"}}, nil)
	if msg := kfFieldError(t, res.body, "f-due"); !strings.Contains(msg, "20266-02-01") || kfTag(t, res.body, "f-due")["value"] != "20266-02-01" {
		t.Errorf("a date with a five-digit year: %q, the field %v", msg, kfTag(t, res.body, "f-due"))
	}
	res = f.post(t, med, "/k/sessions", url.Values{"round_id": {second}, "title": {"X"}, "format": {"plenary"}, "starts_at": {"2026-02-01T10:00"}, "parties": {"us"}}, nil)
	if msg := kfFieldError(t, res.body, "f-starts_at"); !strings.Contains(msg, "offset") {
		t.Errorf("a time without its offset: %q", msg)
	}

	// A refusal without a field is shown at the top: a negotiator writes
	// only its own party's action items.
	res = f.post(t, ua, "/k/action-items", url.Values{"title": {"Russia's task"}, "owner_party": {"ru"}, "status": {"open"}, "audience.scope": {"parties"}}, nil)
	if res.status != http.StatusForbidden || !strings.Contains(kfErrors(res.body), "only its own party") || strings.Contains(res.body, `class="kerr"`) {
		t.Errorf("another party's action item: status %d, %s", res.status, kfErrors(res.body))
	}
	// An audience the writer may not address is an error of the audience.
	res = f.post(t, ua, "/k/action-items", url.Values{"title": {"For Russia's eyes"}, "owner_party": {"ua"}, "status": {"open"}, "audience.scope": {"party"}, "audience.party": {"ru"}}, nil)
	if msg := kfFieldError(t, res.body, "f-audience"); !strings.Contains(msg, "could not read") {
		t.Errorf("status %d; the error next to the audience says %q", res.status, msg)
	}

	if after := len(testkit.Records(t, f.st)); after != before {
		t.Errorf("the refused forms wrote %d records", after-before)
	}
}

// TestKindFormsAccess: only a writer of a kind is offered its forms; to
// anyone else they do not exist. What a reader may not see is a 404 on its
// page and its form, the same as nothing at all.
func TestKindFormsAccess(t *testing.T) {
	f := newFixture(t, web.Options{})
	obs, obsP := f.kfUser(t, "ae", access.RoleObserver)
	capital, _ := f.kfUser(t, "ua", access.RoleApprover)
	ua, _ := f.kfUser(t, "ua", access.RoleNegotiator)
	ru, _ := f.kfUser(t, "ru", access.RoleNegotiator)
	anon := client(t)
	territory := f.kfFind(t, &obsP, talks.KindAspect, "Territory").ID

	for _, tc := range []struct {
		name   string
		c      *http.Client
		kind   string
		id     string
		orNone bool
	}{
		{"an observer", obs, "action-items", "", false},
		{"an observer", obs, "aspects", territory, false},
		{"a capital", capital, "rounds", "", false},
		{"a capital", capital, "aspects", territory, false},
		{"anonymous", anon, "aspects", territory, false},
		{"a negotiator", ua, "aspects", territory, false},
	} {
		list := f.get(t, tc.c, "/k/"+tc.kind)
		if list.status != http.StatusOK || strings.Contains(list.body, `href="/k/`+tc.kind+`/new"`) {
			t.Errorf("%s: GET /k/%s: status %d, or it offers a form", tc.name, tc.kind, list.status)
		}
		if res := f.get(t, tc.c, "/k/"+tc.kind+"/new"); res.status != http.StatusNotFound {
			t.Errorf("%s: GET /k/%s/new: status %d, want 404", tc.name, tc.kind, res.status)
		}
		if res := f.post(t, tc.c, "/k/"+tc.kind, url.Values{"title": {"x"}}, nil); res.status != http.StatusNotFound {
			t.Errorf("%s: POST /k/%s: status %d, want 404", tc.name, tc.kind, res.status)
		}
		if tc.id != "" {
			item := f.get(t, tc.c, "/k/"+tc.kind+"/"+tc.id)
			if item.status != http.StatusOK || strings.Contains(item.body, "/edit") {
				t.Errorf("%s: GET /k/%s/%s: status %d, or it offers a form", tc.name, tc.kind, tc.id, item.status)
			}
			if res := f.get(t, tc.c, "/k/"+tc.kind+"/"+tc.id+"/edit"); res.status != http.StatusNotFound {
				t.Errorf("%s: its form: status %d, want 404", tc.name, res.status)
			}
		}
	}
	if res := f.get(t, ua, "/k/action-items"); !strings.Contains(res.body, `href="/k/action-items/new"`) {
		t.Error("a negotiator is not offered to create action items")
	}
	if res := f.get(t, capital, "/k/approvals/new"); res.status != http.StatusOK || !strings.Contains(res.body, `type="file"`) || !strings.Contains(res.body, "parley sign") {
		t.Errorf("a capital's form for approvals: status %d", res.status)
	}
	// A statement is never changed, whoever asks.
	med, medP := f.kfUser(t, "us", access.RoleMediator)
	statements, err := f.svc.All(t.Context(), &medP, talks.KindStatement, "")
	if err != nil || len(statements) == 0 {
		t.Fatalf("no statements (%v)", err)
	}
	st := statements[0]
	if res := f.get(t, med, "/k/statements/"+st.ID+"/edit"); res.status != http.StatusNotFound || strings.Contains(f.get(t, med, "/k/statements/"+st.ID).body, "/edit") {
		t.Errorf("a statement's form: status %d, want 404 and no link", res.status)
	}

	// Ukraine's own action item: its page and form to Ukraine, nothing to
	// Russia, not even in a list.
	secret := partyOnly(t, f.st, talks.KindAction, "ua")
	if res := f.get(t, ua, "/k/action-items/"+secret.ID); res.status != http.StatusOK || !strings.Contains(res.body, "/edit") {
		t.Errorf("Ukraine's own action item, to Ukraine: status %d, or no link to its form", res.status)
	}
	norm := func(body, id string) string { return strings.ReplaceAll(body, id, "ID") }
	nothing := record.NewID()
	for _, path := range []string{"", "/edit"} {
		res := f.get(t, ru, "/k/action-items/"+secret.ID+path)
		other := f.get(t, ru, "/k/action-items/"+nothing+path)
		if res.status != http.StatusNotFound || norm(res.body, secret.ID) != norm(other.body, nothing) {
			t.Errorf("Ukraine's action item%s, to Russia: status %d; want the 404 of nothing", path, res.status)
		}
	}
	if res := f.post(t, ru, "/k/action-items/"+secret.ID, url.Values{"title": {"x"}, "owner_party": {"ru"}, "status": {"open"}}, nil); res.status != http.StatusNotFound {
		t.Errorf("a change of Ukraine's action item by Russia: status %d, want 404", res.status)
	}
	for _, h := range texts(secret) {
		if strings.Contains(f.get(t, ru, "/k/action-items").body, h) {
			t.Errorf("Russia's list of action items shows %q", h)
		}
	}
	// Ukraine's action item that all parties see is still Ukraine's to
	// change: Russia gets no form.
	shared := f.kfFind(t, &medP, talks.KindAction, "Report to Kyiv on each aspect of the negotiations and coordinate further steps with the leadership")
	if res := f.get(t, ru, "/k/action-items/"+shared.ID+"/edit"); res.status != http.StatusNotFound {
		t.Errorf("Ukraine's shared action item's form, to Russia: status %d, want 404", res.status)
	}
	if res := f.get(t, med, "/k/action-items/"+shared.ID+"/edit"); res.status != http.StatusOK {
		t.Errorf("Ukraine's shared action item's form, to the mediator: status %d, want 200", res.status)
	}
}

// TestKindFormsRoundTrip: an entity saved through its form without changes
// commits a body equal to the one it had, for every entity of every kind
// the mediator may change, and for Ukraine's own.
func TestKindFormsRoundTrip(t *testing.T) {
	f := newFixture(t, web.Options{})
	med, medP := f.kfUser(t, "us", access.RoleMediator)
	ua, uaP := f.kfUser(t, "ua", access.RoleNegotiator)
	kinds := map[string]bool{}
	check := func(c *http.Client, p access.Principal, e store.Entity) {
		t.Helper()
		k, _ := scenario.Registry().Kind(e.Kind)
		path := "/k/" + k.Collection + "/" + e.ID
		res := f.get(t, c, path+"/edit")
		if res.status != http.StatusOK {
			t.Errorf("GET %s/edit: status %d", path, res.status)
			return
		}
		saved := f.post(t, c, path, kfFormValues(t, res.body), nil)
		if k.Name == "ceasefire.phase" && saved.status == http.StatusConflict && strings.Contains(saved.body, "its terms no longer change") {
			return // a phase every signer agreed to is never saved again, even unchanged: a new version would take back their consents
		}
		if id := kfSaved(t, saved, k.Collection); id != e.ID {
			t.Errorf("%s saved as %s", path, id)
		}
		after := f.kfGet(t, &p, e.Kind, e.ID)
		if !reflect.DeepEqual(kfJSON(t, after.Body), kfJSON(t, e.Body)) || after.Audience.Scope != e.Audience.Scope ||
			after.Audience.Party != e.Audience.Party || !slices.Equal(after.Audience.Parties, e.Audience.Parties) || after.Version != e.Version+1 {
			t.Errorf("%s saved unchanged:\nbefore %s %v (version %d)\nafter  %s %v (version %d)", path, e.Body, e.Audience, e.Version, after.Body, after.Audience, after.Version)
		}
		kinds[e.Kind] = true
	}
	for _, k := range scenario.Registry().Kinds() {
		if !k.Mutable || !medP.HasAny(k.WriteRoles...) {
			continue
		}
		es, err := f.svc.All(t.Context(), &medP, k.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			check(med, medP, e)
		}
	}
	check(ua, uaP, partyOnly(t, f.st, talks.KindAction, "ua"))
	for _, k := range []string{talks.KindParty, talks.KindPerson, talks.KindRound, talks.KindSession, talks.KindDelegation, talks.KindAspect, talks.KindAction} {
		if !kinds[k] {
			t.Errorf("no %s was saved through its form", k)
		}
	}
}

// TestKindListPages: a list is paged 50 at a time with an opaque cursor,
// filtered by parent, and names what entities refer to, never by id.
func TestKindListPages(t *testing.T) {
	f := newFixture(t, web.Options{})
	_, medP := f.kfUser(t, "us", access.RoleMediator)
	ua, uaP := f.kfUser(t, "ua", access.RoleNegotiator)
	for i := range 50 {
		body, _ := json.Marshal(map[string]any{"title": "Aspect number " + string(rune('A'+i%26)) + string(rune('a'+i/26)), "status": "open", "order": 10 + i})
		if _, err := f.svc.Create(t.Context(), medP, talks.KindAspect, body); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.svc.All(t.Context(), &uaP, talks.KindAspect, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) <= 50 || len(all) > 100 {
		t.Fatalf("%d aspects; the test wants two pages", len(all))
	}
	ids := regexp.MustCompile(`<td><a href="/k/aspects/([^"/]+)">`)
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)

	first := f.get(t, ua, "/k/aspects")
	rows := ids.FindAllStringSubmatch(first.body, -1)
	m := next.FindStringSubmatch(first.body)
	if len(rows) != 50 || m == nil {
		t.Fatalf("the first page has %d rows and next page %v", len(rows), m)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	cursor := u.Query().Get("after")
	if regexp.MustCompile(`^[0-9]+$`).MatchString(cursor) || len(cursor) < 20 {
		t.Errorf("the cursor %q is not sealed", cursor)
	}
	second := f.get(t, ua, u.String())
	rows2 := ids.FindAllStringSubmatch(second.body, -1)
	if len(rows2) != len(all)-50 || next.MatchString(second.body) || !strings.Contains(second.body, "First page") {
		t.Errorf("the second page has %d rows (want %d), or a next page, or no first page", len(rows2), len(all)-50)
	}
	var got []string
	for _, r := range append(rows, rows2...) {
		got = append(got, r[1])
	}
	var want []string
	for _, e := range all {
		want = append(want, e.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the two pages list\n%v\nwant\n%v", got, want)
	}
	// A cursor is good only for its list, and only as it was made.
	flipped := []byte(cursor)
	// One character changed, to another of the cursor's alphabet (a
	// character outside it, such as ';', would be no cursor at all).
	if flipped[len(flipped)/2] == 'A' {
		flipped[len(flipped)/2] = 'B'
	} else {
		flipped[len(flipped)/2] = 'A'
	}
	for _, bad := range []string{"/k/aspects?after=" + string(flipped), "/k/aspects?after=51", "/k/rounds?after=" + cursor} {
		if res := f.get(t, ua, bad); res.status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", bad, res.status)
		}
	}

	// Sessions of one round: named by their round, which is not repeated
	// in a column; parties and people by name.
	r1 := f.kfFind(t, &uaP, talks.KindRound, "Abu Dhabi, first trilateral round")
	sessions, _ := f.svc.All(t.Context(), &uaP, talks.KindSession, r1.ID)
	res := f.get(t, ua, "/k/sessions?parent="+r1.ID)
	if n := len(regexp.MustCompile(`<td><a href="/k/sessions/`).FindAllString(res.body, -1)); n != len(sessions) || n == 0 {
		t.Errorf("the round's sessions list %d, want %d", n, len(sessions))
	}
	if !kfHas(res, "Sessions of round Abu Dhabi, first trilateral round", "Show all sessions") || strings.Contains(res.body, `href="/k/sessions/new`) {
		t.Errorf("the round's sessions, to a negotiator:\n%s", kfText(res.body))
	}
	if strings.Contains(res.body, `<th scope="col">Round</th>`) {
		t.Error("the round's sessions repeat the round in a column")
	}
	// Lists name what they refer to (rounds, parties, people) and never
	// show an id as text.
	for _, path := range []string{"/k/sessions", "/k/delegations", "/k/action-items", "/k/people", "/k/approvals", "/k/statements", "/k/aspects", "/k/sessions?parent=" + r1.ID} {
		res := f.get(t, ua, path)
		if res.status != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.status)
		}
		if id := kfUUID.FindString(kfText(res.body)); id != "" {
			t.Errorf("GET %s shows the id %s as text", path, id)
		}
	}
	if res := f.get(t, ua, "/k/delegations"); !contains(res, "Ukraine", "Russia", "United States", "Abu Dhabi, first trilateral round") {
		t.Errorf("the delegations:\n%s", kfText(res.body))
	}
	if res := f.get(t, ua, "/k/action-items"); !contains(res, "Owner party", "Ukraine", "Due", "1 February 2026", "ua only") {
		t.Errorf("the action items:\n%s", kfText(res.body))
	}
	if res := f.get(t, ua, "/k/sessions?parent="+record.NewID()); res.status != http.StatusNotFound {
		t.Errorf("the sessions of no round: status %d, want 404", res.status)
	}
	if res := f.get(t, ua, "/k/aspects?parent=x"); res.status != http.StatusBadRequest {
		t.Errorf("aspects by parent: status %d, want 400", res.status)
	}
	if res := f.get(t, ua, "/k"); !contains(res, "Action items", "Approvals", "Statements") {
		t.Errorf("the kinds:\n%s", kfText(res.body))
	}
	if res := f.get(t, ua, "/k/no-such-kind"); res.status != http.StatusNotFound {
		t.Errorf("an unknown kind: status %d", res.status)
	}
}

// TestKindSignedUpload: a capital uploads the file `parley sign` wrote;
// one whose body was changed after signing is refused, next to the file.
func TestKindSignedUpload(t *testing.T) {
	f := newFixture(t, web.Options{})
	capital := f.login(t, "ua", access.RoleApprover)
	c, p := f.kfUser(t, "ua", access.RoleApprover)
	territory := f.kfFind(t, &p, talks.KindAspect, "Territory").ID
	body := []byte(`{"aspect_id":"` + territory + `","party_id":"ua","decision":"reserved","note":"Subject to a referendum."}`)
	m := kfJSON(t, testkit.Signed(t, f.svc, p, capital.SigningKey, talks.KindApproval, body))
	upload := func(file []byte) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, _ := mw.CreateFormFile("file", "signed.json")
		w.Write(file)
		mw.Close()
		req, _ := http.NewRequestWithContext(t.Context(), "POST", f.ts.URL+"/k/approvals", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return do(t, c, req)
	}

	m["note"] = "Subject to nothing."
	tampered, _ := json.MarshalIndent(m, "", "  ")
	before := len(testkit.Records(t, f.st))
	res := upload(tampered)
	if msg := kfFieldError(t, res.body, "f-file"); res.status != http.StatusUnprocessableEntity || !strings.Contains(msg, "Statement: ") {
		t.Errorf("a tampered file: status %d, error %q", res.status, msg)
	}
	if len(testkit.Records(t, f.st)) != before {
		t.Error("a tampered file was committed")
	}

	m["note"] = "Subject to a referendum."
	signed, _ := json.MarshalIndent(m, "", "  ")
	id := kfSaved(t, upload(signed), "approvals")
	page := f.get(t, c, "/k/approvals/"+id)
	if !contains(page, "reserved", "Territory", "Ukraine", "Subject to a referendum.") || strings.Contains(page.body, "/edit") {
		t.Errorf("the approval's page:\n%s", kfText(page.body))
	}
}

// TestKindPagesVisibility reads every generic page a party's negotiator
// and an anonymous reader can reach, forms included, and checks that
// nothing of what they may not see appears on any of them.
func TestKindPagesVisibility(t *testing.T) {
	f := newFixture(t, web.Options{})
	all := testkit.Entities(t, f.st)
	for _, rd := range []struct {
		name   string
		party  string
		viewer access.Viewer
	}{{"anonymous", "", access.Anonymous}, {"ru-negotiator", "ru", access.Viewer{}}} {
		t.Run(rd.name, func(t *testing.T) {
			c := client(t)
			if rd.party != "" {
				var p access.Principal
				c, p = f.kfUser(t, rd.party, access.RoleNegotiator)
				rd.viewer = access.ViewerOf(p)
			}
			paths := []string{"/k"}
			var visible, hidden []store.Entity
			for _, k := range scenario.Registry().Kinds() {
				paths = append(paths, "/k/"+k.Collection, "/k/"+k.Collection+"/new")
			}
			for _, e := range all {
				k, _ := scenario.Registry().Kind(e.Kind)
				if !access.CanSee(rd.viewer, e.Audience) {
					hidden = append(hidden, e)
					continue
				}
				visible = append(visible, e)
				paths = append(paths, "/k/"+k.Collection+"/"+e.ID, "/k/"+k.Collection+"/"+e.ID+"/edit")
				if k.Name == talks.KindRound {
					paths = append(paths, "/k/sessions?parent="+e.ID, "/k/action-items?parent="+e.ID)
				}
			}
			var pages strings.Builder
			for _, p := range paths {
				res := f.get(t, c, p)
				if res.status != http.StatusOK && res.status != http.StatusNotFound {
					t.Errorf("GET %s: status %d", p, res.status)
				}
				pages.WriteString(html.UnescapeString(res.body))
			}
			text := pages.String()
			var seen []string
			for _, e := range visible {
				seen = append(append(seen, e.ID), texts(e)...)
			}
			for _, e := range hidden {
				if strings.Contains(text, e.ID) {
					t.Errorf("the pages show the id of %s %s (audience %s)", e.Kind, e.ID, access.Describe(e.Audience))
				}
				for _, s := range texts(e) {
					if len(s) >= 6 && !slices.ContainsFunc(seen, func(v string) bool { return strings.Contains(v, s) }) && strings.Contains(text, s) {
						t.Errorf("the pages show %q of %s %s (audience %s)", s, e.Kind, e.ID, access.Describe(e.Audience))
					}
				}
			}
			for _, e := range visible {
				if h := headline(e); h != "" && !strings.Contains(text, h) {
					t.Errorf("the pages never show %s %q, which this reader may see", e.Kind, h)
				}
			}
		})
	}
}

// TestBrowserKindForm drives a real browser through a generic form as a
// Ukrainian negotiator: open the new action item's form from the list,
// submit it with a due date whose year has a digit too many, see the error
// next to the due date with what was entered kept, correct it, and land on
// the new item's page. It skips, saying why, when no browser is installed
// (PARLEY_REQUIRE_BROWSER=1 makes that a failure), like TestBrowserRound.
func TestBrowserKindForm(t *testing.T) {
	testkit.Browser(t) // skips here, before the fixture is built
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)

	bctx := testkit.BrowserContext(t, 90*time.Second,
		// The date field's order of day, month and year follows the locale.
		chromedp.Flag("lang", "en-US"),
	)

	const title = "Brief the delegation on the prisoner exchange"
	err := chromedp.Do(bctx,
		chromedp.Navigate(f.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), ua.Login),
		chromedp.SendKeys(chromedp.ID("password"), ua.Password),
		chromedp.Click(chromedp.CSS(`form.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who .name`)),
		chromedp.Navigate(f.ts.URL+"/k/action-items"),
		chromedp.Click(chromedp.Search(`//a[text()="New action item"]`)),
		chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), title),
		chromedp.SetValue(chromedp.ID("f-owner_party"), "ua"),
		chromedp.SetValue(chromedp.ID("f-status"), "open"),
		// Month, day, then a year with a digit too many: 20266.
		chromedp.Click(chromedp.ID("f-due")),
		chromedp.SendKeys(chromedp.ID("f-due"), "020120266"),
	)
	if err != nil {
		t.Fatalf("filling in the form: %v", err)
	}
	if due, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID("f-due"))); err != nil || due != "20266-02-01" {
		t.Fatalf("the due date reads %q (%v); the test means to submit 20266-02-01", due, err)
	}
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`form.kform button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("f-due-err")),
	)
	if err != nil {
		t.Fatalf("submitting the form: %v", err)
	}
	msg, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("f-due-err")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "20266-02-01") || !strings.Contains(msg, "YYYY-MM-DD") {
		t.Errorf("the error next to the due date says %q", msg)
	}
	if inv, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.ID("f-due"), "aria-invalid")); err != nil || inv.Value != "true" {
		t.Errorf("the due date is not marked invalid: %+v %v", inv, err)
	}
	if kept, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID("f-title"))); err != nil || kept != title {
		t.Errorf("the title reads %q after the error; %q was entered", kept, title)
	}
	if summary, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("form-errors"))); err != nil || !strings.Contains(summary, "Due") {
		t.Errorf("the summary of errors says %q (%v)", summary, err)
	}
	screenshot(t, bctx, "kind-form-error.png", "")

	// The date is shown as written, to be corrected in place.
	err = chromedp.Do(bctx,
		chromedp.Clear(chromedp.ID("f-due")),
		chromedp.SendKeys(chromedp.ID("f-due"), "2026-02-01"),
		chromedp.Click(chromedp.CSS(`form.kform button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.kfacts`)),
	)
	if err != nil {
		t.Fatalf("submitting the corrected form: %v", err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/k/action-items/") || strings.HasSuffix(loc, "/new") {
		t.Errorf("the form led to %s", loc)
	}
	text, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{title, "1 February 2026", "Ukraine", "all parties", "Version 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the new action item's page lacks %q:\n%s", want, text)
		}
	}
	screenshot(t, bctx, "kind-item.png", "")
}

// TestKindListFilters: the generic list filters and orders by what its kind
// declares, shows the filters in a form, and names a bad value. (The cursor
// that keeps them across pages is the API's, tested there.)
func TestKindListFilters(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.signIn(t, f.login(t, "ua", access.RoleNegotiator))
	svc := f.svc // reads below are the truth as ua may see it
	p, err := svc.Login(t.Context(), f.login(t, "ua", access.RoleNegotiator).Login, f.login(t, "ua", access.RoleNegotiator).Password)
	if err != nil {
		t.Fatal(err)
	}
	// Delegations of one party: ua's only, and the form says so.
	res := f.get(t, ua, "/k/delegations?party=ru")
	if res.status != http.StatusOK || !strings.Contains(res.body, `<option value="ru" selected>`) {
		t.Fatalf("GET /k/delegations?party=ru: %d\n%s", res.status, res.body)
	}
	dels, _ := svc.All(t.Context(), &p, "talks.delegation", "")
	for _, d := range dels {
		shown := strings.Contains(res.body, "/k/delegations/"+d.ID)
		if shown != (d.Party == "ru") {
			t.Errorf("delegation %s of %s shown %t under party=ru", d.ID, d.Party, shown)
		}
	}
	// Sessions newest first.
	sessions, _ := svc.All(t.Context(), &p, "talks.session", "")
	if len(sessions) < 2 {
		t.Fatal("the scenario needs two sessions")
	}
	res = f.get(t, ua, "/k/sessions?order=time&desc=true")
	if res.status != http.StatusOK || !strings.Contains(res.body, `name="desc" value="true" checked`) {
		t.Fatalf("GET /k/sessions?order=time&desc=true: %d", res.status)
	}
	latest := sessions[0]
	for _, s := range sessions {
		// Newest first: by time, then the later created (ties at an hour
		// known only to the day).
		if s.At.After(latest.At) || (s.At.Equal(latest.At) && s.CreatedSeq > latest.CreatedSeq) {
			latest = s
		}
	}
	first := strings.Index(res.body, "/k/sessions/01") // the first session's link (ids are UUIDv7)
	if first < 0 || !strings.HasPrefix(res.body[first:], "/k/sessions/"+latest.ID) {
		t.Errorf("the newest session %s (%s) is not listed first", latest.ID, latest.At)
	}
	// Bad values name themselves.
	for _, bad := range []string{"/k/sessions?from=yesterday", "/k/sessions?order=random"} {
		if res := f.get(t, ua, bad); res.status != http.StatusBadRequest || !strings.Contains(strings.ToLower(html.UnescapeString(res.body)), strings.Split(strings.Split(bad, "?")[1], "=")[0]) {
			t.Errorf("GET %s: %d, want 400 naming the parameter", bad, res.status)
		}
	}
}
