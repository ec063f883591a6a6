package talksweb

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// timelineEntry is one dated thing on the timeline; exactly one of Round,
// Session and Statement is set.
type timelineEntry struct {
	when      time.Time
	precision talks.Precision
	order     int
	seq       int64
	Round     *item[talks.Round]
	Session   *item[talks.Session]
	Statement *item[talks.Statement]
}

type timelineMonth struct {
	Label   string
	Entries []timelineEntry
}

func (x *Section) timeline(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	rounds, err := load[talks.Round](ctx, x.svc(), caller, talks.KindRound, "")
	if err != nil {
		return err
	}
	sessions, err := load[talks.Session](ctx, x.svc(), caller, talks.KindSession, "")
	if err != nil {
		return err
	}
	statements, err := load[talks.Statement](ctx, x.svc(), caller, talks.KindStatement, "")
	if err != nil {
		return err
	}
	n, err := x.loadNames(r, caller, talks.KindParty)
	if err != nil {
		return err
	}
	n.rounds = make(map[string]*talks.Round, len(rounds))
	for _, rd := range rounds {
		n.rounds[rd.ID] = rd.V
	}
	var entries []timelineEntry
	for i := range rounds {
		t, _ := rounds[i].V.StartsOn.Time()
		entries = append(entries, timelineEntry{when: t, precision: talks.PrecisionDay, order: 0, seq: rounds[i].CreatedSeq, Round: &rounds[i]})
	}
	for i := range sessions {
		entries = append(entries, timelineEntry{when: sessions[i].V.StartsAt, precision: sessions[i].V.Precision, order: 1, seq: sessions[i].CreatedSeq, Session: &sessions[i]})
	}
	for i := range statements {
		entries = append(entries, timelineEntry{when: statements[i].V.SaidAt, precision: statements[i].V.Precision, order: 2, seq: statements[i].CreatedSeq, Statement: &statements[i]})
	}
	// Entries sort by their day where they happened (see localDay); within
	// a day a round comes before its sessions, and sessions before what was
	// said.
	slices.SortStableFunc(entries, func(a, b timelineEntry) int {
		return cmp.Or(cmp.Compare(localDay(a.when), localDay(b.when)),
			cmp.Compare(a.order, b.order), chrono(a.when, a.precision, b.when, b.precision), cmp.Compare(a.seq, b.seq))
	})
	var months []timelineMonth
	p := web.Printer(r)
	for _, e := range entries {
		label := p.Time(e.when, "January 2006")
		if len(months) == 0 || months[len(months)-1].Label != label {
			months = append(months, timelineMonth{Label: label})
		}
		m := &months[len(months)-1]
		m.Entries = append(m.Entries, e)
	}
	x.site.Render(w, r, caller, http.StatusOK, "timeline", web.Page{Title: web.T(r, "Timeline"), Nav: "timeline", Names: n, Data: months})
	return nil
}

// localDay is the calendar day of t where it happened. Things sort by it
// first: a day-precision session in Abu Dhabi is stored as local midnight,
// the evening before in UTC, and must not come before that evening's meeting
// in Moscow.
func localDay(t time.Time) string { return t.Format(time.DateOnly) }

// chrono orders two things of the same day by their time, if both times are
// known; otherwise it leaves them in the order they were recorded, rather
// than invent an order from the midnights that stand for unknown hours.
func chrono(a time.Time, ap talks.Precision, b time.Time, bp talks.Precision) int {
	if timed(ap) && timed(bp) {
		return a.Compare(b)
	}
	return 0
}

func timed(p talks.Precision) bool { return p == "" || p == talks.PrecisionMinute }

func sortRounds(rounds []item[talks.Round]) {
	slices.SortStableFunc(rounds, func(a, b item[talks.Round]) int {
		return cmp.Compare(a.V.StartsOn, b.V.StartsOn)
	})
}

func (x *Section) rounds(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	rounds, err := load[talks.Round](r.Context(), x.svc(), caller, talks.KindRound, "")
	if err != nil {
		return err
	}
	sortRounds(rounds)
	x.site.Render(w, r, caller, http.StatusOK, "rounds", web.Page{Title: web.T(r, "Rounds"), Nav: "rounds", Data: rounds})
	return nil
}

type roundView struct {
	Round       item[talks.Round]
	Sessions    []item[talks.Session]
	Delegations []item[talks.Delegation]
	Actions     []item[talks.ActionItem]
	Statements  []item[talks.Statement]
}

func (x *Section) round(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, id := r.Context(), r.PathValue("id")
	round, err := get[talks.Round](ctx, x.svc(), caller, talks.KindRound, id)
	if err != nil {
		return err
	}
	v := roundView{Round: round}
	if v.Sessions, err = load[talks.Session](ctx, x.svc(), caller, talks.KindSession, id); err != nil {
		return err
	}
	slices.SortStableFunc(v.Sessions, func(a, b item[talks.Session]) int {
		return cmp.Or(cmp.Compare(localDay(a.V.StartsAt), localDay(b.V.StartsAt)), chrono(a.V.StartsAt, a.V.Precision, b.V.StartsAt, b.V.Precision))
	})
	if v.Delegations, err = load[talks.Delegation](ctx, x.svc(), caller, talks.KindDelegation, id); err != nil {
		return err
	}
	if v.Actions, err = load[talks.ActionItem](ctx, x.svc(), caller, talks.KindAction, id); err != nil {
		return err
	}
	sortActions(v.Actions)
	if v.Statements, err = load[talks.Statement](ctx, x.svc(), caller, talks.KindStatement, id); err != nil {
		return err
	}
	sortStatements(v.Statements)
	n, err := x.loadNames(r, caller, talks.KindParty, talks.KindPerson, talks.KindAspect)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "round", web.Page{Title: round.V.Name, Nav: "rounds", Names: n, Data: v})
	return nil
}

func (x *Section) parties(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	parties, err := load[talks.Party](r.Context(), x.svc(), caller, talks.KindParty, "")
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "parties", web.Page{Title: web.T(r, "Parties"), Nav: "parties", Data: parties})
	return nil
}

type partyDelegation struct {
	Round      item[talks.Round]
	Delegation item[talks.Delegation]
}

type partyView struct {
	Party  item[talks.Party]
	People []item[talks.Person]
	// Delegations are in round order; one to a round the caller may not
	// see is left out, as the round is.
	Delegations []partyDelegation
}

func (x *Section) party(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, id := r.Context(), r.PathValue("id")
	party, err := get[talks.Party](ctx, x.svc(), caller, talks.KindParty, id)
	if err != nil {
		return err
	}
	v := partyView{Party: party}
	if v.People, err = load[talks.Person](ctx, x.svc(), caller, talks.KindPerson, id); err != nil {
		return err
	}
	rounds, err := load[talks.Round](ctx, x.svc(), caller, talks.KindRound, "")
	if err != nil {
		return err
	}
	sortRounds(rounds)
	// One query for every delegation, not one per round: a process has
	// few rounds and few delegations, and this page shows them all.
	delegations, err := load[talks.Delegation](ctx, x.svc(), caller, talks.KindDelegation, "")
	if err != nil {
		return err
	}
	for _, rd := range rounds {
		for _, d := range delegations {
			if d.V.PartyID == id && d.V.RoundID == rd.ID {
				v.Delegations = append(v.Delegations, partyDelegation{Round: rd, Delegation: d})
			}
		}
	}
	n, err := x.loadNames(r, caller, talks.KindPerson)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "party", web.Page{Title: party.V.Name, Nav: "parties", Names: n, Data: v})
	return nil
}

func (x *Section) agenda(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	aspects, err := load[talks.Aspect](r.Context(), x.svc(), caller, talks.KindAspect, "")
	if err != nil {
		return err
	}
	slices.SortStableFunc(aspects, func(a, b item[talks.Aspect]) int { return cmp.Compare(a.V.Order, b.V.Order) })
	approvals, err := load[talks.Approval](r.Context(), x.svc(), caller, talks.KindApproval, "")
	if err != nil {
		return err
	}
	// Each aspect with the capitals' signed decisions on it: each party's
	// latest first, by its chain of decisions, then those it superseded.
	type aspectView struct {
		item[talks.Aspect]
		Approvals []decision[talks.Approval]
	}
	views := make([]aspectView, len(aspects))
	for i, a := range aspects {
		views[i].item = a
		var on []item[talks.Approval]
		for _, ap := range approvals {
			if ap.V.AspectID == a.ID {
				on = append(on, ap)
			}
		}
		views[i].Approvals = chains(on)
	}
	n, err := x.loadNames(r, caller, talks.KindParty)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "agenda", web.Page{Title: web.T(r, "Agenda"), Nav: "agenda", Names: n, Data: views})
	return nil
}

// sortActions orders action items by due date, those without one last.
func sortActions(as []item[talks.ActionItem]) {
	slices.SortStableFunc(as, func(a, b item[talks.ActionItem]) int {
		if (a.V.Due == "") != (b.V.Due == "") {
			if a.V.Due == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.V.Due, b.V.Due)
	})
}

func sortStatements(ss []item[talks.Statement]) {
	slices.SortStableFunc(ss, func(a, b item[talks.Statement]) int {
		return cmp.Or(cmp.Compare(localDay(a.V.SaidAt), localDay(b.V.SaidAt)), chrono(a.V.SaidAt, a.V.Precision, b.V.SaidAt, b.V.Precision))
	})
}

type actionsView struct {
	Open, Done, Cancelled []item[talks.ActionItem]
}

func (x *Section) actions(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	all, err := load[talks.ActionItem](ctx, x.svc(), caller, talks.KindAction, "")
	if err != nil {
		return err
	}
	sortActions(all)
	var v actionsView
	for _, a := range all {
		switch a.V.Status {
		case talks.ActionDone:
			v.Done = append(v.Done, a)
		case talks.ActionCancelled:
			v.Cancelled = append(v.Cancelled, a)
		default:
			v.Open = append(v.Open, a)
		}
	}
	n, err := x.loadNames(r, caller, talks.KindParty, talks.KindPerson, talks.KindRound, talks.KindAspect)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "actions", web.Page{Title: web.T(r, "Action items"), Nav: "actions", Names: n, Data: v})
	return nil
}

func (x *Section) statements(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	all, err := load[talks.Statement](ctx, x.svc(), caller, talks.KindStatement, "")
	if err != nil {
		return err
	}
	sortStatements(all)
	n, err := x.loadNames(r, caller, talks.KindParty, talks.KindRound, talks.KindAspect)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "statements", web.Page{Title: web.T(r, "Statements"), Nav: "statements", Names: n, Data: all})
	return nil
}
