package talks

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley-project/parley"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSessionValidation(t *testing.T) {
	round := &Round{Name: "r", Place: "p", StartsOn: "2026-01-23", EndsOn: "2026-01-24", Status: RoundConcluded}
	ua := &Person{Name: "U", PartyID: "ua"}
	resolved := parley.Resolved{parley.Key(KindRound, "r1"): round, parley.Key(KindPerson, "p1"): ua}
	valid := func() *Session {
		return &Session{RoundID: "r1", Title: "Plenary", Format: FormatPlenary, StartsAt: mustTime("2026-01-23T10:00:00+04:00"),
			MediatorPresent: true, Parties: []string{"us", "ua", "ru"}, Attendees: []string{"p1"}}
	}
	if err := valid().Validate(resolved); err != nil {
		t.Fatalf("valid session rejected: %v", err)
	}
	late := mustTime("2026-01-26T01:00:00+04:00")
	for name, tc := range map[string]struct {
		mutate func(*Session)
		field  string
	}{
		"before the round":        {func(s *Session) { s.StartsAt = mustTime("2026-01-22T23:00:00+04:00") }, "starts_at"},
		"after the round":         {func(s *Session) { s.StartsAt = mustTime("2026-01-25T00:30:00+04:00") }, "starts_at"},
		"ends two days after":     {func(s *Session) { s.EndsAt = &late }, "ends_at"},
		"direct with mediator":    {func(s *Session) { s.Format = FormatDirect }, "mediator_present"},
		"no parties":              {func(s *Session) { s.Parties = nil }, "parties"},
		"attendee of other party": {func(s *Session) { s.Parties = []string{"us", "ru"} }, "attendees[0]"},
		"unknown format":          {func(s *Session) { s.Format = "dinner" }, "format"},
		"missing title":           {func(s *Session) { s.Title = "" }, "title"},
		"unresolved round":        {func(s *Session) { s.RoundID = "nope" }, "round_id"},
		"missing start":           {func(s *Session) { s.StartsAt = time.Time{} }, "starts_at"},
		"bad precision":           {func(s *Session) { s.Precision = "year" }, "precision"},
	} {
		s := valid()
		tc.mutate(s)
		var fe *parley.FieldError
		if err := s.Validate(resolved); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error %v, want one on field %s", name, err, tc.field)
		}
	}
}

func TestNightMeetingUsesItsOwnOffset(t *testing.T) {
	// 23:45 in Moscow is 20:45 UTC on the same day; 00:30 in Abu Dhabi on
	// the 24th is 20:30 UTC on the 23rd. The day that counts is the local one.
	r := &Round{StartsOn: "2026-01-24", EndsOn: "2026-01-24"}
	if !r.Contains(mustTime("2026-01-24T00:30:00+04:00")) {
		t.Error("a session at 00:30 local time on the round's day is outside it")
	}
	if r.Contains(mustTime("2026-01-23T23:30:00+04:00")) {
		t.Error("a session the evening before is inside the round")
	}
}

func TestDelegationValidation(t *testing.T) {
	r := parley.Resolved{parley.Key(KindPerson, "a"): &Person{Name: "A", PartyID: "ua"}, parley.Key(KindPerson, "b"): &Person{Name: "B", PartyID: "ru"}}
	d := &Delegation{RoundID: "r", PartyID: "ua", Members: []Member{{PersonID: "a", Role: DelegationHead}}}
	if err := d.Validate(r); err != nil {
		t.Fatalf("valid delegation rejected: %v", err)
	}
	for name, tc := range map[string]struct {
		d     *Delegation
		field string
	}{
		"no members":       {&Delegation{RoundID: "r", PartyID: "ua"}, "members"},
		"other party":      {&Delegation{RoundID: "r", PartyID: "ua", Members: []Member{{PersonID: "b", Role: DelegationAdviser}}}, "members[0].person_id"},
		"two heads":        {&Delegation{RoundID: "r", PartyID: "ua", Members: []Member{{PersonID: "a", Role: DelegationHead}, {PersonID: "c", Role: DelegationHead}}}, "members"},
		"twice":            {&Delegation{RoundID: "r", PartyID: "ua", Members: []Member{{PersonID: "a", Role: DelegationAdviser}, {PersonID: "a", Role: DelegationAdviser}}}, "members[1].person_id"},
		"unknown role":     {&Delegation{RoundID: "r", PartyID: "ua", Members: []Member{{PersonID: "a", Role: "spy"}}}, "members[0].role"},
		"missing party_id": {&Delegation{RoundID: "r", Members: []Member{{PersonID: "a", Role: DelegationAdviser}}}, "party_id"},
	} {
		var fe *parley.FieldError
		if err := tc.d.Validate(r); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error %v, want one on field %s", name, err, tc.field)
		}
	}
}

func TestRoundAndOtherValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		e     parley.Entity
		field string
	}{
		"round ends before it starts": {&Round{Name: "n", Place: "p", StartsOn: "2026-02-02", EndsOn: "2026-02-01", Status: RoundPlanned}, "ends_on"},
		"round bad date":              {&Round{Name: "n", Place: "p", StartsOn: "2026-02-30", Status: RoundPlanned}, "starts_on"},
		"round bad status":            {&Round{Name: "n", Place: "p", StartsOn: "2026-02-01", EndsOn: "2026-02-01", Status: "won"}, "status"},
		"party bad id":                {&Party{ID: "U S", Name: "x", Role: "party"}, "id"},
		"party bad role":              {&Party{ID: "us", Name: "x", Role: "king"}, "role"},
		"aspect no title":             {&Aspect{Status: AspectOpen}, "title"},
		"action bad due":              {&ActionItem{Title: "t", OwnerParty: "ua", Status: ActionOpen, Due: "soon"}, "due"},
		"statement no source":         {&Statement{SpeakerName: "s", Text: "t", SaidAt: time.Now()}, "source.name"},
		"person untitled title":       {&Person{Name: "n", PartyID: "ua", Titles: []SourcedTitle{{Source: "A"}}}, "titles[0].title"},
	} {
		tc.e.Normalize()
		var fe *parley.FieldError
		if err := tc.e.Validate(parley.Resolved{}); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error %v, want one on field %s", name, err, tc.field)
		}
	}
}

// TestMediatorPresenceMessages keeps the refusals of a session whose
// mediator_present contradicts its format, each a message of its own for
// translation, as they read when they were one format.
func TestMediatorPresenceMessages(t *testing.T) {
	for f, want := range mediatorPresence {
		var fe *parley.FieldError
		if err := mediatorPresenceError(f, want); !errors.As(err, &fe) || fe.Field != "mediator_present" ||
			fe.Message != fmt.Sprintf("must be %t for a %s session", want, FormatLabels[f]) {
			t.Errorf("%s: %v", f, err)
		}
	}
}
