package negotiationweb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/web"
	"github.com/parley-project/parley/worddiff"
)

type item[T any] = web.Item[T]

// names resolves the ids the pages show into what people read, from what
// the caller may see.
type names struct {
	parties map[string]*negotiation.Party
	aspects map[string]*negotiation.Aspect
	people  map[string]*negotiation.Person
	clauses map[string]*negotiation.Clause
}

func (x *Section) names(ctx context.Context, caller *access.Principal) (*names, error) {
	var n names
	var err error
	if n.parties, err = web.ByID[negotiation.Party](ctx, x.svc(), caller, negotiation.PartyKind); err != nil {
		return nil, err
	}
	if n.aspects, err = web.ByID[negotiation.Aspect](ctx, x.svc(), caller, negotiation.AspectKind); err != nil {
		return nil, err
	}
	if n.people, err = web.ByID[negotiation.Person](ctx, x.svc(), caller, negotiation.PersonKind); err != nil {
		return nil, err
	}
	if n.clauses, err = web.ByID[negotiation.Clause](ctx, x.svc(), caller, negotiation.KindClause); err != nil {
		return nil, err
	}
	return &n, nil
}

// Party returns a party's name, or its id.
func (n *names) Party(id string) string {
	if p := n.parties[id]; p != nil {
		return p.Name
	}
	return id
}

// Aspect returns an aspect's title, or "" if the caller may not see it.
func (n *names) Aspect(id string) string {
	if a := n.aspects[id]; a != nil {
		return a.Title
	}
	return ""
}

// Person returns a person's name, or "".
func (n *names) Person(id string) string {
	if p := n.people[id]; p != nil {
		return p.Name
	}
	return ""
}

// Parties returns the parties' names, or their ids, joined with commas.
func (n *names) Parties(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = n.Party(id)
	}
	return strings.Join(out, ", ")
}

// Clause returns a clause's number and title, or "".
func (n *names) Clause(id string) string {
	if c := n.clauses[id]; c != nil {
		return c.Label()
	}
	return ""
}

// LoadBoard loads what the stages follow from, as the caller sees it.
func LoadBoard(ctx context.Context, svc *app.Service, caller *access.Principal) (*negotiation.Board, error) {
	b := &negotiation.Board{}
	ps, err := web.Load[negotiation.Party](ctx, svc, caller, negotiation.PartyKind, "")
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		b.Parties = append(b.Parties, p.V)
	}
	if b.Texts, err = web.ByID[negotiation.Text](ctx, svc, caller, negotiation.KindText); err != nil {
		return nil, err
	}
	if b.Clauses, err = entities[negotiation.Clause](ctx, svc, caller, negotiation.KindClause); err != nil {
		return nil, err
	}
	if b.Packages, err = entities[negotiation.Package](ctx, svc, caller, negotiation.KindPackage); err != nil {
		return nil, err
	}
	if b.Rules, err = entities[negotiation.Rule](ctx, svc, caller, negotiation.KindRule); err != nil {
		return nil, err
	}
	if b.Confirmations, err = decisions[negotiation.Confirmation](ctx, svc, caller, negotiation.KindConfirmation); err != nil {
		return nil, err
	}
	if b.Reports, err = decisions[negotiation.Report](ctx, svc, caller, negotiation.KindReport); err != nil {
		return nil, err
	}
	if b.Approvals, err = decisions[negotiation.Approval](ctx, svc, caller, negotiation.KindApproval); err != nil {
		return nil, err
	}
	b.PackageApprovals, err = decisions[negotiation.PackageApproval](ctx, svc, caller, negotiation.KindPackageApproval)
	return b, err
}

// entities loads every entity of a kind the caller sees, as the stages read
// them.
func entities[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind string) ([]negotiation.Item[*T], error) {
	items, err := web.Load[T](ctx, svc, caller, kind, "")
	out := make([]negotiation.Item[*T], len(items))
	for i, it := range items {
		out[i] = negotiation.Item[*T]{ID: it.ID, RecordID: it.RecordID, V: it.V}
	}
	return out, err
}

// decisions loads every decision of a kind the caller sees, with the
// version it was made on and its place in the order of commits.
func decisions[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind string) ([]negotiation.Decided[*T], error) {
	items, err := web.Load[T](ctx, svc, caller, kind, "")
	out := make([]negotiation.Decided[*T], len(items))
	for i, it := range items {
		out[i] = negotiation.Decided[*T]{ID: it.ID, On: it.On, Seq: it.CreatedSeq, V: it.V}
	}
	return out, err
}

// sortClauses orders clauses as the text reads: by aspect on the agenda,
// then by their order and number.
func sortClauses(cs []negotiation.Item[*negotiation.Clause], n *names) {
	slices.SortStableFunc(cs, func(a, b negotiation.Item[*negotiation.Clause]) int {
		oa, ob := 0, 0
		if x := n.aspects[a.V.AspectID]; x != nil {
			oa = x.Order
		}
		if x := n.aspects[b.V.AspectID]; x != nil {
			ob = x.Order
		}
		return cmp.Or(cmp.Compare(oa, ob), cmp.Compare(a.V.Order, b.V.Order), cmp.Compare(a.V.Number, b.V.Number))
	})
}

type positionsView struct {
	Aspects []aspectPositions
	// Received and Sent are the relays the caller's party received and
	// those it (or the mediator for it) sent; the mediator sees all.
	Received, Sent []item[negotiation.Relay]
	Consents       []item[negotiation.Consent]
	// May says which of positions, consents and relays the caller writes.
	May map[string]bool
}

type aspectPositions struct {
	ID        string
	Title     string
	Positions []item[negotiation.Position]
}

func (x *Section) positions(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	if caller == nil {
		return web.ErrNotFound
	}
	n, err := x.names(ctx, caller)
	if err != nil {
		return err
	}
	ps, err := web.Load[negotiation.Position](ctx, x.svc(), caller, negotiation.KindPosition, "")
	if err != nil {
		return err
	}
	aspects, err := web.Load[negotiation.Aspect](ctx, x.svc(), caller, negotiation.AspectKind, "")
	if err != nil {
		return err
	}
	slices.SortStableFunc(aspects, func(a, b item[negotiation.Aspect]) int { return cmp.Compare(a.V.Order, b.V.Order) })
	v := positionsView{May: x.may(caller, negotiation.KindPosition, negotiation.KindConsent, negotiation.KindRelay)}
	for _, a := range aspects {
		ap := aspectPositions{ID: a.ID, Title: a.V.Title}
		for _, p := range ps {
			if p.V.AspectID == a.ID {
				ap.Positions = append(ap.Positions, p)
			}
		}
		if len(ap.Positions) > 0 {
			v.Aspects = append(v.Aspects, ap)
		}
	}
	relays, err := web.Load[negotiation.Relay](ctx, x.svc(), caller, negotiation.KindRelay, "")
	if err != nil {
		return err
	}
	for _, rl := range relays {
		if rl.V.Recipient == caller.Party {
			v.Received = append(v.Received, rl)
		} else {
			v.Sent = append(v.Sent, rl)
		}
	}
	if v.Consents, err = web.Load[negotiation.Consent](ctx, x.svc(), caller, negotiation.KindConsent, ""); err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "positions", web.Page{Title: web.T(r, "Positions"), Nav: "positions", Names: n, Data: v})
	return nil
}

// may says which kinds the caller may write for its own party: the pages
// offer only the actions the caller can take.
func (x *Section) may(caller *access.Principal, kinds ...string) map[string]bool {
	out := map[string]bool{}
	if caller == nil {
		return out
	}
	for _, k := range kinds {
		out[k] = x.svc().Authorized(*caller, k, caller.Party) == nil
	}
	return out
}

// version is one version of an entity with its decoded body.
type version[T any] struct {
	app.Version
	V *T
}

func history[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind, id string) ([]version[T], error) {
	vs, err := svc.History(ctx, caller, kind, id)
	if err != nil {
		return nil, err
	}
	out := make([]version[T], len(vs))
	for i, v := range vs {
		out[i].Version = v
		out[i].V = new(T)
		if err := json.Unmarshal(v.Body, out[i].V); err != nil {
			return nil, fmt.Errorf("couldn't read version %d of %s: %w", v.N, id, err)
		}
	}
	return out, nil
}

type positionView struct {
	May      map[string]bool
	Item     item[negotiation.Position]
	Versions []version[negotiation.Position]
	// Diff is between the last two versions, if there are two.
	Diff []worddiff.Chunk
}

func (x *Section) position(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, id := r.Context(), r.PathValue("id")
	p, err := web.Get[negotiation.Position](ctx, x.svc(), caller, negotiation.KindPosition, id)
	if err != nil {
		return err
	}
	v := positionView{Item: p, May: x.may(caller, negotiation.KindPosition, negotiation.KindConsent)}
	if v.Versions, err = history[negotiation.Position](ctx, x.svc(), caller, negotiation.KindPosition, id); err != nil {
		return err
	}
	if n := len(v.Versions); n > 1 {
		v.Diff = worddiff.Diff(v.Versions[n-2].V.Text, v.Versions[n-1].V.Text)
	}
	n, err := x.names(ctx, caller)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "position", web.Page{Title: web.T(r, "Position of %s", n.Party(p.V.PartyID)), Nav: "positions", Names: n, Data: v})
	return nil
}

// relayProof downloads the proof that a relay's words were taken from the
// position as committed, for `parley verify`.
func (x *Section) relayProof(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	p, err := x.svc().ExcerptProof(r.Context(), caller, negotiation.KindRelay, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="relay-`+r.PathValue("id")+`-proof.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(body)
	return err
}

type textView struct {
	Texts []textSection
	May   map[string]bool
}

type textSection struct {
	ID       string
	Text     *negotiation.Text
	Audience any
	Aspects  []clauseGroup
	Rules    []*negotiation.Rule
	Packages []*negotiation.Package
}

type clauseGroup struct {
	AspectID string
	Title    string
	Clauses  []*negotiation.State
}

// group groups the states of a text's clauses by aspect, in text order.
func group(p *i18n.Printer, b *negotiation.Board, states map[string]*negotiation.State, textID string, n *names) []clauseGroup {
	cs := slices.Clone(b.Clauses)
	sortClauses(cs, n)
	var out []clauseGroup
	for _, c := range cs {
		if c.V.TextID != textID {
			continue
		}
		if len(out) == 0 || out[len(out)-1].AspectID != c.V.AspectID {
			out = append(out, clauseGroup{AspectID: c.V.AspectID, Title: cmp.Or(n.Aspect(c.V.AspectID), p.T("An aspect not shown"))})
		}
		g := &out[len(out)-1]
		g.Clauses = append(g.Clauses, states[c.ID])
	}
	return out
}

func (x *Section) text(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	b, err := LoadBoard(ctx, x.svc(), caller)
	if err != nil {
		return err
	}
	n, err := x.names(ctx, caller)
	if err != nil {
		return err
	}
	texts, err := web.Load[negotiation.Text](ctx, x.svc(), caller, negotiation.KindText, "")
	if err != nil {
		return err
	}
	states := b.States()
	v := textView{May: x.may(caller, negotiation.KindClause)}
	for _, t := range texts {
		s := textSection{ID: t.ID, Text: t.V, Audience: t.Audience, Aspects: group(web.Printer(r), b, states, t.ID, n)}
		for _, rl := range b.Rules {
			if rl.V.TextID == t.ID {
				s.Rules = append(s.Rules, rl.V)
			}
		}
		for _, p := range b.Packages {
			if p.V.TextID == t.ID {
				s.Packages = append(s.Packages, p.V)
			}
		}
		v.Texts = append(v.Texts, s)
	}
	x.site.Render(w, r, caller, http.StatusOK, "text", web.Page{Title: web.T(r, "Negotiating text"), Nav: "text", Names: n, Data: v})
	return nil
}

type clauseView struct {
	Item  item[negotiation.Clause]
	State *negotiation.State
	// Blocked are the sequencing rules that stop the clause's next moves,
	// in the reader's language.
	Blocked  []string
	Versions []version[negotiation.Clause]
	From, To int
	Diff     []worddiff.Chunk
	// Decisions on the clause, every version's, newest first.
	Confirmations []item[negotiation.Confirmation]
	Reports       []item[negotiation.Report]
	Approvals     []item[negotiation.Approval]
	// PackageApprovals are the decisions on packages that list the clause.
	PackageApprovals []item[negotiation.PackageApproval]
	Reviews          []item[negotiation.Review]
	// VersionOf numbers the clause's records, for "on version N".
	VersionOf map[string]int
	// May says which moves the caller may make, by kind.
	May map[string]bool
}

func (x *Section) clause(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, id := r.Context(), r.PathValue("id")
	c, err := web.Get[negotiation.Clause](ctx, x.svc(), caller, negotiation.KindClause, id)
	if err != nil {
		return err
	}
	b, err := LoadBoard(ctx, x.svc(), caller)
	if err != nil {
		return err
	}
	states := b.States()
	v := clauseView{Item: c, State: states[id], Blocked: blocked(web.Printer(r), b, states[id], states), VersionOf: map[string]int{},
		May: x.may(caller, negotiation.KindClause, negotiation.KindConfirmation, negotiation.KindReport, negotiation.KindApproval, negotiation.KindReview)}
	if v.Versions, err = history[negotiation.Clause](ctx, x.svc(), caller, negotiation.KindClause, id); err != nil {
		return err
	}
	for _, ver := range v.Versions {
		v.VersionOf[ver.RecordID] = ver.N
	}
	// The diff between any two versions the query names; by default the
	// last edit.
	last := len(v.Versions)
	v.From, v.To = max(last-1, 1), last
	q := r.URL.Query()
	if f, err := strconv.Atoi(q.Get("from")); err == nil && f >= 1 && f <= last {
		v.From = f
	}
	if t, err := strconv.Atoi(q.Get("to")); err == nil && t >= 1 && t <= last {
		v.To = t
	}
	if last > 0 {
		v.Diff = worddiff.Diff(v.Versions[v.From-1].V.Wording(), v.Versions[v.To-1].V.Wording())
	}
	if v.Confirmations, err = web.Load[negotiation.Confirmation](ctx, x.svc(), caller, negotiation.KindConfirmation, id); err != nil {
		return err
	}
	if v.Reports, err = web.Load[negotiation.Report](ctx, x.svc(), caller, negotiation.KindReport, id); err != nil {
		return err
	}
	if v.Approvals, err = web.Load[negotiation.Approval](ctx, x.svc(), caller, negotiation.KindApproval, id); err != nil {
		return err
	}
	if v.Reviews, err = web.Load[negotiation.Review](ctx, x.svc(), caller, negotiation.KindReview, id); err != nil {
		return err
	}
	pas, err := web.Load[negotiation.PackageApproval](ctx, x.svc(), caller, negotiation.KindPackageApproval, "")
	if err != nil {
		return err
	}
	for _, pa := range slices.Backward(pas) {
		if slices.ContainsFunc(pa.V.Clauses, func(cv negotiation.ClauseVersion) bool { return cv.ClauseID == id }) {
			v.PackageApprovals = append(v.PackageApprovals, pa)
		}
	}
	slices.Reverse(v.Confirmations)
	slices.Reverse(v.Reports)
	slices.Reverse(v.Approvals)
	n, err := x.names(ctx, caller)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "clause", web.Page{Title: web.T(r, "Clause %s", c.V.Label()), Nav: "text", Names: n, Data: v})
	return nil
}

type readinessView struct {
	Texts []readinessText
}

type readinessText struct {
	ID    string
	Title string
	// Counts is how many clauses stand at each stage, in stage order.
	Counts  []stageCount
	Total   int
	Final   int
	Aspects []clauseGroup
	// Blockers are what stands between the text and a leaders' meeting.
	OpenBrackets, MissingApprovals, Unmet []string
}

type stageCount struct {
	Stage negotiation.Stage
	N     int
}

func (x *Section) readiness(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	b, err := LoadBoard(ctx, x.svc(), caller)
	if err != nil {
		return err
	}
	n, err := x.names(ctx, caller)
	if err != nil {
		return err
	}
	v := readinessOf(web.Printer(r), b, n)
	x.site.Render(w, r, caller, http.StatusOK, "readiness", web.Page{Title: web.T(r, "Readiness"), Nav: "readiness", Names: n, Data: v})
	return nil
}

// readinessOf says, per text and aspect, how far the clauses are from
// final and what blocks a leaders' meeting, in p's language.
func readinessOf(p *i18n.Printer, b *negotiation.Board, n *names) readinessView {
	states := b.States()
	var v readinessView
	ids := make([]string, 0, len(b.Texts))
	for id := range b.Texts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rt := readinessText{ID: id, Title: b.Texts[id].Title, Aspects: group(p, b, states, id, n)}
		counts := map[negotiation.Stage]int{}
		for _, g := range rt.Aspects {
			for _, st := range g.Clauses {
				counts[st.Stage]++
				rt.Total++
				label := st.Clause.Label()
				if len(st.Brackets) > 0 {
					rt.OpenBrackets = append(rt.OpenBrackets, label)
				}
				if st.Stage != negotiation.StageFinal {
					if miss := st.Awaiting(); len(miss) > 0 {
						rt.MissingApprovals = append(rt.MissingApprovals, p.T("%s: %d of %d capitals", label, len(miss), len(st.Approvers)))
					}
				}
				rt.Unmet = append(rt.Unmet, blocked(p, b, st, states)...)
			}
		}
		rt.Final = counts[negotiation.StageFinal]
		for _, s := range negotiation.Stages {
			rt.Counts = append(rt.Counts, stageCount{s, counts[s]})
		}
		rt.Unmet = slices.Compact(slices.Sorted(slices.Values(rt.Unmet)))
		v.Texts = append(v.Texts, rt)
	}
	return v
}
