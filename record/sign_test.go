package record

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func testStatement() Statement {
	return Statement{
		Kind: "talks.approval", Party: "ua", Signer: "p-1",
		On:         &EntityVersion{Kind: "talks.aspect", ID: "a1", Record: "r-7", Commitment: []byte{1, 2, 3}},
		Supersedes: "r-9",
		At:         time.Date(2026, 1, 24, 10, 0, 0, 123456000, time.UTC),
		Body:       json.RawMessage(`{"decision":"approved", "aspect_id":"a1","party_id":"ua"}`),
	}
}

func TestSignAndVerify(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "kyiv-approver")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	st := testStatement()
	sig, err := Sign(signer, vkey, st)
	if err != nil {
		t.Fatal(err)
	}
	// Key order and spacing do not matter: the canonical body is signed.
	same := st
	same.Body = json.RawMessage(`{"aspect_id":"a1","decision":"approved","party_id":"ua"}`)
	if err := VerifyStatement(sig, same); err != nil {
		t.Errorf("a good signature fails: %v", err)
	}
	// Every binding counts: a signature over one statement verifies for no
	// other.
	for name, change := range map[string]func(s *Statement){
		"decision": func(s *Statement) {
			s.Body = json.RawMessage(`{"aspect_id":"a1","decision":"rejected","party_id":"ua"}`)
		},
		"kind":   func(s *Statement) { s.Kind = "talks.other" },
		"party":  func(s *Statement) { s.Party = "ru" },
		"signer": func(s *Statement) { s.Signer = "p-2" },
		"version": func(s *Statement) {
			s.On = &EntityVersion{Kind: "talks.aspect", ID: "a1", Record: "r-8", Commitment: []byte{1, 2, 3}}
		},
		"commitment": func(s *Statement) {
			s.On = &EntityVersion{Kind: "talks.aspect", ID: "a1", Record: "r-7", Commitment: []byte{1, 2, 4}}
		},
		"no on":        func(s *Statement) { s.On = nil },
		"supersedes":   func(s *Statement) { s.Supersedes = "r-10" },
		"first":        func(s *Statement) { s.Supersedes = "" },
		"time":         func(s *Statement) { s.At = s.At.Add(time.Microsecond) },
		"another body": func(s *Statement) { s.Body = json.RawMessage(`{}`) },
	} {
		other := st
		change(&other)
		if err := VerifyStatement(sig, other); err == nil {
			t.Errorf("a signature verifies over a statement with another %s", name)
		}
	}
	_, otherKey, _ := note.GenerateKey(rand.Reader, "kyiv-approver")
	if err := VerifyStatement(Signature{Key: otherKey, Value: sig.Value}, st); err == nil {
		t.Error("a signature verifies with another key of the same name")
	}
	if _, err := SignatureFromLine(vkey, "— moscow-approver AAAA"); err == nil || !strings.Contains(err.Error(), "not by the registered key") {
		t.Errorf("a line by another key name: %v", err)
	}

	// The envelope keeps what the statement binds, so the statement is
	// remade from the record alone.
	env := Envelope{V: Version, ID: "r-11", Kind: st.Kind, Subject: "r-11", At: st.At.Add(time.Second),
		Author: Author{Principal: st.Signer, Party: st.Party}, Audience: Audience{Scope: Parties}, Body: st.Body, Sig: &sig}
	if err := VerifyEnvelope(env); err != nil {
		t.Errorf("the signed envelope: %v", err)
	}
	raw, err := Canonical(env)
	if err != nil {
		t.Fatal(err)
	}
	var back Envelope
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if err := VerifyEnvelope(back); err != nil {
		t.Errorf("the envelope read back from its canonical bytes: %v", err)
	}
	back.Sig.Supersedes = ""
	if err := VerifyEnvelope(back); err == nil {
		t.Error("an envelope whose supersedes was removed still verifies")
	}
}

func TestStatementText(t *testing.T) {
	st := testStatement()
	text, err := st.Text()
	if err != nil {
		t.Fatal(err)
	}
	want := "parley-signed/v2\nkind talks.approval\nparty ua\nsigner p-1\non talks.aspect a1 r-7 AQID\nsupersedes r-9\n" +
		"at 2026-01-24T10:00:00.123456Z\n" + `{"aspect_id":"a1","decision":"approved","party_id":"ua"}` + "\n"
	if text != want {
		t.Errorf("text:\n%s\nwant:\n%s", text, want)
	}
	back, err := ParseStatement(text)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := back.Text(); again != text {
		t.Errorf("parsed and written again:\n%s", again)
	}
	first := st
	first.On, first.Supersedes = nil, ""
	text, _ = first.Text()
	if !strings.Contains(text, "\non none\nsupersedes none\n") {
		t.Errorf("a first statement on nothing:\n%s", text)
	}
	if back, err := ParseStatement(text); err != nil || back.On != nil || back.Supersedes != "" {
		t.Errorf("parsing it: %+v %v", back, err)
	}
	if back, _ := ParseStatement(text); back.Chain() != "talks.approval - ua" {
		t.Errorf("chain %q", back.Chain())
	}
	if c := st.Chain(); c != "talks.approval talks.aspect/a1 ua" {
		t.Errorf("chain %q", c)
	}

	for name, bad := range map[string]string{
		"no newline at the end": strings.TrimSuffix(want, "\n"),
		"another header":        strings.Replace(want, "v2", "v1", 1),
		"lines swapped":         strings.Replace(want, "party ua\nsigner p-1", "signer p-1\nparty ua", 1),
		"local time":            strings.Replace(want, "10:00:00.123456Z", "12:00:00.123456+02:00", 1),
		"body not canonical":    strings.Replace(want, `{"aspect_id":"a1",`, `{ "aspect_id":"a1",`, 1),
		"short on":              strings.Replace(want, "on talks.aspect a1 r-7 AQID", "on talks.aspect a1", 1),
		"bad base64":            strings.Replace(want, "AQID", "AQI*", 1),
		"space in a field":      strings.Replace(want, "signer p-1", "signer p 1", 1),
		"extra line":            want + "more\n",
	} {
		if _, err := ParseStatement(bad); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	for name, st := range map[string]Statement{
		"no time":          {Kind: "k.k", Party: "ua", Signer: "p", Body: json.RawMessage(`{}`)},
		"no signer":        {Kind: "k.k", Party: "ua", At: time.Now(), Body: json.RawMessage(`{}`)},
		"newline in party": {Kind: "k.k", Party: "u\na", Signer: "p", At: time.Now(), Body: json.RawMessage(`{}`)},
	} {
		if _, err := st.Text(); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}

func FuzzParseStatement(f *testing.F) {
	text, _ := testStatement().Text()
	f.Add(text)
	f.Add("parley-signed/v2\nkind k\nparty p\nsigner s\non none\nsupersedes none\nat 2026-01-24T10:00:00.000000Z\n{}\n")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStatement(s)
		if err != nil {
			return
		}
		// Whatever parses has exactly one text: its own.
		again, err := st.Text()
		if err != nil || again != s {
			t.Fatalf("parsed %q, wrote %q (%v)", s, again, err)
		}
	})
}
