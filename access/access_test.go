package access

import (
	"testing"

	"github.com/parley-project/parley/record"
)

func TestCanSee(t *testing.T) {
	med := Viewer{Party: "med", Participant: true, Mediator: true}
	a := Viewer{Party: "a", Participant: true}
	obs := Viewer{Party: "obs"}
	auds := map[string]record.Audience{
		"public": {Scope: record.Public}, "parties": {Scope: record.Parties},
		"a+med": {Scope: record.PartyMediator, Party: "a"}, "b+med": {Scope: record.PartyMediator, Party: "b"},
		"a only": {Scope: record.PartyOnly, Party: "a"}, "b only": {Scope: record.PartyOnly, Party: "b"},
		"list a,obs": {Scope: record.List, Parties: []string{"a", "obs"}},
	}
	want := map[string][]string{
		"anonymous": {"public"},
		"med":       {"public", "parties", "a+med", "b+med"},
		"a":         {"public", "parties", "a+med", "a only", "list a,obs"},
		"obs":       {"public", "list a,obs"},
		"system":    {"public", "parties", "a+med", "b+med", "a only", "b only", "list a,obs"},
	}
	for name, v := range map[string]Viewer{"anonymous": Anonymous, "med": med, "a": a, "obs": obs, "system": System} {
		seen := map[string]bool{}
		for _, n := range want[name] {
			seen[n] = true
		}
		for an, aud := range auds {
			if got := CanSee(v, aud); got != seen[an] {
				t.Errorf("viewer %s, audience %s: CanSee = %t, want %t", name, an, got, seen[an])
			}
		}
	}
}

func TestMediatorCannotReadOrWriteAPartysOwnChannel(t *testing.T) {
	p := Principal{Party: "med", PartyRole: ProcessMediator, Roles: []Role{RoleMediator}}
	if CanWriteAudience(p, record.Audience{Scope: record.PartyOnly, Party: "a"}) == nil {
		t.Error("the mediator could write into party a's own channel")
	}
	if err := CanWriteAudience(p, record.Audience{Scope: record.PartyMediator, Party: "a"}); err != nil {
		t.Errorf("the mediator could not write to a+mediator: %v", err)
	}
	q := Principal{Party: "b", PartyRole: ProcessParty}
	if CanWriteAudience(q, record.Audience{Scope: record.PartyMediator, Party: "a"}) == nil {
		t.Error("party b could write into party a's mediator channel")
	}
}

func TestPasswordsAndTokens(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsE") || CheckPassword("garbage", "x") {
		t.Error("password check is wrong")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	tok, hash := NewToken()
	if HashToken(tok) != hash || tok[:len(TokenPrefix)] != TokenPrefix {
		t.Error("token hash does not match")
	}
}

func TestCovers(t *testing.T) {
	vs := []Viewer{{Party: "med", Participant: true, Mediator: true}, {Party: "a", Participant: true}, {Party: "b", Participant: true}, {Party: "obs"}}
	pub, parties := record.Audience{Scope: record.Public}, record.Audience{Scope: record.Parties}
	aOnly := record.Audience{Scope: record.PartyOnly, Party: "a"}
	aMed := record.Audience{Scope: record.PartyMediator, Party: "a"}
	for _, tc := range []struct {
		outer, inner record.Audience
		want         bool
	}{
		{pub, pub, true}, {pub, aOnly, true}, {parties, pub, false}, {parties, aMed, true}, {aMed, aOnly, true},
		{aOnly, aMed, false}, {aMed, parties, false}, {parties, record.Audience{Scope: record.List, Parties: []string{"a", "obs"}}, false},
		{aMed, record.Audience{Scope: record.List, Parties: []string{"a", "med"}}, true},
	} {
		if got := Covers(tc.outer, tc.inner, vs); got != tc.want {
			t.Errorf("Covers(%v, %v) = %t, want %t", tc.outer, tc.inner, got, tc.want)
		}
	}
}
