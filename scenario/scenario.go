// Package scenario is parley's built-in demo: the January 2026 process
// between a mediator (the United States) and two parties (Ukraine and
// Russia) as BRIEF.md reports it. It commits everything through the same
// path as any user (app.Service), as the principal who would have written
// it, so the demo exercises the real commit path, roles and audiences.
//
// The parties are data here and nowhere else. Items marked "illustrative"
// (some confidential action items) are not from the reports: they exist to
// show how confidential records behave.
package scenario

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
)

// Login is one demo sign-in, printed by `parley demo`.
type Login struct {
	Login    string
	Password string
	Name     string
	Party    string
	Roles    []access.Role
	About    string
	// SigningKey is the private note key of a capital approver, a
	// negotiator, a monitor or a meter operator, made fresh by Load and registered as its
	// key, with which its approvals, confirmations and verification steps
	// are signed (parley sign). Empty for other roles.
	SigningKey string
}

// Logins are the demo's principals, one per demo role.
var Logins = []Login{
	{Login: "us-mediator", Password: "demo-us-mediator", Name: "Mediator staff (demo)", Party: "us", Roles: []access.Role{access.RoleMediator, access.RoleAdmin}, About: "mediator: sees all parties' records and each party's mediator channel"},
	{Login: "ua-negotiator", Password: "demo-ua-negotiator", Name: "Ukrainian delegation staff (demo)", Party: "ua", Roles: []access.Role{access.RoleNegotiator}, About: "party negotiator: sees Ukraine's confidential items, never Russia's"},
	{Login: "ru-negotiator", Password: "demo-ru-negotiator", Name: "Russian delegation staff (demo)", Party: "ru", Roles: []access.Role{access.RoleNegotiator}, About: "party negotiator: sees Russia's confidential items, never Ukraine's"},
	{Login: "ua-capital", Password: "demo-ua-capital", Name: "Kyiv approver (demo)", Party: "ua", Roles: []access.Role{access.RoleApprover}, About: "capital approver for Ukraine"},
	{Login: "ru-capital", Password: "demo-ru-capital", Name: "Moscow approver (demo)", Party: "ru", Roles: []access.Role{access.RoleApprover}, About: "capital approver for Russia"},
	{Login: "us-capital", Password: "demo-us-capital", Name: "Washington approver (demo)", Party: "us", Roles: []access.Role{access.RoleApprover}, About: "capital approver for the mediator: Washington decides too"},
	{Login: "us-monitor", Password: "demo-us-monitor", Name: "Monitoring mission staff (demo)", Party: "us", Roles: []access.Role{access.RoleMonitor}, About: "the mediator's monitor: records zones and the reports of strikes from every channel"},
	{Login: "us-meters", Password: "demo-us-meters", Name: "Meter operator of the mediator (demo)", Party: "us", Roles: []access.Role{energy.RoleMeterOperator}, About: "meter operator: submits the plant's unit and station-use readings, signed"},
	{Login: "ua-meters", Password: "demo-ua-meters", Name: "Ukrainian grid meter operator (demo)", Party: "ua", Roles: []access.Role{energy.RoleMeterOperator}, About: "meter operator: submits the readings of the delivery point into Ukraine's grid, signed"},
	{Login: "ru-meters", Password: "demo-ru-meters", Name: "Russian grid meter operator (demo)", Party: "ru", Roles: []access.Role{energy.RoleMeterOperator}, About: "meter operator: submits the readings of the delivery point into Russia's grid, signed"},
	{Login: "nato-reviewer", Password: "demo-nato-reviewer", Name: "Alliance reviewer (demo)", Party: "nato", Roles: []access.Role{access.RoleReviewer}, About: "reviewer outside the parties: sees only the clauses shared with it"},
	{Login: "ae-observer", Password: "demo-ae-observer", Name: "Host observer (demo)", Party: "ae", Roles: []access.Role{access.RoleObserver}, About: "observer (host state): sees public records, and those addressed to its party (its illustrative pledge not yet announced)"},
}

// loader commits the scenario and remembers the ids it was given.
type loader struct {
	ctx  context.Context
	svc  *app.Service
	as   map[string]access.Principal // by login
	ids  map[string]string           // scenario key -> entity id
	keys map[string]string           // login -> signing key
	errs error
}

func (l *loader) create(login, key, kind string, v any, aud *record.Audience) string {
	if l.errs != nil {
		return ""
	}
	body, err := json.Marshal(v)
	if err == nil && aud != nil {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		m["audience"] = aud
		body, err = json.Marshal(m)
	}
	if err != nil {
		l.errs = fmt.Errorf("scenario %s: %w", key, err)
		return ""
	}
	return l.commit(login, key, kind, body)
}

// commit commits body as login and remembers the entity's id under key.
func (l *loader) commit(login, key, kind string, body []byte) string {
	w, err := l.svc.Create(l.ctx, l.as[login], kind, body)
	if err != nil {
		l.errs = fmt.Errorf("scenario %s: couldn't commit %s: %w", key, kind, err)
		return ""
	}
	if key != "" {
		l.ids[key] = w.Entity.ID
	}
	return w.Entity.ID
}

func (l *loader) id(key string) string { return l.ids[key] }

func (l *loader) idList(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = l.ids[k]
	}
	return out
}

var (
	public  = &record.Audience{Scope: record.Public}
	parties = &record.Audience{Scope: record.Parties}
)

func only(party string) *record.Audience {
	return &record.Audience{Scope: record.PartyOnly, Party: party}
}

func withMediator(party string) *record.Audience {
	return &record.Audience{Scope: record.PartyMediator, Party: party}
}

// day is a calendar day in a place's own offset, for sessions whose hour the
// reports do not give (their precision says so).
func day(date, offset string) time.Time {
	t, err := time.Parse(time.RFC3339, date+"T00:00:00"+offset)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Registry returns the domains the demo runs: the one place besides the
// binary's wiring that names them.
func Registry() *parley.Registry {
	return parley.MustRegistry(talks.Domain{}, negotiation.Domain{}, monitor.Domain{}, ceasefire.Domain{}, energy.Domain{}, reconstruction.Domain{}, translation.Domain{})
}

// The four news reports the brief draws on, as sources.
var (
	reportA = talks.Source{Name: "News report A", Published: "2026-01-24"}
	reportB = talks.Source{Name: "News report B", Published: "2026-01-24"}
	reportC = talks.Source{Name: "News report C", Published: "2026-01-25"}
	reportD = talks.Source{Name: "News report D", Published: "2026-01-25"}
)

// Load commits the demo process into an empty installation and adds the
// demo principals, with a fresh signing key for each capital approver. It
// fails on an installation that has parties already. The process as
// reported had no approvals yet, and the demo commits none.
func Load(ctx context.Context, svc *app.Service) ([]Login, error) {
	if err := svc.Bootstrap(ctx, &talks.Party{ID: "us", Name: "United States", Role: access.ProcessMediator,
		Note: "Mediator of the process"}); err != nil {
		return nil, fmt.Errorf("scenario: couldn't create the mediator: %w", err)
	}
	l := &loader{ctx: ctx, svc: svc, as: map[string]access.Principal{}, ids: map[string]string{}, keys: map[string]string{}}
	admin := Logins[0]
	p, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: admin.Login, Name: admin.Name, Party: admin.Party, Roles: admin.Roles, Password: admin.Password})
	if err != nil {
		return nil, fmt.Errorf("scenario: couldn't add %s: %w", admin.Login, err)
	}
	l.as[admin.Login] = p

	l.create("us-mediator", "", talks.KindParty, talks.Party{ID: "ua", Name: "Ukraine", Role: access.ProcessParty}, nil)
	l.create("us-mediator", "", talks.KindParty, talks.Party{ID: "ru", Name: "Russia", Role: access.ProcessParty}, nil)
	l.create("us-mediator", "", talks.KindParty, talks.Party{ID: "ae", Name: "United Arab Emirates", Role: access.ProcessObserver, Note: "Host of the Abu Dhabi rounds"}, nil)
	l.create("us-mediator", "", talks.KindParty, talks.Party{ID: "nato", Name: "NATO", Role: access.ProcessObserver, Note: "Reviews the security protocols"}, nil)
	if l.errs != nil {
		return nil, l.errs
	}
	for _, lg := range Logins[1:] {
		p, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: lg.Login, Name: lg.Name, Party: lg.Party, Roles: lg.Roles, Password: lg.Password})
		if err != nil {
			return nil, fmt.Errorf("scenario: couldn't add %s: %w", lg.Login, err)
		}
		l.as[lg.Login] = p
	}
	logins := append([]Login(nil), Logins...)
	for i, lg := range logins {
		if !slices.ContainsFunc(lg.Roles, func(r access.Role) bool {
			return r == access.RoleApprover || r == access.RoleNegotiator || r == access.RoleMonitor || r == energy.RoleMeterOperator
		}) {
			continue
		}
		skey, vkey, err := note.GenerateKey(rand.Reader, lg.Login)
		if err == nil {
			err = svc.RegisterKey(ctx, lg.Login, vkey)
		}
		if err != nil {
			return nil, fmt.Errorf("scenario: couldn't give %s a signing key: %w", lg.Login, err)
		}
		logins[i].SigningKey = skey
		l.keys[lg.Login] = skey
	}
	l.people()
	l.rounds()
	l.agenda()
	l.actions()
	l.statements()
	l.negotiation()
	l.monitoring()
	l.article()
	l.ceasefire()
	l.energy()
	l.reconstruction()
	l.translations()
	if l.errs != nil {
		return nil, l.errs
	}
	return logins, nil
}

func (l *loader) people() {
	person := func(key, party, name string, titles ...talks.SourcedTitle) {
		l.create("us-mediator", key, talks.KindPerson, talks.Person{Name: name, PartyID: party, Titles: titles}, public)
	}
	t := func(title string, src talks.Source) talks.SourcedTitle {
		return talks.SourcedTitle{Title: title, Source: src.Name}
	}
	person("trump", "us", "Donald Trump", t("President of the United States", reportA))
	person("witkoff", "us", "Steve Witkoff", t("Special envoy", reportA))
	person("kushner", "us", "Jared Kushner", t("Adviser", reportA))
	person("gruenbaum", "us", "Josh Gruenbaum", t("Senior adviser", reportA))
	person("driscoll", "us", "Dan Driscoll", t("Secretary of the Army", reportA))
	person("grynkewich", "us", "Gen. Alexus Grynkewich", t("Commander, US European Command", reportA))

	person("zelenskyy", "ua", "Volodymyr Zelenskyy", t("President of Ukraine", reportA))
	person("budanov", "ua", "Kyrylo Budanov", t("Chief of the president's office", reportA))
	// The reports disagree on Umerov's title; both versions are kept.
	person("umerov", "ua", "Rustem Umerov", t("National security adviser", reportA), t("Chief negotiator", reportB))
	person("hnatov", "ua", "Andrii Hnatov", t("Chief of the general staff", reportA))
	person("kyslytsya", "ua", "Sergiy Kyslytsya", t("Adviser", reportA))
	person("arakhamia", "ua", "Davyd Arakhamia", t("Adviser", reportA))
	person("tkachenko", "ua", "Tymur Tkachenko", t("Head of the Kyiv City Military Administration", reportC))
	person("syniehubov", "ua", "Oleh Syniehubov", t("Head of the Kharkiv regional administration", reportC))

	person("putin", "ru", "Vladimir Putin", t("President of Russia", reportA))
	person("ushakov", "ru", "Yuri Ushakov", t("Kremlin aide", reportA))
	person("kostyukov", "ru", "Adm. Igor Kostyukov", t("Head of military intelligence", reportA))
}

func (l *loader) rounds() {
	const gulf, moscow, swiss = "+04:00", "+03:00", "+01:00"
	round := func(key string, r talks.Round) { l.create("us-mediator", key, talks.KindRound, r, public) }
	session := func(key string, s talks.Session, aud *record.Audience) {
		l.create("us-mediator", key, talks.KindSession, s, aud)
	}

	round("geneva", talks.Round{Name: "Geneva consultations", Place: "Geneva, Switzerland", StartsOn: "2025-11-01", EndsOn: "2025-11-30",
		Precision: talks.PrecisionMonth, Status: talks.RoundConcluded,
		Summary: "US and Ukrainian representatives meet; Russia is not present."})
	session("geneva-1", talks.Session{RoundID: l.id("geneva"), Title: "US-Ukrainian consultations", Format: talks.FormatBilateral,
		StartsAt: day("2025-11-01", swiss), Precision: talks.PrecisionMonth, Place: "Geneva", MediatorPresent: true,
		Parties: []string{"us", "ua"}}, public)

	round("davos", talks.Round{Name: "Davos meeting", Place: "Davos, Switzerland", StartsOn: "2026-01-22", EndsOn: "2026-01-22",
		Status: talks.RoundConcluded, Summary: "The US president meets the Ukrainian president; air defence commitments are made."})
	session("davos-1", talks.Session{RoundID: l.id("davos"), Title: "Meeting of the US and Ukrainian presidents", Format: talks.FormatLeaders,
		StartsAt: day("2026-01-22", swiss), Precision: talks.PrecisionDay, Place: "Davos", MediatorPresent: true,
		Parties: []string{"us", "ua"}, Attendees: l.idList("trump", "zelenskyy"),
		Summary: "Air defence commitments made."}, public)

	round("kremlin", talks.Round{Name: "Kremlin meeting", Place: "Moscow, Russia", StartsOn: "2026-01-22", EndsOn: "2026-01-23",
		Status:  talks.RoundConcluded,
		Summary: "US envoys meet the Russian president at the Kremlin from shortly before midnight into the early hours, about four hours.",
		Outcome: "Kremlin aide Yuri Ushakov calls the meeting substantive; territory remains the condition for a lasting deal."})
	ends := at("2026-01-23T03:45:00" + moscow)
	session("kremlin-1", talks.Session{RoundID: l.id("kremlin"), Title: "US envoys with the Russian president", Format: talks.FormatBilateral,
		StartsAt: at("2026-01-22T23:45:00" + moscow), EndsAt: &ends, Precision: talks.PrecisionDay, Place: "Kremlin, Moscow", MediatorPresent: true,
		Parties: []string{"us", "ru"}, Attendees: l.idList("witkoff", "kushner", "gruenbaum", "putin"),
		Summary: "About four hours, from shortly before midnight."}, public)

	round("abudhabi-1", talks.Round{Name: "Abu Dhabi, first trilateral round", Place: "Abu Dhabi, United Arab Emirates",
		StartsOn: "2026-01-23", EndsOn: "2026-01-24", Status: talks.RoundConcluded,
		Summary: "First known trilateral round: the first time Russian and Ukrainian negotiators sit together with US mediation. Everything was discussed.",
		Outcome: "No breakthrough announced. All parties agreed to report to their capitals on each aspect of the negotiations and to coordinate further steps with their leaders. Next round: Abu Dhabi, tentatively 1 February 2026."})
	usDel := l.idList("witkoff", "kushner", "gruenbaum", "driscoll", "grynkewich")
	uaDel := l.idList("budanov", "umerov", "hnatov", "kyslytsya", "arakhamia")
	ruDel := l.idList("kostyukov")
	all := append(append(append([]string{}, usDel...), uaDel...), ruDel...)
	both := append(append([]string{}, uaDel...), ruDel...)
	r1 := l.id("abudhabi-1")
	session("ad-plenary", talks.Session{RoundID: r1, Title: "Plenary session", Format: talks.FormatPlenary,
		StartsAt: day("2026-01-23", gulf), Precision: talks.PrecisionDay, Place: "Abu Dhabi", MediatorPresent: true,
		Parties: []string{"us", "ua", "ru"}, Attendees: all}, public)
	session("ad-joint", talks.Session{RoundID: r1, Title: "Joint session with the US mediators", Format: talks.FormatJoint,
		StartsAt: day("2026-01-23", gulf), Precision: talks.PrecisionDay, Place: "Abu Dhabi", MediatorPresent: true,
		Parties: []string{"us", "ua", "ru"}}, parties)
	session("ad-groups", talks.Session{RoundID: r1, Title: "Separate Russian-Ukrainian working groups", Format: talks.FormatWorkingGroup,
		StartsAt: day("2026-01-23", gulf), Precision: talks.PrecisionDay, Place: "Abu Dhabi", MediatorPresent: false,
		Parties: []string{"ua", "ru"}, Summary: "After the plenary."}, parties)
	session("ad-shuttle", talks.Session{RoundID: r1, Title: "US mediators moving between the working groups", Format: talks.FormatShuttle,
		StartsAt: day("2026-01-23", gulf), Precision: talks.PrecisionDay, Place: "Abu Dhabi", MediatorPresent: true,
		Parties: []string{"us", "ua", "ru"}}, parties)
	session("ad-direct", talks.Session{RoundID: r1, Title: "Direct Russian-Ukrainian meeting", Format: talks.FormatDirect,
		StartsAt: day("2026-01-24", gulf), Precision: talks.PrecisionDay, Place: "Abu Dhabi", MediatorPresent: false,
		Parties: []string{"ua", "ru"}, Attendees: both, Summary: "Without US officials present."}, parties)
	session("ad-lunch", talks.Session{RoundID: r1, Title: "Joint lunch closing day two", Format: talks.FormatSocial,
		StartsAt: day("2026-01-24", gulf), Precision: talks.PrecisionDay, Place: "Abu Dhabi", MediatorPresent: true,
		Parties: []string{"us", "ua", "ru"}}, public)

	delegation := func(login, party string, ms []talks.Member, note string) {
		l.create(login, "", talks.KindDelegation, talks.Delegation{RoundID: r1, PartyID: party, Members: ms, Note: note}, public)
	}
	m := func(key string, role talks.DelegationRole, title string) talks.Member {
		return talks.Member{PersonID: l.id(key), Role: role, Title: title}
	}
	delegation("us-mediator", "us", []talks.Member{
		m("witkoff", talks.DelegationHead, "Special envoy"), m("kushner", talks.DelegationAdviser, "Adviser"),
		m("gruenbaum", talks.DelegationAdviser, "Senior adviser"), m("driscoll", talks.DelegationNegotiator, "Secretary of the Army"),
		m("grynkewich", talks.DelegationMilitary, "Commander, US European Command")}, "")
	delegation("ua-negotiator", "ua", []talks.Member{
		m("budanov", talks.DelegationNegotiator, "Chief of the president's office"),
		m("umerov", talks.DelegationHead, "Chief negotiator (one report); national security adviser (another)"),
		m("hnatov", talks.DelegationMilitary, "Chief of the general staff"),
		m("kyslytsya", talks.DelegationAdviser, "Adviser"), m("arakhamia", talks.DelegationAdviser, "Adviser")}, "")
	delegation("ru-negotiator", "ru", []talks.Member{m("kostyukov", talks.DelegationHead, "Head of military intelligence")},
		"Led by Admiral Kostyukov; representatives of military intelligence and the army.")

	round("abudhabi-2", talks.Round{Name: "Abu Dhabi, second trilateral round", Place: "Abu Dhabi, United Arab Emirates",
		StartsOn: "2026-02-01", EndsOn: "2026-02-01", Status: talks.RoundTentative,
		Summary: "Next round, tentatively 1 February 2026. A leaders' meeting is still some distance away; negotiators may first meet on each other's soil."})
}

func (l *loader) agenda() {
	aspect := func(key string, order int, title, summary string) {
		l.create("us-mediator", key, talks.KindAspect, talks.Aspect{Title: title, Summary: summary, Status: talks.AspectDiscussed, Order: order}, public)
	}
	aspect("territory", 1, "Territory", "One party demands the other's withdrawal from the parts of Donetsk region it still holds (Donbas); the other rejects it. The central sticking point.")
	aspect("znpp", 2, "Zaporizhzhia Nuclear Power Plant and its electricity", "Europe's largest plant, six units, about 6 GW. No agreement on oversight and operation; the electricity it produces would be shared on an equitable basis; ultimate control unresolved.")
	aspect("sequencing", 3, "Ceasefire sequencing", "A ceasefire possibly preceding a comprehensive settlement; phased steps; de-escalation measures that would signal a definitive end to the war.")
	aspect("monitoring", 4, "Monitoring", "Monitoring and control of the process of ending the war by the mediator.")
	aspect("guarantees", 5, "Security guarantees", "Security protocols at an advanced stage, reviewed by NATO and by US military and national-security leadership. NATO membership is disputed.")
	aspect("airdefence", 6, "Air defence", "Full implementation of what was agreed in Davos.")
	aspect("economy", 7, "Economy and reconstruction", "The prosperity plan for reconstruction (about USD 800 billion); interest in trade with the mediator.")
}

func (l *loader) actions() {
	r1 := l.id("abudhabi-1")
	action := func(login string, a talks.ActionItem, aud *record.Audience) {
		a.RoundID = r1
		if a.Status == "" {
			a.Status = talks.ActionOpen
		}
		l.create(login, "", talks.KindAction, a, aud)
	}
	for _, p := range []struct{ party, capital string }{{"us", "Washington"}, {"ua", "Kyiv"}, {"ru", "Moscow"}} {
		action("us-mediator", talks.ActionItem{Title: "Report to " + p.capital + " on each aspect of the negotiations and coordinate further steps with the leadership",
			OwnerParty: p.party, Due: "2026-02-01"}, parties)
	}
	action("us-mediator", talks.ActionItem{Title: "Confirm the date of the next round in Abu Dhabi", OwnerParty: "us", Due: "2026-01-30"}, parties)
	const illustrative = "Illustrative item of the demo scenario, not from the reports."
	action("ua-negotiator", talks.ActionItem{Title: "Prepare the delegation's internal assessment of the territory discussion for Kyiv",
		OwnerParty: "ua", OwnerID: l.id("umerov"), AspectID: l.id("territory"), Due: "2026-01-28", Note: illustrative}, only("ua"))
	action("ua-negotiator", talks.ActionItem{Title: "Send the mediator the list of Davos air defence commitments awaiting implementation",
		OwnerParty: "ua", AspectID: l.id("airdefence"), Due: "2026-01-29", Note: illustrative}, withMediator("ua"))
	action("ru-negotiator", talks.ActionItem{Title: "Prepare the delegation's internal assessment of the round for Moscow",
		OwnerParty: "ru", OwnerID: l.id("kostyukov"), Due: "2026-01-28", Note: illustrative}, only("ru"))
	action("ru-negotiator", talks.ActionItem{Title: "Tell the mediator the composition of the delegation for the next round",
		OwnerParty: "ru", Due: "2026-01-30", Note: illustrative}, withMediator("ru"))
	action("us-mediator", talks.ActionItem{Title: "Draft the mediator's summary of positions on each aspect for the next round",
		OwnerParty: "us", Due: "2026-01-31", Note: illustrative}, only("us"))
}

func (l *loader) statements() {
	st := func(s talks.Statement) { l.create("us-mediator", "", talks.KindStatement, s, public) }
	r1, kremlin := l.id("abudhabi-1"), l.id("kremlin")
	st(talks.Statement{SpeakerName: "Ministry of Economy of Ukraine", PartyID: "ua", SaidAt: day("2026-01-03", "+02:00"), Precision: talks.PrecisionDay,
		Text:   "Publishes a prosperity plan: attract public and private investment from the US, the EU and the G7 to cover an estimated USD 800 billion of post-war reconstruction and economic recovery.",
		Source: reportA, AspectID: l.id("economy")})
	st(talks.Statement{SpeakerName: "Yuri Ushakov", SpeakerID: l.id("ushakov"), PartyID: "ru", SaidAt: day("2026-01-23", "+03:00"), Precision: talks.PrecisionDay,
		Text:  "Calls the Kremlin meeting with the US envoys substantive; territory remains the condition for a lasting deal.",
		Place: "Moscow", Source: reportA, RoundID: kremlin, AspectID: l.id("territory")})
	st(talks.Statement{SpeakerName: "Ukrainian delegation", PartyID: "ua", SaidAt: day("2026-01-23", "+04:00"), Precision: talks.PrecisionDay,
		Text:   "Insists on \"American monitoring and control of the process of ending the war and ensuring real security\".",
		Source: reportB, RoundID: r1, AspectID: l.id("monitoring")})
	st(talks.Statement{SpeakerName: "Volodymyr Zelenskyy", SpeakerID: l.id("zelenskyy"), PartyID: "ua", SaidAt: day("2026-01-24", "+02:00"), Precision: talks.PrecisionDay,
		Text:   "Russia fired 370 attack drones and 21 missiles of various types at Kyiv and other cities overnight; residential areas and energy infrastructure were hit.",
		Source: reportB, RoundID: r1})
	l.create("us-mediator", "kyiv-casualties", talks.KindStatement, talks.Statement{SpeakerName: "Tymur Tkachenko", SpeakerID: l.id("tkachenko"), PartyID: "ua",
		SaidAt: day("2026-01-24", "+02:00"), Precision: talks.PrecisionDay,
		Text: "In Kyiv, one person was killed and four wounded by drone attacks.", Place: "Kyiv", Source: reportC, RoundID: r1}, public)
	st(talks.Statement{SpeakerName: "Oleh Syniehubov", SpeakerID: l.id("syniehubov"), PartyID: "ua", SaidAt: day("2026-01-24", "+02:00"), Precision: talks.PrecisionDay,
		Text: "In Kharkiv, 27 people were wounded.", Place: "Kharkiv", Source: reportC, RoundID: r1})
	st(talks.Statement{SpeakerName: "Russian state media", PartyID: "ru", SaidAt: day("2026-01-24", "+03:00"), Precision: talks.PrecisionDay,
		Text: "Report attacks targeting Belgorod (Russia) on 24 January.", Place: "Belgorod", Source: reportD, RoundID: r1})
	st(talks.Statement{SpeakerName: "Foreign minister of Ukraine", PartyID: "ua", SaidAt: day("2026-01-24", "+02:00"), Precision: talks.PrecisionDay,
		Text: "The strikes \"hit not only our people, but also the negotiation table\".", Source: reportB, RoundID: r1})
	st(talks.Statement{SpeakerName: "Participants of the round", SaidAt: day("2026-01-24", "+04:00"), Precision: talks.PrecisionDay,
		Text:  "All parties agreed to report to their capitals on each aspect of the negotiations and to coordinate further steps with their leaders.",
		Place: "Abu Dhabi", Source: reportA, RoundID: r1})
	st(talks.Statement{SpeakerName: "Participants of the round", SaidAt: day("2026-01-24", "+04:00"), Precision: talks.PrecisionDay,
		Text:  "A leaders' meeting (between the two parties' presidents, or trilateral with the US president) is still some distance away; negotiators may first meet on each other's soil.",
		Place: "Abu Dhabi", Source: reportD, RoundID: r1})
}
